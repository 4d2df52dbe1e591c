package prompts

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// RefusalMarker is what the system prompt tells the model to reply with,
// exactly and whatever the question's language, when the sources do not
// answer. A fixed token is recognised in every language, which a sentence
// is not ("Je ne sais pas d'après la FAQ."); the answer package replaces
// it with the bot's own refusal text.
const RefusalMarker = "NOT_IN_FAQ"

// DontKnow is the sentence earlier prompts asked for instead of
// RefusalMarker. The answer package still recognises it (and English
// paraphrases of it), for prompt overrides written before the marker.
const DontKnow = "I don't know based on the FAQ."

// MaxQueries is how many keyword queries the rewrite prompt asks for,
// beside the standalone question: beyond three, further phrasings mostly
// repeat the first ones, and each costs a search (and, with an API
// embedder, a request).
const MaxQueries = 3

// maxHeadingChars bounds each heading shown in the rewrite prompt.
const maxHeadingChars = 120

// MaxAnswerChars is the answer length the system prompt asks for: a
// Discord message holds 2,000 characters, and the bot adds the sources
// list below the answer.
const MaxAnswerChars = 1500

// History bounds for the rewrite prompt: the last few turns carry the
// topic of a follow-up; older turns and long answers only cost tokens.
const (
	MaxHistoryTurns  = 4
	maxHistoryAnswer = 400 // characters of each earlier answer
)

// SystemData is what system.tmpl is executed with.
type SystemData struct {
	// DontKnow is what to reply with when the sources do not answer:
	// RefusalMarker. (The name is kept for templates that used it when it
	// was an English sentence.)
	DontKnow string
	// MaxChars is the longest answer wanted, in characters.
	MaxChars int
}

// Source is one retrieved passage as the prompt shows it.
type Source struct {
	// N is the number the source is cited by; RenderAnswer sets it to the
	// source's position, from 1.
	N int
	// Title is the passage's title (an FAQ question or a section heading).
	Title string
	// Doc is the document the passage comes from (its file name).
	Doc string
	// Text is the passage.
	Text string
	// Rank is the source's index in the slice given to Fit, so that a
	// caller can map the sources Fit keeps back to its own passages. It is
	// not rendered.
	Rank int
}

// Ask is the question an answer prompt asks.
type Ask struct {
	// Question is the member's message as written.
	Question string
	// Standalone is the question as it stands alone: a follow-up with the
	// conversation's context, or the question in the FAQ's language. ""
	// (or Question again) when there is no such rewrite.
	Standalone string
	// Language names the language the member wrote in, e.g. "French";
	// "" when it is not known.
	Language string
}

// AnswerData is what answer.tmpl is executed with. Every string in it has
// been neutralised (see RenderAsk).
type AnswerData struct {
	// Question is the member's question as written (for a template from
	// before Ask, the question to answer).
	Question string
	// Standalone is the question rewritten to stand alone, or "" when it
	// says nothing Question does not.
	Standalone string
	// Language is the member's language, or "" when not known.
	Language string
	// Sources are the passages, numbered from 1 in rank order.
	Sources []Source
}

// Turn is one earlier exchange of a conversation.
type Turn struct {
	Question string
	Answer   string
}

// RewriteData is what rewrite.tmpl is executed with: it turns a member's
// message (any message, not only a follow-up) into search queries. Every
// string in it has been neutralised.
type RewriteData struct {
	// History is the conversation so far, oldest first, at most
	// MaxHistoryTurns turns; empty for a first question.
	History []Turn
	// Question is the member's message to turn into queries.
	Question string
	// FollowUp is Question again, for templates written when only
	// follow-ups were rewritten.
	FollowUp string
	// Headings are titles of FAQ passages found for the message as asked:
	// they show the model the FAQ's language and wording. They may be
	// unrelated to the message.
	Headings []string
	// MaxQueries is how many keyword queries to ask for.
	MaxQueries int
}

func systemData() SystemData { return SystemData{DontKnow: RefusalMarker, MaxChars: MaxAnswerChars} }

// RenderSystem renders the system prompt.
func (s *Set) RenderSystem() (string, error) {
	return s.execute(SystemFile, systemData())
}

// RenderAnswer renders the user message for a question with no rewrite;
// see RenderAsk.
func (s *Set) RenderAnswer(question string, sources []Source) (string, error) {
	return s.RenderAsk(Ask{Question: question}, sources)
}

// RenderAsk renders the user message: the sources, numbered from 1 in the
// order given, then the question (with its standalone form and the
// language to answer in when known). Text in the sources and the question
// that could pass for a source number or for one of the prompt's
// delimiters is neutralised first (see Neutralise), so that a passage
// cannot add a fake source and a question cannot close the sources early.
func (s *Set) RenderAsk(ask Ask, sources []Source) (string, error) {
	d := AnswerData{Question: Neutralise(ask.Question), Language: oneLine(Neutralise(ask.Language)), Sources: make([]Source, len(sources))}
	if st := oneLine(Neutralise(ask.Standalone)); st != "" && !strings.EqualFold(st, oneLine(d.Question)) {
		d.Standalone = st
	}
	for i, src := range sources {
		d.Sources[i] = Source{
			N:     i + 1,
			Title: oneLine(Neutralise(src.Title)),
			Doc:   oneLine(Neutralise(src.Doc)),
			Text:  Neutralise(src.Text),
			Rank:  src.Rank,
		}
	}
	return s.execute(AnswerFile, d)
}

// RenderRewrite renders the instruction that turns a member's message into
// search queries, with the last MaxHistoryTurns turns of history and the
// headings of passages found for the message as asked. Citation markers
// are removed from earlier answers: they refer to sources the rewrite
// prompt does not show.
func (s *Set) RenderRewrite(history []Turn, message string, headings []string) (string, error) {
	if len(history) > MaxHistoryTurns {
		history = history[len(history)-MaxHistoryTurns:]
	}
	q := Neutralise(message)
	d := RewriteData{Question: q, FollowUp: q, History: make([]Turn, len(history)), MaxQueries: MaxQueries}
	seen := map[string]bool{}
	for _, h := range headings {
		h = oneLine(Neutralise(shorten(h, maxHeadingChars)))
		if h != "" && !seen[strings.ToLower(h)] {
			seen[strings.ToLower(h)] = true
			d.Headings = append(d.Headings, h)
		}
	}
	for i, t := range history {
		a := citationRE.ReplaceAllString(t.Answer, "")
		d.History[i] = Turn{
			Question: oneLine(Neutralise(t.Question)),
			Answer:   oneLine(Neutralise(shorten(a, maxHistoryAnswer))),
		}
	}
	return s.execute(RewriteFile, d)
}

var (
	// markerRE matches what the model would read as a citation: digits in
	// square brackets, alone or in a list or range ("[3]", "[1, 2]", "[1-2]").
	markerRE = regexp.MustCompile(`\[(\s*\d+(?:\s*[,;\-–]\s*\d+)*\s*)\]`)
	// citationRE is markerRE with the spaces before it, for removing
	// citations from a sentence: "90 days [1]." reads "90 days.".
	citationRE = regexp.MustCompile(`[ \t]*\[\s*\d+(?:\s*[,;\-–]\s*\d+)*\s*\]`)
	// delimiterRE matches the tags the templates use to fence data.
	delimiterRE = regexp.MustCompile(`(?i)<\s*/?\s*(sources?|question|conversation|follow-up|message|headings)\s*>`)
)

// Neutralise rewrites data text so that it cannot pose as prompt
// structure: bracketed numbers become parenthesised ("[3]" -> "(3)"), so a
// line of a passage cannot start a fake source block and a passage's own
// footnote numbers are not mistaken for citations; and the tags that fence
// the data ("</sources>", "<question>") lose their angle brackets.
func Neutralise(s string) string {
	s = markerRE.ReplaceAllString(s, "($1)")
	return delimiterRE.ReplaceAllStringFunc(s, func(tag string) string {
		return "(" + strings.Trim(tag, "<>") + ")"
	})
}

// oneLine joins a title onto one line: a newline in it would let the rest
// of the title pass for passage text or for the next block.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// shorten cuts s to at most max characters, at a word boundary when one is
// near, marking the cut with an ellipsis.
func shorten(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)[:max]
	cut := string(r)
	if i := strings.LastIndexAny(cut, " \n\t"); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut) + "…"
}
