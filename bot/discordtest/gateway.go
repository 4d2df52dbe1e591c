package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
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
	// shard is the shard the connection identified (or resumed) as.
	shard int
}

// sessionFor is the session ID of a shard's connection: SessionID for
// shard 0 (the only one of an unsharded bot), and one of its own for each
// other, so that a RESUME says which shard it resumes.
func sessionFor(shard int) string {
	if shard == 0 {
		return SessionID
	}
	return SessionID + "-" + strconv.Itoa(shard)
}

// shardOfSession is the shard whose session ID is id.
func shardOfSession(id string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(id, SessionID+"-"))
	if err != nil {
		return 0
	}
	return n
}

// ShardOf is the shard Discord sends a server's events to: (ID >> 22) %
// count, for a snowflake ID; 0 for anything else.
func ShardOf(guildID string, count int) int {
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil || count <= 1 {
		return 0
	}
	return int((id >> 22) % uint64(count))
}

// eventGuild is the server an event belongs to: its guild_id, or the ID
// of the guild a GUILD_CREATE carries.
func eventGuild(event string, data any) string {
	m, _ := data.(map[string]any)
	if event == "GUILD_CREATE" {
		id, _ := m["id"].(string)
		return id
	}
	g, _ := m["guild_id"].(string)
	return g
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
// MESSAGE_CREATE to the connection of the shard its server belongs to, as
// Discord does (see ShardOf), waiting for that shard's ready connection if
// there is none (after DropConnection, until the client has resumed).
func (s *Server) Dispatch(ctx context.Context, event string, data any) error {
	guild := eventGuild(event, data)
	for {
		s.mu.Lock()
		c := s.conns[ShardOf(guild, s.shards)]
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

// DropConnection closes every gateway connection without a close frame,
// as a network failure would.
func (s *Server) DropConnection() error {
	s.mu.Lock()
	conns := s.conns
	s.conns = map[int]*gatewayConn{}
	s.notify()
	s.mu.Unlock()
	if len(conns) == 0 {
		return errors.New("no gateway connection to drop")
	}
	var errs []error
	for _, c := range conns {
		errs = append(errs, c.ws.UnderlyingConn().Close())
	}
	return errors.Join(errs...)
}

// Connected reports whether shard has a ready connection.
func (s *Server) Connected(shard int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[shard] != nil
}

// SetRecommendedShards sets the shard count GET /gateway/bot recommends
// (1 until set).
func (s *Server) SetRecommendedShards(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recommended = n
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
			if s.conns[c.shard] == c {
				delete(s.conns, c.shard)
				s.notify()
			}
			s.mu.Unlock()
			return
		}
		f.At = time.Now()
		// Answered before it is recorded: a test that saw an IDENTIFY or
		// RESUME finds the connection ready (to dispatch to, or drop).
		switch f.Op {
		case OpHeartbeat:
			_ = c.send(map[string]any{"op": OpHeartbeatACK})
		case OpIdentify:
			s.ready(c, f.Data)
		case OpResume:
			s.resumed(c, f.Data)
		}
		s.mu.Lock()
		s.frames = append(s.frames, f)
		s.notify()
		s.mu.Unlock()
	}
}

// ready answers IDENTIFY with READY and makes c its shard's live
// connection.
func (s *Server) ready(c *gatewayConn, identify json.RawMessage) {
	var id struct {
		Shard *[2]int `json:"shard"`
	}
	_ = json.Unmarshal(identify, &id)
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = *id.Shard
	}
	c.shard = shard[0]
	s.activate(c, shard[1], "READY", map[string]any{
		"v":                  9,
		"session_id":         sessionFor(shard[0]),
		"resume_gateway_url": s.gatewayURL(),
		"user":               map[string]any{"id": s.BotID, "username": "faqbot", "discriminator": "0", "bot": true},
		"application":        map[string]any{"id": s.AppID, "flags": 0},
		"guilds":             []any{},
		"shard":              shard,
	})
}

// resumed answers RESUME with RESUMED and makes c the live connection of
// the shard whose session it resumes.
func (s *Server) resumed(c *gatewayConn, resume json.RawMessage) {
	var r struct {
		SessionID string `json:"session_id"`
	}
	_ = json.Unmarshal(resume, &r)
	c.shard = shardOfSession(r.SessionID)
	s.activate(c, 0, "RESUMED", map[string]any{})
}

// activate sends c its READY or RESUMED and makes it its shard's live
// connection; shards, when not 0, is the shard count it identified with.
func (s *Server) activate(c *gatewayConn, shards int, event string, data any) {
	s.mu.Lock()
	s.seq++
	seq := s.seq
	// Sent under the lock so that no Dispatch can overtake it.
	err := c.send(map[string]any{"op": OpDispatch, "s": seq, "t": event, "d": data})
	if err == nil {
		s.conns[c.shard] = c
		if shards > 0 {
			s.shards = shards
		}
		s.notify()
	}
	s.mu.Unlock()
}
