package answer

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/faqbot/faqbot/prompts"
	"github.com/faqbot/faqbot/retrieval"
)

// In LLM mode every question is turned into search queries before
// retrieval: one call to the model returns the question made standalone
// (a follow-up with its context, spelling and chat shorthand fixed, in
// the FAQ's language when the member wrote in another) and a few keyword
// queries in the FAQ's own words. Each is searched and the results fused
// (fuse.go). The call is cheap and optional: any failure searches the
// question as asked.

// DefaultRewriteTimeout bounds the call that writes a question's search
// queries when LLMOptions.RewriteTimeout is zero: a hosted model answers in
// a second or two, a small local one in several; a question that waits
// longer is better searched as asked.
const DefaultRewriteTimeout = 15 * time.Second

// rewriteTokens is the completion budget of that call: the JSON object of
// a question, three short queries and a language name is under 150
// tokens; 300 leaves room for a long question without letting a model
// that answers instead run on.
const rewriteTokens = 300

// maxHeadings is how many titles of passages found for the question as
// asked are shown to the model as a sample of the FAQ's language and
// wording.
const maxHeadings = 5

// Bounds on what the model returns: a standalone question longer than
// maxRewriteChars is an answer, not a question; a query longer than
// maxQueryChars is not a keyword query.
const (
	maxRewriteChars = 300
	maxQueryChars   = 120
)

// querySchema is the JSON Schema of the reply, strict in OpenAI's sense:
// every key required, no others.
var querySchema = []byte(`{"type":"object","properties":{` +
	`"question":{"type":"string"},` +
	`"queries":{"type":"array","items":{"type":"string"}},` +
	`"language":{"type":"string"}},` +
	`"required":["question","queries","language"],"additionalProperties":false}`)

// plan is what a question is searched with.
type plan struct {
	// standalone is the question as it stands alone: searched, shown to
	// the answer prompt and returned as Answer.Query.
	standalone string
	// queries are all the queries searched, without repeats: the one the
	// first search used, then the standalone question, then the keyword
	// queries.
	queries []string
	// language names the member's language when the model said; "" else.
	language string
}

// asAsked is the query for a question without an LLM's help: the question
// itself, or for a follow-up the previous question and the follow-up
// together, which keeps the topic ("what about Russia?" after a question
// about the US) at the cost of some noise in the lexical match.
func asAsked(q Question) string {
	if len(q.History) == 0 {
		return q.Text
	}
	return q.History[len(q.History)-1].Question + " " + q.Text
}

// headings are the distinct titles of the first hits, for the rewrite
// prompt.
func headings(hits []retrieval.Hit) []string {
	var out []string
	for _, h := range hits {
		t := h.Chunk.Title
		if t == "" {
			t = h.Chunk.DocTitle
		}
		if t != "" {
			out = append(out, t)
		}
		if len(out) == maxHeadings {
			break
		}
	}
	return out
}

// planQueries asks the model for q's search queries. first is the query
// already searched (asAsked) and found the headings shown to the model.
// An error means the model could not help; the caller searches first
// alone.
func (e *Engine) planQueries(ctx context.Context, q Question, first string, heads []string) (plan, error) {
	set := e.opts.LLM.Prompts
	if set == nil {
		set = prompts.Default()
	}
	turns := make([]prompts.Turn, len(q.History))
	for i, t := range q.History {
		turns[i] = prompts.Turn{Question: t.Question, Answer: t.Answer}
	}
	msg, err := set.RenderRewrite(turns, q.Text, heads)
	if err != nil {
		return plan{}, err
	}
	ctx, cancel := withTimeout(ctx, e.rewriteTimeout())
	defer cancel()
	msgs := []Message{{Role: RoleUser, Content: msg}}
	var out string
	if c, ok := e.opts.Chat.(Completer); ok {
		out, err = c.Complete(ctx, msgs, CompleteOptions{MaxTokens: rewriteTokens, Schema: querySchema, SchemaName: "search_queries"})
	} else {
		out, err = e.opts.Chat.Stream(ctx, msgs, nil)
	}
	if err != nil {
		return plan{}, fmt.Errorf("writing search queries: %w", err)
	}
	p, err := parsePlan(out)
	if err != nil {
		return plan{}, fmt.Errorf("writing search queries: %w", err)
	}
	p.queries = dedupe(append([]string{first, p.standalone}, p.queries...))
	e.lg.Debug("search queries", "question", q.Text, "standalone", p.standalone, "queries", p.queries, "language", p.language)
	return p, nil
}

// rewriteTimeout is the deadline of the query call: RewriteTimeout (or its
// default), never longer than the timeout of an answer.
func (e *Engine) rewriteTimeout() time.Duration {
	d := e.opts.LLM.RewriteTimeout
	if d <= 0 {
		d = DefaultRewriteTimeout
	}
	if t := e.opts.LLM.Timeout; t > 0 && t < d {
		d = t
	}
	return d
}

// queryReply is the JSON the rewrite prompt asks for.
type queryReply struct {
	Question string   `json:"question"`
	Queries  []string `json:"queries"`
	Language string   `json:"language"`
}

// parsePlan reads the model's reply: the JSON object the prompt asks for
// (found inside code fences or chatter if need be), or, from a prompt
// override that asks for a plain rewritten question, that question. The
// plan's queries are the keyword queries only.
func parsePlan(out string) (plan, error) {
	s := strings.TrimSpace(withoutReasoning(out))
	var r queryReply
	i, j := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}')
	if i < 0 || j < i || json.Unmarshal([]byte(s[i:j+1]), &r) != nil {
		r = queryReply{Question: cleanRewrite(s)}
		if citedRE.MatchString(r.Question) {
			r.Question = "" // an answer, not a question
		}
	}
	p := plan{standalone: oneLine(r.Question), language: languageName(r.Language)}
	if p.standalone == "" || len(p.standalone) > maxRewriteChars {
		return plan{}, fmt.Errorf("the model returned %d characters, not a question", len(p.standalone))
	}
	for _, k := range r.Queries {
		if k = oneLine(k); k != "" && len(k) <= maxQueryChars {
			p.queries = append(p.queries, k)
		}
		if len(p.queries) == prompts.MaxQueries {
			break
		}
	}
	return p, nil
}

// languageRE is what a language name looks like: a word or two of
// letters. Anything else the model put there is dropped, since the name is
// written into the answer prompt outside its data fences.
var languageRE = regexp.MustCompile(`^\p{L}[\p{L} ()-]{1,29}$`)

func languageName(s string) string {
	s = oneLine(s)
	if !languageRE.MatchString(s) {
		return ""
	}
	return s
}

// oneLine joins s onto one line and trims it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// dedupe drops empty and repeated queries (ignoring case), keeping order.
func dedupe(qs []string) []string {
	seen := map[string]bool{}
	out := qs[:0:0]
	for _, q := range qs {
		k := strings.ToLower(oneLine(q))
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, q)
	}
	return out
}

// rewritePrefixes are labels models put before a rewritten question.
var rewritePrefixes = []string{"standalone question:", "rewritten question:", "rewritten follow-up:", "rewritten:", "follow-up:", "question:"}

// cleanRewrite extracts the question from a plain-text rewrite reply: its
// first line that is not a lead-in ending in a colon, without labels,
// emphasis or quotes.
func cleanRewrite(s string) string {
	line := ""
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || (strings.HasSuffix(l, ":") && line == "") {
			continue
		}
		line = l
		break
	}
	line = strings.ReplaceAll(line, "**", "")
	for changed := true; changed; {
		changed = false
		lower := strings.ToLower(line)
		for _, p := range rewritePrefixes {
			if strings.HasPrefix(lower, p) {
				line = strings.TrimSpace(line[len(p):])
				changed = true
				break
			}
		}
	}
	return strings.TrimSpace(strings.Trim(line, "\"'`“”‘’"))
}
