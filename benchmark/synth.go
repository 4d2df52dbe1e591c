package benchmark

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// Passage shape, taken from the shipped corpus and the Go FAQ after
// splitting: passage text has a median of about 670 characters (10th
// percentile ~360, 90th ~800-1,170) and titles 40-110 characters.
const (
	textMedian = 670
	textSigma  = 0.35 // of the log-normal length distribution
	textMin    = 150
	textMax    = 1500
	titleMin   = 30
	titleMax   = 110
	// passagesPerDoc groups passages into documents, as a splitter would.
	passagesPerDoc = 8
)

// Vocabulary shape: natural text draws its words with a Zipf
// distribution; about 45% of running words are function words (which the
// analyser drops), the rest come from a large content vocabulary, so BM25
// postings have the long-tailed lengths of a real corpus.
const (
	contentWords  = 30000
	zipfS         = 1.07
	functionShare = 0.45
)

var functionWords = strings.Fields(`the of and to a in is that for it as was with be by on not he this are
or his from at which but have an they you were her she there been has their one would all will we
when who more if no out so said what up its about than into them can only other new some could
time these two may then do first any my now such like our over man me even most made after also
did many before must through back years where much your way well down should because each just`)

var syllables = strings.Fields("ka ro mi ne sto vra li pen dor ush ta gle bri on sev ar qu el tin mo za fe lu gra ost pi ven da cor sim")

// vocab is a deterministic content vocabulary of invented words: unknown to
// the stemmer's exceptions and stop lists, like names and jargon.
func vocab(r *rand.Rand) []string {
	out := make([]string, contentWords)
	seen := make(map[string]bool, contentWords)
	for i := range out {
		for {
			var b strings.Builder
			for range 2 + r.IntN(3) {
				b.WriteString(syllables[r.IntN(len(syllables))])
			}
			if w := b.String(); !seen[w] {
				seen[w] = true
				out[i] = w
				break
			}
		}
	}
	return out
}

// generator draws words and sentences.
type generator struct {
	r     *rand.Rand
	words []string
	zipf  *rand.Zipf
}

func newGenerator(seed uint64) *generator {
	r := rand.New(rand.NewPCG(seed, 0x6661712d626f74)) // "faq-bot"
	return &generator{r: r, words: vocab(r), zipf: rand.NewZipf(r, zipfS, 2, contentWords-1)}
}

func (g *generator) word() string {
	if g.r.Float64() < functionShare {
		return functionWords[g.r.IntN(len(functionWords))]
	}
	return g.words[g.zipf.Uint64()]
}

// text writes sentences of 6-24 words until it holds about chars
// characters.
func (g *generator) text(chars int) string {
	var b strings.Builder
	for b.Len() < chars {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		n := 6 + g.r.IntN(19)
		for i := range n {
			w := g.word()
			if i == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			} else {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
		b.WriteByte('.')
	}
	return b.String()
}

var questionStarts = []string{"What is", "How does", "Why do", "When can", "Who runs", "Where is", "How to use"}

// title writes an FAQ-style question of titleMin-titleMax characters.
func (g *generator) title() string {
	want := titleMin + g.r.IntN(titleMax-titleMin)
	var b strings.Builder
	b.WriteString(questionStarts[g.r.IntN(len(questionStarts))])
	for b.Len() < want {
		b.WriteByte(' ')
		b.WriteString(g.word())
	}
	b.WriteByte('?')
	return b.String()
}

func (g *generator) textLen() int {
	l := textMedian * math.Exp(textSigma*g.r.NormFloat64())
	return int(min(max(l, textMin), textMax))
}

// Corpus returns n synthetic passages with realistic lengths and word
// statistics. The same n and seed always give the same passages, on any
// machine.
func Corpus(n int, seed uint64) []corpus.Chunk {
	g := newGenerator(seed)
	out := make([]corpus.Chunk, n)
	for i := range out {
		doc := fmt.Sprintf("synth-%06d.txt", i/passagesPerDoc)
		c := corpus.Chunk{
			ID:       corpus.ChunkID(doc, i%passagesPerDoc),
			DocID:    doc,
			DocTitle: "Synthetic document " + doc,
			Title:    g.title(),
			Text:     g.text(g.textLen()),
			Pos:      i % passagesPerDoc,
		}
		sum := sha256.Sum256([]byte(c.Title + "\x00" + c.Text))
		c.Hash = hex.EncodeToString(sum[:])
		out[i] = c
	}
	return out
}

// Queries returns m questions about chunks, deterministic for a seed:
// most quote four to seven consecutive words of a passage, as a member
// paraphrasing an FAQ would; every fourth is made of words drawn at random,
// about nothing in particular.
func Queries(chunks []corpus.Chunk, m int, seed uint64) []string {
	g := newGenerator(seed + 1)
	out := make([]string, 0, m)
	for i := range m {
		if i%4 == 3 || len(chunks) == 0 {
			out = append(out, "what about "+g.word()+" "+g.word()+" "+g.word()+"?")
			continue
		}
		c := chunks[g.r.IntN(len(chunks))]
		w := strings.Fields(strings.ToLower(strings.ReplaceAll(c.Text, ".", "")))
		n := min(4+g.r.IntN(4), len(w))
		at := g.r.IntN(len(w) - n + 1)
		out = append(out, "how does "+strings.Join(w[at:at+n], " ")+" work?")
	}
	return out
}

// RandomEmbedder stands in for an API embedding model: it returns a
// pseudo-random unit vector for each text, the same for the same text.
// Random vectors cost nothing to make, and a scan over them costs what a
// scan over real 1,536-dimension embeddings costs.
type RandomEmbedder struct{ dim int }

var _ retrieval.Embedder = RandomEmbedder{}

// NewRandomEmbedder returns a RandomEmbedder of dim dimensions.
func NewRandomEmbedder(dim int) RandomEmbedder { return RandomEmbedder{dim: dim} }

// Name identifies the embedder and its size.
func (e RandomEmbedder) Name() string { return fmt.Sprintf("random-%d", e.dim) }

// Dim is the vector length.
func (e RandomEmbedder) Dim() int { return e.dim }

// Embed returns one unit vector per text, seeded by the text's FNV hash.
func (e RandomEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("random embedding: %w", err)
	}
	out := make([][]float32, len(texts))
	acc := make([]float64, e.dim)
	for i, t := range texts {
		h := fnv.New64a()
		h.Write([]byte(t))
		r := rand.New(rand.NewPCG(h.Sum64(), uint64(e.dim)))
		var sq float64
		for j := range acc {
			acc[j] = r.NormFloat64()
			sq += acc[j] * acc[j]
		}
		inv := 1 / math.Sqrt(sq)
		v := make([]float32, e.dim)
		for j, x := range acc {
			v[j] = float32(x * inv)
		}
		out[i] = v
	}
	return out, nil
}
