package discordtest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// attachmentsPath is where the fake serves uploaded files, as Discord's
// CDN does at https://cdn.discordapp.com/attachments/.
const attachmentsPath = "/attachments/"

// Attachment is a file a member attached to a slash command.
type Attachment struct {
	// ID is set by AddAttachment when empty.
	ID       string
	Filename string
	// ContentType is what Discord guessed, e.g. "text/markdown".
	ContentType string
	// Size is the size Discord declares in the interaction; -1 (or 0)
	// means len(Data). A test sets it to lie.
	Size int
	// Data is what the fake serves at URL.
	Data []byte
	// URL is set by AddAttachment.
	URL string
}

// AddAttachment stores a file for the fake to serve and returns it with
// its ID and URL, ready for an interaction's resolved data. Downloads are
// recorded as requests (GET /attachments/{id}/{filename}).
func (s *Server) AddAttachment(a Attachment) Attachment {
	if a.ID == "" {
		a.ID = s.newID()
	}
	if a.Size <= 0 {
		a.Size = len(a.Data)
	}
	a.URL = s.URL + attachmentsPath + a.ID + "/" + url.PathEscape(a.Filename)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files == nil {
		s.files = make(map[string]Attachment)
	}
	s.files[a.ID] = a
	return a
}

// AttachmentPath is the path a download of a requests.
func AttachmentPath(a Attachment) string {
	u, err := url.Parse(a.URL)
	if err != nil {
		return ""
	}
	return u.Path
}

// serveAttachment serves a file added with AddAttachment, recording the
// request like a REST call.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	id, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, attachmentsPath), "/")
	s.mu.Lock()
	a, ok := s.files[id]
	s.mu.Unlock()
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), At: time.Now(), Status: http.StatusOK}
	if !ok || r.Method != http.MethodGet {
		req.Status = http.StatusNotFound
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.notify()
	s.mu.Unlock()
	if req.Status != http.StatusOK {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(a.Data)))
	_, _ = w.Write(a.Data)
}

// AttachmentOption returns an attachment option: its value is the
// attachment's ID; the attachment itself goes in the resolved data.
func AttachmentOption(name string, a Attachment) Option {
	return Option{Name: name, Type: 11, Value: a.ID}
}

// IntOption returns an integer option.
func IntOption(name string, value int) Option { return Option{Name: name, Type: 4, Value: value} }

// SlashSubcommand returns the payload of a chat-input command with a
// subcommand (e.g. /corpus add) and the attachments its options refer to.
func (s *Server) SlashSubcommand(i Interaction, name, sub string, opts []Option, atts ...Attachment) map[string]any {
	p := s.SlashCommand(i, name)
	data := p["data"].(map[string]any)
	data["options"] = []map[string]any{{"name": sub, "type": 1, "options": options(opts)}}
	if len(atts) > 0 {
		resolved := map[string]any{}
		for _, a := range atts {
			resolved[a.ID] = map[string]any{
				"id": a.ID, "filename": a.Filename, "content_type": a.ContentType, "size": a.Size,
				"url": a.URL, "proxy_url": a.URL,
			}
		}
		data["resolved"] = map[string]any{"attachments": resolved}
	}
	return p
}

// AutocompleteSubcommand returns the payload of an autocomplete request
// for an option of a subcommand.
func (s *Server) AutocompleteSubcommand(i Interaction, name, sub string, opts ...Option) map[string]any {
	p := s.Autocomplete(i, name)
	p["data"].(map[string]any)["options"] = []map[string]any{{"name": sub, "type": 1, "options": options(opts)}}
	return p
}
