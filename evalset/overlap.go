package evalset

import "github.com/faqbot/faqbot/corpus"

// FewSharedWords is the most content words a question may share with the
// passage that answers it and still count as worded the member's way
// rather than the FAQ's: the group issue 11 measures, where matching words
// alone cannot find the answer.
const FewSharedWords = 1

// Group sums up the answerable questions of one kind.
type Group struct {
	// Questions is how many answerable questions the group has.
	Questions int
	// Answered is the share answered with the right source: the right
	// document cited and, for a question with a Title, that entry as the
	// top source.
	Answered float64
	// Refused is the share refused.
	Refused float64
	// HitAtK is the share whose right document was retrieved.
	HitAtK float64
}

// GroupBySharedWords finds, for every answerable question, the passages
// that answer it among chunks and the number of content words the question
// shares with them (Result.Shared), and sums up the questions that share at
// most FewSharedWords in Report.FewShared.
//
// A question's answering passages are the passages of its source documents
// (with its Title, when it has one) that state all its facts; when no
// single passage does, all of them. Content words are corpus.Terms (stop
// words dropped, stemmed), matched exactly, title included. A question
// shares the most words it shares with any of its answering passages, so
// it counts as sharing few only if no passage that answers it uses its
// words.
func (r *Report) GroupBySharedWords(chunks []corpus.Chunk) {
	terms := make([]map[string]bool, len(chunks))
	passageTerms := func(i int) map[string]bool {
		if terms[i] == nil {
			terms[i] = map[string]bool{}
			for _, t := range corpus.Terms(chunks[i].Title + "\n" + chunks[i].Text) {
				terms[i][t] = true
			}
		}
		return terms[i]
	}
	var g Group
	var answered, refused, hits int
	for i := range r.Results {
		res := &r.Results[i]
		res.Shared = -1
		if res.Question.Refuse {
			continue
		}
		ans := answeringPassages(res.Question, chunks)
		if len(ans) == 0 {
			continue
		}
		q := map[string]bool{}
		for _, t := range corpus.Terms(res.Question.Question) {
			q[t] = true
		}
		for _, p := range ans {
			n := 0
			pt := passageTerms(p)
			for t := range q {
				if pt[t] {
					n++
				}
			}
			res.Shared = max(res.Shared, n)
		}
		if res.Shared > FewSharedWords {
			continue
		}
		g.Questions++
		if res.AnsweredRight() {
			answered++
		}
		if res.Answer.Refused {
			refused++
		}
		if res.Rank > 0 {
			hits++
		}
	}
	if g.Questions > 0 {
		n := float64(g.Questions)
		g.Answered, g.Refused, g.HitAtK = float64(answered)/n, float64(refused)/n, float64(hits)/n
	}
	r.FewShared = g
}

// answeringPassages returns the indexes of the chunks that answer q.
func answeringPassages(q Question, chunks []corpus.Chunk) []int {
	var cands, withFacts []int
	for i, c := range chunks {
		if !matches(c.DocID, q.Sources) {
			continue
		}
		if !q.wantsEntry(c.Title) {
			continue
		}
		cands = append(cands, i)
		if len(q.Facts) > 0 && len(missingFacts(c.Title+"\n"+c.Text, q.Facts)) == 0 {
			withFacts = append(withFacts, i)
		}
	}
	if len(withFacts) > 0 {
		return withFacts
	}
	return cands
}
