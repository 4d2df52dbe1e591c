package sources

import (
	"fmt"
	"strings"
	"time"
)

// State is what a Fetch remembers about a source for the next one: which
// pages it holds and how to ask whether each has changed. Callers persist
// it (as JSON) between refreshes and never need to look inside.
type State struct {
	// Source is the Key of the source this state was made for; a state of
	// another source is ignored.
	Source string `json:"source"`
	// Commit is, for Git, the commit the pages were taken from.
	Commit string `json:"commit,omitempty"`
	// Listed is how many pages the listing (sitemap, repository folder)
	// held; more than len(Pages) when some were over the page limit or
	// failed before ever being fetched.
	Listed int `json:"listed,omitempty"`
	// Fetched is when the pages were last checked.
	Fetched time.Time `json:"fetched,omitzero"`
	// Pages are the pages the source holds, by Page.Key.
	Pages map[string]PageState `json:"pages,omitempty"`
}

// PageState is what is remembered of one page.
type PageState struct {
	// Name is the page's file name (Page.Name).
	Name string `json:"name"`
	// URL is the page's link (Page.URL).
	URL string `json:"url,omitempty"`
	// ETag and LastModified are the validators of the last response, sent
	// back as If-None-Match and If-Modified-Since.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// Hash is the hex SHA-256 of the page's content (Page.Hash).
	Hash string `json:"hash"`
	// Blob is, for Git, the file's object ID: the same ID means the same
	// bytes, so nothing is downloaded.
	Blob string `json:"blob,omitempty"`
}

// Page is a page that is new or changed, ready for the corpus.
type Page struct {
	// Key identifies the page within its source: the URL as listed for
	// web pages, the file's path in the repository for Git.
	Key string
	// Name is a file name for the page: flat (no folders), made of
	// [A-Za-z0-9._-], unique within the source and stable for a Key, with
	// the extension of its format (.html, .md, .mdx, .rst, .txt) so that
	// corpus.Parse reads it.
	Name string
	// URL is the link shown as the page's source: the canonical URL of a
	// web page, the forge or published URL of a Git file, or "".
	URL string
	// Title is the page's title as the readability pass saw it, or "".
	Title string
	// Content is the file: for HTML, the page's main content (navigation,
	// footers and related links removed) in a small HTML document that
	// keeps the title, metadata and canonical link.
	Content []byte
	// Hash is the hex SHA-256 of Content.
	Hash string
	// Replaces is, for a changed page whose file name changed (its format
	// did: a page that was HTML is now Markdown), the old name to delete.
	Replaces string
}

// Removal is a page the source no longer has.
type Removal struct {
	// Key, Name and URL are those the page had.
	Key, Name, URL string
	// Reason says why, in a few words: "no longer listed", "gone (HTTP
	// 410)", "disallowed by robots.txt", "over the page limit".
	Reason string
}

// Failure is a page that could not be fetched this time. A page the
// source held before keeps its previous content and state: a failure is
// never a removal.
type Failure struct {
	// Key and URL identify the page.
	Key, URL string
	// Held says the source had the page before and keeps it.
	Held bool
	// Err is the cause, for errors.Is (ErrBlocked, ErrTooLarge,
	// *StatusError, context.DeadlineExceeded, …).
	Err error
}

// Skip is a listed page that was not fetched and is not held.
type Skip struct {
	// Key identifies the page.
	Key string
	// Reason says why in a few words.
	Reason string
}

// Stats count the work a Fetch did.
type Stats struct {
	// Requests is the number of HTTP requests sent (robots.txt, sitemaps,
	// pages and Git included).
	Requests int
	// NotModified counts pages answered 304 Not Modified.
	NotModified int
	// Bytes is the number of body bytes received.
	Bytes int64
}

// Result is the outcome of a Fetch.
type Result struct {
	// Added and Changed are the pages to write, with their content.
	Added, Changed []Page
	// Unchanged are the keys of held pages that are as they were.
	Unchanged []string
	// Removed are the pages to delete.
	Removed []Removal
	// Failed are pages that could not be fetched; held ones are kept.
	Failed []Failure
	// Skipped are listed pages that were not fetched and are not held.
	Skipped []Skip
	// State is what to persist and pass to the next Fetch.
	State State
	// Stats count the work done.
	Stats Stats
}

// Summary describes the result in one line for a change log or a
// moderator channel: "3 added, 1 changed, 195 unchanged, 1 removed, 2
// failed".
func (r Result) Summary() string {
	parts := []string{
		fmt.Sprintf("%d added", len(r.Added)),
		fmt.Sprintf("%d changed", len(r.Changed)),
		fmt.Sprintf("%d unchanged", len(r.Unchanged)),
		fmt.Sprintf("%d removed", len(r.Removed)),
		fmt.Sprintf("%d failed", len(r.Failed)),
	}
	if len(r.Skipped) > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", len(r.Skipped)))
	}
	return strings.Join(parts, ", ")
}
