// Package evalset scores faqbot on a question set: whether retrieval finds
// the right document, whether the answer cites it and states the key facts,
// and whether questions the corpus cannot answer are refused.
package evalset

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/retrieval"
)

// Question is one line of a question set (JSON Lines).
type Question struct {
	// Question is asked as a member would type it.
	Question string `json:"question"`
	// Sources are file-name prefixes of the documents that answer it; one
	// cited or retrieved match is enough.
	Sources []string `json:"sources,omitempty"`
	// Facts are the key facts the answer must state: each inner list holds
	// alternatives, one of which must appear (case-insensitively).
	Facts [][]string `json:"facts,omitempty"`
	// Refuse is true when the corpus does not hold the answer.
	Refuse bool `json:"refuse,omitempty"`
	// Title, when set, is the passage title (e.g. the FAQ entry's question)
	// the top source must have: for one-file FAQs, where the document alone
	// says little.
	Title string `json:"title,omitempty"`
}

// Read parses a question set, one JSON object per line; blank lines and
// lines starting with # or // are skipped. Every bad line is reported.
func Read(r io.Reader) ([]Question, error) {
	var qs []Question
	var errs []error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "//") {
			continue
		}
		var q Question
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&q); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		if strings.TrimSpace(q.Question) == "" {
			errs = append(errs, fmt.Errorf("line %d: no question", n))
			continue
		}
		if !q.Refuse && len(q.Sources) == 0 {
			errs = append(errs, fmt.Errorf("line %d: an answerable question needs sources", n))
			continue
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading question set: %w", err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(qs) == 0 {
		return nil, errors.New("the question set has no questions")
	}
	return qs, nil
}

// Answerer answers one question; *answer.Engine satisfies it.
type Answerer interface {
	Answer(ctx context.Context, q answer.Question) (answer.Answer, error)
}

// Searcher retrieves passages; *retrieval.Index satisfies it.
type Searcher interface {
	Search(ctx context.Context, query string, k int) ([]retrieval.Hit, error)
}

// Result is the outcome of one question.
type Result struct {
	// Line is the question's position in the set, from 1.
	Line     int
	Question Question
	Answer   answer.Answer
	Latency  time.Duration
	// Rank is the 1-based rank of the first retrieved passage from a right
	// document, 0 when none was retrieved.
	Rank int
	// CitedRight is true when a right document is among the cited sources.
	CitedRight bool
	// TopTitleRight is true when the first source has the expected Title.
	TopTitleRight bool
	// MissingFacts lists the fact groups absent from the answer.
	MissingFacts [][]string
	// Margin is the answer's decision margin: its best passage's
	// calibrated confidence minus retrieval.ConfidenceThreshold, positive
	// when the question was answered.
	Margin float64
	// TopScore is the calibrated confidence (Hit.Score) of the best
	// passage retrieved for the question as asked.
	TopScore float64
	// Shared is the number of content words the question shares with the
	// passage that answers it (see Report.GroupBySharedWords); -1 when not
	// computed or the question is not answerable.
	Shared int
}

// AnsweredRight reports whether an answerable question was answered from
// the right source: not refused, the right document cited, and for a
// question with a Title that entry the top source.
func (r Result) AnsweredRight() bool {
	return !r.Question.Refuse && !r.Answer.Refused && r.CitedRight && (r.Question.Title == "" || r.TopTitleRight)
}

// OK reports whether the question was handled as the set expects.
func (r Result) OK() bool { return len(r.Problems()) == 0 }

// Problems lists what went wrong, in words.
func (r Result) Problems() []string {
	var p []string
	if r.Question.Refuse {
		if !r.Answer.Refused {
			p = append(p, "answered but should refuse")
		}
		return p
	}
	if r.Answer.Refused {
		// The rank says whether a lower threshold could have answered
		// from the right document, or retrieval never found it.
		return append(p, fmt.Sprintf("refused but is answerable (retrieval rank %d)", r.Rank))
	}
	if !r.CitedRight {
		p = append(p, fmt.Sprintf("right document not cited (retrieval rank %d)", r.Rank))
	}
	if r.Question.Title != "" && !r.TopTitleRight {
		top := ""
		if len(r.Answer.Citations) > 0 {
			top = r.Answer.Citations[0].Title
		}
		p = append(p, fmt.Sprintf("top source %q, want %q", top, r.Question.Title))
	}
	for _, f := range r.MissingFacts {
		p = append(p, fmt.Sprintf("missing fact %q", strings.Join(f, "|")))
	}
	return p
}

// Report sums up a run.
type Report struct {
	K                         int
	Total, Answerable         int
	Unanswerable              int
	TitledQuestions           int
	HitAtK, MRR               float64
	CitedRight, TopTitleRight float64
	FactRecall                float64
	// Answered counts the answerable questions that were answered (not
	// refused), and AnsweredFacts is the share of those whose answer
	// states every key fact: how good an answer is when one is given,
	// apart from how often the bot declines.
	Answered        int
	AnsweredFacts   float64
	RefusalAccuracy float64
	FalseRefusals   float64
	// AnsweredElsewhere is the share of answerable questions answered
	// without a right document among the sources: a confident answer from
	// the wrong page, which FalseRefusals does not count and a member
	// trusts more than a refusal.
	AnsweredElsewhere float64
	// Tentative counts the answers marked tentative (answer.Answer.Tentative)
	// among each kind of answer given: whether the mark falls on the
	// answers that deserve it.
	Tentative TentativeCounts
	// Suggestions on refusals ("Did you mean…?"), which never count as
	// answers: of the answerable questions refused, how many offered a
	// right document among their suggestions (RefusedRightSuggested of
	// RefusedAnswerable); of the unanswerable ones refused, how many
	// offered anything (RefusedUnanswerableSuggesting of
	// RefusedUnanswerable).
	RefusedAnswerable, RefusedRightSuggested           int
	RefusedUnanswerable, RefusedUnanswerableSuggesting int
	P50, P95, Max                                      time.Duration
	// AnswerableScores and UnanswerableScores summarise the top
	// confidences of each kind of question: a threshold that separates
	// them lies between the lowest of the first and the highest of the
	// second.
	AnswerableScores, UnanswerableScores ScoreRange
	// FewShared sums up the answerable questions that share at most
	// FewSharedWords content words with their answering passage, once
	// GroupBySharedWords has run.
	FewShared Group
	Results   []Result
}

// TentativeCounts counts tentative answers (Right, Elsewhere, OffTopic)
// among the answers of each kind (the ...Of fields): answerable questions
// answered right (Result.AnsweredRight), answerable ones answered from
// another document or entry, and off-topic questions answered.
type TentativeCounts struct {
	Right, RightOf         int
	Elsewhere, ElsewhereOf int
	OffTopic, OffTopicOf   int
	// ElsewhereOffersRight counts the tentative answers from another
	// document (of Elsewhere) that offer a right one among their
	// alternatives: one click from the answer.
	ElsewhereOffersRight int
}

// ScoreRange summarises a set of scores.
type ScoreRange struct{ Min, Median, Max float64 }

func scoreRange(xs []float64) ScoreRange {
	if len(xs) == 0 {
		return ScoreRange{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return ScoreRange{Min: s[0], Median: s[len(s)/2], Max: s[len(s)-1]}
}

// Run asks every question and scores the answers. Retrieval is scored on
// the top k passages for the question as asked.
func Run(ctx context.Context, qs []Question, a Answerer, s Searcher, k int) (Report, error) {
	rep := Report{K: k, Total: len(qs)}
	var lat []time.Duration
	var hits, cited, titled, facts, elsewhere int
	var rr float64
	var ansScores, unScores []float64
	for i, q := range qs {
		res := Result{Line: i + 1, Question: q, Shared: -1}
		start := time.Now()
		ans, err := a.Answer(ctx, answer.Question{Text: q.Question})
		res.Latency = time.Since(start)
		if err != nil {
			return Report{}, fmt.Errorf("answering line %d: %w", i+1, err)
		}
		res.Answer = ans
		res.Margin = ans.Confidence - retrieval.ConfidenceThreshold
		lat = append(lat, res.Latency)
		found, err := s.Search(ctx, q.Question, k)
		if err != nil {
			return Report{}, fmt.Errorf("searching line %d: %w", i+1, err)
		}
		if len(found) > 0 {
			res.TopScore = found[0].Score
		}
		if q.Refuse {
			unScores = append(unScores, res.TopScore)
			rep.Unanswerable++
			if ans.Refused {
				rep.RefusedUnanswerable++
				if len(ans.Suggestions) > 0 {
					rep.RefusedUnanswerableSuggesting++
				}
			} else {
				rep.Tentative.OffTopicOf++
				if ans.Tentative {
					rep.Tentative.OffTopic++
				}
			}
			rep.Results = append(rep.Results, res)
			continue
		}
		rep.Answerable++
		ansScores = append(ansScores, res.TopScore)
		for j, h := range found {
			if matches(h.Chunk.DocID, q.Sources) {
				res.Rank = j + 1
				break
			}
		}
		if res.Rank > 0 {
			hits++
			rr += 1 / float64(res.Rank)
		}
		if ans.Refused {
			rep.RefusedAnswerable++
			for _, sg := range ans.Suggestions {
				if matches(sg.Source, q.Sources) {
					rep.RefusedRightSuggested++
					break
				}
			}
		}
		for _, c := range ans.Citations {
			if matches(c.Source, q.Sources) {
				res.CitedRight = true
			}
		}
		if res.CitedRight {
			cited++
		}
		if q.Title != "" {
			rep.TitledQuestions++
			if len(ans.Citations) > 0 && q.wantsEntry(ans.Citations[0].Title) {
				res.TopTitleRight = true
				titled++
			}
		}
		res.MissingFacts = missingFacts(ans.Text, q.Facts)
		if !ans.Refused {
			rep.Answered++
			if !res.CitedRight {
				elsewhere++
			}
			if len(res.MissingFacts) == 0 {
				facts++
			}
			if res.AnsweredRight() {
				rep.Tentative.RightOf++
				if ans.Tentative {
					rep.Tentative.Right++
				}
			} else {
				rep.Tentative.ElsewhereOf++
				if ans.Tentative {
					rep.Tentative.Elsewhere++
					if offersRight(ans.Alternatives, q) {
						rep.Tentative.ElsewhereOffersRight++
					}
				}
			}
		}
		rep.Results = append(rep.Results, res)
	}
	if rep.Answerable > 0 {
		n := float64(rep.Answerable)
		rep.HitAtK, rep.MRR = float64(hits)/n, rr/n
		rep.CitedRight, rep.FactRecall = float64(cited)/n, float64(facts)/n
		rep.FalseRefusals = float64(rep.RefusedAnswerable) / n
		rep.AnsweredElsewhere = float64(elsewhere) / n
	}
	if rep.Answered > 0 {
		rep.AnsweredFacts = float64(facts) / float64(rep.Answered)
	}
	if rep.TitledQuestions > 0 {
		rep.TopTitleRight = float64(titled) / float64(rep.TitledQuestions)
	}
	if rep.Unanswerable > 0 {
		rep.RefusalAccuracy = float64(rep.RefusedUnanswerable) / float64(rep.Unanswerable)
	}
	rep.P50, rep.P95, rep.Max = percentile(lat, 0.50), percentile(lat, 0.95), percentile(lat, 1)
	rep.AnswerableScores, rep.UnanswerableScores = scoreRange(ansScores), scoreRange(unScores)
	return rep, nil
}

// offersRight reports whether one of the offered entries answers q: from a
// right document and, when q names its entry, that entry.
func offersRight(ss []answer.Suggestion, q Question) bool {
	for _, s := range ss {
		if matches(s.Source, q.Sources) && q.wantsEntry(s.Title) {
			return true
		}
	}
	return false
}

// wantsEntry reports whether a passage titled title is the entry q is
// answered from: the one its Title names, ignoring case and surrounding
// space; any passage when it names none.
func (q Question) wantsEntry(title string) bool {
	return q.Title == "" || strings.EqualFold(strings.TrimSpace(title), strings.TrimSpace(q.Title))
}

func matches(docID string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(docID, p) {
			return true
		}
	}
	return false
}

func missingFacts(text string, facts [][]string) [][]string {
	low := strings.ToLower(text)
	var missing [][]string
	for _, alts := range facts {
		found := false
		for _, alt := range alts {
			if strings.Contains(low, strings.ToLower(alt)) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, alts)
		}
	}
	return missing
}

// percentile returns the nearest-rank percentile p (0..1] of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s))+0.999999) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}
