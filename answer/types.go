package answer

import (
	"context"

	"github.com/faqbot/faqbot/retrieval"
)

// Mode says how an answer was produced.
type Mode string

// The answer modes reported by `faqbot ask --json` and the bot.
const (
	ModeExtractive Mode = "extractive"
	ModeLLM        Mode = "llm"
)

// Turn is one exchange of a conversation, oldest first in Question.History.
type Turn struct {
	Question string
	Answer   string
}

// Question is what a user asked, with the conversation before it (for
// follow-ups in a Discord thread).
type Question struct {
	Text    string
	History []Turn
}

// Citation is one source shown with an answer; N is the number used in the
// answer text's [N] markers, counted from 1 in the order shown.
type Citation struct {
	N int
	// Source is the document ID (the corpus file name).
	Source string
	// ChunkID is the passage's ID.
	ChunkID string
	// Title is the passage title (the FAQ question, or the document title).
	Title string
	// DocTitle is the document's title.
	DocTitle string
	// URL links to the passage or its document, or "".
	URL string
	// Snippet is a short excerpt of the passage for listings.
	Snippet string
	// Passage is the full passage text (for "Show sources").
	Passage string
	// Score is the passage's calibrated confidence (retrieval.Hit.Score).
	Score float64
}

// Answer is the result of answering one Question.
type Answer struct {
	// Question is the question as asked.
	Question string
	// Query is the standalone question used for retrieval (a follow-up
	// rewritten with its context; with an LLM, the question as the model
	// reworded it); equal to Question when there is no history and no
	// LLM.
	Query string
	// Queries are all the queries searched, Query among them; with an LLM
	// also the model's keyword queries.
	Queries []string
	// Text is the answer with its [n] citation markers.
	Text string
	// Refused is true when the corpus does not hold the answer; Citations is
	// then empty.
	Refused bool
	// Mode is how the answer was produced.
	Mode Mode
	// Citations are the sources cited in Text, numbered from 1.
	Citations []Citation
	// Grounded is false when an LLM answer makes claims but cites nothing.
	Grounded bool
	// Confidence is the best retrieved passage's calibrated confidence
	// (retrieval.Hit.Score): the decision to answer or refuse compared it
	// with retrieval.ConfidenceThreshold, and the difference is the
	// decision's margin.
	Confidence float64
	// Note is a remark for the user, e.g. that the LLM was unavailable and
	// the answer is extractive; "" when there is nothing to say.
	Note string
	// LLMFailed is set when an LLM was asked to answer and failed: the
	// answer, or the refusal, is extractive and Note says why. Front ends
	// count it; a note alone does not tell (a tentative answer or a search
	// by words alone carries one too).
	LLMFailed bool
	// Tentative is set on an answer quoted from the FAQ (extractive) whose
	// best passage's confidence is below retrieval.ConfidenceSure: it is
	// the closest the FAQ comes, and Note says so, because such answers
	// are from the wrong passage far more often than confident ones. An
	// LLM's answer is never tentative: the model read the passages and
	// decided itself whether they answer.
	Tentative bool
	// Alternatives are, with a tentative answer, the other passages close
	// to the question, best first, at most MaxAlternatives: entries the
	// member may have meant, offered as suggestions are with a refusal
	// (FromSuggestion answers from one). None are cited passages.
	Alternatives []Suggestion
	// Suggestions are, with a refusal, the passages closest to the
	// question ("Did you mean…?"), best first, at most MaxSuggestions;
	// none when nothing is near enough to be worth offering. They are
	// offers, not sources: a refusal still cites nothing.
	Suggestions []Suggestion
}

// Searcher finds passages for a query. *retrieval.Index and *retrieval.Live
// satisfy it.
type Searcher interface {
	Search(ctx context.Context, query string, k int) ([]retrieval.Hit, error)
}
