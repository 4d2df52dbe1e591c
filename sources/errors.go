package sources

import (
	"errors"
	"fmt"
	"net/http"
)

// Errors callers branch on, for errors.Is. Errors from Fetch and the
// Failure of a page wrap one of these where one applies, or the cause
// (a DNS or connection error, context.DeadlineExceeded).
var (
	// ErrBadSource means a Source that cannot be fetched as described.
	ErrBadSource = errors.New("not a usable source")
	// ErrBlocked means an address that is not fetched: loopback, private,
	// link-local, cloud metadata and other special-purpose addresses.
	ErrBlocked = errors.New("address not allowed")
	// ErrLocalRepo means a file:// repository when the fetcher does not
	// allow them.
	ErrLocalRepo = errors.New("local repositories are not allowed")
	// ErrDisallowed means robots.txt asks robots not to fetch the page.
	ErrDisallowed = errors.New("disallowed by robots.txt")
	// ErrTooLarge means a page, sitemap or repository over its size limit.
	ErrTooLarge = errors.New("too large")
	// ErrContentType means a response that is not a document type the
	// corpus can read (HTML, plain text, Markdown).
	ErrContentType = errors.New("unsupported content type")
	// ErrTooManyRedirects means a chain of redirects longer than allowed.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrNoSitemap means a site whose sitemap could not be found.
	ErrNoSitemap = errors.New("no sitemap found")
	// ErrNoPages means a fetch that would leave the source without any
	// page: every page failed, was skipped or was removed. The previous
	// pages are kept; a source that really is empty should be removed by
	// whoever added it.
	ErrNoPages = errors.New("no page could be fetched")
	// ErrTooManySources means a server already has as many sources as
	// Limits allows.
	ErrTooManySources = errors.New("too many sources")
	// ErrTooManyPages means a server whose sources already hold as many
	// pages as Limits allows.
	ErrTooManyPages = errors.New("too many pages")
	// ErrGone means the server answered 410 Gone: the page was removed.
	ErrGone = errors.New("gone")
)

// StatusError is an HTTP response whose status is not a success, a 304 or
// a redirect.
type StatusError struct {
	// Code is the HTTP status code.
	Code int
}

// Error says the status in words: "HTTP 503 Service Unavailable".
func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
}

// Is makes a 410 match ErrGone.
func (e *StatusError) Is(target error) bool {
	return target == ErrGone && e.Code == http.StatusGone
}
