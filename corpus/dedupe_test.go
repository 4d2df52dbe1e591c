package corpus

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestDuplicateSimilarities logs the similarity matrix of the shipped
// documents (the evidence behind the thresholds in dedupe.go) and checks
// that the translation pair 001/003 is the only pair above them.
func TestDuplicateSimilarities(t *testing.T) {
	docs, _, err := LoadFS(context.Background(), Default(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ts termSets
	for _, d := range docs {
		ts.add(d.plainText())
	}
	t.Log("Jaccard / containment of stemmed term sets:")
	for i := range docs {
		var b strings.Builder
		for j := range docs {
			s := compare(ts.sets[i], ts.sets[j])
			fmt.Fprintf(&b, "  %.2f/%.2f", s.Jaccard, s.Containment)
			isPair := strings.HasPrefix(docs[i].ID, "001") && strings.HasPrefix(docs[j].ID, "003") ||
				strings.HasPrefix(docs[i].ID, "003") && strings.HasPrefix(docs[j].ID, "001")
			above := s.Jaccard >= docJaccard && s.Containment >= docContainment
			if i != j && above != isPair {
				t.Errorf("%s ~ %s: %.2f/%.2f, pair %v", docs[i].ID, docs[j].ID, s.Jaccard, s.Containment, isPair)
			}
		}
		t.Logf("%s (%3d terms)%s", docs[i].ID[:3], len(ts.sets[i]), b.String())
	}
}

func TestFindDuplicatesShipped(t *testing.T) {
	set, err := Build(context.Background(), Default(), nil, DefaultSplitOptions())
	if err != nil {
		t.Fatal(err)
	}
	r := set.Duplicates
	t.Log(r)
	if len(r.Documents) != 1 {
		t.Fatalf("got %d document pairs, want 1: %v", len(r.Documents), r)
	}
	p := r.Documents[0]
	if p.A != "001_3a04cc96b03d8b02.txt" || p.B != "003_6eff58b343190368.txt" {
		t.Errorf("pair = %s ~ %s, want 001 ~ 003", p.A, p.B)
	}
	marked := 0
	for _, c := range set.Chunks {
		if c.DupOf == "" {
			continue
		}
		marked++
		if c.DocID != p.B || !strings.HasPrefix(c.DupOf, p.A+"#") {
			t.Errorf("%s marked as a copy of %s", c.ID, c.DupOf)
		}
	}
	if marked != r.Passages || p.Passages != marked || marked < 3 {
		t.Errorf("%d passages marked, report says %d (pair %d); want at least 3 of 003's passages", marked, r.Passages, p.Passages)
	}
	// The first passage of each is the same lead paragraph, reworded.
	for _, c := range set.Chunks {
		if c.ID == "003_6eff58b343190368.txt#0" && c.DupOf != "001_3a04cc96b03d8b02.txt#0" {
			t.Errorf("003#0 DupOf = %q, want 001#0", c.DupOf)
		}
	}
}

func TestFindDuplicatesRules(t *testing.T) {
	story := "The harbour bridge in Port Alder reopened to traffic on Saturday after a two-year repair programme that replaced forty per cent of its steel deck, the council said. Officials said the work cost eighty-two million euros."
	other := "A new library opens in the old railway station next spring, with a children's floor, a maker space and a rooftop reading garden funded by local donors."
	doc := func(id string, paras ...string) Document {
		return Document{ID: id, Title: id, Sections: []Section{{Paragraphs: paras}}}
	}
	tests := []struct {
		name  string
		docs  []Document
		dupOf map[string]string // chunk ID -> DupOf
		pairs int
	}{
		{"exact copy across documents", []Document{doc("b.txt", story), doc("a.txt", story)}, map[string]string{"b.txt#0": "a.txt#0"}, 1},
		{"unrelated", []Document{doc("a.txt", story), doc("b.txt", other)}, map[string]string{}, 0},
		{"chain points at the first copy", []Document{doc("a.txt", story), doc("b.txt", story), doc("c.txt", story)},
			map[string]string{"b.txt#0": "a.txt#0", "c.txt#0": "a.txt#0"}, 3},
		{"tiny passages are never marked", []Document{doc("a.txt", "Yes."), doc("b.txt", "Yes.")}, map[string]string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := DefaultSplitOptions()
			chunks := SplitAll(tt.docs, opt)
			chunks[0].DupOf = "stale" // FindDuplicates resets old marks
			r := FindDuplicates(tt.docs, chunks)
			got := map[string]string{}
			for _, c := range chunks {
				if c.DupOf != "" {
					got[c.ID] = c.DupOf
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.dupOf) {
				t.Errorf("DupOf = %v, want %v", got, tt.dupOf)
			}
			if len(r.Documents) != tt.pairs || r.Passages != len(tt.dupOf) {
				t.Errorf("report = %v, want %d pairs, %d passages", r, tt.pairs, len(tt.dupOf))
			}
		})
	}
}

// TestFindDuplicatesScale checks that near-duplicate search stays fast on
// a large corpus; BenchmarkFindDuplicates measures it.
func TestFindDuplicatesScale(t *testing.T) {
	if testing.Short() {
		t.Skip("large corpus")
	}
	docs := syntheticCorpus(2000, 10)
	chunks := SplitAll(docs, DefaultSplitOptions())
	r := FindDuplicates(docs, chunks)
	t.Logf("%d documents, %d passages: %v", len(docs), len(chunks), r.String()[:60])
	if len(r.Documents) != 20 {
		t.Errorf("got %d document pairs, want the 20 planted copies", len(r.Documents))
	}
}
