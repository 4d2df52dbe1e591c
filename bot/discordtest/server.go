// Package discordtest is a fake Discord for tests: an httptest REST server
// that records every request and answers the calls a bot makes, and a
// websocket gateway (HELLO, IDENTIFY → READY, RESUME → RESUMED, heartbeat
// ACKs) through which a test injects events and drops the connection.
//
// Point a real discordgo client at it by rewriting https://discord.com to
// Server.URL (the gateway URL comes from its GET /api/v9/gateway). Tests
// wait for what they expect with WaitFor and WaitForFrame, never with
// sleeps.
package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// APIPrefix is the path prefix of every REST call (API version 9).
const APIPrefix = "/api/v9"

// Request is one REST request the fake received.
type Request struct {
	Method string
	// Path is the full path, e.g. "/api/v9/interactions/1/tok/callback".
	Path  string
	Query url.Values
	Body  []byte
	At    time.Time
	// Status and Response are what the fake answered.
	Status   int
	Response []byte
}

// JSON decodes the body into a map; nil when it is not a JSON object.
func (r Request) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(r.Body, &m) != nil {
		return nil
	}
	return m
}

// String renders the request for test failures.
func (r Request) String() string { return r.Method + " " + r.Path + " " + string(r.Body) }

// SendsMessage reports whether r creates or edits a message: the requests
// that must carry allowed_mentions.
func (r Request) SendsMessage() bool {
	p := strings.TrimPrefix(r.Path, APIPrefix)
	switch {
	case strings.HasPrefix(p, "/interactions/"):
		t, _ := r.JSON()["type"].(float64)
		return t == 4 || t == 5 || t == 7
	case strings.HasPrefix(p, "/webhooks/"):
		return r.Method == "POST" || r.Method == "PATCH"
	case strings.HasPrefix(p, "/channels/") && strings.HasSuffix(p, "/messages"):
		return r.Method == "POST"
	case strings.HasPrefix(p, "/channels/") && strings.Contains(p, "/messages/") && !strings.HasSuffix(p, "/threads"):
		return r.Method == "PATCH"
	}
	return false
}

// Message returns the message a message-sending request carries: the
// body itself, or its "data" for an interaction response.
func (r Request) Message() map[string]any {
	body := r.JSON()
	if d, ok := body["data"].(map[string]any); ok {
		return d
	}
	return body
}

// ParsesNoMentions reports whether the message r sends sets
// allowed_mentions to parse nothing ("parse": []), so no text in it can
// ping anyone.
func (r Request) ParsesNoMentions() bool {
	am, _ := r.Message()["allowed_mentions"].(map[string]any)
	parse, ok := am["parse"].([]any)
	return ok && len(parse) == 0
}

// Role is a guild role served by GET /guilds/{id}/roles.
type Role struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Server is a fake Discord. Create it with New.
type Server struct {
	// URL is the base URL to use instead of https://discord.com.
	URL string
	// AppID and BotID are the application and bot user IDs sent in READY.
	AppID, BotID string

	srv      *httptest.Server
	upgrader websocket.Upgrader

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced whenever something is recorded
	requests []Request
	frames   []Frame
	// conns are the connections that have sent READY or RESUMED, by
	// shard; shards is the shard count they identified with, and
	// recommended what GET /gateway/bot says.
	conns       map[int]*gatewayConn
	shards      int
	recommended int
	seq         int64
	nextID      int64
	roles       map[string][]Role
	failures    []failure
	files       map[string]Attachment // served under /attachments/, by ID
}

type failure struct {
	match  func(Request) bool
	status int
	// header and body replace the default error body when set; left
	// counts the requests still to fail (negative: all of them).
	header http.Header
	body   any
	left   int
}

// Cleaner is what New needs of a test: a testing.TB, or anything that
// runs the functions it is given when done (`faqbot bench` times serve
// start-up against this fake outside any test).
type Cleaner interface {
	Cleanup(func())
}

// New starts a fake Discord, stopped when the test ends.
func New(tb Cleaner) *Server {
	s := &Server{
		AppID:   "100000000000000001",
		BotID:   "100000000000000001", // bots made since 2020 share the app's ID
		changed: make(chan struct{}),
		nextID:  900000000000000000,
		roles:   make(map[string][]Role),
		conns:   make(map[int]*gatewayConn),
		shards:  1,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/gateway-ws/", s.serveGateway)
	mux.HandleFunc(APIPrefix+"/", s.serveREST)
	mux.HandleFunc(attachmentsPath, s.serveAttachment)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server and drops the gateway connection.
func (s *Server) Close() {
	s.mu.Lock()
	conns := s.conns
	s.conns = map[int]*gatewayConn{}
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// SetRoles sets the roles GET /guilds/{guildID}/roles returns.
func (s *Server) SetRoles(guildID string, roles ...Role) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roles[guildID] = roles
}

// Fail makes requests that match answer with status and a Discord-style
// error body (after being recorded).
func (s *Server) Fail(match func(Request) bool, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{match: match, status: status, left: -1})
}

// Requests returns the REST requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// WaitFor returns the first request, received already or later, for which
// match is true, or ctx's error.
func (s *Server) WaitFor(ctx context.Context, match func(Request) bool) (Request, error) {
	for {
		// match runs without the lock, so it may call the Server.
		s.mu.Lock()
		requests, changed := s.requests, s.changed
		s.mu.Unlock()
		for _, r := range requests {
			if match(r) {
				return r, nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Request{}, fmt.Errorf("waiting for a request: %w", ctx.Err())
		}
	}
}

// notify wakes the waiters; s.mu must be held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// newID returns a fresh snowflake-like ID.
func (s *Server) newID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

// serveREST answers a REST call, recording it with its response before the
// client sees the response, so that a test waiting for the request can
// rely on what the fake answered.
func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body, At: time.Now()}
	rec := httptest.NewRecorder()
	s.route(rec, req)
	req.Status, req.Response = rec.Code, rec.Body.Bytes()
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.notify()
	s.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(req.Response)
}

// ResponseJSON decodes the fake's response into a map; nil when it is not
// a JSON object.
func (r Request) ResponseJSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(r.Response, &m) != nil {
		return nil
	}
	return m
}

func (s *Server) route(w http.ResponseWriter, r Request) {
	body := r.Body
	s.mu.Lock()
	var fail *failure
	for i := range s.failures {
		if f := &s.failures[i]; f.left != 0 && f.match(r) {
			fail = f
		}
	}
	var injected failure
	if fail != nil {
		if fail.left > 0 {
			fail.left--
		}
		injected = *fail
	}
	s.mu.Unlock()
	if fail != nil {
		for k, v := range injected.header {
			w.Header()[k] = v
		}
		body := injected.body
		if body == nil {
			body = map[string]any{"message": "injected failure", "code": 0}
		}
		writeJSON(w, injected.status, body)
		return
	}

	p := strings.Split(strings.TrimPrefix(r.Path, APIPrefix+"/"), "/")
	route := func(method string, pattern ...string) bool {
		if r.Method != method || len(p) != len(pattern) {
			return false
		}
		for i, part := range pattern {
			if part != "*" && part != p[i] {
				return false
			}
		}
		return true
	}
	switch {
	case route("GET", "gateway"), route("GET", "gateway", "bot"):
		s.mu.Lock()
		shards := max(s.recommended, 1)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{
			"url":    s.gatewayURL(),
			"shards": shards,
			"session_start_limit": map[string]any{
				"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1,
			},
		})
	case route("PUT", "applications", "*", "commands"), route("PUT", "applications", "*", "guilds", "*", "commands"):
		var cmds []map[string]any
		if err := json.Unmarshal(body, &cmds); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": "bad commands: " + err.Error()})
			return
		}
		for _, c := range cmds {
			c["id"] = s.newID()
			c["application_id"] = p[1]
			c["version"] = "1"
		}
		writeJSON(w, http.StatusOK, cmds)
	case route("POST", "interactions", "*", "*", "callback"):
		w.WriteHeader(http.StatusNoContent)
	case route("PATCH", "webhooks", "*", "*", "messages", "*"),
		route("POST", "webhooks", "*", "*"):
		if r.Method == "POST" && r.Query.Get("wait") != "true" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, http.StatusOK, s.message(body, "", map[string]any{"webhook_id": p[1]}))
	case route("POST", "channels", "*", "messages"):
		writeJSON(w, http.StatusOK, s.message(body, p[1], nil))
	case route("PATCH", "channels", "*", "messages", "*"):
		writeJSON(w, http.StatusOK, s.message(body, p[1], map[string]any{"id": p[3]}))
	case route("POST", "channels", "*", "messages", "*", "threads"):
		var start struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(body, &start)
		writeJSON(w, http.StatusCreated, map[string]any{
			"id": s.newID(), "type": 11, "parent_id": p[1], "name": start.Name,
			"owner_id": s.BotID, "member_count": 1, "message_count": 0,
		})
	case route("POST", "channels", "*", "typing"):
		w.WriteHeader(http.StatusNoContent)
	case route("DELETE", "users", "@me", "guilds", "*"):
		w.WriteHeader(http.StatusNoContent)
	case route("GET", "guilds", "*", "roles"):
		s.mu.Lock()
		roles := append([]Role{}, s.roles[p[1]]...)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, roles)
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "404: Not Found (fake Discord has no such route)", "code": 0})
	}
}

// message answers a message-creating call with the message it made: the
// request's fields plus an ID, channel and author.
func (s *Server) message(body []byte, channelID string, extra map[string]any) map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal(body, &m)
	delete(m, "allowed_mentions")
	delete(m, "message_reference")
	m["id"] = s.newID()
	m["channel_id"] = channelID
	m["type"] = 0
	m["author"] = map[string]any{"id": s.BotID, "username": "faqbot", "bot": true}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
