package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// floorSample is what the machine charges any program for the steps of
// Approve→pass that tapbot cannot leave out: one durable commit of the
// approval to a bbolt file, then one Graph call, then one Slack call, each
// made right after the one before, after an idle pause as long as the one
// before an Approve in the trips. The calls are made by bare Go HTTP
// clients to the same stand-ins, with the same latency; what they cost
// beyond the time the stand-ins held them is the loopback, the HTTP and
// TLS stacks of both sides, and the wake-ups of an idle machine.
type floorSample struct {
	commit, graph, slack time.Duration
}

func (f floorSample) total() time.Duration { return f.commit + f.graph + f.slack }

// measureFloor takes n floor samples on s's stand-ins, idle for pause
// before each.
func (s *session) measureFloor(ctx context.Context, n int, pause time.Duration) ([]floorSample, error) {
	db, err := bolt.Open(filepath.Join(s.st.dir, "floor.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("floor: open a bbolt file: %w", err)
	}
	defer db.Close()
	graph := s.st.graph.Client() // trusts the fake's certificate, and offers HTTP/2 when the fake does
	token, err := s.floorToken(ctx, graph)
	if err != nil {
		return nil, err
	}
	slackClient := &http.Client{Transport: &http.Transport{}, Timeout: s.cfg.Timeout}
	defer slackClient.CloseIdleConnections()
	record := make([]byte, 2048) // about a stored request's size
	userURL := s.st.graph.GraphURL() + "/users/" + url.PathEscape(target(0))
	graphCalls := func() []span { return graphSpans(s.st.graph.Requests(), 0) }
	slackCalls := func() []span { return slackSpans(s.st.slack.Calls(), 0) }
	out := make([]floorSample, 0, n)
	for i := 0; i <= n; i++ { // the first warms the connections and is not kept
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		var f floorSample
		start := time.Now()
		if err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("requests"))
			if err != nil {
				return err
			}
			return b.Put([]byte(fmt.Sprintf("TAP-%06d", i)), record)
		}); err != nil {
			return nil, fmt.Errorf("floor: commit: %w", err)
		}
		f.commit = time.Since(start)
		if f.graph, err = floorCall(graph, http.MethodGet, userURL, nil, "Bearer "+token, graphCalls, "GET /users/{user}"); err != nil {
			return nil, err
		}
		form := strings.NewReader(url.Values{"token": {botToken}}.Encode())
		if f.slack, err = floorCall(slackClient, http.MethodPost, s.st.slack.APIURL()+"auth.test", form, "Bearer "+botToken, slackCalls, "auth.test"); err != nil {
			return nil, err
		}
		if i > 0 {
			out = append(out, f)
		}
	}
	return out, nil
}

// floorCall makes one call and returns how much longer it took than the
// stand-in held it: the last of the stand-in's spans named name.
func floorCall(c *http.Client, method, target string, body io.Reader, auth string, spans func() []span, name string) (time.Duration, error) {
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("floor: %s %s: %w", method, target, err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("floor: %s %s answered HTTP %d (%v)", method, target, resp.StatusCode, err)
	}
	all := spans()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].name == name {
			return elapsed - heldOf(all[i:i+1]), nil
		}
	}
	return 0, fmt.Errorf("floor: the stand-in has no record of %s %s", method, target)
}

// floorToken is a token for the fake Graph, got the way tapbot gets one:
// client credentials for the Graph host's .default scope.
func (s *session) floorToken(ctx context.Context, c *http.Client) (string, error) {
	graphURL, err := url.Parse(s.st.graph.GraphURL())
	if err != nil {
		return "", err
	}
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret},
		"scope": {graphURL.Scheme + "://" + graphURL.Host + "/.default"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.st.graph.AuthorityHost()+tenantID+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("floor: token: %w", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("floor: the fake Graph gave no token (HTTP %d, %v)", resp.StatusCode, err)
	}
	return tok.AccessToken, nil
}
