package bot

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// discordHost is the host discordgo's endpoint URLs point at; they are
// fixed when the package loads, so a different server is reached by
// rewriting requests rather than URLs.
const discordHost = "discord.com"

// rewriteTransport sends requests for https://discord.com to base instead
// (keeping the path, after base's own path), for a REST proxy or a fake
// Discord. Other requests pass through unchanged.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

func newRewriteTransport(base string) (*rewriteTransport, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil {
		return nil, err
	}
	return &rewriteTransport{base: u, next: http.DefaultTransport}, nil
}

// RoundTrip implements http.RoundTripper.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != discordHost {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.URL.Scheme = t.base.Scheme
	r.URL.Host = t.base.Host
	r.URL.Path = t.base.Path + req.URL.Path
	if req.URL.RawPath != "" {
		r.URL.RawPath = t.base.EscapedPath() + req.URL.RawPath
	}
	r.Host = ""
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		// http.Client puts the URL it was given, discord.com's, in front
		// of this error: say which server was really dialled.
		return nil, fmt.Errorf("sent to %s: %w", r.URL.Redacted(), err)
	}
	return resp, nil
}
