package discordtest

import (
	"net/http"
	"strconv"
)

// FailWith makes the next n requests that match (every one when n <= 0)
// answer with status, the given headers and body, a JSON value (Discord's
// default error body when nil). Later rules win over earlier ones.
func (s *Server) FailWith(match func(Request) bool, n, status int, header http.Header, body any) {
	if n <= 0 {
		n = -1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{match: match, status: status, header: header, body: body, left: n})
}

// RateLimit makes the next n matching requests answer 429 as Discord
// does: the bucket headers (X-RateLimit-Remaining 0, Reset-After,
// Retry-After in whole seconds) and a body whose retry_after is in seconds.
func (s *Server) RateLimit(match func(Request) bool, n int, retryAfterSeconds float64) {
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(retryAfterSeconds, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", "fake-bucket")
	h.Set("Retry-After", strconv.Itoa(int(retryAfterSeconds+0.999)))
	s.FailWith(match, n, http.StatusTooManyRequests, h, map[string]any{
		"message": "You are being rate limited.", "retry_after": retryAfterSeconds, "global": false,
	})
}

// UnknownWebhook makes the next n matching requests answer as Discord does
// for an interaction token that has expired (after 15 minutes): 404 with
// error code 10015.
func (s *Server) UnknownWebhook(match func(Request) bool, n int) {
	s.FailWith(match, n, http.StatusNotFound, nil, map[string]any{"message": "Unknown Webhook", "code": 10015})
}
