package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
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
	graph, token, err := s.floorGraphClient(ctx)
	if err != nil {
		return nil, err
	}
	defer graph.CloseIdleConnections()
	slackClient := &http.Client{Transport: &http.Transport{}, Timeout: s.cfg.Timeout}
	defer slackClient.CloseIdleConnections()
	record := make([]byte, 2048) // about a stored request's size
	userURL := s.st.graph.GraphURL() + "/users/" + url.PathEscape(target(0))
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
		if f.graph, err = s.floorCall(graph, http.MethodGet, userURL, nil, "Bearer "+token, true); err != nil {
			return nil, err
		}
		form := strings.NewReader(url.Values{"token": {botToken}}.Encode())
		if f.slack, err = s.floorCall(slackClient, http.MethodPost, s.st.slack.APIURL()+"auth.test", form, "Bearer "+botToken, false); err != nil {
			return nil, err
		}
		if i > 0 {
			out = append(out, f)
		}
	}
	return out, nil
}

// floorCall makes one call and returns how much longer it took than the
// stand-in held it, by the stand-in's record of its last call.
func (s *session) floorCall(c *http.Client, method, target string, body io.Reader, auth string, graph bool) (time.Duration, error) {
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
	var held time.Duration
	if graph {
		path := req.URL.Path
		reqs := s.st.graph.Requests()
		for i := len(reqs) - 1; i >= 0; i-- {
			if reqs[i].Method == method && reqs[i].Path == path && !reqs[i].End.IsZero() {
				held = reqs[i].End.Sub(reqs[i].Start)
				break
			}
		}
	} else {
		calls := s.st.slack.Calls()
		for i := len(calls) - 1; i >= 0; i-- {
			if calls[i].Method == "auth.test" && !calls[i].End.IsZero() {
				held = calls[i].End.Sub(calls[i].Start)
				break
			}
		}
	}
	if held == 0 {
		return 0, fmt.Errorf("floor: the stand-in has no record of %s %s", method, target)
	}
	return elapsed - held, nil
}

// floorGraphClient is an HTTP client that trusts the fake Graph, offering
// HTTP/2 as tapbot's does, and a token for it got the way tapbot gets one.
func (s *session) floorGraphClient(ctx context.Context) (*http.Client, string, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.st.graph.CertPEM()) {
		return nil, "", errors.New("floor: the fake Graph's certificate does not parse")
	}
	c := &http.Client{Timeout: s.cfg.Timeout, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true,
	}}
	graphURL, err := url.Parse(s.st.graph.GraphURL())
	if err != nil {
		return nil, "", err
	}
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret},
		"scope": {graphURL.Scheme + "://" + graphURL.Host + "/.default"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.st.graph.AuthorityHost()+tenantID+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("floor: token: %w", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return nil, "", fmt.Errorf("floor: the fake Graph gave no token (HTTP %d, %v)", resp.StatusCode, err)
	}
	return c, tok.AccessToken, nil
}
