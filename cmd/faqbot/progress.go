package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// statusLine keeps one line of status — what a long command is doing, or
// its progress bar — at the bottom of a terminal, and lets everything else
// written to the terminal (log lines, warnings) pass above it: a write
// clears the status, writes, and draws the status again, so a log line
// never lands in the middle of the bar.
type statusLine struct {
	mu     sync.Mutex
	w      io.Writer
	status string
}

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

func newStatusLine(w io.Writer) *statusLine { return &statusLine{w: w} }

// Write writes p above the status line.
func (s *statusLine) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status == "" {
		return s.w.Write(p)
	}
	if _, err := io.WriteString(s.w, clearLine); err != nil {
		return 0, err
	}
	n, err := s.w.Write(p)
	if err != nil {
		return n, err
	}
	if len(p) > 0 && p[len(p)-1] != '\n' {
		// The status goes on a line of its own.
		io.WriteString(s.w, "\n")
	}
	_, err = io.WriteString(s.w, s.status)
	return n, err
}

// Set shows status in place of the current one; "" clears it.
func (s *statusLine) Set(status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == s.status {
		return
	}
	if s.status != "" || status != "" {
		io.WriteString(s.w, clearLine+status)
	}
	s.status = status
}

// Bar returns a progress callback that shows a bar of passages labelled
// label.
func (s *statusLine) Bar(label string) func(done, total int) { return s.BarOf(label, "passages") }

// BarOf is Bar counting units ("pages").
func (s *statusLine) BarOf(label, units string) func(done, total int) {
	return func(done, total int) {
		if total > 0 {
			s.Set(progressBar(label, done, total, units))
		}
	}
}

// progressBar renders "label [=====     ] done/total units".
func progressBar(label string, done, total int, units string) string {
	const width = 30
	filled := min(width, width*done/total)
	return fmt.Sprintf("%s [%s%s] %d/%d %s", label, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), done, total, units)
}
