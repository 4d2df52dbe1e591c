package corpus

import "testing"

// A passage ID reads back into the document and position it was made
// from, a file name with a "#" of its own included, and nothing else reads
// as one.
func TestChunkID(t *testing.T) {
	for _, tt := range []struct {
		doc string
		pos int
		id  string
	}{
		{"faq.md", 0, "faq.md#0"},
		{"docs/guide/install.mdx", 12, "docs/guide/install.mdx#12"},
		{"C#.md", 3, "C#.md#3"},
		{"", 1, "#1"},
	} {
		if got := ChunkID(tt.doc, tt.pos); got != tt.id {
			t.Errorf("ChunkID(%q, %d) = %q, want %q", tt.doc, tt.pos, got, tt.id)
		}
		if doc, pos, ok := SplitChunkID(tt.id); !ok || doc != tt.doc || pos != tt.pos {
			t.Errorf("SplitChunkID(%q) = %q, %d, %t; want %q, %d, true", tt.id, doc, pos, ok, tt.doc, tt.pos)
		}
	}
	for _, id := range []string{"faq.md", "faq.md#", "faq.md#x", "faq.md#-1", "faq.md#+1", "faq.md#01", "faq.md#1#", "faq.md#99999999999999999999"} {
		if doc, pos, ok := SplitChunkID(id); ok {
			t.Errorf("SplitChunkID(%q) = %q, %d, true; want not ok", id, doc, pos)
		}
	}
}
