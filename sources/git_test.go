package sources

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/faqbot/faqbot/corpus"
)

// testRepo is a Git repository made in the test with go-git.
type testRepo struct {
	t    *testing.T
	dir  string
	repo *git.Repository
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "docs-repo")
	r, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &testRepo{t: t, dir: dir, repo: r}
}

// commit writes files (a nil content deletes the file) and commits them.
func (r *testRepo) commit(msg string, files map[string][]byte) plumbing.Hash {
	r.t.Helper()
	wt, err := r.repo.Worktree()
	if err != nil {
		r.t.Fatal(err)
	}
	for name, data := range files {
		p := filepath.Join(r.dir, filepath.FromSlash(name))
		if data == nil {
			if _, err := wt.Remove(name); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			r.t.Fatal(err)
		}
		if _, err := wt.Add(name); err != nil {
			r.t.Fatal(err)
		}
	}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: &object.Signature{Name: "Test", Email: "test@example.com", When: time.Unix(1700000000, 0)}})
	if err != nil {
		r.t.Fatal(err)
	}
	return h
}

// gitServer serves the repositories under root over Git's smart HTTP
// protocol, with git's own http-backend as a CGI program (the server every
// forge's protocol follows). partial turns on partial clone (filters and
// fetching objects by ID), as GitHub and GitLab have it.
type gitServer struct {
	srv      *httptest.Server
	requests atomic.Int64
	fail     atomic.Bool
}

func newGitServer(t *testing.T, root string, partial bool) *gitServer {
	t.Helper()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed: its http-backend serves the test repository")
	}
	home := t.TempDir()
	env := []string{
		"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "HOME=" + home,
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_COUNT=3",
		"GIT_CONFIG_KEY_0=safe.directory", "GIT_CONFIG_VALUE_0=*",
		"GIT_CONFIG_KEY_1=uploadpack.allowFilter", "GIT_CONFIG_VALUE_1=" + map[bool]string{true: "true", false: "false"}[partial],
		"GIT_CONFIG_KEY_2=uploadpack.allowAnySHA1InWant", "GIT_CONFIG_VALUE_2=" + map[bool]string{true: "true", false: "false"}[partial],
	}
	h := &cgi.Handler{Path: gitBin, Args: []string{"http-backend"}, Root: "/git", Env: env, InheritEnv: []string{"PATH"}}
	gs := &gitServer{}
	gs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gs.requests.Add(1)
		if gs.fail.Load() {
			http.Error(w, "backend down", http.StatusBadGateway)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(gs.srv.Close)
	return gs
}

func (g *gitServer) addr() string { return g.srv.Listener.Addr().String() }

// docsFiles is the first commit of the test repository: documentation in
// docs/ (with a subfolder, a hidden file and an image), a README and a
// 256 KiB binary outside it.
func docsFiles(t *testing.T) map[string][]byte {
	big := make([]byte, 256<<10)
	if _, err := rand.Read(big); err != nil { // random: it does not compress
		t.Fatal(err)
	}
	return map[string][]byte{
		"docs/faq.md":           []byte("# FAQ\n\n## How do I reset the server?\n\nOpen the panel and press restart.\n"),
		"docs/guide/install.md": []byte("# Installing\n\nDownload the launcher and run `cinder install`.\n"),
		"docs/guide/index.md":   []byte("# Guide\n\nThe guide starts here.\n"),
		"docs/notes.txt":        []byte("Release notes\n\nVersion 2 adds backups.\n"),
		"docs/.draft.md":        []byte("# Draft\n\nnot published\n"),
		"docs/logo.png":         []byte("\x89PNG\r\n\x1a\nnot really"),
		"README.md":             []byte("# Repo\n\nOutside the docs folder.\n"),
		"assets/big.bin":        big,
	}
}

func TestGitSource(t *testing.T) {
	for _, partial := range []bool{true, false} {
		name := map[bool]string{true: "partial clone", false: "whole shallow commit"}[partial]
		t.Run(name, func(t *testing.T) {
			ctx := testCtx(t)
			repo := newTestRepo(t)
			// History the source must not download: a 256 KiB file in
			// an earlier commit, deleted by the one fetched.
			old := make([]byte, 256<<10)
			if _, err := rand.Read(old); err != nil {
				t.Fatal(err)
			}
			repo.commit("history", map[string][]byte{"docs/old/archive.bin": old})
			files := docsFiles(t)
			files["docs/old/archive.bin"] = nil
			repo.commit("docs", files)
			gs := newGitServer(t, filepath.Dir(repo.dir), partial)
			f, _ := newTestFetcher(t, Options{AllowAddrs: []string{gs.addr()}}, nil)
			src := Source{Kind: KindGit, URL: gs.srv.URL + "/git/docs-repo", Folder: "docs", LinkBase: "https://docs.example.com/"}

			res, err := f.Fetch(ctx, Request{Source: src})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"faq.md", "guide/index.md", "guide/install.md", "notes.txt"}
			if got := keysOf(res.Added); !slices.Equal(got, want) {
				t.Fatalf("added %v, want %v", got, want)
			}
			links := map[string]string{}
			for _, pg := range res.Added {
				links[pg.Key] = pg.URL
				if _, err := corpus.Parse(pg.Name, pg.Content); err != nil {
					t.Errorf("the corpus cannot read %s: %v", pg.Name, err)
				}
			}
			if links["guide/install.md"] != "https://docs.example.com/guide/install" || links["guide/index.md"] != "https://docs.example.com/guide/" {
				t.Errorf("links %v", links)
			}
			// Only the folder's files were downloaded with partial clone;
			// without it the commit's whole tree had to come. Either way
			// the fetch is shallow: the earlier commit's file stays away.
			t.Logf("first import: %d requests, %d bytes", res.Stats.Requests, res.Stats.Bytes)
			if partial && res.Stats.Bytes > 64<<10 {
				t.Errorf("downloaded %d bytes: the 256 KiB file outside the folder came too", res.Stats.Bytes)
			}
			if !partial && res.Stats.Bytes < 256<<10 {
				t.Errorf("downloaded %d bytes without partial clone, less than the commit", res.Stats.Bytes)
			}
			if res.Stats.Bytes >= 512<<10 {
				t.Errorf("downloaded %d bytes: the history came, the fetch was not shallow", res.Stats.Bytes)
			}

			// The same commit again: one request, nothing downloaded.
			before := gs.requests.Load()
			same, err := f.Fetch(ctx, Request{Source: src, Prev: res.State})
			if err != nil {
				t.Fatal(err)
			}
			if len(same.Unchanged) != 4 || len(same.Added)+len(same.Changed)+len(same.Removed) != 0 {
				t.Errorf("same commit: %s", same.Summary())
			}
			if n := gs.requests.Load() - before; n != 1 {
				t.Errorf("a refresh with no new commit sent %d requests, want 1 (the branch list)", n)
			}

			// A new commit: one file edited, one deleted, one added, and a
			// change outside the folder.
			repo.commit("edit", map[string][]byte{
				"docs/faq.md":    []byte("# FAQ\n\n## How do I reset the server?\n\nOpen the panel, choose the world and press restart.\n"),
				"docs/notes.txt": nil,
				"docs/new.md":    []byte("# New\n\nA new page about backups.\n"),
				"README.md":      []byte("# Repo\n\nChanged outside.\n"),
			})
			upd, err := f.Fetch(ctx, Request{Source: src, Prev: res.State})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("refresh: %s; %d requests, %d bytes", upd.Summary(), upd.Stats.Requests, upd.Stats.Bytes)
			if got := keysOf(upd.Changed); !slices.Equal(got, []string{"faq.md"}) {
				t.Errorf("changed %v, want [faq.md]", got)
			}
			if got := keysOf(upd.Added); !slices.Equal(got, []string{"new.md"}) {
				t.Errorf("added %v, want [new.md]", got)
			}
			if got := removedKeys(upd.Removed); !slices.Equal(got, []string{"notes.txt"}) {
				t.Errorf("removed %v, want [notes.txt]", got)
			}
			if !slices.Equal(upd.Unchanged, []string{"guide/index.md", "guide/install.md"}) {
				t.Errorf("unchanged %v", upd.Unchanged)
			}
			if len(upd.Changed) == 1 && !strings.Contains(string(upd.Changed[0].Content), "choose the world") {
				t.Errorf("changed content %q", upd.Changed[0].Content)
			}
			if upd.State.Commit == res.State.Commit {
				t.Error("the state did not move to the new commit")
			}
		})
	}
}

func TestGitSourceFailures(t *testing.T) {
	ctx := testCtx(t)
	repo := newTestRepo(t)
	repo.commit("docs", map[string][]byte{"docs/faq.md": []byte("# FAQ\n\nAnswers.\n")})
	gs := newGitServer(t, filepath.Dir(repo.dir), true)
	f, _ := newTestFetcher(t, Options{AllowAddrs: []string{gs.addr()}}, nil)
	src := Source{Kind: KindGit, URL: gs.srv.URL + "/git/docs-repo", Folder: "docs"}
	good, err := f.Fetch(ctx, Request{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if len(good.Added) != 1 || good.Added[0].URL != "" {
		t.Fatalf("first import: %s, %+v", good.Summary(), good.Added)
	}

	for _, tc := range []struct {
		name  string
		src   Source
		setup func()
		want  error
	}{
		{"the server fails", src, func() { gs.fail.Store(true) }, nil},
		{"the folder is gone", src, func() { repo.commit("move", map[string][]byte{"docs/faq.md": nil, "site/faq.md": []byte("# FAQ\n")}) }, ErrBadSource},
		{"no such branch", Source{Kind: KindGit, URL: src.URL, Folder: "docs", Branch: "v9"}, func() {}, ErrBadSource},
		{"a loopback server not allowed", Source{Kind: KindGit, URL: strings.Replace(src.URL, "127.0.0.1", "127.0.0.2", 1), Folder: "docs"}, func() {}, ErrBlocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup()
			defer gs.fail.Store(false)
			prev := good.State
			if tc.src.Key() != src.Key() {
				prev = State{Source: tc.src.Key(), Pages: good.State.Pages, Commit: good.State.Commit}
			}
			res, err := f.Fetch(ctx, Request{Source: tc.src, Prev: prev})
			t.Log(err)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if !reflect.DeepEqual(res.State, prev) || len(res.Removed) != 0 {
				t.Errorf("a failed fetch changed the state or removed pages: %s", res.Summary())
			}
		})
	}
}

func TestLocalRepository(t *testing.T) {
	ctx := testCtx(t)
	repo := newTestRepo(t)
	repo.commit("docs", docsFiles(t))
	src := Source{Kind: KindGit, URL: "file://" + filepath.ToSlash(repo.dir), Folder: "docs/guide"}

	f, _ := newTestFetcher(t, Options{}, nil)
	if err := f.Check(src); !errors.Is(err, ErrLocalRepo) {
		t.Errorf("a moderator's file:// source: %v, want ErrLocalRepo", err)
	}
	if _, err := f.Fetch(ctx, Request{Source: src}); !errors.Is(err, ErrLocalRepo) {
		t.Errorf("fetching a file:// source: %v, want ErrLocalRepo", err)
	}

	op, _ := newTestFetcher(t, Options{AllowLocalRepos: true}, nil)
	res, err := op.Fetch(ctx, Request{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(res.Added); !slices.Equal(got, []string{"index.md", "install.md"}) {
		t.Errorf("added %v", got)
	}
	if res.Stats.Requests != 0 {
		t.Errorf("a local repository cost %d requests", res.Stats.Requests)
	}

	// A page limit, then a higher one on the same commit: the file left
	// out comes in.
	capped, err := op.Fetch(ctx, Request{Source: src, MaxPages: 1})
	if err != nil || len(capped.Added) != 1 || len(capped.Skipped) != 1 {
		t.Fatalf("with one page allowed: %v, %s", err, capped.Summary())
	}
	uncapped, err := op.Fetch(ctx, Request{Source: src, Prev: capped.State})
	if err != nil || len(uncapped.Added) != 1 || len(uncapped.Unchanged) != 1 {
		t.Errorf("the limit lifted on the same commit: %v, %s; want the other file added", err, uncapped.Summary())
	}

	// The same commit with a new link base: every page changes its link.
	moved := src
	moved.LinkBase = "https://docs.example.org/guide"
	res2, err := op.Fetch(ctx, Request{Source: moved, Prev: res.State})
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]string{}
	for _, pg := range res2.Changed {
		links[pg.Key] = pg.URL
	}
	if want := map[string]string{"index.md": "https://docs.example.org/guide/", "install.md": "https://docs.example.org/guide/install"}; !reflect.DeepEqual(links, want) {
		t.Errorf("after a new link base: changed %v (%s), want %v", links, res2.Summary(), want)
	}
	res3, err := op.Fetch(ctx, Request{Source: moved, Prev: res2.State})
	if err != nil || len(res3.Unchanged) != 2 {
		t.Errorf("the same commit and links again: %v, %s", err, res3.Summary())
	}
}

func TestGitLinks(t *testing.T) {
	tests := []struct {
		src         Source
		branch, rel string
		want        string
	}{
		{Source{URL: "https://github.com/org/repo", Folder: "docs"}, "main", "guide/install.md", "https://github.com/org/repo/blob/main/docs/guide/install.md"},
		{Source{URL: "https://github.com/org/repo.git"}, "main", "a b.md", "https://github.com/org/repo/blob/main/a%20b.md"},
		{Source{URL: "https://gitlab.com/group/proj", Folder: "/doc/"}, "master", "x.md", "https://gitlab.com/group/proj/-/blob/master/doc/x.md"},
		{Source{URL: "https://codeberg.org/o/r"}, "main", "x.rst", "https://codeberg.org/o/r/src/branch/main/x.rst"},
		{Source{URL: "https://git.example.com/o/r"}, "main", "x.md", ""},
		{Source{URL: "https://github.com/o/r", LinkBase: "https://docs.o.dev"}, "main", "guide/README.md", "https://docs.o.dev/guide/"},
		{Source{URL: "https://github.com/o/r", LinkBase: "https://docs.o.dev/"}, "main", "index.mdx", "https://docs.o.dev/"},
	}
	for _, tc := range tests {
		if got := gitLink(tc.src, tc.branch, tc.rel); got != tc.want {
			t.Errorf("gitLink(%s, %s, %s) = %q, want %q", tc.src.URL, tc.branch, tc.rel, got, tc.want)
		}
	}
}
