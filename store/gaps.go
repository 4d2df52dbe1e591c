package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/faqbot/faqbot/corpus"
)

// Gap is a group of similar questions that faqbot refused, whose answers
// were voted down, or whose member picked another entry than the one a
// tentative answer was quoted from: an FAQ entry, or a phrasing, worth
// writing.
type Gap struct {
	// Question is the group's most frequent phrasing.
	Question string
	// Count is how many times questions of the group were asked (refused,
	// voted down, or answered and then redirected); Refused, Downvoted and
	// Redirected split it (an answer can be voted down and redirected
	// both, so Refused+Downvoted+Redirected >= Count). Redirected counts
	// answers, not refused, after which a member picked one of the other
	// entries offered (answer.Answer.Alternatives).
	Count, Refused, Downvoted, Redirected int
	// LastAsked is when a question of the group was last asked.
	LastAsked time.Time
	// Variants are other phrasings, most frequent first, at most
	// maxVariants.
	Variants []string
	// Picked are the entries members picked among those offered after the
	// group's refusals ("Did you mean…?") and tentative answers ("Not what
	// you asked?"), most picked first: the passage they meant, and so a
	// phrasing worth teaching.
	Picked []Picked
}

const (
	// gapSimilarity is the least Jaccard similarity of two questions' sets
	// of stemmed content words for them to be grouped. Questions are
	// short: "how do I reset my password" and "I forgot my password" share
	// one of three words (1/3), which a moderator would group; a higher bar
	// splits them, a lower one lets one shared common word merge topics.
	gapSimilarity = 1.0 / 3
	// gapCompare is how many of a group's most frequent phrasings a new
	// question is compared with. Comparing with all of them would let a
	// chain of small steps merge unrelated questions.
	gapCompare = 3
	// maxVariants is how many other phrasings a Gap lists.
	maxVariants = 5
)

// Gaps returns the most frequent groups of the server's questions asked
// since since that were refused, whose answer got more 👎 than 👍, or
// after whose answer a member picked another entry offered,
// largest group first, at most limit (all when limit <= 0). Votes on
// answers that were never recorded with RecordQuestion count too when they
// carry the question.
func (g sqlGuild) Gaps(ctx context.Context, since time.Time, limit int) ([]Gap, error) {
	rows, err := g.s.db.QueryContext(ctx, `
		WITH fb AS (
			SELECT answer_id, sum(vote) AS net, max(question) AS question, max(voted_at) AS at
			FROM feedback WHERE guild = ?2 GROUP BY answer_id)
		, pk AS (
			SELECT DISTINCT answer_id FROM suggestion_picks WHERE guild = ?2 AND picked_at >= ?1)
		SELECT q.answer_id, q.question, q.asked_at, q.refused, CASE WHEN coalesce(fb.net, 0) < 0 THEN 1 ELSE 0 END,
			CASE WHEN q.refused = 0 AND pk.answer_id IS NOT NULL THEN 1 ELSE 0 END
		FROM questions q LEFT JOIN fb ON fb.answer_id = q.answer_id LEFT JOIN pk ON pk.answer_id = q.answer_id
		WHERE q.guild = ?2 AND q.asked_at >= ?1 AND (q.refused = 1 OR fb.net < 0 OR pk.answer_id IS NOT NULL)
		UNION ALL
		SELECT fb.answer_id, fb.question, fb.at, 0, 1, 0 FROM fb
		WHERE fb.net < 0 AND fb.at >= ?1 AND fb.question != ''
			AND NOT EXISTS (SELECT 1 FROM questions q WHERE q.guild = ?2 AND q.answer_id = fb.answer_id)`, ms(since), g.id)
	if err != nil {
		return nil, fmt.Errorf("finding gaps: %w", err)
	}
	var asked []askedQuestion
	var ids []string
	for rows.Next() {
		var a askedQuestion
		var id sql.NullString
		var at int64
		if err := rows.Scan(&id, &a.text, &at, &a.refused, &a.down, &a.redirected); err != nil {
			rows.Close()
			return nil, fmt.Errorf("finding gaps: %w", err)
		}
		a.at = fromMS(at)
		asked = append(asked, a)
		ids = append(ids, id.String)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("finding gaps: %w", err)
	}
	picks, err := g.picksOf(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("finding gaps: %w", err)
	}
	for i, id := range ids {
		asked[i].picks = picks[id]
	}
	gaps := groupGaps(asked)
	if limit > 0 && len(gaps) > limit {
		gaps = gaps[:limit]
	}
	return gaps, nil
}

// askedQuestion is one refused, voted-down or redirected question.
type askedQuestion struct {
	text                      string
	at                        time.Time
	refused, down, redirected bool
	picks                     []Picked
}

// variant is one phrasing (after normalising case, spacing and
// punctuation) and how often it was asked.
type variant struct {
	text          string // the latest original phrasing
	terms         []string
	count         int
	refused, down int
	redirected    int
	last          time.Time
	picks         []Picked
}

// groupGaps groups questions first by their normalised text, then by the
// similarity of their stemmed content words, and orders the groups by size.
func groupGaps(asked []askedQuestion) []Gap {
	byKey := map[string]*variant{}
	var vs []*variant
	for _, a := range asked {
		k := normalize(a.text)
		if k == "" {
			continue
		}
		v := byKey[k]
		if v == nil {
			v = &variant{terms: termSet(a.text)}
			byKey[k] = v
			vs = append(vs, v)
		}
		v.count++
		if a.refused {
			v.refused++
		}
		if a.down {
			v.down++
		}
		if a.redirected {
			v.redirected++
		}
		v.picks = mergePicks(v.picks, a.picks)
		if !a.at.Before(v.last) {
			v.last, v.text = a.at, strings.TrimSpace(a.text)
		}
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].count != vs[j].count {
			return vs[i].count > vs[j].count
		}
		return vs[i].last.After(vs[j].last)
	})

	type group struct{ members []*variant }
	var groups []*group
	byTerm := map[string][]int{} // term -> groups holding it
	for _, v := range vs {
		best, bestSim := -1, 0.0
		seen := map[int]bool{}
		for _, t := range v.terms {
			for _, g := range byTerm[t] {
				if seen[g] {
					continue
				}
				seen[g] = true
				for _, m := range groups[g].members[:min(gapCompare, len(groups[g].members))] {
					if sim := jaccard(v.terms, m.terms); sim > bestSim || (sim == bestSim && g < best) {
						best, bestSim = g, sim
					}
				}
			}
		}
		if best < 0 || bestSim < gapSimilarity {
			best = len(groups)
			groups = append(groups, &group{})
		}
		groups[best].members = append(groups[best].members, v)
		for _, t := range v.terms {
			if l := byTerm[t]; len(l) == 0 || l[len(l)-1] != best {
				byTerm[t] = append(l, best)
			}
		}
	}

	gaps := make([]Gap, 0, len(groups))
	for _, g := range groups {
		gp := Gap{Question: g.members[0].text}
		for i, m := range g.members {
			gp.Count += m.count
			gp.Refused += m.refused
			gp.Downvoted += m.down
			gp.Redirected += m.redirected
			if m.last.After(gp.LastAsked) {
				gp.LastAsked = m.last
			}
			if i > 0 && len(gp.Variants) < maxVariants {
				gp.Variants = append(gp.Variants, m.text)
			}
			gp.Picked = mergePicks(gp.Picked, m.picks)
		}
		gaps = append(gaps, gp)
	}
	sort.SliceStable(gaps, func(i, j int) bool {
		if gaps[i].Count != gaps[j].Count {
			return gaps[i].Count > gaps[j].Count
		}
		return gaps[i].LastAsked.After(gaps[j].LastAsked)
	})
	return gaps
}

// normalize folds the differences that do not make a new phrasing: case,
// punctuation and spacing.
func normalize(q string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// termSet is the sorted set of a question's stemmed content words, or of
// all its words when it has no content words ("how do I?").
func termSet(q string) []string {
	ts := corpus.Terms(q)
	if len(ts) == 0 {
		ts = corpus.Words(q)
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}

// jaccard is |a∩b| / |a∪b| of two sorted sets.
func jaccard(a, b []string) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	inter, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
