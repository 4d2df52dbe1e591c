//go:build linux

package retrieval

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"testing"
	"unsafe"

	"github.com/faqbot/faqbot/corpus"
)

// mappedPages counts the pages of b present in this process's page
// tables (/proc/self/pagemap), that is counted in its resident memory.
func mappedPages(t *testing.T, f *os.File, b []byte) int {
	t.Helper()
	if len(b) == 0 {
		return 0
	}
	ps := uintptr(os.Getpagesize())
	lo := uintptr(unsafe.Pointer(&b[0])) / ps
	hi := (uintptr(unsafe.Pointer(&b[0])) + uintptr(len(b)) - 1) / ps
	buf := make([]byte, 8*(hi-lo+1))
	if _, err := f.ReadAt(buf, int64(lo*8)); err != nil {
		t.Fatalf("reading the page map: %v", err)
	}
	n := 0
	for i := 0; i < len(buf); i += 8 {
		if binary.LittleEndian.Uint64(buf[i:])&(1<<63) != 0 {
			n++
		}
	}
	return n
}

// part is a named part of a shard's mapped file.
type part struct {
	name string
	b    []byte
}

// scatteredParts are the parts of a shard read a passage or a term at a
// time, which releaseScattered releases.
func scatteredParts(s *shard) []part {
	return []part{{"vectors", asBytes(s.f32)}, {"text", s.strs}, {"IDs", s.keys}, {"postings", asBytes(s.post)}}
}

// pageMap opens this process's page map for mappedPages, skipping t on a
// system without one.
func pageMap(t *testing.T) *os.File {
	t.Helper()
	pm, err := os.Open("/proc/self/pagemap")
	if err != nil {
		t.Skipf("no page map: %v", err)
	}
	t.Cleanup(func() { pm.Close() })
	return pm
}

// buildInShards builds cs in small shards in the folder dir, so that a
// check of their pages covers many files.
func buildInShards(ctx context.Context, t *testing.T, dir string, cs []corpus.Chunk, emb Embedder) *Index {
	t.Helper()
	ix, err := BuildInDir(ctx, dir, cs, emb, BuildOptions{shardSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// checkReleased fails t for each of ix's shards that still has pages of
// the given parts mapped, after checking that ix has many shards, each
// mapped from its file; when says after what.
func checkReleased(t *testing.T, pm *os.File, ix *Index, when string, parts func(*shard) []part) {
	t.Helper()
	if ix.Stats().Shards < 10 {
		t.Fatalf("%s: %d shards, want many", when, ix.Stats().Shards)
	}
	for k, s := range ix.shards {
		if !s.mapped {
			t.Fatalf("%s: shard %d is not mapped from its file", when, k)
		}
		for _, part := range parts(s) {
			if n := mappedPages(t, pm, part.b); n > 0 {
				t.Errorf("%s: shard %d: %d pages of its %s still mapped", when, k, n, part.name)
			}
		}
	}
}

// TestSearchReleasesMappedPages: after a search of a saved index, no page
// of any shard's full vectors, passage text, IDs or postings stays in the
// process's resident memory — the query's terms are looked up in every
// shard, not only in those holding its hits, and a touch maps a large
// folio of the file at a time, so a server would otherwise keep more of
// the index resident with every question.
func TestSearchReleasesMappedPages(t *testing.T) {
	pm := pageMap(t)
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	cs := flatten(docCorpus(600))
	dir := t.TempDir()
	ix := buildInShards(ctx, t, dir, cs, emb)
	if err := Save(ctx, ix, dir, Manifest{}); err != nil {
		t.Fatal(err)
	}
	ix, _, err := Load(ctx, dir, emb)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range benchQueries(cs)[:8] {
		hits, err := ix.Search(ctx, q, 5)
		if err != nil || len(hits) == 0 {
			t.Fatalf("%q: %d hits, %v", q, len(hits), err)
		}
		checkReleased(t, pm, ix, fmt.Sprintf("after searching %q", q), scatteredParts)
	}
}

// TestCalibrationReleasesMappedPages: calibration, which reads titles,
// vectors, postings and terms of every shard, leaves none of them mapped,
// whether it runs as a folder build finishes or as an index saved with
// another expander loads.
func TestCalibrationReleasesMappedPages(t *testing.T) {
	pm := pageMap(t)
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	dir := t.TempDir()
	ix := buildInShards(ctx, t, dir, flatten(docCorpus(600)), emb)
	withTerms := func(s *shard) []part { return append(scatteredParts(s), part{"terms", s.words}) }
	checkReleased(t, pm, ix, "after the build", withTerms)
	if err := Save(ctx, ix, dir, Manifest{}); err != nil {
		t.Fatal(err)
	}
	exp := &countingExpander{name: "words/1"}
	ix, _, err := LoadWith(ctx, dir, emb, LoadOptions{Expander: exp})
	if err != nil {
		t.Fatal(err)
	}
	if exp.asked() == 0 {
		t.Fatal("loading with another expander did not calibrate again: the test shows nothing")
	}
	checkReleased(t, pm, ix, "after a load that calibrated", withTerms)
}
