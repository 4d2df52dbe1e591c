package evalset

import "strings"

// SourceCheck says how a question set's sources meet a corpus. A set run
// against the wrong corpus, or a misspelled source, scores 0% on those
// questions whatever the answers say; the check lets the caller say why.
type SourceCheck struct {
	// Unknown lists, in order of first use, the sources that are the
	// prefix of no document.
	Unknown []string
	// Orphans counts the answerable questions none of whose sources
	// matches a document: they cannot be answered right.
	Orphans int
	// Answerable counts the answerable questions.
	Answerable int
}

// CheckSources matches every question's sources against the IDs of the
// corpus's documents, as Run does.
func CheckSources(qs []Question, docIDs []string) SourceCheck {
	var c SourceCheck
	seen := map[string]bool{}
	for _, q := range qs {
		if q.Refuse {
			continue
		}
		c.Answerable++
		matched := false
		for _, s := range q.Sources {
			ok := false
			for _, id := range docIDs {
				if strings.HasPrefix(id, s) {
					ok = true
					break
				}
			}
			matched = matched || ok
			if !ok && !seen[s] {
				seen[s] = true
				c.Unknown = append(c.Unknown, s)
			}
		}
		if !matched {
			c.Orphans++
		}
	}
	return c
}
