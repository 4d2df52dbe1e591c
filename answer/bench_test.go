package answer

import (
	"context"
	"testing"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

func shippedIndex(b *testing.B) *retrieval.Index {
	b.Helper()
	set, err := corpus.Build(context.Background(), corpus.Default(), nil, corpus.DefaultSplitOptions())
	if err != nil {
		b.Fatal(err)
	}
	ix, err := retrieval.Build(context.Background(), set.Chunks, retrieval.NewHashEmbedder(0), retrieval.BuildOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return ix
}

// BenchmarkIndexShipped measures the whole path from the embedded corpus
// to a searchable index: load, clean, split, dedupe, embed, BM25.
func BenchmarkIndexShipped(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		set, err := corpus.Build(ctx, corpus.Default(), nil, corpus.DefaultSplitOptions())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := retrieval.Build(ctx, set.Chunks, retrieval.NewHashEmbedder(0), retrieval.BuildOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnswerShipped is one extractive answer in-process on the
// shipped corpus: retrieval, floor and sentence selection.
func BenchmarkAnswerShipped(b *testing.B) {
	e := New(shippedIndex(b), Options{})
	ctx := context.Background()
	qs := []string{
		"who delivered the US written response to Moscow?",
		"what's in the 2.6 billion dollar aid package",
		"what is a good recipe for sourdough bread?",
	}
	i := 0
	for b.Loop() {
		if _, err := e.Answer(ctx, Question{Text: qs[i%len(qs)]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
