package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot/discordtest"
	"github.com/faqbot/faqbot/llm/llmtest"
)

// TestAPIKeyNeverShown asks through a model whose every failure echoes the
// key back (as OpenAI's 401 does), at debug level and in both log
// formats: the key appears in no output, log line or error.
func TestAPIKeyNeverShown(t *testing.T) {
	replies := map[string]llmtest.Reply{
		"401 echoing the key":        llmtest.OpenAIError(401, "Incorrect API key provided: "+canaryKey, "invalid_request_error", "invalid_api_key"),
		"500 echoing the key":        llmtest.Status(500, "upstream rejected key "+canaryKey),
		"ollama error with the key":  llmtest.OllamaError(400, "bad key "+canaryKey),
		"proxy page with the key":    llmtest.Text(502, "<html>key="+canaryKey+"</html>"),
		"stream error with the key":  llmtest.StreamEvents(`{"error": {"message": "key ` + canaryKey + ` revoked", "type": "server_error"}}`),
		"rate limited with the key":  llmtest.WithHeader("Retry-After", "600", llmtest.OpenAIError(429, "Rate limit for key "+canaryKey, "requests", "rate_limit_exceeded")),
		"answer that quotes the key": llmtest.Stream("Your key is " + canaryKey + " [1]."),
	}
	for name, reply := range replies {
		for _, format := range []string{"text", "json"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				srv := llmtest.NewServer(t, reply)
				env := llmEnv(srv.URL())
				// Retried failures (500, 502) give up at the 1 s timeout.
				env["FAQBOT_LOG_LEVEL"], env["FAQBOT_LOG_FORMAT"], env["FAQBOT_LLM_TIMEOUT"] = "debug", format, "1s"
				args := []string{"ask", "--json", "how long did the talks in Florida last?"}
				if format == "text" {
					args = []string{"ask", "--explain", "how long did the talks in Florida last?"}
				}
				out, errs, code := runCLI(t, env, args...)
				if code != 0 {
					t.Fatalf("exit %d\n%s", code, errs)
				}
				if strings.Contains(out+errs, canaryKey) && name != "answer that quotes the key" {
					t.Errorf("%v: the API key appears in the output:\n%s\n%s", args, out, errs)
				}
				if strings.Contains(errs, canaryKey) {
					t.Errorf("%v: the API key appears in the logs:\n%s", args, errs)
				}
			})
		}
	}
}

// TestSecretsNotEchoed sets both secrets to canaries and runs every command
// that could print settings or fail on them: `settings`, a usage error, a
// bad setting, and `serve` against a Discord that rejects the token.
func TestSecretsNotEchoed(t *testing.T) {
	const token = "canary-discord-token-MTIzNDU2Nzg5"
	env := func() map[string]string {
		return map[string]string{"OPENAI_API_KEY": canaryKey, "DISCORD_TOKEN": token, "FAQBOT_LOG_LEVEL": "debug"}
	}
	check := func(t *testing.T, what, out, errs string) {
		t.Helper()
		if strings.Contains(out+errs, canaryKey) || strings.Contains(out+errs, token) || strings.Contains(out+errs, "MTIzNDU2Nzg5") {
			t.Errorf("%s shows a secret:\n%s\n%s", what, out, errs)
		}
	}
	out, errs, code := runCLI(t, env(), "settings")
	if code != 0 || !strings.Contains(out, "OPENAI_API_KEY=") {
		t.Errorf("settings: exit %d\n%s", code, out)
	}
	check(t, "settings", out, errs)

	e := env()
	e["FAQBOT_TOP_K"] = "lots"
	out, errs, _ = runCLI(t, e, "ask", "x")
	check(t, "a bad setting", out, errs)
	out, errs, _ = runCLI(t, env(), "ask", "--nope", "x")
	check(t, "a usage error", out, errs)

	// Discord refuses the token: serve fails with the reason, not the token.
	fake := discordtest.New(t)
	fake.FailWith(func(r discordtest.Request) bool { return true }, 0, 401, nil, map[string]any{"message": "401: Unauthorized", "code": 0})
	e = env()
	e["FAQBOT_DISCORD_API_URL"] = fake.URL
	done := make(chan struct{})
	go func() {
		out, errs, code = runCLI(t, e, "serve")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(watchdog):
		t.Fatal("serve did not give up on a rejected token")
	}
	if code == 0 || !strings.Contains(errs, "401") {
		t.Errorf("serve with a rejected token: exit %d\n%s", code, errs)
	}
	check(t, "serve with a rejected token", out, errs)
}

// TestServeNeverLogsToken answers questions through `serve` at debug
// level, with a REST failure on the way: neither the logs nor any request
// body carries the token.
func TestServeNeverLogsToken(t *testing.T) {
	s := startServe(t, map[string]string{"FAQBOT_LOG_LEVEL": "debug"}, 3*time.Minute)
	s.fake.FailWith(func(r discordtest.Request) bool {
		return strings.Contains(r.Path, "token-sec-1") && r.Method == "PATCH"
	}, 1, 500, nil, nil)
	for _, id := range []string{"sec-1", "sec-2"} {
		i := s.ask(t, id, "user-"+id, "Who delivered the US written response to Russia?")
		if _, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool {
			return r.Method == "PATCH" && r.Path == s.originalPath(i)
		}); err != nil {
			t.Fatal(err)
		}
	}
	s.stop()
	if strings.Contains(s.logs.String(), s.token) {
		t.Error("the token appears in the logs")
	}
	for _, r := range s.fake.Requests() {
		if strings.Contains(string(r.Body), s.token) {
			t.Errorf("the token appears in %s", r)
		}
	}
}

// TestDotenvIgnored checks that git, and the Docker build context, leave
// .env (where operators put their secrets) out.
func TestDotenvIgnored(t *testing.T) {
	for _, file := range []string{"../../.gitignore", "../../.dockerignore"} {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l == ".env" || l == "/.env" || l == ".env*" {
				found = true
			}
		}
		f.Close()
		if !found {
			t.Errorf("%s does not ignore .env", file)
		}
	}
	// Ask git itself when it is there (a read-only query).
	if _, err := exec.LookPath("git"); err == nil {
		out, err := exec.Command("git", "-C", "../..", "check-ignore", "-v", ".env").CombinedOutput()
		if err != nil && !strings.Contains(string(out), "not a git repository") {
			t.Errorf("git check-ignore .env: %v %s", err, out)
		}
	}
}
