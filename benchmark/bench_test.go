package benchmark

import (
	"context"
	"flag"
	"fmt"
	"testing"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/retrieval"
)

var large = flag.Bool("large", false, "also benchmark 100,000 passages")

func benchSizes() []int {
	if *large {
		return []int{1_000, 10_000, 100_000}
	}
	return []int{1_000, 10_000}
}

// BenchmarkQuery times, on the same index and vectors, hybrid retrieval
// (Search), chromem-go's vector query alone, and the scan floor, so that
// `benchstat` or a glance compares the three at each size.
func BenchmarkQuery(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes() {
		for _, dim := range []int{retrieval.DefaultHashDim, 1536} {
			chunks := Corpus(n, 1)
			emb := embedderFor(dim)
			ix, err := retrieval.Build(ctx, chunks, emb, retrieval.BuildOptions{})
			if err != nil {
				b.Fatal(err)
			}
			byHash, _ := ix.VectorsByHash(ctx)
			vecs := make([][]float32, len(chunks))
			for i, c := range chunks {
				vecs[i] = byHash[c.Hash]
			}
			flat := NewFlat(dim, vecs)
			qs := Queries(chunks, 50, 1)
			qvs, _ := emb.Embed(ctx, qs)
			b.Run(fmt.Sprintf("n=%d/dim=%d/hybrid", n, dim), func(b *testing.B) {
				i := 0
				for b.Loop() {
					if _, err := ix.Search(ctx, qs[i%len(qs)], SearchK); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run(fmt.Sprintf("n=%d/dim=%d/chromem", n, dim), func(b *testing.B) {
				i := 0
				for b.Loop() {
					if _, err := ix.NearestVectors(ctx, qvs[i%len(qvs)], chromemCandidates); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run(fmt.Sprintf("n=%d/dim=%d/floor", n, dim), func(b *testing.B) {
				i := 0
				for b.Loop() {
					flat.TopK(qvs[i%len(qvs)], chromemCandidates)
					i++
				}
			})
		}
	}
}

// BenchmarkBuild is indexing throughput with the built-in embedder.
func BenchmarkBuild(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes() {
		chunks := Corpus(n, 1)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := retrieval.Build(ctx, chunks, retrieval.NewHashEmbedder(0), retrieval.BuildOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "passages/s")
		})
	}
}

// BenchmarkLoad is retrieval.Load of a saved index with the built-in
// embedder.
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes() {
		emb := retrieval.NewHashEmbedder(0)
		ix, err := retrieval.Build(ctx, Corpus(n, 1), emb, retrieval.BuildOptions{})
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		if err := retrieval.Save(ctx, ix, dir, retrieval.Manifest{}); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := retrieval.Load(ctx, dir, emb); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAnswerShipped is one extractive answer in-process on the
// shipped corpus.
func BenchmarkAnswerShipped(b *testing.B) {
	ctx := context.Background()
	ix, err := shippedIndex(ctx)
	if err != nil {
		b.Fatal(err)
	}
	e := answer.New(ix, answer.Options{})
	qs := []string{"who delivered the US written response to Moscow?", "what is a good recipe for sourdough bread?"}
	i := 0
	for b.Loop() {
		if _, err := e.Answer(ctx, answer.Question{Text: qs[i%len(qs)]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
