package corpus

import (
	"regexp"
	"strings"
	"unicode"
)

// The rules in this file recognise site chrome — navigation, share bars,
// comment forms, related-link lists, captions, credits, update notes — by
// its wording and shape, never by the site it comes from, so they carry
// over to pages nobody has seen yet. Each is deliberately narrow: a short
// line or a line of a known shape, so that article prose survives.

// maxChromeLine is the longest paragraph the wording rules may drop whole:
// chrome lines are short, and a long paragraph that happens to start with
// "Photo:" or "Related" is more likely prose.
const maxChromeLine = 300

var chromePatterns = []*regexp.Regexp{
	// Related-link lines: "See also: …", "Read more » …", "Related: …".
	regexp.MustCompile(`(?i)^(?:see also|read more|read also|also read|read next|more reading|further reading|related|related coverage|related stories|related articles?|recommended|watch|listen|most read|trending|more from [^:]{0,40}|from our partners)\s*[:|»›→\-–—]`),
	regexp.MustCompile(`(?i)^(?:see also|read more|read also|also read|read next)\b`),
	// Comment forms.
	regexp.MustCompile(`(?i)^(?:\d+|no)\s+(?:comments?|shares?|replies|responses)$`),
	// Copyright lines.
	regexp.MustCompile(`(?i)^(?:©|\(c\)\s|copyright\b)`),
	regexp.MustCompile(`(?i)^(?:sign up|subscribe)\b.{0,80}\b(?:newsletter|updates|inbox|alerts)\b`),
	regexp.MustCompile(`(?i)^(?:follow|like) us\b`),
	regexp.MustCompile(`(?i)^click (?:here )?to (?:share|email|print|subscribe|tweet|comment)`),
	// Credit lines: "Editing by X" (and see reContributed).
	regexp.MustCompile(`(?i)^\(?(?:additional )?(?:reporting|writing|editing|research) by\b`),
	// Update notes: "This story will be updated", "The story was updated
	// Wednesday with …", "This is a developing story".
	regexp.MustCompile(`(?i)^(?:this|the) (?:story|article|post|piece)\b.{0,60}?\b(?:updated|update|developing)\b`),
	regexp.MustCompile(`(?i)^this is a (?:developing|breaking)\b`),
	// Caption and credit lines.
	regexp.MustCompile(`(?i)^(?:photo|photograph|image|picture|file photo|pictured|image source|image caption|caption|credit|photo credit)s?\s*(?:by\b|:)`),
	// Reading time, bylines and labels.
	regexp.MustCompile(`(?i)^\d+\s*(?:min(?:ute)?s?|hrs?|hours?)\s+read\b`),
	regexp.MustCompile(`(?i)^(?:written|posted|published|reviewed|edited) by\s+\S.{0,80}$`),
	regexp.MustCompile(`^[Bb]y\s+\p{Lu}[\p{L}.'’-]*,?(?:\s+(?:\p{Lu}[\p{L}.'’-]*,?|and|&|de|van|von|der|la|le))*(?:\s*[|·—–-]\s*.{0,40})?$`),
	regexp.MustCompile(`(?i)^(?:author|editor|source)\s*:\s*\S.{0,60}$`),
	regexp.MustCompile(`(?i)^(?:tags?|filed under|categories|category|topics)\s*:`),
}

// chromePhrases are phrases that make a short line chrome wherever they
// sit in it; a substring test is much cheaper than a regular expression.
var chromePhrases = []string{
	"your email address will not be published", "required fields are marked",
	"can also be accessed at the following", "can be accessed at the following",
	"alternate addresses", "alternate web addresses", "all rights reserved",
	"we use cookies", "this site uses cookies", "this website uses cookies",
}

var (
	// reContributed is a credit line: "X, Y and Z contributed reporting."
	reContributed = regexp.MustCompile(`(?i)\bcontributed (?:reporting|to this (?:report|story|article))\W*$`)
	// reRelDate finds relative dates: "4 weeks ago", "an hour ago",
	// "2 months ago" (also glued to neighbours, as scraped lists are).
	reRelDate = regexp.MustCompile(`(?i)(?:\d+|\b(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|few))\s*(?:sec(?:ond)?s?|min(?:ute)?s?|h(?:ou)?rs?|days?|weeks?|wks?|months?|mos?|years?|yrs?)\s+ago`)
	// reGluedRelDate: "Science4 weeks agoUniversity …", a scraped teaser.
	reGluedRelDate = regexp.MustCompile(`\p{L}\d+\s*\p{L}+\s+ago\p{Lu}`)
	// rePhotoCredit finds a photo credit inside a line.
	rePhotoCredit = regexp.MustCompile(`(?i)\((?:photo|photograph|image|picture|file photo|credit)s?\b[^)]{0,80}\)|\b(?:photo|photograph|image|credit)\s*:\s*\S|(?:/|\bvia\s+)(?:getty images|shutterstock|afp|reuters|ap|epa)\b|\b(?:getty images|shutterstock|ap photo)\W*$`)
	// reCreditParen is the part of a credit that can be cut out of prose.
	reCreditParen = regexp.MustCompile(`(?i)\s*\((?:photo|photograph|image|picture|file photo|credit)s?\b[^)]{0,80}\)`)
	// reBareDomain is a line that is only a site address.
	reBareDomain = regexp.MustCompile(`(?i)^(?:(?:https?://|www\.)[a-z0-9-]+(?:\.[a-z0-9-]+)+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|info|co\.uk|uk|io|ir|ru|de|fr|tv|news|gov|edu))/?$`)
	// reInlineRelated finds a related-article link that a scraper glued
	// into a paragraph after a sentence: `… he said. See also Headline.`
	reInlineRelated = regexp.MustCompile(`(?i)(^|[.!?…]["'”’)\]]*)\s*(?:(?:see also|read more|read also|also read|read next)\b|(?:related(?: article| story| coverage)?|watch|recommended)\s*:)`)
	// reNextSentence is where the headline of an inline link ends.
	reNextSentence = regexp.MustCompile(`[.!?…]["'”’)\]]*\s+(["“‘(]?\p{Lu})`)
)

// isChromeLine reports whether a paragraph is site chrome as a whole.
func isChromeLine(s string) bool {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
		return true // separators: "-", "***", "• • •"
	}
	key := chromeKey(s)
	if chromePhrase(key) || socialLine(key) {
		return true
	}
	if len(s) <= maxChromeLine {
		for _, p := range chromePhrases {
			if strings.Contains(key, p) {
				return true
			}
		}
		for _, re := range chromePatterns {
			if re.MatchString(s) {
				return true
			}
		}
		if strings.Contains(key, "contributed") && reContributed.MatchString(s) {
			return true
		}
	}
	return isCaption(s, key) || isRelDateLine(s, key) || !strings.Contains(s, " ") && reBareDomain.MatchString(s)
}

// mayMatch reports whether lower contains any of words: a cheap test
// that spares running a regular expression over most prose.
func mayMatch(lower string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// isChromeHeading reports whether a heading is chrome. Headings are real
// structure more often than paragraphs are, so a single word ("Video",
// "Search") is only chrome when it can mean nothing else.
func isChromeHeading(s string) bool {
	key := chromeKey(s)
	if tailMarker(key) != tailNone {
		return true
	}
	return chromePhrase(key) && strings.Contains(key, " ") || socialLine(key)
}

// chromeKey lower-cases a line and trims the arrows, bullets and colons
// that decorate chrome labels.
func chromeKey(s string) string {
	return strings.Trim(strings.ToLower(s), " :|»›→←«‹-–—•·*>+…")
}

// chromePhrase reports whether key is a whole-line chrome label.
func chromePhrase(key string) bool {
	if tailMarker(key) != tailNone {
		return true
	}
	switch key {
	case "share", "share this", "share this article", "share this story", "share this post",
		"share this page", "share article", "share story", "share via", "share on", "sharing",
		"tweet", "email", "e-mail", "print", "copy link", "link copied", "print this page",
		"back to top", "back to top button", "go to top", "scroll to top", "top",
		"cancel reply", "reply", "report", "show comments", "view comments",
		"be the first to comment", "join the conversation",
		"read more", "read next", "see also", "also read", "read also", "continue reading",
		"advertisement", "advertisements", "ad", "sponsored", "sponsored content", "promoted",
		"skip to content", "skip to main content", "skip to navigation", "menu", "main menu",
		"close", "close menu", "search", "subscribe", "subscribe now", "sign up", "sign in",
		"log in", "login", "register", "newsletter", "follow us", "previous article",
		"next article", "previous post", "next post", "previous", "next", "home", "about us",
		"contact us", "privacy policy", "terms of use", "cookie policy", "accept cookies",
		"loading", "listen to this article", "font size", "save", "bookmark":
		return true
	}
	return false
}

// tailKind says how a chrome label relates to the end of an article.
type tailKind int

const (
	tailNone tailKind = iota
	// tailWeak labels (share bars) appear at the top and the bottom: the
	// rest is cut only when it holds no prose.
	tailWeak
	// tailStrong labels (comments, related articles, author box) open the
	// page footer: once an article body precedes them, the rest is chrome.
	tailStrong
)

// tailMarker classifies a chrome key as the start of a page footer.
func tailMarker(key string) tailKind {
	switch key {
	case "share this article", "share this story", "share this post", "share this", "share",
		"share on", "share via", "sharing":
		return tailWeak
	case "related", "related articles", "related posts", "related stories", "related content",
		"related news", "related topics", "related coverage", "related reading",
		"leave a reply", "leave a comment", "post a comment", "add a comment", "comments",
		"comment", "no comments", "no comments yet", "you may also like", "you might also like",
		"you may like", "more stories", "more news", "more articles", "more from",
		"recommended", "recommended for you", "recommended stories", "trending",
		"trending now", "trending stories", "most read", "most popular", "most viewed",
		"popular posts", "latest news", "latest stories", "about the author", "tags",
		"filed under", "categories":
		return tailStrong
	}
	return tailNone
}

// socialLine reports whether key is only share-button labels:
// "Facebook Twitter LinkedIn Email", "Share on WhatsApp".
func socialLine(key string) bool {
	words := strings.FieldsFunc(key, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	network := false
	for _, w := range words {
		switch w {
		case "facebook", "twitter", "linkedin", "whatsapp", "telegram", "reddit", "pinterest",
			"tumblr", "flipboard", "messenger", "bluesky", "mastodon", "instagram", "youtube",
			"tiktok", "share", "shares", "tweet", "roku":
			network = true
		case "x", "email", "mail", "e", "print", "copy", "link", "url", "sms", "threads", "on",
			"via", "this", "article", "story", "post", "google", "news", "rss", "feed":
		default:
			if strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0 {
				return false
			}
		}
	}
	return network
}

// isCaption reports whether a paragraph is a photo caption: a short line
// carrying a photo credit, since credits only ever sit in captions.
// lower is s in lower case.
func isCaption(s, lower string) bool {
	return len(s) <= 200 && mayMatch(lower, "photo", "image", "picture", "credit", "getty", "shutterstock",
		"afp", "reuters", "ap photo", "/ap", "via ap", "epa") && rePhotoCredit.MatchString(s)
}

// isRelDateLine reports whether a line is a teaser with a relative date
// ("Science4 weeks agoUniversity of …", "2 months ago"): short and not a
// sentence, or visibly glued together by a scraper.
// lower is s in lower case.
func isRelDateLine(s, lower string) bool {
	if len(s) > 200 || !strings.Contains(lower, "ago") || !reRelDate.MatchString(s) {
		return false
	}
	return !endsSentence(s) || reGluedRelDate.MatchString(s)
}

// stripInline removes chrome embedded in a prose paragraph: photo-credit
// parentheses and related-article links glued after a sentence. A link's
// headline runs to the next sentence start, or to the end of the paragraph.
func stripInline(s string) string {
	if strings.Contains(s, "(") {
		s = reCreditParen.ReplaceAllString(s, "")
	}
	if !mayMatch(strings.ToLower(s), "see also", "read ", "also read", "related", "watch", "recommended") ||
		!reInlineRelated.MatchString(s) {
		return s
	}
	var b strings.Builder
	for s != "" {
		m := reInlineRelated.FindStringSubmatchIndex(s)
		if m == nil {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:m[3]]) // up to and including the sentence end
		rest := s[m[1]:]
		next := reNextSentence.FindStringSubmatchIndex(rest)
		if next == nil {
			break
		}
		b.WriteString(" ")
		s = rest[next[2]:]
	}
	return collapseSpace(b.String())
}
