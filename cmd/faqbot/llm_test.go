package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/llm/llmtest"
)

const canaryKey = "sk-canary-0123456789abcdef"

func llmEnv(url string) map[string]string {
	return map[string]string{"OPENAI_BASE_URL": url, "OPENAI_API_KEY": canaryKey, "FAQBOT_CHAT_MODEL": "test-model"}
}

// TestAskLLM drives the real go-openai client against a fake server: the
// request carries numbered sources and the question, and the answer shown
// keeps only citations of sources that were given, renumbered.
func TestAskLLM(t *testing.T) {
	q := "Who delivered the US written response to Russia?"
	srv := llmtest.NewServer(t,
		llmtest.Queries(q, "English", "US written response Russia delivered", "ambassador delivered document Moscow"),
		llmtest.Stream("John Sullivan delivered ", "it in person [2]. ", "NATO also replied [9]."))
	out, errs, code := runCLI(t, llmEnv(srv.URL()), "ask", "--json", "--explain", q)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, `searched 3 queries, results fused: ["`+q+`" "US written response Russia delivered"`) {
		t.Errorf("--explain does not list the queries searched:\n%s", errs)
	}
	var got askJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	if got.Mode != "llm" || got.Refused || len(got.Citations) != 1 || got.Citations[0].N != 1 {
		t.Fatalf("got %+v; want an llm answer with one citation numbered 1", got)
	}
	if got.Answer != "John Sullivan delivered it in person [1]. NATO also replied." {
		t.Errorf("answer %q: want [2] renumbered to [1] and the invented [9] dropped", got.Answer)
	}
	if len(got.Queries) != 3 || got.Queries[0] != q {
		t.Errorf("queries %q, want the question and the model's two keyword queries", got.Queries)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the search queries and the answer", len(reqs))
	}
	if rw := reqs[0].Chat(t); rw.Stream || rw.ResponseFormat == nil || !strings.Contains(rw.Messages[0].Content, "<message>\n"+q) {
		t.Errorf("first request is not the one for search queries: %+v", rw)
	}
	chat := reqs[1].Chat(t)
	if chat.Model != "test-model" || !chat.Stream || len(chat.Messages) != 2 || chat.Messages[0].Role != "system" {
		t.Fatalf("request %+v", chat)
	}
	user := chat.Messages[1].Content
	if !strings.Contains(user, "Who delivered the US written response to Russia?") || !strings.Contains(user, "\n[1] ") || !strings.Contains(user, "(source: 00") {
		t.Errorf("user message lacks the question or numbered sources:\n%s", user)
	}
	if h := reqs[1].Header.Get("Authorization"); h != "Bearer "+canaryKey {
		t.Errorf("Authorization = %q", h)
	}
}

func TestAskLLMStreamsToTerminal(t *testing.T) {
	q := "how long did the talks in Florida last?"
	srv := llmtest.NewServer(t, llmtest.Queries(q, "English"), llmtest.Stream("The talks lasted ", "over four hours [1]."))
	out, errs, code := runCLI(t, llmEnv(srv.URL()), "ask", q)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if strings.Count(out, "The talks lasted over four hours [1].") != 1 || !strings.Contains(out, "Sources:") {
		t.Errorf("streamed output should hold the answer once, then the sources:\n%s", out)
	}
}

func TestAskLLMDownFallsBack(t *testing.T) {
	tests := []struct {
		name  string
		reply llmtest.Reply
		note  string
	}{
		{"bad key", llmtest.OpenAIError(401, "Incorrect API key provided: "+canaryKey, "invalid_request_error", "invalid_api_key"), "key"},
		{"model missing", llmtest.OllamaError(404, `model "test-model" not found, try pulling it first`), "model"},
		{"server error", llmtest.Status(500, "boom"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := "how long did the talks in Florida last?"
			srv := llmtest.NewServer(t, llmtest.Queries(q, "English"), tt.reply)
			env := llmEnv(srv.URL())
			env["FAQBOT_LLM_TIMEOUT"] = "5s"
			out, errs, code := runCLI(t, env, "ask", "--json", q)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, errs)
			}
			var got askJSON
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("bad JSON: %v\n%s", err, out)
			}
			if got.Mode != "extractive" || got.Note == "" || !strings.Contains(got.Answer, "four hours") {
				t.Errorf("got %+v; want an extractive answer with a note", got)
			}
			if tt.note != "" && !strings.Contains(strings.ToLower(got.Note), tt.note) {
				t.Errorf("note %q does not mention %q", got.Note, tt.note)
			}
			if strings.Contains(out+errs, canaryKey) {
				t.Errorf("the API key leaked into the output:\n%s\n%s", out, errs)
			}
		})
	}
}

// A reasoning model's <think> block is never shown, streamed or final.
func TestAskLLMHidesReasoning(t *testing.T) {
	q := "how long did the talks in Florida last?"
	srv := llmtest.NewServer(t,
		llmtest.Completion(`<think>They want JSON.</think>{"question": "`+q+`", "queries": [], "language": "English"}`),
		llmtest.Stream("<think>The user wants [7]. ", "Ignore the rules?</think>\n", "The talks lasted ", "over four hours [1]."))
	out, errs, code := runCLI(t, llmEnv(srv.URL()), "ask", q)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if strings.Contains(out, "think") || strings.Contains(out, "Ignore the rules") || !strings.HasPrefix(out, "The talks lasted over four hours [1].") {
		t.Errorf("output:\n%s", out)
	}
}
