package prompts

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"text/template"
)

//go:embed templates/*.tmpl
var builtinFS embed.FS

// Template file names. An override folder replaces a built-in template by
// holding a file of the same name.
const (
	SystemFile  = "system.tmpl"
	AnswerFile  = "answer.tmpl"
	RewriteFile = "rewrite.tmpl"
)

// templateNames lists every template a Set must hold.
var templateNames = [...]string{SystemFile, AnswerFile, RewriteFile}

// Set is a parsed set of prompt templates. It is immutable and safe for
// concurrent use.
type Set struct {
	tmpl map[string]*template.Template
	// from records where each template came from ("built-in" or a path),
	// for error messages.
	from map[string]string
}

// builtin parses the embedded templates once. It is package state only in
// the way a compiled regexp is: computed on first use from constant input
// and never changed.
var builtin = sync.OnceValue(func() *Set {
	s, err := Load("")
	if err != nil {
		panic(fmt.Sprintf("prompts: built-in templates: %v", err)) // a build defect; tests catch it
	}
	return s
})

// Default returns the built-in templates.
func Default() *Set { return builtin() }

// Load parses the prompt templates. With dir empty it returns the built-in
// ones; otherwise every file in dir named like a template (SystemFile,
// AnswerFile, RewriteFile) replaces the built-in one and the others stay.
// A template that fails to parse, or to render sample data, is an error
// naming its file, so a broken override is caught at start-up rather than
// on the first question.
func Load(dir string) (*Set, error) {
	s := &Set{tmpl: map[string]*template.Template{}, from: map[string]string{}}
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("reading prompts folder: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("reading prompts folder: %s is not a folder", dir)
		}
	}
	for _, name := range templateNames {
		text, from, err := source(dir, name)
		if err != nil {
			return nil, err
		}
		t, err := template.New(name).Option("missingkey=error").Parse(string(text))
		if err != nil {
			return nil, fmt.Errorf("parsing prompt template %s: %w", from, err)
		}
		s.tmpl[name] = t
		s.from[name] = from
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

// source returns a template's text and where it came from: dir when it
// holds the file, the embedded copy otherwise.
func source(dir, name string) ([]byte, string, error) {
	if dir != "" {
		p := filepath.Join(dir, name)
		b, err := os.ReadFile(p)
		if err == nil {
			return b, p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("reading prompt template: %w", err)
		}
	}
	b, err := builtinFS.ReadFile("templates/" + name)
	if err != nil {
		return nil, "", fmt.Errorf("reading built-in prompt template %s: %w", name, err)
	}
	return b, "built-in " + name, nil
}

// check renders every template with sample data: text/template reports a
// misspelt field only when it executes.
func (s *Set) check() error {
	samples := map[string]any{
		SystemFile:  systemData(),
		AnswerFile:  AnswerData{Question: "q", Standalone: "s", Language: "French", Sources: []Source{{N: 1, Title: "t", Doc: "d", Text: "x"}}},
		RewriteFile: RewriteData{History: []Turn{{Question: "q", Answer: "a"}}, Question: "f", FollowUp: "f", Headings: []string{"h"}, MaxQueries: MaxQueries},
	}
	for _, name := range templateNames {
		if _, err := s.execute(name, samples[name]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Set) execute(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := s.tmpl[name].Execute(&b, data); err != nil {
		return "", fmt.Errorf("rendering prompt template %s: %w", s.from[name], err)
	}
	return b.String(), nil
}
