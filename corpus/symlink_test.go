package corpus

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLoadDirSymlinks puts links in a corpus folder that point outside it
// (absolute, relative, through a linked folder, in a chain, in a loop) and
// inside it: only the inside ones are read, and no byte of the outside
// files reaches a document.
func TestLoadDirSymlinks(t *testing.T) {
	root := t.TempDir()
	dir, outside := filepath.Join(root, "corpus"), filepath.Join(root, "outside")
	for _, d := range []string{dir, outside, filepath.Join(dir, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const secret = "CANARY-SECRET-7f3a The launch code is in the outside folder."
	write := func(p, text string) {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(outside, "secret.md"), "# Secret\n\n"+secret+"\n")
	write(filepath.Join(dir, "real.md"), "# Refunds\n\nRefunds are issued within five days of the return arriving.\n")
	write(filepath.Join(dir, "sub", "deep.md"), "# Shipping\n\nShipping is free for orders over fifty euros.\n")
	links := map[string]string{
		"passwd.txt":        "/etc/passwd",
		"absolute.md":       filepath.Join(outside, "secret.md"),
		"relative.md":       "../outside/secret.md",
		"sub/up.md":         "../../outside/secret.md",
		"linkdir":           outside,
		"via-linkdir.md":    "linkdir/secret.md",
		"chain-out.md":      "relative.md",
		"loop.md":           "loop.md",
		"inside.md":         "real.md",
		"sub/inside-up.md":  "../real.md",
		"chain-in.md":       "inside.md",
		"sub/sideways.md":   "deep.md",
		"dangling.md":       "nothing-here.md",
		"escape-back-in.md": "../corpus/real.md",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("cannot make symbolic links here: %v", err)
		}
	}
	docs, skips, err := LoadDir(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
		if strings.Contains(d.String(), "CANARY-SECRET") || strings.Contains(d.String(), "root:") {
			t.Errorf("%s holds text from outside the corpus folder", d.ID)
		}
	}
	want := []string{"chain-in.md", "inside.md", "real.md", "sub/deep.md", "sub/inside-up.md", "sub/sideways.md"}
	if !slices.Equal(ids, want) {
		t.Errorf("loaded %q, want %q", ids, want)
	}
	got := map[string]string{}
	for _, s := range skips {
		got[s.Path] = s.Reason
	}
	for _, p := range []string{"passwd.txt", "absolute.md", "relative.md", "sub/up.md", "via-linkdir.md", "chain-out.md", "loop.md", "dangling.md", "escape-back-in.md"} {
		if got[p] == "" {
			t.Errorf("%s was not reported as skipped (skips %v)", p, got)
		}
	}
	t.Logf("skips: %v", got)
}
