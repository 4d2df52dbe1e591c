package corpus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// testLogger logs through t.Log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, nil))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

const good = "A Headline Here\n\nSome article text that is long enough to be a paragraph.\n"

func TestLoadFS(t *testing.T) {
	tests := []struct {
		name    string
		files   fstest.MapFS
		ids     []string
		skips   []Skip
		wantErr error
	}{
		{
			name: "formats, nesting, ignored files",
			files: fstest.MapFS{
				"b.txt":                 {Data: []byte(good)},
				"a.md":                  {Data: []byte("# Title\n\nText here.")},
				"sub/deeper/c.html":     {Data: []byte("<h1>T</h1><p>Text.</p>")},
				"sub/d.HTM":             {Data: []byte("<p>Text.</p>")},
				"e.markdown":            {Data: []byte("Text.")},
				"notes.pdf":             {Data: []byte("%PDF")},
				"image.png":             {Data: []byte("\x89PNG")},
				".hidden.txt":           {Data: []byte(good)},
				".git/config.txt":       {Data: []byte(good)},
				"removed/old.txt":       {Data: []byte(good)},
				"sub/removed/older.txt": {Data: []byte(good)},
			},
			ids:   []string{"a.md", "b.txt", "e.markdown", "sub/d.HTM", "sub/deeper/c.html"},
			skips: []Skip{{"image.png", "unsupported file type"}, {"notes.pdf", "unsupported file type"}},
		},
		{
			name: "docs-site formats",
			files: fstest.MapFS{
				"guide/intro.mdx": {Data: []byte("---\ntitle: Intro\n---\nimport X from './x'\n\n<Note>Text here.</Note>\n")},
				"faq.rst":         {Data: []byte("FAQ\n===\n\nWhat is it?\n-----------\n\nA tool.\n")},
				"old.rest":        {Data: []byte("Old\n===\n\nText.\n")},
				"page.MDX":        {Data: []byte("# Page\n\nText.\n")},
			},
			ids: []string{"faq.rst", "guide/intro.mdx", "old.rest", "page.MDX"},
		},
		{
			name: "bad files are skipped with a reason",
			files: fstest.MapFS{
				"ok.txt":     {Data: []byte(good)},
				"empty.txt":  {Data: nil},
				"blank.md":   {Data: []byte("  \n\n\t ")},
				"bin.txt":    {Data: []byte("\x00\x01\x02ELF")},
				"chrome.txt": {Data: []byte("Share this article\nBack to top")},
				"big.txt":    {Data: make([]byte, MaxFileSize+1)},
			},
			ids: []string{"ok.txt"},
			skips: []Skip{
				{"big.txt", "too large: 20.1 MiB, the limit is 20 MiB"}, {"bin.txt", "binary"}, {"blank.md", "empty"},
				{"chrome.txt", "no text after cleaning"}, {"empty.txt", "empty"},
			},
		},
		{
			name:    "empty folder",
			files:   fstest.MapFS{},
			wantErr: ErrNoDocuments,
		},
		{
			name:    "nothing loadable",
			files:   fstest.MapFS{"a.txt": {Data: nil}, "b.pdf": {Data: []byte("x")}},
			skips:   []Skip{{"a.txt", "empty"}, {"b.pdf", "unsupported file type"}},
			wantErr: ErrNoDocuments,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, skips, err := LoadFS(context.Background(), tt.files, testLogger(t))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("LoadFS error = %v, want %v", err, tt.wantErr)
			}
			var ids []string
			for _, d := range docs {
				ids = append(ids, d.ID)
				if len(d.Hash) != 64 {
					t.Errorf("%s: hash %q", d.ID, d.Hash)
				}
			}
			if !reflect.DeepEqual(ids, tt.ids) {
				t.Errorf("ids = %q, want %q", ids, tt.ids)
			}
			if !reflect.DeepEqual(skips, tt.skips) {
				t.Errorf("skips = %v, want %v", skips, tt.skips)
			}
		})
	}
}

// TestNoDocumentsMessage checks that the error for a folder with nothing
// to load says what was found instead, in one line without repeated
// prefixes.
func TestNoDocumentsMessage(t *testing.T) {
	many := fstest.MapFS{}
	for i := range 180 {
		many[fmt.Sprintf("docs/page%03d.docx", i)] = &fstest.MapFile{Data: []byte("x")}
	}
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"empty folder", fstest.MapFS{}, "no loadable documents: the folder holds no files"},
		{"only an unsupported type", many, "no loadable documents: 180 files found, none of a supported type (.docx ×180)"},
		{"mixed reasons", fstest.MapFS{
			"a.txt": {Data: nil}, "b.md": {Data: []byte(" ")}, "c.pdf": {Data: []byte("x")}, "LICENSE": {Data: []byte("x")},
		}, "no loadable documents: 4 files found, none usable (empty ×2; 2 of an unsupported type: .pdf ×1, no extension ×1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(context.Background(), tt.files, nil, DefaultSplitOptions())
			if !errors.Is(err, ErrNoDocuments) {
				t.Fatalf("Build error = %v, want ErrNoDocuments", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q\nwant    %q", err, tt.want)
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A 5 MB file in many paragraphs, and one with no line breaks at all:
	// both must load quickly (nothing quadratic).
	var big strings.Builder
	for i := 0; big.Len() < 5<<20; i++ {
		big.WriteString("The committee met again on Tuesday and agreed the budget. It will vote in May.\n\n")
	}
	write("big.txt", []byte("Big Report Title\n\n"+big.String()))
	write("oneline.txt", []byte(strings.Repeat("word after word with no end ", 200000)))
	write("nested/latin1.txt", []byte("Caf\xe9 Menu Changes\n\nThe caf\xe9 now serves cr\xe8me br\xfbl\xe9e every day.\n"))

	start := time.Now()
	set, err := BuildDir(context.Background(), dir, testLogger(t), DefaultSplitOptions())
	if err != nil {
		t.Fatal(err)
	}
	// Timings belong in benchmarks (BenchmarkParse): only logged here.
	t.Logf("built %d documents, %d passages in %v", len(set.Documents), len(set.Chunks), time.Since(start))
	ids := []string{}
	for _, d := range set.Documents {
		ids = append(ids, d.ID)
	}
	if want := []string{"big.txt", "nested/latin1.txt", "oneline.txt"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids = %q, want %q", ids, want)
	}
	if got := set.Documents[1].Title; got != "Café Menu Changes" {
		t.Errorf("latin-1 title = %q", got)
	}
	for _, c := range set.Chunks {
		if runeLen(c.Text) > DefaultSplitOptions().Max {
			t.Fatalf("chunk %s is %d characters", c.ID, runeLen(c.Text))
		}
	}

	if _, _, err := LoadDir(context.Background(), filepath.Join(dir, "missing"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing folder: error = %v, want not exist", err)
	}
	if _, _, err := LoadDir(context.Background(), filepath.Join(dir, "big.txt"), nil); err == nil {
		t.Error("a file as the folder: no error")
	}
	if _, _, err := LoadDir(context.Background(), t.TempDir(), nil); !errors.Is(err, ErrNoDocuments) {
		t.Errorf("empty folder: error = %v, want ErrNoDocuments", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := LoadDir(ctx, dir, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: error = %v, want context.Canceled", err)
	}
}

func TestLoadDefault(t *testing.T) {
	docs, skips, err := LoadFS(context.Background(), Default(), testLogger(t))
	if err != nil || len(skips) != 0 {
		t.Fatalf("LoadFS(Default()) = %v, skips %v", err, skips)
	}
	want := []struct{ id, title, date string }{
		{"000_3b9cc61b6aa89b16.txt", "The US Department of State plays a crucial role in the ongoing conflict between Ukraine and Russia", ""},
		{"001_3a04cc96b03d8b02.txt", "Bellingen announced that the United States has provided written responses to Russia regarding the Ukraine crisis", ""},
		{"002_86b9f05254f55fdb.txt", "U.S. Negotiators Head to Russia After Productive Ukraine Talks", ""},
		{"003_6eff58b343190368.txt", "Blingen announced that the United States had provided written responses to Russia regarding the Ukraine crisis", "2022-11-26"},
		{"004_4e5d29131909b269.txt", "Top US diplomat rules out Moscow-Kiev talks", ""},
	}
	if len(docs) != len(want) {
		t.Fatalf("got %d documents, want %d", len(docs), len(want))
	}
	for i, w := range want {
		if docs[i].ID != w.id || docs[i].Title != w.title || docs[i].Date != w.date {
			t.Errorf("doc %d = %q %q %q, want %q %q %q", i, docs[i].ID, docs[i].Title, docs[i].Date, w.id, w.title, w.date)
		}
	}
}
