package bot

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNewConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		deps    Deps
		wantErr string
	}{
		{name: "ok", cfg: Config{Token: "Bot abc"}, deps: Deps{Servers: OneServer(Server{Answerer: newFakeAnswerer()})}},
		{name: "no token", cfg: Config{Token: "  "}, deps: Deps{Servers: OneServer(Server{Answerer: newFakeAnswerer()})}, wantErr: "DISCORD_TOKEN"},
		{name: "no servers", cfg: Config{Token: "abc"}, wantErr: "Servers"},
		{name: "bad shard", cfg: Config{Token: "abc", ShardID: 2, ShardCount: 2}, deps: Deps{Servers: OneServer(Server{Answerer: newFakeAnswerer()})}, wantErr: "shard 2 of 2"},
		{name: "no shard of several", cfg: Config{Token: "abc", ShardID: -1, ShardCount: 3}, deps: Deps{Servers: OneServer(Server{Answerer: newFakeAnswerer()})}, wantErr: "set FAQBOT_SHARD_ID (0 to 2)"},
		{name: "bad API URL", cfg: Config{Token: "abc", APIURL: "discord.local"}, deps: Deps{Servers: OneServer(Server{Answerer: newFakeAnswerer()})}, wantErr: "http or https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.cfg, tt.deps)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if b.gw.Token != "Bot abc" || b.gw.Identify.Intents != intents || b.cfg.RatePerMinute != DefaultRatePerMinute {
					t.Errorf("token %q, intents %d, rate %d", b.gw.Token, b.gw.Identify.Intents, b.cfg.RatePerMinute)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one mentioning %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "abc") {
				t.Errorf("the error %q shows the token", err)
			}
		})
	}
}

func TestRewriteTransport(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.Host+r.URL.RequestURI())
	}))
	defer srv.Close()
	rt, err := newRewriteTransport(srv.URL + "/proxy/")
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: rt}
	for _, u := range []string{"https://discord.com/api/v9/gateway", "https://discord.com/api/v9/channels/1/messages?limit=2"} {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	want := []string{"GET " + host + "/proxy/api/v9/gateway", "GET " + host + "/proxy/api/v9/channels/1/messages?limit=2"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestHealthzAndMetrics(t *testing.T) {
	ready := false
	b, _ := newTestBot(t, Config{QuestionTimeout: time.Second}, Deps{IndexReady: func() bool { return ready }})
	h := b.httpHandler()
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		body, _ := io.ReadAll(rec.Body)
		return rec.Code, string(body)
	}
	tests := []struct {
		connected, ready bool
		want             int
	}{
		{false, true, http.StatusServiceUnavailable},
		{true, false, http.StatusServiceUnavailable},
		{true, true, http.StatusOK},
	}
	for _, tt := range tests {
		b.connected.Store(tt.connected)
		ready = tt.ready
		code, body := get("/healthz")
		var state struct {
			Gateway bool `json:"gateway_connected"`
			Index   bool `json:"index_loaded"`
		}
		if err := json.Unmarshal([]byte(body), &state); err != nil || code != tt.want || state.Gateway != tt.connected || state.Index != tt.ready {
			t.Errorf("connected %v, ready %v: got %d %s, want %d", tt.connected, tt.ready, code, body, tt.want)
		}
	}

	fa := newFakeAnswerer()
	noted := refundsAnswer
	noted.Note, noted.LLMFailed = "LLM down", true
	fa.add("noted?", noted)
	// A tentative answer carries a note too; the LLM did not fail.
	fa.add("tentative?", tentativeWithAlternatives)
	for _, q := range []string{"How do refunds work?", "unknown?", "noted?", "tentative?"} {
		b.answer(t.Context(), question{Text: q, Via: viaSlash, UserID: "u", srv: Server{Answerer: fa}}, nil, nil)
	}
	b.admit(question{Text: "", Via: viaMention})
	_, body := get("/metrics")
	for _, want := range []string{
		`faqbot_questions_total{via="slash"} 4`,
		"faqbot_refusals_total 1",
		"faqbot_llm_errors_total 1",
		`faqbot_rejected_questions_total{reason="empty"} 1`,
		"faqbot_answer_duration_seconds_count 4",
		"faqbot_queue_depth 0",
		"faqbot_gateway_connected 1",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestBeginRefusesOnceStopping: a question that arrives after Run's ctx is
// done, before Run has woken up to drain, is turned away like any later
// one rather than started.
func TestBeginRefusesOnceStopping(t *testing.T) {
	b, _ := newTestBot(t, Config{}, Deps{})
	stopping := make(chan struct{})
	b.stopping = stopping
	done, ok := b.begin()
	if !ok {
		t.Fatal("begin refused a question before shutdown")
	}
	done()
	close(stopping)
	if _, ok := b.begin(); ok {
		t.Error("begin took a question after Run's context was done")
	}
}
