// Package sources fetches a community's documents from where they live — a
// web page, a sitemap (or a site whose sitemap is found through robots.txt),
// a folder of a Git repository — and keeps them current: a refresh takes the
// state the previous one returned and reports which pages were added,
// changed, left unchanged, removed or failed, with the content of the new
// and changed ones as files the corpus package parses.
//
// It fetches as a good citizen (robots.txt, a clear User-Agent, per-host
// concurrency and rate limits, conditional requests so an unchanged page
// costs a 304, size and content-type limits, bounded redirects) and
// safely: no connection is made to a loopback, private, link-local or cloud
// metadata address — checked on the resolved address of every connection,
// redirects included — unless the fetcher is told to allow it. A source
// that fails keeps its last good pages: a failure is never reported as a
// removal, and a refresh that would leave a source empty is an error.
//
// The package knows nothing of Discord or of storage: callers persist the
// State a Fetch returns and hand it to the next one.
package sources
