package retrieval

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/philippgille/chromem-go"

	"github.com/faqbot/faqbot/corpus"
)

var large = flag.Bool("large", false, "also benchmark a 100,000-passage corpus")

// synthCorpus generates n passages of about 600 characters from a
// vocabulary of 3,000 made-up words drawn with a Zipf distribution, as
// natural text is. The same n always gives the same passages.
func synthCorpus(n int) []corpus.Chunk {
	r := rand.New(rand.NewPCG(1, 2))
	syll := []string{"ka", "ro", "mi", "ne", "sto", "vra", "li", "pen", "dor", "ush", "ta", "gle", "bri", "on", "sev", "ar", "qu", "el", "tin", "mo"}
	vocab := make([]string, 3000)
	for i := range vocab {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		vocab[i] = b.String()
	}
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
	sentence := func(chars int) string {
		var b strings.Builder
		for b.Len() < chars {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(vocab[zipf.Uint64()])
		}
		return b.String()
	}
	out := make([]corpus.Chunk, n)
	for i := range out {
		out[i] = chunk(fmt.Sprintf("doc%d#%d", i/10, i%10), sentence(50)+"?", sentence(500+r.IntN(200))+".")
	}
	return out
}

func benchQueries(cs []corpus.Chunk) []string {
	var qs []string
	for i := 0; i < len(cs); i += len(cs)/50 + 1 {
		w := strings.Fields(cs[i].Text)
		qs = append(qs, strings.Join(w[3:9], " ")+"?")
	}
	return qs
}

func benchSizes() []int {
	if *large {
		return []int{100, 10_000, 100_000}
	}
	return []int{100, 10_000}
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes() {
		cs := synthCorpus(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Build(context.Background(), cs, NewHashEmbedder(0), BuildOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSearch(b *testing.B) {
	for _, n := range benchSizes() {
		cs := synthCorpus(n)
		ix := mustBuild(b, cs, NewHashEmbedder(0))
		qs := benchQueries(cs)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := ix.Search(context.Background(), qs[i%len(qs)], 5); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkChromemQuery times chromem's exhaustive vector scan of every
// passage in one collection, with the query already embedded: what the
// vector half of Search cost before its quantised first pass (see
// vectors.go), for comparison with BenchmarkVectors.
func BenchmarkChromemQuery(b *testing.B) {
	for _, n := range benchSizes() {
		cs := synthCorpus(n)
		emb := NewHashEmbedder(0)
		ix := mustBuild(b, cs, emb)
		qs := benchQueries(cs)
		qvs, _ := emb.Embed(context.Background(), qs)
		col, err := chromem.NewDB().CreateCollection("all", nil, EmbeddingFunc(emb))
		if err != nil {
			b.Fatal(err)
		}
		for d := range ix.Len() {
			if v := ix.vector(int32(d)); v != nil {
				col.AddDocument(context.Background(), chromem.Document{ID: fmt.Sprint(d), Embedding: slices.Clone(v)})
			}
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := col.QueryEmbedding(context.Background(), qvs[i%len(qvs)], min(20, col.Count()), nil, nil); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkVectors times the vector half of Search alone: the quantised
// first pass and chromem's exact ranking of its candidates.
func BenchmarkVectors(b *testing.B) {
	for _, n := range benchSizes() {
		cs := synthCorpus(n)
		emb := NewHashEmbedder(0)
		ix := mustBuild(b, cs, emb)
		qs := benchQueries(cs)
		qvs, _ := emb.Embed(context.Background(), qs)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := ix.queryVectors(context.Background(), qvs[i%len(qvs)], 20); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkBM25 times the lexical half of Search alone.
func BenchmarkBM25(b *testing.B) {
	for _, n := range benchSizes() {
		cs := synthCorpus(n)
		lex, _ := buildBM25(context.Background(), cs)
		qs := benchQueries(cs)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var s lexScores
			i := 0
			for b.Loop() {
				lex.score(analyzeQuery(qs[i%len(qs)], lex, nil), &s)
				s.top(20)
				s.reset()
				i++
			}
		})
	}
}

// BenchmarkLoad times opening a saved index: mapping its shards.
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes()[1:] {
		cs := synthCorpus(n)
		emb := NewHashEmbedder(0)
		ix := mustBuild(b, cs, emb)
		dir := b.TempDir()
		if err := Save(ctx, ix, dir, Manifest{}); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%d/index", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := Load(ctx, dir, emb); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
