package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/sources"
)

func TestWithLink(t *testing.T) {
	const link = "https://docs.example.com/guide/install"
	tests := []struct {
		name, in string
		// want is the link the document ends up with; same says the
		// content must come back unchanged.
		want string
		same bool
	}{
		{"plain.md", "# Install\n\nRun the installer.\n", link, false},
		{"yaml.md", "---\ntitle: Install\nsidebar_position: 2\n---\n\nRun the installer.\n", link, false},
		{"toml.md", "+++\ntitle = \"Install\"\n[extra]\nx = 1\n+++\n\nRun the installer.\n", link, false},
		{"relative-url.md", "---\ntitle: Install\nurl: /guide/install/\n---\n\nRun the installer.\n", link, false},
		{"own-link.md", "---\ntitle: Install\nurl: https://elsewhere.example.org/install\n---\n\nRun the installer.\n", "https://elsewhere.example.org/install", true},
		{"page.mdx", "---\ntitle: Install\n---\n\nimport Tabs from '@theme/Tabs';\n\nRun the installer.\n", link, false},
		{"page.rst", "Install\n=======\n\nRun the installer.\n", link, false},
		{"notes.txt", "Installing the server\n\nRun the installer and follow the steps it shows.\n", link, false},
		{"bom.md", "\uFEFF# Install\n\nRun the installer.\n", link, false},
		{"page.html", "<html><head><link rel=canonical href=\"https://docs.example.com/x\"></head><body><h1>Install</h1><p>Run the installer.</p></body></html>", "https://docs.example.com/x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := withLink(tt.name, []byte(tt.in), link)
			if tt.same && string(out) != tt.in {
				t.Errorf("content changed:\n%s", out)
			}
			doc, err := corpus.Parse(tt.name, out)
			if err != nil {
				t.Fatal(err)
			}
			if doc.URL != tt.want {
				t.Errorf("document link %q, want %q; content:\n%s", doc.URL, tt.want, out)
			}
			if strings.Contains(doc.String(), "canonical") {
				t.Errorf("the added line is in the text:\n%s", doc.String())
			}
			// The document's text is what it was.
			orig, _ := corpus.Parse(tt.name, []byte(tt.in))
			if got, want := doc.Sections, orig.Sections; len(got) != len(want) || got[0].Paragraphs[0] != want[0].Paragraphs[0] {
				t.Errorf("sections changed: %+v, want %+v", got, want)
			}
		})
	}
	if out := withLink("a.md", []byte("# A\n\nText.\n"), ""); string(out) != "# A\n\nText.\n" {
		t.Errorf("no link changed the content: %q", out)
	}
	if out := withLink("a.md", []byte("# A\n\nText.\n"), "javascript:alert(1)"); string(out) != "# A\n\nText.\n" {
		t.Errorf("a link that is not http(s) was added: %q", out)
	}
}

// TestGitPagesKeepTheirLinks: the files of a Git folder answer with the
// link they are published at (link base), whatever their format; the
// operator's local repository is read in place.
func TestGitPagesKeepTheirLinks(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(t.TempDir(), "repo")
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")}})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"docs/install.md":       "---\ntitle: Installing\n---\n\n## Which ports does the server need?\n\nThe server listens on port 7777 for players and 7778 for the admin console.\n",
		"docs/backups/index.md": "# Backups\n\n## How often are worlds backed up?\n\nWorlds are backed up every six hours and kept for a fortnight.\n",
		"docs/mods.rst":         "Mods\n====\n\nHow do I add a mod?\n   Drop the mod's jar into the mods folder and restart; the loader lists it on start.\n",
		"docs/faq.txt":          "Frequently asked questions\n\nWhat is the player limit?\nThe player limit is forty on the standard plan.\n",
		"README.md":             "# Outside the folder\n\nNot taken.\n",
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add(name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := wt.Commit("docs", &git.CommitOptions{Author: &object.Signature{Name: "T", Email: "t@example.com", When: time.Unix(1700000000, 0)}}); err != nil {
		t.Fatal(err)
	}
	src := sources.Source{Kind: sources.KindGit, URL: "file://" + filepath.ToSlash(dir), Branch: "main", Folder: "docs", LinkBase: "https://docs.example.com/"}
	rep, err := e.s.Add(e.ctx, "", src, "cli", nil)
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	if rep.Pages != 4 {
		t.Errorf("pages: %+v", rep)
	}
	for q, want := range map[string]string{
		"which ports does the server listen on": "https://docs.example.com/install",
		"how often are worlds backed up":        "https://docs.example.com/backups/",
		"how do I add a mod jar":                "https://docs.example.com/mods",
		"what is the player limit on the plan":  "https://docs.example.com/faq",
	} {
		hits, err := e.base.Search(e.ctx, q, 1)
		if err != nil || len(hits) == 0 {
			t.Fatalf("%q: %v", q, err)
		}
		if got := hits[0].Chunk.URL; got != want && !strings.HasPrefix(got, want+"#") {
			t.Errorf("%q is answered from %s (%q), want a link to %s", q, hits[0].Chunk.DocID, got, want)
		}
	}
	if _, err := e.s.Add(e.ctx, "g1", src, "mallory", nil); err == nil {
		t.Error("a server's moderator added a local repository")
	}
}
