package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway opcodes.
const (
	OpDispatch     = 0
	OpHeartbeat    = 1
	OpIdentify     = 2
	OpResume       = 6
	OpHello        = 10
	OpHeartbeatACK = 11
)

// heartbeatInterval is sent in HELLO. Long, because the fake ACKs every
// heartbeat anyway and a test has no use for a chatty connection.
const heartbeatInterval = 45 * time.Second

// SessionID is the gateway session the fake hands out in READY.
const SessionID = "fake-session"

// Frame is one gateway payload the fake received from the client.
type Frame struct {
	Op   int             `json:"op"`
	Data json.RawMessage `json:"d"`
	At   time.Time       `json:"-"`
}

type gatewayConn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
}

func (c *gatewayConn) send(v any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.ws.WriteJSON(v)
}

func (s *Server) gatewayURL() string {
	return "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway-ws/"
}

// Frames returns the gateway payloads received so far, in order.
func (s *Server) Frames() []Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Frame(nil), s.frames...)
}

// WaitForFrame returns the first gateway payload, received already or
// later, for which match is true, or ctx's error.
func (s *Server) WaitForFrame(ctx context.Context, match func(Frame) bool) (Frame, error) {
	for {
		s.mu.Lock()
		frames, changed := s.frames, s.changed
		s.mu.Unlock()
		for _, f := range frames {
			if match(f) {
				return f, nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Frame{}, fmt.Errorf("waiting for a gateway frame: %w", ctx.Err())
		}
	}
}

// Dispatch sends an event (op 0) such as INTERACTION_CREATE or
// MESSAGE_CREATE, waiting for a ready connection if there is none (after
// DropConnection, until the client has resumed).
func (s *Server) Dispatch(ctx context.Context, event string, data any) error {
	for {
		s.mu.Lock()
		c := s.conn
		changed := s.changed
		if c != nil {
			s.seq++
			seq := s.seq
			s.mu.Unlock()
			return c.send(map[string]any{"op": OpDispatch, "s": seq, "t": event, "d": data})
		}
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("waiting for a gateway connection to dispatch %s: %w", event, ctx.Err())
		}
	}
}

// DropConnection closes the gateway connection without a close frame, as
// a network failure would.
func (s *Server) DropConnection() error {
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.notify()
	s.mu.Unlock()
	if c == nil {
		return errors.New("no gateway connection to drop")
	}
	return c.ws.UnderlyingConn().Close()
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	c := &gatewayConn{ws: ws}
	if err := c.send(map[string]any{"op": OpHello, "d": map[string]any{"heartbeat_interval": heartbeatInterval.Milliseconds()}}); err != nil {
		return
	}
	for {
		var f Frame
		if err := ws.ReadJSON(&f); err != nil {
			s.mu.Lock()
			if s.conn == c {
				s.conn = nil
				s.notify()
			}
			s.mu.Unlock()
			return
		}
		f.At = time.Now()
		s.mu.Lock()
		s.frames = append(s.frames, f)
		s.notify()
		s.mu.Unlock()

		switch f.Op {
		case OpHeartbeat:
			_ = c.send(map[string]any{"op": OpHeartbeatACK})
		case OpIdentify:
			s.ready(c, f.Data)
		case OpResume:
			s.resumed(c)
		}
	}
}

// ready answers IDENTIFY with READY and makes c the live connection.
func (s *Server) ready(c *gatewayConn, identify json.RawMessage) {
	var id struct {
		Shard *[2]int `json:"shard"`
	}
	_ = json.Unmarshal(identify, &id)
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = *id.Shard
	}
	s.activate(c, "READY", map[string]any{
		"v":                  9,
		"session_id":         SessionID,
		"resume_gateway_url": s.gatewayURL(),
		"user":               map[string]any{"id": s.BotID, "username": "faqbot", "discriminator": "0", "bot": true},
		"application":        map[string]any{"id": s.AppID, "flags": 0},
		"guilds":             []any{},
		"shard":              shard,
	})
}

// resumed answers RESUME with RESUMED and makes c the live connection.
func (s *Server) resumed(c *gatewayConn) {
	s.activate(c, "RESUMED", map[string]any{})
}

func (s *Server) activate(c *gatewayConn, event string, data any) {
	s.mu.Lock()
	s.seq++
	seq := s.seq
	// Sent under the lock so that no Dispatch can overtake it.
	err := c.send(map[string]any{"op": OpDispatch, "s": seq, "t": event, "d": data})
	if err == nil {
		s.conn = c
		s.notify()
	}
	s.mu.Unlock()
}
