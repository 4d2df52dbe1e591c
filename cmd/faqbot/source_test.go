package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/store"
)

// helpSite is a help site on loopback whose pages a test edits; each page
// has an ETag, so an unchanged page costs a 304.
type helpSite struct {
	srv    *httptest.Server
	mu     sync.Mutex
	pages  map[string]string
	status map[string]int
}

func newHelpSite(t *testing.T) *helpSite {
	t.Helper()
	s := &helpSite{pages: map[string]string{}, status: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		body, ok := s.pages[r.URL.Path]
		status := s.status[r.URL.Path]
		s.mu.Unlock()
		switch {
		case status != 0:
			w.WriteHeader(status)
			return
		case !ok:
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256([]byte(body))
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if strings.HasSuffix(r.URL.Path, ".xml") {
			w.Header().Set("Content-Type", "application/xml")
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *helpSite) URL(p string) string { return s.srv.URL + p }

func (s *helpSite) set(p, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[p] = body
	delete(s.status, p)
}

func (s *helpSite) fail(p string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[p] = status
}

// helpPage is an FAQ page in a site's chrome, with its canonical link.
func helpPage(title, canonical string, qa ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html><head><title>%s | Quay Help</title><link rel=\"canonical\" href=\"%s\"></head><body>", title, canonical)
	b.WriteString(`<header><nav><a href="/">Home</a> <a href="/pricing">Pricing</a> <a href="/login">Sign in to your account</a></nav></header><main><article>`)
	fmt.Fprintf(&b, "<h1>%s</h1>", title)
	for i := 0; i+1 < len(qa); i += 2 {
		fmt.Fprintf(&b, "<h2>%s</h2><p>%s</p>", qa[i], qa[i+1])
	}
	b.WriteString(`</article></main><footer>Copyright Quay Ltd. Privacy policy.</footer></body></html>`)
	return b.String()
}

// quaySite serves a sitemap of two help pages.
func quaySite(t *testing.T) *helpSite {
	s := newHelpSite(t)
	s.set("/help/lockers", helpPage("Lockers", s.URL("/help/lockers"),
		"How much does a locker cost per week?", "A locker costs eleven pounds a week, paid at the quay office."))
	s.set("/help/laundry", helpPage("Laundry", s.URL("/help/laundry"),
		"When is the laundry room open?", "The laundry room is open from eight until eight, tokens from the quay office."))
	s.set("/sitemap.xml", fmt.Sprintf(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%s</loc></url><url><loc>%s</loc></url></urlset>`,
		s.URL("/help/lockers"), s.URL("/help/laundry")))
	return s
}

// askCited asks on the command line and returns the answer and its first
// citation's link.
func askCited(t *testing.T, env map[string]string, q string) (answer, url string) {
	t.Helper()
	got, _ := askJSONOf(t, env, q)
	if len(got.Citations) == 0 {
		return got.Answer, ""
	}
	return got.Answer, got.Citations[0].URL
}

// TestSourceCommands: an operator adds a site's sitemap to the base
// corpus on the command line; `faqbot ask` answers from its pages with
// their links; a refresh picks up an edit and costs 304s for the rest; a
// failing site keeps its pages; removing the source removes them.
func TestSourceCommands(t *testing.T) {
	site := quaySite(t)
	root := t.TempDir()
	env := map[string]string{
		"FAQBOT_DATA_DIR": filepath.Join(root, "data"), "FAQBOT_INDEX_DIR": filepath.Join(root, "index"),
		"FAQBOT_ALLOW_PRIVATE_SOURCES": "1",
	}
	out, errs, code := runCLI(t, env, "source", "add", site.URL("/sitemap.xml"))
	if code != 0 || !strings.Contains(out, "Source 1 in the base corpus") || !strings.Contains(out, "2 added") {
		t.Fatalf("source add: exit %d\n%s%s", code, out, errs)
	}
	answer, link := askCited(t, env, "how much is a locker each week")
	if !strings.Contains(answer, "eleven pounds") || link != site.URL("/help/lockers") {
		t.Errorf("ask after source add: %q citing %q, want eleven pounds from %s", answer, link, site.URL("/help/lockers"))
	}

	out, _, code = runCLI(t, env, "source", "list")
	if code != 0 || !strings.Contains(out, site.URL("/sitemap.xml")+" (sitemap)") || !strings.Contains(out, "ok: 2 added") {
		t.Errorf("source list: exit %d\n%s", code, out)
	}
	out, _, _ = runCLI(t, env, "source", "list", "--json")
	var listed sourceJSON
	if err := json.Unmarshal([]byte(out), &listed); err != nil || listed.ID != 1 || listed.Pages != 2 || listed.Source.URL != site.URL("/sitemap.xml") ||
		listed.AddedBy != "cli" || listed.RefreshedAt == nil || listed.Next == nil {
		t.Errorf("source list --json: %+v (%v)\n%s", listed, err, out)
	}

	site.set("/help/lockers", helpPage("Lockers", site.URL("/help/lockers"),
		"How much does a locker cost per week?", "A locker now costs fourteen pounds a week, paid at the quay office."))
	out, errs, code = runCLI(t, env, "source", "refresh")
	if code != 0 || !strings.Contains(out, "0 added, 1 changed, 1 unchanged") || !strings.Contains(out, "1 answered 304") || !strings.Contains(out, ", 1 passage embedded,") {
		t.Errorf("source refresh: exit %d\n%s%s", code, out, errs)
	}
	if answer, _ := askCited(t, env, "how much is a locker each week"); !strings.Contains(answer, "fourteen pounds") {
		t.Errorf("ask after the refresh: %q", answer)
	}

	site.fail("/sitemap.xml", 500)
	out, errs, code = runCLI(t, env, "source", "refresh", "1")
	if code != 1 || !strings.Contains(out, "FAILED: HTTP 500") || !strings.Contains(errs, "1 source of 1 failed") {
		t.Errorf("refresh of a failing site: exit %d\n%s%s", code, out, errs)
	}
	if answer, _ := askCited(t, env, "when is the laundry room open"); !strings.Contains(answer, "eight until eight") {
		t.Errorf("the failing source's pages no longer answer: %q", answer)
	}
	out, _, _ = runCLI(t, env, "source", "list")
	if !strings.Contains(out, "FAILING, last good pages kept: HTTP 500") {
		t.Errorf("source list after a failure:\n%s", out)
	}

	out, errs, code = runCLI(t, env, "source", "remove", "1")
	if code != 0 || !strings.Contains(out, "Removed source 1") || !strings.Contains(out, "2 pages") {
		t.Errorf("source remove: exit %d\n%s%s", code, out, errs)
	}
	if answer, link := askCited(t, env, "when is the laundry room open"); strings.Contains(answer, "eight until eight") || link == site.URL("/help/laundry") {
		t.Errorf("the removed source still answers: %q (%s)", answer, link)
	}
	if _, errs, code := runCLI(t, env, "source", "remove", "1"); code != 1 || !strings.Contains(errs, "no source has that ID") {
		t.Errorf("removing it again: exit %d, %s", code, errs)
	}
}

// TestSourceCommandsServersAndFile: --guild feeds a server's knowledge
// base; the sources file feeds the base, its sources are fetched by
// refresh and cannot be removed on the command line; without the setting,
// a private address is refused.
func TestSourceCommandsServersAndFile(t *testing.T) {
	site := quaySite(t)
	root := t.TempDir()
	data := filepath.Join(root, "data")
	env := map[string]string{"FAQBOT_DATA_DIR": data, "FAQBOT_INDEX_DIR": filepath.Join(root, "index")}
	if _, errs, code := runCLI(t, env, "source", "add", site.URL("/help/lockers")); code != 1 || !strings.Contains(errs, "private or local") || !strings.Contains(errs, "FAQBOT_ALLOW_PRIVATE_SOURCES=1 allows") {
		t.Errorf("a loopback source without FAQBOT_ALLOW_PRIVATE_SOURCES: exit %d, %s", code, errs)
	}
	env["FAQBOT_ALLOW_PRIVATE_SOURCES"] = "1"
	out, errs, code := runCLI(t, env, "source", "add", "--guild", "g1", site.URL("/help/lockers"))
	if code != 0 || !strings.Contains(out, "in server g1") {
		t.Fatalf("source add --guild: exit %d\n%s%s", code, out, errs)
	}
	pages, _ := filepath.Glob(filepath.Join(data, "guilds", "g1", "corpus", "sources", "*", "*.html"))
	if len(pages) != 1 {
		t.Errorf("server g1's pages: %q", pages)
	}
	// The command line builds a server's index as serve does: calibrated
	// with the word expander, so serve does not calibrate it again.
	var saved struct {
		Calibration *struct {
			Expander string `json:"expander"`
		} `json:"calibration"`
	}
	if b, err := os.ReadFile(filepath.Join(data, "guilds", "g1", "index", "manifest.json")); err != nil || json.Unmarshal(b, &saved) != nil || saved.Calibration == nil || saved.Calibration.Expander == "" {
		t.Errorf("server g1's index is not calibrated with the word expander: %+v (%v)", saved.Calibration, err)
	}
	if answer, _ := askCited(t, env, "how much is a locker each week"); strings.Contains(answer, "eleven pounds") {
		t.Errorf("the base answered from server g1's source: %q", answer)
	}

	file := filepath.Join(root, "sources.txt")
	if err := os.WriteFile(file, []byte("# base sources\n"+site.URL("/help/laundry")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env["FAQBOT_SOURCES_FILE"] = file
	out, _, _ = runCLI(t, env, "source", "list")
	if !strings.Contains(out, "the base corpus") || !strings.Contains(out, "not fetched yet") || !strings.Contains(out, "server g1") {
		t.Errorf("source list with a sources file:\n%s", out)
	}
	out, errs, code = runCLI(t, env, "source", "refresh")
	if code != 0 || !strings.Contains(out, "1 added") {
		t.Errorf("refresh of the file's source: exit %d\n%s%s", code, out, errs)
	}
	if answer, link := askCited(t, env, "when is the laundry room open"); !strings.Contains(answer, "eight until eight") || link != site.URL("/help/laundry") {
		t.Errorf("ask from the file's source: %q (%s)", answer, link)
	}
	var fileSource string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Source ") && strings.Contains(line, "base corpus") {
			fileSource = strings.Fields(line)[1]
		}
	}
	if _, errs, code := runCLI(t, env, "source", "remove", fileSource); code != 1 || !strings.Contains(errs, "take its line out of the file") {
		t.Errorf("removing the file's source on the command line: exit %d, %s", code, errs)
	}
	// Out of the file, out of the base.
	if err := os.WriteFile(file, []byte("# nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, _ = runCLI(t, env, "source", "list")
	if strings.Contains(out, "laundry") {
		t.Errorf("a source taken out of the file is still listed:\n%s", out)
	}
	if answer, _ := askCited(t, env, "when is the laundry room open"); strings.Contains(answer, "eight until eight") {
		t.Errorf("a source taken out of the file still answers: %q", answer)
	}
}

func TestSourceUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"source"}, "source needs a subcommand"},
		{[]string{"source", "sync"}, `unknown source subcommand "sync"`},
		{[]string{"source", "add"}, "source add takes one URL"},
		{[]string{"source", "add", "ftp://example.com/x"}, "only http and https"},
		{[]string{"source", "add", "--branch", "main", "https://example.com/faq"}, "branch, folder and link base are for Git sources"},
		{[]string{"source", "remove", "abc"}, "source remove takes a source ID"},
		{[]string{"source", "refresh", "1", "2"}, "at most one source ID"},
		{[]string{"source", "list", "extra"}, "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, errs, code := runCLI(t, nil, tt.args...)
			if code != 2 || !strings.Contains(errs, tt.msg) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.msg)
			}
		})
	}
}

// TestOwnsFollowsTheBot: once the bot knows its shard from Discord, that
// decides.
func TestOwnsFollowsTheBot(t *testing.T) {
	const a = "1177013512271355904"
	mine := int((1177013512271355904 >> 22) % 3)
	o := owns(config.Config{ShardID: mine}, func() (int, int) { return mine, 3 })
	if !o(a) || o("") != (mine == 0) {
		t.Errorf("shard %d of 3: owns(a) = %v, owns(base) = %v", mine, o(a), o(""))
	}
	other := owns(config.Config{ShardID: (mine + 1) % 3}, func() (int, int) { return (mine + 1) % 3, 3 })
	if other(a) {
		t.Error("another shard owns the server")
	}
}

func TestOwns(t *testing.T) {
	const a, b = "1177013512271355904", "1177013512271355905" // differ in the worker bits only
	tests := []struct {
		cfg  config.Config
		want map[string]bool
	}{
		{config.Config{ShardCount: 1}, map[string]bool{"": true, a: true, "guild-x": true}},
		{config.Config{ShardCount: 1, Guilds: []string{a}}, map[string]bool{"": true, a: true, b: false}},
		{config.Config{ShardCount: 1, DiscordGuildID: b}, map[string]bool{"": true, a: false, b: true}},
		{config.Config{ShardCount: 2, ShardID: 0}, map[string]bool{"": true, "guild-x": true, a: (1177013512271355904>>22)%2 == 0}},
		{config.Config{ShardCount: 2, ShardID: 1}, map[string]bool{"": false, "guild-x": false, a: (1177013512271355904>>22)%2 == 1}},
		// The count from Discord, not known yet: shard 0 (or none given)
		// owns everything meanwhile, another shard nothing.
		{config.Config{ShardID: -1}, map[string]bool{"": true, a: true}},
		{config.Config{ShardID: 1}, map[string]bool{"": false, a: false}},
	}
	for _, tt := range tests {
		o := owns(tt.cfg, nil)
		for g, want := range tt.want {
			if got := o(g); got != want {
				t.Errorf("%+v: owns(%q) = %v, want %v", tt.cfg, g, got, want)
			}
		}
	}
}

// TestSourceCommandsDropTaughtPhrasings: on the command line as from
// Discord, a refresh that finds a page gone from the sitemap, and the
// removal of a source, drop the phrasings taught for its passages, say
// which, and record it in the change log.
func TestSourceCommandsDropTaughtPhrasings(t *testing.T) {
	site := quaySite(t)
	root := t.TempDir()
	data := filepath.Join(root, "data")
	env := map[string]string{"FAQBOT_DATA_DIR": data, "FAQBOT_INDEX_DIR": filepath.Join(root, "index"), "FAQBOT_ALLOW_PRIVATE_SOURCES": "1"}
	if out, errs, code := runCLI(t, env, "source", "add", site.URL("/sitemap.xml")); code != 0 {
		t.Fatalf("source add: exit %d\n%s%s", code, out, errs)
	}
	teach := func(q, topic string) {
		t.Helper()
		// The passage is looked up by its topic: the question is worded
		// so that the FAQ's words miss it.
		out, _, _ := runCLI(t, env, "teach", topic)
		id := ""
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(f[0], "sources/") && strings.Contains(line, topic) {
				id = f[0]
				break
			}
		}
		if id == "" {
			t.Fatalf("no passage offered for %q:\n%s", topic, out)
		}
		if out, errs, code := runCLI(t, env, "teach", "--passage", id, q); code != 0 {
			t.Fatalf("teach: exit %d\n%s%s", code, out, errs)
		}
	}
	const washing, storage = "where do i wash my clothes", "what does storage set me back"
	teach(washing, "laundry")
	teach(storage, "locker")

	site.set("/sitemap.xml", fmt.Sprintf(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%s</loc></url></urlset>`, site.URL("/help/lockers")))
	out, errs, code := runCLI(t, env, "source", "refresh")
	if code != 0 || !strings.Contains(out, "1 removed") || !strings.Contains(out, "Dropped 1 taught phrasing whose passage is gone") || !strings.Contains(out, washing) || strings.Contains(out, storage) {
		t.Errorf("source refresh with the laundry page gone: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code = runCLI(t, env, "source", "remove", "1")
	if code != 0 || !strings.Contains(out, "Dropped 1 taught phrasing whose passage is gone") || !strings.Contains(out, storage) {
		t.Errorf("source remove: exit %d\n%s%s", code, out, errs)
	}
	if out, _, _ := runCLI(t, env, "teach", "--list"); !strings.Contains(out, "Nothing is taught") {
		t.Errorf("teach --list after both were dropped:\n%s", out)
	}

	db, err := store.Open(context.Background(), filepath.Join(data, "faqbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	changes, err := db.Guild(store.BaseGuild).Changes(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	var dropped []string
	for _, c := range changes {
		if c.Action == store.ActionUnteach {
			dropped = append(dropped, c.Summary+" by "+c.Who)
		}
	}
	want := []string{storage + " (its passage is gone) by cli", washing + " (its passage is gone) by cli"}
	if strings.Join(dropped, "\n") != strings.Join(want, "\n") {
		t.Errorf("change log, newest first:\n%s\nwant:\n%s", strings.Join(dropped, "\n"), strings.Join(want, "\n"))
	}
}
