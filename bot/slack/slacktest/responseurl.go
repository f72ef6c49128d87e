package slacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxResponseURLUses is how many times Slack lets a response URL be used.
const maxResponseURLUses = 5

// responseURL is a response URL the fake handed out.
type responseURL struct {
	channel string // channel of the command or message it answers, if known
	uses    int
	expired bool
}

// ResponseURL returns the response URL named name, creating it if needed.
// POSTs to it are recorded as KindResponseURL messages whose ResponseURL is
// name. Like Slack's, it takes at most five posts; an unknown, used-up or
// expired URL answers HTTP 404.
func (s *Server) ResponseURL(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.responseURL(name, "")
}

// ExpireResponseURL makes the named response URL refuse every later post
// with HTTP 404 expired_url, as Slack does 30 minutes after handing it out.
func (s *Server) ExpireResponseURL(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.responses[name]; ok {
		r.expired = true
	}
}

// responseURL creates or returns the named URL; s.mu held.
func (s *Server) responseURL(name, channel string) string {
	if _, ok := s.responses[name]; !ok {
		s.responses[name] = &responseURL{channel: channel}
	}
	return s.URL + "/response/" + url.PathEscape(name)
}

// responsePost is the JSON body slack-go and Slack's docs send to a
// response URL.
type responsePost struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	ThreadTS        string          `json:"thread_ts"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
}

func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	name, err := url.PathUnescape(strings.TrimPrefix(r.URL.Path, "/response/"))
	if r.Method != http.MethodPost || err != nil {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"ok": false, "error": "invalid_request"})
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_payload"})
		return
	}
	s.mu.Lock()
	status, aerr := s.acceptResponsePost(name, body)
	s.mu.Unlock()
	if aerr != nil {
		writeJSON(w, status, map[string]any{"ok": false, "error": aerr.code})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// acceptResponsePost checks and records one post; s.mu held.
func (s *Server) acceptResponsePost(name string, body []byte) (int, *apiError) {
	s.count(KindResponseURL)
	s.rec.Note(string(body))
	target, ok := s.responses[name]
	switch {
	case !ok:
		return http.StatusNotFound, errCode("invalid_url")
	case target.expired:
		return http.StatusNotFound, errCode("expired_url")
	case target.uses >= maxResponseURLUses:
		return http.StatusNotFound, errCode("used_url")
	}
	var post responsePost
	if err := json.Unmarshal(body, &post); err != nil {
		return http.StatusBadRequest, errCode("invalid_payload")
	}
	m := Message{
		Kind: KindResponseURL, ResponseURL: name, Channel: target.channel,
		Text: post.Text, ThreadTS: post.ThreadTS, ResponseType: post.ResponseType,
		ReplaceOriginal: post.ReplaceOriginal, DeleteOriginal: post.DeleteOriginal,
		Body: json.RawMessage(body),
	}
	if b := strings.TrimSpace(string(post.Blocks)); b != "" && b != "null" && b != "[]" {
		m.Blocks = post.Blocks
	}
	if aerr := checkContent(m.Text, m.Blocks, maxMessageBlocks); aerr != nil {
		return http.StatusOK, aerr
	}
	if m.Text == "" && m.Blocks == nil && !m.DeleteOriginal {
		return http.StatusOK, errCode("no_text")
	}
	target.uses++
	m.TS = s.nextTS()
	s.rec.Add(m)
	return http.StatusOK, nil
}
