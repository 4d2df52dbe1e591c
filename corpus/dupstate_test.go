package corpus

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
)

// dupCorpus is a corpus under edit for the incremental tests: documents
// by ID, split with the default options.
type dupCorpus map[string]Document

func (c dupCorpus) text(id string) (DocText, bool) {
	d, ok := c[id]
	if !ok {
		return DocText{}, false
	}
	return DocText{ID: id, Title: d.Title, Chunks: Split(d, DefaultSplitOptions())}, true
}

// whole examines the corpus from nothing.
func (c dupCorpus) whole(t *testing.T) *Duplicates {
	t.Helper()
	var docs []Document
	var chunks []Chunk
	for _, id := range slices.Sorted(maps.Keys(c)) {
		docs = append(docs, c[id])
		chunks = append(chunks, Split(c[id], DefaultSplitOptions())...)
	}
	d, err := NewDuplicates(context.Background(), docs, chunks)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// edit applies one change to the corpus and to d.
func (c dupCorpus) edit(t *testing.T, d *Duplicates, id string, doc *Document) {
	t.Helper()
	var ch DocChange
	if old, ok := c.text(id); ok {
		ch.Old = &old
	}
	if doc != nil {
		doc.ID = id
		c[id] = *doc
		nw, _ := c.text(id)
		ch.New = &nw
	} else {
		delete(c, id)
	}
	if err := d.Update(context.Background(), []DocChange{ch}, c.text); err != nil {
		t.Fatal(err)
	}
}

// sameDuplicates compares two states by what they report and mark.
func sameDuplicates(t *testing.T, step string, got, want *Duplicates) {
	t.Helper()
	if g, w := got.Report().String(), want.Report().String(); g != w {
		t.Errorf("%s: report\n%s\nwant (from nothing)\n%s", step, g, w)
	}
	if !maps.Equal(got.dupOf, want.dupOf) {
		t.Errorf("%s: marks %v, want (from nothing) %v", step, got.dupOf, want.dupOf)
	}
}

// TestDuplicatesIncremental edits a corpus one document at a time and
// checks after every edit that the updated state reports and marks what
// examining the whole corpus again does. The corpus stays under 20
// documents, so every term counts as rare and the sketches of unchanged
// documents are exactly what they would be anew.
func TestDuplicatesIncremental(t *testing.T) {
	docs := syntheticCorpus(12, 6)
	c := dupCorpus{}
	for _, d := range docs {
		c[d.ID] = d
	}
	d := c.whole(t)
	if len(d.Report().Documents) == 0 {
		t.Fatal("the corpus should start with its planted copy")
	}
	copyOf := func(id string) *Document {
		x := c[id]
		x.Sections = slices.Clone(x.Sections)
		return &x
	}
	abridge := func(id string) *Document {
		x := c[id]
		var ps []string
		for i, p := range x.Sections[0].Paragraphs {
			if i%3 != 2 {
				ps = append(ps, p)
			}
		}
		x.Sections = []Section{{Paragraphs: ps}}
		return &x
	}
	steps := []struct {
		name string
		id   string
		doc  func() *Document
	}{
		{"add a copy after its original", "doc000009-copy.txt", func() *Document { return copyOf("doc000004.txt") }},
		{"add a copy that sorts first, becoming the canonical", "aaa.txt", func() *Document { return copyOf("doc000007.txt") }},
		{"change a document into an abridged copy", "doc000003.txt", func() *Document { return abridge("doc000005.txt") }},
		{"remove an original", "doc000004.txt", nil},
		{"change a copy back into its own text", "doc000003.txt", func() *Document { x := docs[3]; return &x }},
		{"rename: remove", "doc000007.txt", nil},
		{"rename: add under the new name", "zzz.txt", func() *Document { x := docs[7]; return &x }},
	}
	for _, st := range steps {
		var doc *Document
		if st.doc != nil {
			doc = st.doc()
		}
		c.edit(t, d, st.id, doc)
		sameDuplicates(t, st.name, d, c.whole(t))
	}
	t.Log(d.Report())
	if len(d.Report().Documents) < 2 {
		t.Errorf("after the edits, %d pairs; want the planted copy, aaa.txt ~ zzz.txt and more", len(d.Report().Documents))
	}
}

func TestDuplicatesUpdateErrors(t *testing.T) {
	c := dupCorpus{}
	for _, d := range syntheticCorpus(3, 3) {
		c[d.ID] = d
	}
	d := c.whole(t)
	changed, _ := c.text("doc000001.txt")
	stranger := DocText{ID: "nope.txt", Title: "nope"}
	tests := []struct {
		name string
		ch   DocChange
	}{
		{"changed without its old text", DocChange{New: &changed}},
		{"removing an unknown document", DocChange{Old: &stranger}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.Update(context.Background(), []DocChange{tt.ch}, c.text)
			if !errors.Is(err, ErrDupState) {
				t.Errorf("err = %v, want ErrDupState", err)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	added := DocText{ID: "new.txt", Title: "new"}
	if err := c.whole(t).Update(ctx, []DocChange{{New: &added}}, c.text); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestDuplicatesMarshal(t *testing.T) {
	c := dupCorpus{}
	for _, d := range syntheticCorpus(12, 6) {
		c[d.ID] = d
	}
	d := c.whole(t)
	data, err := d.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Duplicates
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	sameDuplicates(t, "decoded", &back, d)
	if !slices.Equal(back.DocIDs(), d.DocIDs()) {
		t.Errorf("documents %v, want %v", back.DocIDs(), d.DocIDs())
	}
	// The decoded state carries on as the original does.
	x := c["doc000002.txt"]
	c.edit(t, &back, "copy.txt", &x)
	sameDuplicates(t, "decoded, then a copy added", &back, c.whole(t))

	// Damaged data is an error, never a panic.
	for n := range len(data) {
		var bad Duplicates
		if err := bad.UnmarshalBinary(data[:n]); !errors.Is(err, ErrDupState) {
			t.Fatalf("truncated to %d bytes: err = %v", n, err)
		}
	}
	for i := 0; i < len(data); i += max(1, len(data)/500) {
		flipped := slices.Clone(data)
		flipped[i] ^= 0x5a
		var bad Duplicates
		_ = bad.UnmarshalBinary(flipped) // may decode or fail; must not panic
	}
	var bad Duplicates
	if err := bad.UnmarshalBinary(append(slices.Clone(data), 0)); !errors.Is(err, ErrDupState) {
		t.Errorf("trailing byte: err = %v", err)
	}
}

// BenchmarkDuplicatesScale measures finding near-duplicates from nothing
// against the size of the corpus (ten paragraphs per document, about
// seven passages), and an update of one changed document.
func BenchmarkDuplicatesScale(b *testing.B) {
	for _, n := range []int{1000, 4000, 16000} {
		docs := syntheticCorpus(n, 10)
		chunks := SplitAll(docs, DefaultSplitOptions())
		b.Run(fmt.Sprintf("whole/docs=%d", n), func(b *testing.B) {
			b.ReportMetric(float64(len(chunks)), "passages")
			for b.Loop() {
				if _, err := NewDuplicates(context.Background(), docs, chunks); err != nil {
					b.Fatal(err)
				}
			}
		})
		c := dupCorpus{}
		for _, d := range docs {
			c[d.ID] = d
		}
		b.Run(fmt.Sprintf("one-changed/docs=%d", n), func(b *testing.B) {
			d, err := NewDuplicates(context.Background(), docs, chunks)
			if err != nil {
				b.Fatal(err)
			}
			id := docs[n/2].ID
			old, _ := c.text(id)
			changed := docs[n/2]
			changed.Sections = []Section{{Paragraphs: changed.Sections[0].Paragraphs[1:]}}
			nw := DocText{ID: id, Title: changed.Title, Chunks: Split(changed, DefaultSplitOptions())}
			for b.Loop() {
				// Change it and change it back, so every round starts
				// from the same state.
				if err := d.Update(context.Background(), []DocChange{{Old: &old, New: &nw}}, c.text); err != nil {
					b.Fatal(err)
				}
				if err := d.Update(context.Background(), []DocChange{{Old: &nw, New: &old}}, c.text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
