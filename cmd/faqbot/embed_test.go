package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/faqbot/faqbot/llm/llmtest"
)

const embedKey = "sk-embed-canary-5e1f"

// stallable answers embeddings requests until stalled is set, then holds
// every request until the client gives up, as a stalled server does.
func stallable(stalled *atomic.Bool, dim int) llmtest.Reply {
	ok := llmtest.Embeddings(dim)
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		if stalled.Load() {
			<-r.Context().Done()
			return
		}
		ok(w, r, body)
	}
}

func decodeAsk(t *testing.T, out string) askJSON {
	t.Helper()
	var got askJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	return got
}

// Chat and embeddings on two servers, each with its own key; the model's
// prefixes are sent; the embeddings server is part of the index's identity.
func TestAskSeparateEmbedServer(t *testing.T) {
	q := "who delivered the US written response to Russia?"
	chat := llmtest.NewServer(t, llmtest.Queries("Who delivered the US written response to Russia?", "English", "written response delivered Moscow"),
		llmtest.Stream("Ambassador John Sullivan delivered it [1]."))
	emb := llmtest.NewServer(t, llmtest.Embeddings(32))
	idx := filepath.Join(t.TempDir(), "index")
	env := llmEnv(chat.URL())
	env["FAQBOT_EMBED_BASE_URL"], env["FAQBOT_EMBED_API_KEY"], env["FAQBOT_EMBED_MODEL"] = emb.URL(), embedKey, "nomic-embed-text"
	env["FAQBOT_INDEX_DIR"] = idx

	// The index is built first: building embeds the passages and the
	// calibration's questions, and the ask after it only its own queries.
	if _, errs, code := runCLI(t, env, "index"); code != 0 {
		t.Fatalf("index: exit %d\n%s", code, errs)
	}
	built := len(emb.Requests())
	out, errs, code := runCLI(t, env, "ask", "--json", q)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	got := decodeAsk(t, out)
	if got.Mode != "llm" || got.Note != "" || len(got.Citations) != 1 || !strings.Contains(got.Answer, "Sullivan") {
		t.Fatalf("got %+v, want an LLM answer without a note", got)
	}
	var queries, passages int
	for i, r := range emb.Requests() {
		if r.Path != "/v1/embeddings" || r.Header.Get("Authorization") != "Bearer "+embedKey {
			t.Fatalf("embeddings server got %s with Authorization %q", r.Path, r.Header.Get("Authorization"))
		}
		for _, in := range r.Embed(t).Input {
			switch {
			case strings.HasPrefix(in, "search_query: "):
				if i >= built {
					queries++
				}
			case strings.HasPrefix(in, "search_document: "):
				passages++
			default:
				t.Errorf("embedded %q without nomic-embed-text's prefixes", in)
			}
		}
	}
	if queries != len(got.Queries) || passages < 10 {
		t.Errorf("embedded %d questions and %d passages; want one per query searched (%d) and the corpus", queries, passages, len(got.Queries))
	}
	for _, r := range chat.Requests() {
		if r.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer "+canaryKey {
			t.Errorf("chat server got %s with Authorization %q", r.Path, r.Header.Get("Authorization"))
		}
	}

	// The same model on another server: the vectors are rebuilt.
	out, errs, code = runCLI(t, env, "index")
	if code != 0 || !strings.Contains(out, "loaded in") || !strings.Contains(out, "nomic-embed-text@"+strings.TrimPrefix(emb.URL(), "http://")) {
		t.Fatalf("index on the same server: exit %d\n%s\n%s", code, out, errs)
	}
	other := llmtest.NewServer(t, llmtest.Embeddings(32))
	env["FAQBOT_EMBED_BASE_URL"] = other.URL()
	out, errs, code = runCLI(t, env, "index")
	if code != 0 || !strings.Contains(out, "rebuilt: embedder") || len(other.Requests()) == 0 {
		t.Fatalf("index on another server: exit %d, %d requests there\n%s\n%s", code, len(other.Requests()), out, errs)
	}
}

// A stalled embeddings server: ask answers from the lexical index with a
// note instead of hanging, in both modes; index fails with an error that
// names the timeout.
func TestEmbedServerStalled(t *testing.T) {
	var stalled atomic.Bool
	emb := llmtest.NewServer(t, stallable(&stalled, 32))
	idx := filepath.Join(t.TempDir(), "index")
	env := map[string]string{"FAQBOT_EMBED_BASE_URL": emb.URL(), "FAQBOT_EMBED_MODEL": "test-embed", "FAQBOT_INDEX_DIR": idx}
	if out, errs, code := runCLI(t, env, "index"); code != 0 {
		t.Fatalf("index: exit %d\n%s\n%s", code, out, errs)
	}
	built := len(emb.Requests())

	stalled.Store(true)
	// The only deadline is the setting: the test waits for it to fire.
	env["FAQBOT_EMBED_TIMEOUT"] = "100ms"
	// A question the corpus's words answer unambiguously: with words
	// alone, "delivered" would as well match the passage where the
	// document was "presented" (a synonym) as the one naming the
	// ambassador.
	q := "Who is the US ambassador to Russia?"
	out, errs, code := runCLI(t, env, "ask", "--json", q)
	if code != 0 {
		t.Fatalf("ask with the embeddings server stalled: exit %d\n%s", code, errs)
	}
	got := decodeAsk(t, out)
	if got.Refused || got.Mode != "extractive" || !strings.Contains(got.Note, "searched by words alone") || !strings.Contains(got.Answer, "Sullivan") {
		t.Fatalf("got %+v, want an extractive answer found by words, with a note", got)
	}
	// No start-up probe: the dimension came from the saved manifest.
	if n := len(emb.Requests()) - built; n != 1 {
		t.Errorf("ask sent %d embeddings requests, want only the question's", n)
	}

	// LLM mode: several queries, one wait. After the first question's
	// embedding times out, the others go straight to the words.
	chat := llmtest.NewServer(t, llmtest.Queries(q, "English", "written response", "ambassador Moscow"), llmtest.Stream("John Sullivan delivered it [1]."))
	llmEnv := llmEnv(chat.URL())
	for k, v := range env {
		llmEnv[k] = v
	}
	before := len(emb.Requests())
	out, errs, code = runCLI(t, llmEnv, "ask", "--json", q)
	if code != 0 {
		t.Fatalf("LLM ask with the embeddings server stalled: exit %d\n%s", code, errs)
	}
	got = decodeAsk(t, out)
	if got.Mode != "llm" || !strings.Contains(got.Note, "searched by words alone") || len(got.Queries) != 3 {
		t.Fatalf("got %+v, want an LLM answer from three queries with the note", got)
	}
	if n := len(emb.Requests()) - before; n != 1 {
		t.Errorf("the LLM-mode question sent %d embeddings requests, want 1 (the rest skipped the stalled server)", n)
	}

	// Building an index needs the server: a clear error, no hang.
	env["FAQBOT_INDEX_DIR"] = filepath.Join(t.TempDir(), "index")
	env["FAQBOT_EMBED_DIMENSIONS"] = "32" // no probe: the build itself stalls
	out, errs, code = runCLI(t, env, "index")
	if code == 0 || !strings.Contains(errs, "no reply within 100ms") {
		t.Fatalf("index with the server stalled: exit %d, want a failure naming the timeout\n%s\n%s", code, out, errs)
	}
	delete(env, "FAQBOT_EMBED_DIMENSIONS") // the start-up probe stalls too
	_, errs, code = runCLI(t, env, "ask", q)
	if code == 0 || !strings.Contains(errs, "no reply within 100ms") {
		t.Fatalf("ask with no index and the server stalled: exit %d, want a failure naming the timeout\n%s", code, errs)
	}
}

// A reasoning model gets reasoning_effort and a completion budget with
// room for its thinking, for the search queries and for the answer.
func TestAskReasoningModel(t *testing.T) {
	q := "how long did the talks in Florida last?"
	srv := llmtest.NewServer(t, llmtest.Queries(q, "English", "Florida talks duration"), llmtest.Stream("Over four hours [1]."))
	env := llmEnv(srv.URL())
	env["FAQBOT_CHAT_MODEL"], env["FAQBOT_REASONING_EFFORT"] = "gpt-5-mini", "low"
	out, errs, code := runCLI(t, env, "ask", "--json", q)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if got := decodeAsk(t, out); got.Mode != "llm" || got.Answer != "Over four hours [1]." {
		t.Fatalf("got %+v", got)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for i, wantBudget := range []int{300 + 4096, 400 + 4096} {
		c := reqs[i].Chat(t)
		if c.ReasoningEffort != "low" || c.MaxCompletionTokens != wantBudget || c.MaxTokens != 0 || c.Temperature != nil {
			t.Errorf("request %d: reasoning_effort %q, max_completion_tokens %d, max_tokens %d, temperature %v; want low, %d, none, none",
				i, c.ReasoningEffort, c.MaxCompletionTokens, c.MaxTokens, c.Temperature, wantBudget)
		}
	}
}
