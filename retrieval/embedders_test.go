package retrieval_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"testing"

	"github.com/kljensen/snowball/english"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/llm"
	"github.com/faqbot/faqbot/llm/llmtest"
	"github.com/faqbot/faqbot/retrieval"
)

// club is a small FAQ of an invented rowing club, the corpus of the
// cross-embedder test.
func club() []corpus.Chunk {
	entries := [][2]string{
		{"How do I join the club?", "Fill in the membership form at the boathouse desk or on the website. Membership starts on the first day of the following month."},
		{"How much does membership cost?", "Adult dues are 180 euros a year, payable in January. Juniors under 18 pay 60 euros."},
		{"Can I get my money back if I quit?", "Dues are refunded pro rata if you resign within the first three months. After that no refunds are given."},
		{"Do you offer beginner lessons?", "Learn-to-row courses run every Saturday morning from April to September. Six sessions with a coach cost 90 euros."},
		{"When is the boathouse open?", "The boathouse opens at 6:00 on weekdays and at 8:00 at weekends, and closes at sunset."},
		{"What happens when the weather is bad?", "Outings are cancelled in thunderstorms, in wind above force 5 and when the river is in flood. The duty coach decides."},
		{"Do I need to be able to swim?", "Every rower must swim 50 metres in light clothing and wear a life jacket until they pass the capsize drill."},
		{"Can I bring a friend?", "Guests may row twice a year with a qualified member in the same crew. Sign them in at the desk."},
		{"Is there somewhere to store my own boat?", "Private racks in the back shed cost 120 euros a season. Ask the boatman for a free slot."},
		{"Where can I park?", "Members park in the gravel lot behind the boathouse. The lane in front must stay clear for the trailer."},
		{"Can children join?", "Juniors from 12 years old row on Wednesday afternoons and need a signed consent form from a parent."},
		{"How do I reserve a boat?", "Book boats on the sheet by the door up to a week ahead. Singles need a sculling certificate."},
	}
	cs := make([]corpus.Chunk, len(entries))
	for i, e := range entries {
		id := "faq.md#" + string(rune('a'+i))
		cs[i] = corpus.Chunk{ID: id, DocID: "faq.md", DocTitle: "Club FAQ", Title: e[0], Text: e[1], Hash: id}
	}
	return cs
}

// concepts is the fake model's knowledge: words that mean the same thing
// share a direction, as they would in a real embedding model. Words
// outside it get a direction of their own, so texts that share words are
// still near, as with a real model.
var concepts = [][]string{
	{"join", "membership", "member", "members", "enrol", "enroll", "register", "signup", "sign"},
	{"cost", "dues", "fee", "fees", "price", "pricey", "expensive", "pay", "payable", "euros", "charge"},
	{"money", "refund", "refunded", "refunds", "reimburse", "back"},
	{"quit", "resign", "leave", "cancel", "stop"},
	{"beginner", "beginners", "lessons", "lesson", "course", "courses", "learn", "teach", "coach", "newbie", "novice", "training"},
	{"open", "opens", "closes", "hours", "time", "times", "schedule", "early", "late"},
	{"weather", "thunderstorms", "storm", "wind", "rain", "flood", "windy", "stormy"},
	{"swim", "swimming", "swimmer", "drown", "capsize", "jacket"},
	{"friend", "guest", "guests", "visitor", "mate", "pal"},
	{"store", "storage", "racks", "rack", "keep", "shed"},
	{"boat", "boats", "shell", "scull", "sculling", "singles", "kayak"},
	{"park", "parking", "car", "lot", "drive"},
	{"children", "child", "kids", "kid", "juniors", "junior", "son", "daughter", "teenager", "parent"},
	{"reserve", "book", "booking", "sheet"},
	{"boathouse", "clubhouse", "club"},
	{"row", "rowing", "rower", "rowers", "outings", "outing", "crew", "paddle"},
}

// semanticModel is a fake embedding model: a text's vector is the sum of
// its concepts' directions and its other words' own directions, plus a
// shared component of weight base that every text has. base 0 gives the
// low-baseline geometry (unrelated texts near cosine 0); base 1.5 puts
// unrelated texts near cosine 0.7, as many real models do.
type semanticModel struct {
	dim  int
	base float64
}

func (m semanticModel) embed(text string) []float32 {
	v := make([]float64, m.dim)
	v[0] = m.base
	seen := map[string]bool{}
	var content []float64
	add := func(i int, x float64) {
		if content == nil {
			content = make([]float64, m.dim)
		}
		content[i] += x
	}
	for _, w := range corpus.Words(text) {
		if english.IsStopWord(w) || seen[w] {
			continue
		}
		seen[w] = true
		// Like a real model, the fake knows a word in all its forms.
		found := false
		for c, ws := range concepts {
			for _, cw := range ws {
				if corpus.Stem(cw) == corpus.Stem(w) {
					add(1+c, 1)
					found = true
				}
			}
		}
		if found {
			continue
		}
		// Another word: a pseudo-random direction in the remaining
		// dimensions.
		h := fnv.New64a()
		h.Write([]byte(w))
		seed := h.Sum64()
		for i := 1 + len(concepts); i < m.dim; i++ {
			seed = seed*6364136223846793005 + 1442695040888963407
			add(i, (float64(seed>>33)/float64(1<<31)-0.5)*0.2)
		}
	}
	// The content part has unit length, so that the shared component
	// weighs the same in every text.
	var n float64
	for _, x := range content {
		n += x * x
	}
	if n > 0 {
		for i, x := range content {
			v[i] += x / math.Sqrt(n)
		}
	}
	out := make([]float32, m.dim)
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// TestSameCodeAnyEmbedder checks the point of calibration: with no setting
// changed, the built-in embedder and two API models of very different
// geometry all answer paraphrased questions from the right entry and
// refuse questions the FAQ does not answer.
func TestSameCodeAnyEmbedder(t *testing.T) {
	ctx := context.Background()
	api := func(name string, m semanticModel) func(t *testing.T) retrieval.Embedder {
		return func(t *testing.T) retrieval.Embedder {
			srv := llmtest.NewServer(t, llmtest.EmbeddingsFunc(m.embed))
			e, err := llm.New(llm.Config{BaseURL: srv.URL(), EmbedModel: name, MaxRetries: -1}).Embedder(ctx, 0)
			if err != nil {
				t.Fatalf("Embedder: %v", err)
			}
			return e
		}
	}
	// Paraphrases every embedder must answer: members' words, sharing at
	// most one or two with the entry.
	shared := []struct{ q, want string }{
		{"how much r the yearly dues", "How much does membership cost?"},
		{"can my children row with u, they're 13", "Can children join?"},
		{"what time does the boathouse open on saturday", "When is the boathouse open?"},
		{"do u guys do lessons for total beginners?", "Do you offer beginner lessons?"},
		{"can i store my own kayak there", "Is there somewhere to store my own boat?"},
	}
	// Paraphrases sharing no word with their entry, which only a model
	// that knows synonyms can answer.
	semantic := []struct{ q, want string }{
		{"how expensive is it", "How much does membership cost?"},
		{"will i be reimbursed if i leave", "Can I get my money back if I quit?"},
		{"is paddling still on when it's stormy", "What happens when the weather is bad?"},
	}
	offTopic := []string{
		"what's the best pizza topping?",
		"who won the world cup in 2018",
		"how do i fix the chain on my bike",
		"qui a gagné le tour de france ?",
		"what's a good film to watch tonight",
	}
	tests := []struct {
		name     string
		emb      func(t *testing.T) retrieval.Embedder
		semantic bool
	}{
		{"built-in", func(*testing.T) retrieval.Embedder { return retrieval.NewHashEmbedder(0) }, false},
		{"api-low-baseline", api("fake-low", semanticModel{dim: 64, base: 0}), true},
		{"api-high-baseline", api("fake-high", semanticModel{dim: 64, base: 1.53}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emb := tt.emb(t)
			ix, err := retrieval.Build(ctx, club(), emb, retrieval.BuildOptions{})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			cal := ix.Calibration()
			t.Logf("calibration: threshold %.3f, vector %.3f..%.3f, off-topic %s, answerable %s",
				cal.Threshold, cal.VectorOff, cal.VectorOn, cal.OffTopic, cal.Answerable)
			qs := shared
			if tt.semantic {
				qs = append(qs, semantic...)
			}
			for _, q := range qs {
				hits, err := ix.Search(ctx, q.q, 3)
				if err != nil {
					t.Fatalf("Search(%q): %v", q.q, err)
				}
				d := retrieval.Decide(hits)
				t.Logf("%q: %s margin %+.2f%s", q.q, d.Verdict, d.Margin, describe(hits[:1]))
				if d.Verdict != retrieval.Answer || len(hits) == 0 || hits[0].Chunk.Title != q.want {
					t.Errorf("%q: verdict %s (margin %+.2f), top %q, want answer from %q%s", q.q, d.Verdict, d.Margin, top(hits), q.want, describe(hits))
				}
			}
			for _, q := range offTopic {
				hits, err := ix.Search(ctx, q, 3)
				if err != nil {
					t.Fatalf("Search(%q): %v", q, err)
				}
				d := retrieval.Decide(hits)
				t.Logf("%q: %s margin %+.2f%s", q, d.Verdict, d.Margin, describe(hits[:1]))
				if d.Verdict == retrieval.Answer {
					t.Errorf("%q: answered (margin %+.2f) from %q, want refused%s", q, d.Margin, top(hits), describe(hits))
				}
			}
		})
	}
}

func top(hits []retrieval.Hit) string {
	if len(hits) == 0 {
		return ""
	}
	return hits[0].Chunk.Title
}

func describe(hits []retrieval.Hit) string {
	var b strings.Builder
	for _, h := range hits {
		fmt.Fprintf(&b, "\n\t%q conf %.3f rel %.3f cov %.2f cos %.3f", h.Chunk.Title, h.Score, h.Relevance, h.Coverage, h.Vector)
	}
	return b.String()
}
