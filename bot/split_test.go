package bot

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	long := strings.Repeat("word ", 30) // 150 characters
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{name: "fits", text: "short answer [1]", limit: 100, want: []string{"short answer [1]"}},
		{
			name:  "paragraphs first",
			text:  strings.Repeat("a", 60) + "\n\n" + strings.Repeat("b", 30) + " " + strings.Repeat("c", 30),
			limit: 80,
			want:  []string{strings.Repeat("a", 60), strings.Repeat("b", 30) + " " + strings.Repeat("c", 30)},
		},
		{
			name:  "words kept whole",
			text:  long,
			limit: 64,
			want: []string{
				strings.TrimSpace(strings.Repeat("word ", 12)),
				strings.TrimSpace(strings.Repeat("word ", 12)),
				strings.TrimSpace(strings.Repeat("word ", 6)),
			},
		},
		{
			name:  "marker not cut in a long word",
			text:  strings.Repeat("x", 64) + "[12]" + strings.Repeat("y", 10),
			limit: 66,
			want:  []string{strings.Repeat("x", 62), "xx[12]" + strings.Repeat("y", 10)},
		},
		{
			name:  "code block closed and reopened",
			text:  "Run this:\n```go\n" + strings.Repeat("fmt.Println(1)\n", 6) + "```\ndone",
			limit: 70,
			want: []string{
				"Run this:\n```go\nfmt.Println(1)\nfmt.Println(1)\nfmt.Println(1)\n```",
				"```go\nfmt.Println(1)\nfmt.Println(1)\nfmt.Println(1)\n```\ndone",
			},
		},
		{name: "tiny limit raised", text: "a b", limit: 1, want: []string{"a b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.text, tt.limit)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Split(%q, %d)\n got %q\nwant %q", tt.text, tt.limit, got, tt.want)
			}
		})
	}
}

func TestTrim(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  string
	}{
		{name: "fits", text: "hello", limit: 10, want: "hello"},
		{name: "short limit cuts at a space", text: "hello there world", limit: 13, want: "hello there…"},
		{name: "long", text: strings.Repeat("ab ", 40), limit: 70, want: strings.TrimSpace(strings.Repeat("ab ", 21)) + " …"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Trim(tt.text, tt.limit)
			if got != tt.want {
				t.Errorf("Trim(%q, %d) = %q, want %q", tt.text, tt.limit, got, tt.want)
			}
			if n := runeLen(got); n > tt.limit {
				t.Errorf("Trim(%q, %d) has %d characters", tt.text, tt.limit, n)
			}
		})
	}
}

var markerRE = regexp.MustCompile(`\[[0-9]{1,3}\]`)

func FuzzSplit(f *testing.F) {
	f.Add("Refunds take five days [1]. Shipping is free over $50 [2].", 64)
	f.Add(strings.Repeat("[1][2][3]", 40), 70)
	f.Add("```python\n"+strings.Repeat("print('hi')  # [1]\n", 20)+"```\nafter [2]", 90)
	f.Add(strings.Repeat("é🙂 ", 100)+"```"+strings.Repeat("`", 10), 65)
	f.Add(strings.Repeat("\n", 200)+"x", 64)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		limit = minSplitLimit + abs(limit)%500
		parts := Split(text, limit)
		if len(parts) == 0 {
			t.Fatal("no parts")
		}
		var markers []string
		for i, p := range parts {
			if n := runeLen(p); n > limit {
				t.Fatalf("part %d has %d characters, limit %d: %q", i, n, limit, p)
			}
			if i < len(parts)-1 && strings.Count(p, fence)%2 != 0 {
				t.Fatalf("part %d leaves a code block open: %q", i, p)
			}
			markers = append(markers, markerRE.FindAllString(p, -1)...)
		}
		// Every marker of the text survives whole. Parts may only gain
		// markers where a fence line was added next to digits, which the
		// marker syntax rules out, so the lists must be equal.
		if want := markerRE.FindAllString(text, -1); !slices.Equal(markers, want) {
			t.Fatalf("markers %q, want %q (parts %q)", markers, want, parts)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		if n == -n { // math.MinInt
			return 0
		}
		return -n
	}
	return n
}

func TestListDescription(t *testing.T) {
	more := func(left int) string { return fmt.Sprintf("…and %d more.", left) }
	if got := listDescription([]string{"• a", "• b"}, more); got != "• a\n• b" {
		t.Errorf("short list = %q", got)
	}
	var lines []string
	for i := range 500 {
		lines = append(lines, fmt.Sprintf("• document-%03d.md — a title long enough to fill the embed quickly", i))
	}
	got := listDescription(lines, more)
	if n := runeLen(got); n > maxDescription {
		t.Errorf("description is %d characters, over %d", n, maxDescription)
	}
	shown := strings.Count(got, "• ")
	if !strings.HasSuffix(got, fmt.Sprintf("\n…and %d more.", 500-shown)) || shown == 0 {
		t.Errorf("%d lines shown, description ends %q", shown, got[len(got)-40:])
	}
}
