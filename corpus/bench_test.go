package corpus

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// syntheticCorpus makes n article documents of about paras paragraphs from
// a Zipf-distributed vocabulary (so that term frequencies look like real
// text's), with one in a hundred documents a reworded copy of another.
func syntheticCorpus(n, paras int) []Document {
	r := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 200000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%sx%d", strings.Repeat("a", i%3), i)
	}
	zipf := rand.NewZipf(r, 1.05, 2, uint64(len(vocab)-1))
	sentence := func() string {
		k := 8 + r.IntN(12)
		words := make([]string, k)
		for i := range words {
			words[i] = vocab[zipf.Uint64()]
		}
		return "Word " + strings.Join(words, " ") + "."
	}
	docs := make([]Document, 0, n)
	for d := range n {
		var ps []string
		for range paras {
			var b strings.Builder
			for range 3 + r.IntN(4) {
				b.WriteString(sentence() + " ")
			}
			ps = append(ps, strings.TrimSpace(b.String()))
		}
		docs = append(docs, Document{ID: fmt.Sprintf("doc%06d.txt", d), Title: fmt.Sprintf("Doc %d", d), Sections: []Section{{Paragraphs: ps}}})
	}
	// Plant reworded copies: drop one word in ten of an earlier document.
	for d := 0; d+1 < n; d += 100 {
		src := docs[d].Sections[0].Paragraphs
		cp := make([]string, len(src))
		for i, p := range src {
			w := strings.Fields(p)
			for j := 0; j < len(w); j += 10 {
				w[j] = "changed"
			}
			cp[i] = strings.Join(w, " ")
		}
		docs[d+1].Sections[0].Paragraphs = cp
	}
	return docs
}

// BenchmarkParse parses a generated 5 MB plain-text article.
func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 5<<20; i++ {
		fmt.Fprintf(&sb, "Paragraph %d says something about the harbour, the bridge and the council's budget. It has a second sentence too.\n\n", i)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("big.txt", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseHTML parses the Go FAQ, a real 97 KB page.
func BenchmarkParseHTML(b *testing.B) {
	data := mustRead(b, "testdata/go-faq.html")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("faq.html", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSplitAll splits 1,000 generated documents of 10 paragraphs.
func BenchmarkSplitAll(b *testing.B) {
	docs := syntheticCorpus(1000, 10)
	for b.Loop() {
		SplitAll(docs, DefaultSplitOptions())
	}
}

// BenchmarkFindDuplicates searches about 100,000 passages for
// near-duplicates.
func BenchmarkFindDuplicates(b *testing.B) {
	docs := syntheticCorpus(20000, 10)
	chunks := SplitAll(docs, DefaultSplitOptions())
	b.ReportMetric(float64(len(chunks)), "passages")
	for b.Loop() {
		FindDuplicates(docs, chunks)
	}
}

// mustRead reads a test file or stops the test.
func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}
