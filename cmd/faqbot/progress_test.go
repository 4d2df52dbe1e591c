package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestStatusLine(t *testing.T) {
	tests := []struct {
		name string
		do   func(s *statusLine)
		want string
	}{
		{"writes pass through with no status", func(s *statusLine) {
			s.Write([]byte("log 1\n"))
		}, "log 1\n"},
		{"a log line goes above the status, which is drawn again", func(s *statusLine) {
			s.Set("reading…")
			s.Write([]byte("log 1\n"))
			s.Set("")
		}, "\r\x1b[Kreading…" + "\r\x1b[Klog 1\nreading…" + "\r\x1b[K"},
		{"a write without a newline still leaves the status its own line", func(s *statusLine) {
			s.Set("x")
			s.Write([]byte("partial"))
		}, "\r\x1b[Kx\r\x1b[Kpartial\nx"},
		{"the bar replaces the status in place", func(s *statusLine) {
			s.Set("reading…")
			bar := s.Bar("embedding")
			bar(0, 0) // nothing to embed: nothing drawn
			bar(1, 4)
			bar(4, 4)
			s.Set("")
		}, "\r\x1b[Kreading…" +
			"\r\x1b[Kembedding [=======                       ] 1/4 passages" +
			"\r\x1b[Kembedding [==============================] 4/4 passages" +
			"\r\x1b[K"},
		{"clearing twice draws nothing", func(s *statusLine) {
			s.Set("")
			s.Set("")
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			tt.do(newStatusLine(&b))
			if got := b.String(); got != tt.want {
				t.Errorf("wrote %q\nwant  %q", got, tt.want)
			}
		})
	}
}

// On a terminal, `faqbot index` says what it is doing from the start (it
// used to sit silent until embedding began), draws the embedding bar, keeps
// warnings on lines of their own above the status, and clears the status
// before its report.
func TestIndexStatusOnATerminal(t *testing.T) {
	tty := openPTY(t)
	dir := t.TempDir()
	writeFile(t, dir, "faq.md", "# Pets\n\n## Can I bring my dog?\n\nDogs are welcome on Fridays.\n")
	// A damaged saved index is rebuilt, with a warning, while the status
	// is up. (A skipped file no longer serves: the report lists it.)
	index := t.TempDir()
	writeFile(t, index, "manifest.json", "{not json")
	env := map[string]string{"FAQBOT_INDEX_DIR": index, "FAQBOT_DATA_DIR": t.TempDir()}
	var out bytes.Buffer
	err := run(t.Context(), []string{"index", "--corpus", dir}, func(k string) string { return env[k] }, strings.NewReader(""), &out, tty.slave)
	if err != nil {
		t.Fatalf("index: %v", err)
	}
	term := tty.output(t)
	reading := strings.Index(term, "indexing "+dir+": reading and cleaning the documents…")
	bar := strings.Index(term, "indexing "+dir+": embedding [")
	if reading < 0 || bar < reading {
		t.Errorf("want the reading status, then the bar; the terminal got %q", term)
	}
	if !strings.HasSuffix(term, clearLine) {
		t.Errorf("the status is not cleared at the end: %q", term)
	}
	// slog's text handler writes each record in one call: it must start
	// right after a cleared line, not after the status text.
	for _, line := range strings.SplitAfter(term, "\n") {
		if i := strings.Index(line, "level=WARN"); i >= 0 && !strings.Contains(line, clearLine+"time=") {
			t.Errorf("a warning shares its line with the status: %q", line)
		}
	}
	if !strings.Contains(term, "level=WARN") {
		t.Errorf("the damaged index's warning is missing: %q", term)
	}
	if !strings.Contains(out.String(), "Corpus:     1 document, 1 passage\n") {
		t.Errorf("report:\n%s", out.String())
	}
}
