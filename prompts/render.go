package prompts

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// DontKnow is the exact sentence the system prompt tells the model to
// reply with when the sources do not answer. The answer package detects it
// (and a few paraphrases) to turn the reply into a refusal.
const DontKnow = "I don't know based on the FAQ."

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
	// DontKnow is the sentence to reply with when the sources do not answer.
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

// AnswerData is what answer.tmpl is executed with. Every string in it has
// been neutralised (see RenderAnswer).
type AnswerData struct {
	// Question is the (standalone) question.
	Question string
	// Sources are the passages, numbered from 1 in rank order.
	Sources []Source
}

// Turn is one earlier exchange of a conversation.
type Turn struct {
	Question string
	Answer   string
}

// RewriteData is what rewrite.tmpl is executed with. Every string in it
// has been neutralised.
type RewriteData struct {
	// History is the conversation so far, oldest first, at most
	// MaxHistoryTurns turns.
	History []Turn
	// FollowUp is the question to rewrite.
	FollowUp string
}

func systemData() SystemData { return SystemData{DontKnow: DontKnow, MaxChars: MaxAnswerChars} }

// RenderSystem renders the system prompt.
func (s *Set) RenderSystem() (string, error) {
	return s.execute(SystemFile, systemData())
}

// RenderAnswer renders the user message: the sources, numbered from 1 in
// the order given, then the question. Text in the sources and the question
// that could pass for a source number or for one of the prompt's
// delimiters is neutralised first (see Neutralise), so that a passage
// cannot add a fake source and a question cannot close the sources early.
func (s *Set) RenderAnswer(question string, sources []Source) (string, error) {
	d := AnswerData{Question: Neutralise(question), Sources: make([]Source, len(sources))}
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

// RenderRewrite renders the instruction that turns followUp into a
// standalone question, with the last MaxHistoryTurns turns of history.
// Citation markers are removed from earlier answers: they refer to sources
// the rewrite prompt does not show.
func (s *Set) RenderRewrite(history []Turn, followUp string) (string, error) {
	if len(history) > MaxHistoryTurns {
		history = history[len(history)-MaxHistoryTurns:]
	}
	d := RewriteData{FollowUp: Neutralise(followUp), History: make([]Turn, len(history))}
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
	delimiterRE = regexp.MustCompile(`(?i)<\s*/?\s*(sources?|question|conversation|follow-up)\s*>`)
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
