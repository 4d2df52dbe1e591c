package bot

import (
	"regexp"
	"strings"
)

// maskedLink is a Markdown masked link, [text](target), as Discord renders
// it in message content, embed descriptions and field values; the target
// may be in angle brackets (then it may hold spaces) and be followed by a
// quoted title.
var maskedLink = regexp.MustCompile(`\[([^\[\]]*)\]\(\s*(?:<([^<>\n]*)>|([^()<>\s]*))(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)`)

// maxDefangPasses bounds the rewriting of nested links ("[[a](b)](c)"),
// each pass unwrapping one level.
const maxDefangPasses = 4

// defang neutralises the masked links in text that members or documents
// wrote, before it is shown: "[discord.com/nitro](https://evil.example)"
// becomes "discord.com/nitro (https://evil.example)", so the address a
// member can click is the one they read (Discord links the bare URL
// itself). Whatever could still open a masked link — a "](" the pattern
// did not take, such as a target with parentheses — is broken with a
// backslash, which Discord's Markdown reads as a literal "(". The bot's
// own links to a document's page (titleLink) are made after this, from a
// URL that passed safeURL.
func defang(s string) string {
	if !strings.Contains(s, "](") {
		return s
	}
	for range maxDefangPasses {
		next := maskedLink.ReplaceAllString(s, "${1} (${2}${3})")
		if next == s {
			break
		}
		s = next
	}
	return strings.ReplaceAll(s, "](", `]\(`)
}
