package corpus

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date patterns. Compiled regular expressions are immutable, so sharing
// them at package level holds no mutable state.
var (
	monthNames = `(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`
	// "November 26, 2022", "Nov. 26 2022", "March 3rd, 2024"
	reDateMDY = regexp.MustCompile(`(?i)\b` + monthNames + `\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b`)
	// "26 November 2022", "3rd March, 2024"
	reDateDMY = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th)?\s+` + monthNames + `\.?,?\s+(\d{4})\b`)
	// "2022-11-26", also the date part of an RFC 3339 timestamp.
	reDateISO = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\b`)
	// What may surround a date on a line that is only a date: a label,
	// a weekday, a time, a time zone.
	reDateNoise = regexp.MustCompile(`(?i)\b(?:published|updated|last|posted|modified|on|at|date|dated|mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|am|pm|a\.m|p\.m|utc|gmt|[ecmp][sd]?t)\b\.?|\d{1,2}:\d{2}(?::\d{2})?|[|,:·•—–\-/().]`)
)

// maxDateLine is the longest line that can be a date line ("Published
// Monday, November 26, 2022 at 10:32 a.m. EST" fits).
const maxDateLine = 64

// findDate finds a calendar date in s and returns it as 2006-01-02, with
// the span it occupies.
func findDate(s string) (iso string, start, end int, ok bool) {
	if m := reDateMDY.FindStringSubmatchIndex(s); m != nil {
		if iso, ok := isoDate(s[m[6]:m[7]], monthNumber(s[m[2]:m[3]]), s[m[4]:m[5]]); ok {
			return iso, m[0], m[1], true
		}
	}
	if m := reDateDMY.FindStringSubmatchIndex(s); m != nil {
		if iso, ok := isoDate(s[m[6]:m[7]], monthNumber(s[m[4]:m[5]]), s[m[2]:m[3]]); ok {
			return iso, m[0], m[1], true
		}
	}
	if m := reDateISO.FindStringSubmatchIndex(s); m != nil {
		mon, _ := strconv.Atoi(s[m[4]:m[5]])
		if iso, ok := isoDate(s[m[2]:m[3]], mon, s[m[6]:m[7]]); ok {
			return iso, m[0], m[1], true
		}
	}
	return "", 0, 0, false
}

// dateLine reports whether line is nothing but a date (with perhaps a
// label, weekday or time) and returns that date as 2006-01-02.
func dateLine(line string) (string, bool) {
	if len(line) > maxDateLine {
		return "", false
	}
	iso, start, end, ok := findDate(line)
	if !ok {
		return "", false
	}
	rest := reDateNoise.ReplaceAllString(line[:start]+" "+line[end:], " ")
	if strings.TrimSpace(rest) != "" {
		return "", false
	}
	return iso, true
}

// parseDateAttr reads a machine-readable date from an HTML attribute
// (<time datetime>, article:published_time): RFC 3339 or a plain date.
func parseDateAttr(s string) string {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Format(time.DateOnly)
	}
	if iso, _, _, ok := findDate(s); ok {
		return iso
	}
	return ""
}

// monthNumber maps an English month name or abbreviation to 1-12.
func monthNumber(name string) int {
	name = strings.ToLower(name)
	for i, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		if strings.HasPrefix(name, m) {
			return i + 1
		}
	}
	return 0
}

// isoDate checks a year, month and day and formats them as 2006-01-02.
func isoDate(year string, month int, day string) (string, bool) {
	y, err1 := strconv.Atoi(year)
	d, err2 := strconv.Atoi(day)
	if err1 != nil || err2 != nil || y < 1900 || y > 2200 {
		return "", false
	}
	t := time.Date(y, time.Month(month), d, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 31 February to March: reject instead.
	if t.Day() != d || int(t.Month()) != month {
		return "", false
	}
	return t.Format(time.DateOnly), true
}
