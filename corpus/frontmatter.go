package corpus

import (
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// frontMatter strips YAML (---) or TOML (+++) front matter off the top of
// lines and reads what it says about the document: title, description,
// date and link (url, canonical, permalink, slug). The block is parsed
// with a real YAML or TOML parser; front matter those reject (hand-written
// with tabs, or an unquoted colon) is still read key by key, so a sloppy
// header never ends up indexed as text.
func frontMatter(lines []string) ([]string, meta) {
	var m meta
	if len(lines) == 0 {
		return lines, m
	}
	delim := strings.TrimSpace(lines[0])
	if delim != "---" && delim != "+++" {
		return lines, m
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == delim {
			end = i
			break
		}
	}
	if end < 0 {
		return lines, m // no closing delimiter: a thematic break, not front matter
	}
	body := strings.Join(lines[1:end], "\n")
	fields := map[string]any{}
	var err error
	if delim == "+++" {
		_, err = toml.Decode(body, &fields)
	} else {
		err = yaml.Unmarshal([]byte(body), &fields)
	}
	if err != nil {
		fields = looseFields(lines[1:end])
	}
	for k, v := range fields {
		s := scalarString(v)
		if s == "" {
			continue
		}
		switch strings.ToLower(k) {
		case "title":
			m.title = collapseSpace(s)
		case "description", "summary":
			m.description = collapseSpace(s)
		case "date", "published", "pubdate":
			m.date = parseDateAttr(s)
		case "url", "canonical", "canonical_url", "canonicalurl":
			if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
				m.url = s
			} else if m.pagePath == "" {
				m.pagePath = s
			}
		case "permalink":
			if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
				m.url = s
			} else {
				m.pagePath = s
			}
		case "slug":
			m.slug = s
		case "openapi":
			m.fallback = append(m.fallback, "API endpoint: "+s)
		}
		if strings.EqualFold(k, "keywords") || strings.EqualFold(k, "tags") {
			if words := stringList(v); len(words) > 0 {
				m.fallback = append(m.fallback, "Keywords: "+strings.Join(words, ", ")+".")
			}
		}
	}
	return lines[end+1:], m
}

// textFrontMatter reads front matter at the top of a plain text file, as
// Markdown's: a fetched file carries its link so. Plain text has no front
// matter of its own, so a block between "---" lines counts only when it
// says something front matter says (a title, link, date or summary);
// otherwise the text is left as it is.
func textFrontMatter(text string) (string, meta, bool) {
	lines := strings.Split(text, "\n")
	rest, m := frontMatter(lines)
	if len(rest) == len(lines) || m.title == "" && m.url == "" && m.date == "" && m.description == "" && m.pagePath == "" && m.slug == "" {
		return text, meta{}, false
	}
	return strings.Join(rest, "\n"), m, true
}

// looseFields reads "key: value" and "key = value" lines, for front matter
// that is not valid YAML or TOML.
func looseFields(lines []string) map[string]any {
	out := map[string]any{}
	for _, l := range lines {
		kv := reFrontKey.FindStringSubmatch(strings.TrimSpace(l))
		if kv == nil {
			continue
		}
		out[strings.ToLower(kv[1])] = strings.Trim(strings.TrimSpace(kv[2]), `"'`)
	}
	return out
}

// scalarString renders a front-matter value that is text, a number or a
// date; lists and tables give "".
func scalarString(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case time.Time:
		return v.Format("2006-01-02")
	case int, int64, float64, bool:
		return fmt.Sprint(v)
	}
	return ""
}

// stringList renders a front-matter list of words ("keywords: [a, b]"),
// or a comma-separated string, as its items.
func stringList(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			if s := scalarString(x); s != "" {
				out = append(out, s)
			}
		}
	case string:
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
