package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// A mistake on the command line is reported in one line, naming the
// command, followed by one line of hint: not the whole flag list, and not
// the error twice.
func TestFlagErrorsAreOneLineAndAHint(t *testing.T) {
	tests := []struct {
		name string
		args []string
		msg  string // the first line, without "faqbot: "
		hint string
	}{
		{"unknown flag", []string{"ask", "--nope", "x"}, "ask: unknown flag -nope", "Run 'faqbot ask -h' for its flags."},
		{"bad k", []string{"ask", "-k", "0", "x"}, `ask: invalid value "0" for flag -k: want a whole number from 1 to 20`, "Run 'faqbot ask -h' for its flags."},
		{"flag without value", []string{"eval", "--questions"}, "eval: flag needs an argument: -questions", "Run 'faqbot eval -h' for its flags."},
		{"stray argument", []string{"index", "extra"}, `index takes no arguments besides flags, got "extra"`, "Run 'faqbot index -h' for its flags."},
		{"settings argument", []string{"settings", "all"}, `settings takes no arguments besides flags, got "all"`, "Run 'faqbot settings -h' for its flags."},
		{"gaps unknown flag", []string{"gaps", "--weeks", "2"}, "gaps: unknown flag -weeks", "Run 'faqbot gaps -h' for its flags."},
		{"unknown command", []string{"asks", "x"}, `unknown command "asks"`, "Run 'faqbot help' for usage."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runCLI(t, nil, tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			want := "faqbot: " + tt.msg + "\n" + tt.hint + "\n"
			if errs != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", errs, want)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}

// -h prints a command's synopsis and flags and exits 0, for every command,
// and `faqbot help` lists each synopsis exactly as -h prints it, so the
// two cannot drift apart (ask --explain and eval -v were missing).
func TestHelpListsEveryCommandAsItsFlagsDo(t *testing.T) {
	help, _, code := runCLI(t, nil, "help")
	if code != 0 {
		t.Fatalf("faqbot help: exit %d", code)
	}
	var names []string
	for name := range commands() {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			out, errs, code := runCLI(t, nil, name, "-h")
			if code != 0 {
				t.Fatalf("faqbot %s -h: exit %d, stderr:\n%s", name, code, errs)
			}
			text := out + errs
			first, _, _ := strings.Cut(text, "\n")
			synopsis, ok := strings.CutPrefix(first, "Usage: ")
			if !ok {
				t.Fatalf("faqbot %s -h starts %q, want a Usage line:\n%s", name, first, text)
			}
			if !strings.Contains(help, "\n  "+synopsis+"\n") {
				t.Errorf("faqbot help lacks %q:\n%s", synopsis, help)
			}
			if strings.Contains(text, "takes no arguments") || strings.Contains(text, "faqbot: ") {
				t.Errorf("faqbot %s -h reports an error:\n%s", name, text)
			}
		})
	}
	for _, flag := range []string{"--explain", "-v"} {
		if !strings.Contains(help, flag) {
			t.Errorf("faqbot help does not mention %s", flag)
		}
	}
}

// ask --explain says what its * and ? marks mean, and marks each passage
// by the confidence it prints.
func TestExplainSaysWhatItsMarksMean(t *testing.T) {
	_, errs, code := runCLI(t, nil, "ask", "--explain", "how long did the talks in Florida last?")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	if !strings.Contains(errs, "(* relevant, confidence 0.50 or more: answers are built from these; ? plausible, 0.25 or more:") {
		t.Errorf("no legend for the marks:\n%s", errs)
	}
	// Coverage is traced to the question's words: "florida" weighs, "how"
	// and "did" are stop words and do not.
	if !strings.Contains(errs, "question words (share of coverage") || !regexp.MustCompile(`(?m)^  florida +\d+%`).MatchString(errs) ||
		regexp.MustCompile(`(?m)^  (how|did) `).MatchString(errs) {
		t.Errorf("the question's words and their weights are not shown as analysed:\n%s", errs)
	}
	marked := 0
	for _, line := range strings.Split(errs, "\n") {
		var mark string
		var n int
		var conf float64
		if _, err := fmt.Sscanf(line, "%1s %d. confidence %f,", &mark, &n, &conf); err != nil {
			if _, err := fmt.Sscanf(line, "  %d. confidence %f,", &n, &conf); err != nil {
				continue
			}
			mark = " "
		}
		want := " "
		switch {
		case conf >= 0.5:
			want = "*"
		case conf >= 0.25:
			want = "?"
		}
		if mark != want {
			t.Errorf("passage %d, confidence %.3f, marked %q, want %q", n, conf, mark, want)
		}
		marked++
	}
	if marked == 0 {
		t.Errorf("no passage lines in:\n%s", errs)
	}
}

// faqbot notices prints WordNet's notice, which its licence asks to travel
// with every copy of the table the binary embeds; arguments are refused.
func TestNoticesPrintsWordNetLicence(t *testing.T) {
	out, errs, code := runCLI(t, nil, "notices")
	if code != 0 {
		t.Fatalf("faqbot notices: exit %d: %s", code, errs)
	}
	for _, want := range []string{"WordNet 3.0 Copyright 2006 by Princeton University.  All rights reserved.", "PROVIDED \"AS IS\"", "faqbot's changes"} {
		if !strings.Contains(out, want) {
			t.Errorf("faqbot notices lacks %q:\n%s", want, out)
		}
	}
	if _, errs, code := runCLI(t, nil, "notices", "extra"); code != 2 || !strings.Contains(errs, "takes no arguments") {
		t.Errorf("faqbot notices extra: exit %d, %s", code, errs)
	}
}
