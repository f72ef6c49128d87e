package slacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
)

// defaultPingInterval is how often the fake pings a Socket Mode client.
// slack-go reconnects when no ping came for 30 seconds (its default).
const defaultPingInterval = 5 * time.Second

// errSocketClosed is returned when the connection drops before an ack.
var errSocketClosed = errors.New("socket mode connection closed")

// EnableSocketMode accepts appToken (xapp-…) as the app-level token for
// apps.connections.open, which then hands out websocket URLs served by s.
func (s *Server) EnableSocketMode(appToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appToken = appToken
}

// SetSocketPingInterval sets how often s pings Socket Mode clients. It must
// be shorter than the client's socketmode.OptionPingInterval (30s unless
// set), or the client will reconnect. It applies to new connections.
func (s *Server) SetSocketPingInterval(d time.Duration) {
	s.sock.mu.Lock()
	defer s.sock.mu.Unlock()
	s.sock.pingEvery = d
}

// openConnection serves apps.connections.open: a single-use websocket URL.
func (s *Server) openConnection(apiRequest) (map[string]any, *apiError) {
	ticket := randomHex(16)
	s.tickets[ticket] = true
	wsURL := "ws" + strings.TrimPrefix(s.URL, "http") + "/link/?" +
		url.Values{"ticket": {ticket}, "app_id": {AppID}}.Encode()
	return map[string]any{"url": wsURL}, nil
}

// sockets tracks the Socket Mode connections. Envelopes go to the newest;
// RedeliverElsewhere sends one again on another, as Slack, which spreads
// an app's envelopes over all its connections (up to 10), may.
type sockets struct {
	mu        sync.Mutex
	active    *socketConn
	changed   chan struct{} // closed and replaced when active changes
	all       map[*socketConn]bool
	ready     map[*socketConn]bool   // sent their hello: envelopes may go there
	sentOn    map[string]*socketConn // by envelope id: where it last went
	accepted  int
	pingEvery time.Duration
	closed    bool
	sent      map[string]envelope // by envelope id, as last sent, for Redeliver
	lastSent  string              // id of the newest first delivery
}

// envelope is what Slack sends over Socket Mode.
type envelope struct {
	ID              string          `json:"envelope_id"`
	Type            string          `json:"type"`
	Payload         json.RawMessage `json:"payload"`
	AcceptsResponse bool            `json:"accepts_response_payload"`
	RetryAttempt    int             `json:"retry_attempt"`
	RetryReason     string          `json:"retry_reason"`
}

func newSockets() sockets {
	return sockets{
		changed: make(chan struct{}), all: map[*socketConn]bool{}, ready: map[*socketConn]bool{}, sentOn: map[string]*socketConn{},
		pingEvery: defaultPingInterval, sent: map[string]envelope{},
	}
}

// socketConn is one websocket. Writes are serialised by writeMu because
// gorilla/websocket allows one writer at a time.
type socketConn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
	mu      sync.Mutex
	acks    map[string]chan json.RawMessage
	done    chan struct{}
}

var upgrader = websocket.Upgrader{
	// slack-go sends Origin: https://api.slack.com, which is not this host.
	CheckOrigin: func(*http.Request) bool { return true },
}

func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	if !s.takeTicket(r.URL.Query().Get("ticket")) {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered the client
	}
	c := &socketConn{ws: ws, acks: map[string]chan json.RawMessage{}, done: make(chan struct{})}
	n, pingEvery, ok := s.sock.register(c)
	if !ok {
		_ = ws.Close()
		return
	}
	defer s.sock.unregister(c)
	if c.write(hello(n)) != nil {
		return
	}
	s.sock.activate(c)
	go c.keepAlive(pingEvery)
	s.readAcks(c)
}

func (s *Server) takeTicket(ticket string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := s.tickets[ticket]
	delete(s.tickets, ticket)
	return ok
}

func hello(connections int) map[string]any {
	return map[string]any{
		"type":            "hello",
		"num_connections": connections,
		"debug_info": map[string]any{
			"host": "applink-slacktest", "build_number": 1, "approximate_connection_time": 18060,
		},
		"connection_info": map[string]any{"app_id": AppID},
	}
}

// readAcks reads the client's acknowledgements until the connection ends.
func (s *Server) readAcks(c *socketConn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &ack) != nil {
			continue
		}
		s.mu.Lock()
		s.rec.Note(string(data))
		s.mu.Unlock()
		c.deliver(ack.EnvelopeID, ack.Payload)
	}
}

func (c *socketConn) write(v any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.ws.WriteJSON(v)
}

// keepAlive pings the client as Slack does; slack-go treats silence as a
// dead connection.
func (c *socketConn) keepAlive(every time.Duration) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		if c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(every)) != nil {
			return
		}
		select {
		case <-c.done:
			return
		case <-ticker.C:
		}
	}
}

func (c *socketConn) expect(envelopeID string) chan json.RawMessage {
	ch := make(chan json.RawMessage, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.acks[envelopeID] = ch
	return ch
}

func (c *socketConn) forget(envelopeID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.acks, envelopeID)
}

func (c *socketConn) deliver(envelopeID string, payload json.RawMessage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch, ok := c.acks[envelopeID]; ok {
		ch <- payload
		delete(c.acks, envelopeID)
	}
}

// register adds c unless the server is closing, and returns how many
// connections are open with it and the ping interval to use.
func (sk *sockets) register(c *socketConn) (open int, pingEvery time.Duration, ok bool) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	if sk.closed {
		return 0, 0, false
	}
	sk.all[c] = true
	sk.accepted++
	return len(sk.all), sk.pingEvery, true
}

// activate makes c the connection envelopes are sent on.
func (sk *sockets) activate(c *socketConn) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	sk.active = c
	sk.ready[c] = true
	sk.signal()
}

func (sk *sockets) unregister(c *socketConn) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	delete(sk.all, c)
	delete(sk.ready, c)
	close(c.done)
	_ = c.ws.Close()
	if sk.active == c {
		sk.active = nil
		sk.signal()
	}
}

func (sk *sockets) signal() {
	close(sk.changed)
	sk.changed = make(chan struct{})
}

func (sk *sockets) closeAll() {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	sk.closed = true
	for c := range sk.all {
		_ = c.ws.Close()
	}
	sk.signal()
}

// waitActive returns the connection envelopes go to, waiting for one.
func (sk *sockets) waitActive(ctx context.Context) (*socketConn, error) {
	for {
		sk.mu.Lock()
		c, changed, closed := sk.active, sk.changed, sk.closed
		sk.mu.Unlock()
		switch {
		case closed:
			return nil, errors.New("wait for a Socket Mode connection: server closed")
		case c != nil:
			return c, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for a Socket Mode connection: %w", ctx.Err())
		}
	}
}

// WaitForSocket waits until a Socket Mode client is connected and has been
// sent its hello. It returns an error when ctx ends first or s is closed.
func (s *Server) WaitForSocket(ctx context.Context) error {
	_, err := s.sock.waitActive(ctx)
	return err
}

// WaitForSockets waits until n Socket Mode clients at once are connected
// and have been sent their hello, as n replicas of one app are. It returns
// an error when ctx ends first or s is closed.
func (s *Server) WaitForSockets(ctx context.Context, n int) error {
	for {
		s.sock.mu.Lock()
		ready, changed, closed := len(s.sock.ready), s.sock.changed, s.sock.closed
		s.sock.mu.Unlock()
		switch {
		case closed:
			return errors.New("wait for Socket Mode connections: server closed")
		case ready >= n:
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for %d Socket Mode connections (%d open): %w", n, ready, ctx.Err())
		}
	}
}

// SocketConnections is how many Socket Mode connections s has accepted.
func (s *Server) SocketConnections() int {
	s.sock.mu.Lock()
	defer s.sock.mu.Unlock()
	return s.sock.accepted
}

// DisconnectSocket asks the connected client to reconnect, as Slack does
// before it recycles a connection, and waits until the client has closed
// it. It returns an error when no client connects or ctx ends first.
func (s *Server) DisconnectSocket(ctx context.Context) error {
	c, err := s.sock.waitActive(ctx)
	if err != nil {
		return err
	}
	msg := map[string]any{
		"type": "disconnect", "reason": "refresh_requested",
		"debug_info": map[string]any{"host": "applink-slacktest"},
	}
	if err := c.write(msg); err != nil {
		return fmt.Errorf("send disconnect: %w", err)
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the client to drop the connection: %w", ctx.Err())
	}
}

// SendSlashCommand delivers a slash command over Socket Mode, the fields of
// form (see SlashCommandForm) as Slack encodes them there, and waits for the
// client's acknowledgement. It returns the ack's payload, nil when the ack
// carried none, or an error when no client is connected before ctx ends or
// the connection drops before the ack.
func (s *Server) SendSlashCommand(ctx context.Context, form url.Values) (json.RawMessage, error) {
	fields := make(map[string]string, len(form))
	for k := range form {
		fields[k] = form.Get(k)
	}
	payload, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("encode slash command: %w", err)
	}
	return s.sendEnvelope(ctx, "slash_commands", payload, true)
}

// SendInteraction delivers an interaction (a button click: see Click) over
// Socket Mode and waits for the client's acknowledgement, filling in the
// fields BlockActionForm fills. It returns the ack's payload and errors as
// SendSlashCommand does.
func (s *Server) SendInteraction(ctx context.Context, cb slack.InteractionCallback) (json.RawMessage, error) {
	payload, err := interactionJSON(cb)
	if err != nil {
		return nil, err
	}
	accepts := cb.Type == slack.InteractionTypeViewSubmission || cb.Type == slack.InteractionTypeBlockSuggestion
	return s.sendEnvelope(ctx, "interactive", payload, accepts)
}

func (s *Server) sendEnvelope(ctx context.Context, typ string, payload json.RawMessage, acceptsResponse bool) (json.RawMessage, error) {
	env := envelope{ID: envelopeID(), Type: typ, Payload: payload, AcceptsResponse: acceptsResponse}
	s.sock.mu.Lock()
	s.sock.lastSent = env.ID
	s.sock.mu.Unlock()
	return s.deliverEnvelope(ctx, env)
}

// LastEnvelopeID is the id of the newest envelope SendSlashCommand or
// SendInteraction sent, "" before the first.
func (s *Server) LastEnvelopeID() string {
	s.sock.mu.Lock()
	defer s.sock.mu.Unlock()
	return s.sock.lastSent
}

// Redeliver sends the envelope envelopeID again, as Slack does when it got
// no acknowledgement in time: the same envelope id and payload, with
// retry_attempt one more than the last time and retry_reason reason (Slack
// says "timeout"). It waits for the ack and returns it as SendSlashCommand
// does, or an error when s never sent that envelope.
func (s *Server) Redeliver(ctx context.Context, envelopeID, reason string) (json.RawMessage, error) {
	s.sock.mu.Lock()
	env, ok := s.sock.sent[envelopeID]
	s.sock.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("redeliver %s: no envelope with that id was sent", envelopeID)
	}
	env.RetryAttempt++
	env.RetryReason = reason
	return s.deliverEnvelope(ctx, env)
}

// RedeliverElsewhere is Redeliver on a connection other than the one the
// envelope last went to, as when Slack retries on another of the app's
// connections (another replica's). It returns an error when no other
// connection is open.
func (s *Server) RedeliverElsewhere(ctx context.Context, envelopeID, reason string) (json.RawMessage, error) {
	s.sock.mu.Lock()
	env, ok := s.sock.sent[envelopeID]
	var other *socketConn
	for c := range s.sock.ready {
		if c != s.sock.sentOn[envelopeID] {
			other = c
		}
	}
	s.sock.mu.Unlock()
	switch {
	case !ok:
		return nil, fmt.Errorf("redeliver %s: no envelope with that id was sent", envelopeID)
	case other == nil:
		return nil, fmt.Errorf("redeliver %s elsewhere: no other Socket Mode connection is open", envelopeID)
	}
	env.RetryAttempt++
	env.RetryReason = reason
	return s.deliverOn(ctx, other, env)
}

// deliverEnvelope sends env on the active connection, remembers it for
// Redeliver, and waits for its ack.
func (s *Server) deliverEnvelope(ctx context.Context, env envelope) (json.RawMessage, error) {
	c, err := s.sock.waitActive(ctx)
	if err != nil {
		return nil, err
	}
	return s.deliverOn(ctx, c, env)
}

// deliverOn sends env on c, remembers it for Redeliver, and waits for its
// ack.
func (s *Server) deliverOn(ctx context.Context, c *socketConn, env envelope) (json.RawMessage, error) {
	acked := c.expect(env.ID)
	defer c.forget(env.ID)
	s.sock.mu.Lock()
	s.sock.sent[env.ID] = env
	s.sock.sentOn[env.ID] = c
	s.sock.mu.Unlock()
	if err := c.write(env); err != nil {
		return nil, fmt.Errorf("send %s envelope: %w", env.Type, err)
	}
	select {
	case ack := <-acked:
		return ack, nil
	case <-c.done:
		return nil, fmt.Errorf("wait for ack of %s envelope: %w", env.Type, errSocketClosed)
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for ack of %s envelope: %w", env.Type, ctx.Err())
	}
}

// envelopeID returns a UUID-shaped id like Slack's envelope ids.
func envelopeID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return hex.EncodeToString(b)
}
