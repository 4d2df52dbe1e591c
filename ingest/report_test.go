package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/faqbot/faqbot/sources"
)

func TestReason(t *testing.T) {
	page := strings.Repeat("<p>error page</p>\n", 50)
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("fetching https://x.example/: %w", &sources.StatusError{Code: 503}), "HTTP 503 Service Unavailable"},
		{fmt.Errorf("fetching https://x.example/: %w: https://x.example/a: %w", sources.ErrNoPages, &sources.StatusError{Code: 500}),
			"no page could be fetched: HTTP 500 Internal Server Error"},
		{fmt.Errorf("adding source https://x.example/: fetching: reading robots: %w", &net.DNSError{Name: "x.example", Err: "no such host", IsNotFound: true}),
			"x.example does not resolve (check the address)"},
		{fmt.Errorf("fetching: %w", context.DeadlineExceeded), "timed out"},
		{fmt.Errorf("adding source u: %w", fmt.Errorf("%w: this server has 10 (the limit is 10)", sources.ErrTooManySources)),
			"too many sources: this server has 10 (the limit is 10)"},
		{fmt.Errorf("listing the branches: %w: %s", transport.ErrRepositoryNotFound, page), "repository not found"},
		{errors.New("a: b: " + strings.Repeat("x", 300)), strings.Repeat("x", maxReason) + "…"},
	}
	for _, tt := range tests {
		if got := Reason(tt.err); got != tt.want {
			t.Errorf("Reason(%.80q) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
