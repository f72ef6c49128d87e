package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/auditcli"
)

// auditAsk is what tapbot audit was asked, for a running tapbot to answer.
type auditAsk struct {
	db, since, format, head string
}

// adminTimeout bounds one question to a running tapbot, export included.
const adminTimeout = 2 * time.Minute

// auditRunning answers tapbot audit export|verify while a running tapbot
// holds the database, by asking it over its admin listener
// (TAPBOT_METRICS_LISTEN, admin.go) with TAPBOT_ADMIN_TOKEN if set. The
// output and the exit code are those of the command on a stopped bot's
// file; verify proves the MACs with the running bot's own audit key.
func auditRunning(sub string, ask auditAsk, getenv func(string) string, stdout, stderr io.Writer) error {
	query, err := ask.query(sub)
	if err != nil {
		return err
	}
	addr, err := adminAddr(getenv("TAPBOT_METRICS_LISTEN"))
	if err != nil {
		return fmt.Errorf("database %s is in use by a running tapbot, and %w", ask.db, err)
	}
	token, err := secretFromEnv("TAPBOT_ADMIN_TOKEN", getenv)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "tapbot audit: %s is in use by a running tapbot; asking it at %s\n", ask.db, addr)
	resp, err := adminGet(addr, "/admin/audit/"+sub+"?"+query.Encode(), token)
	if err != nil {
		return fmt.Errorf("database %s is in use by another process, and no tapbot answers at %s (TAPBOT_METRICS_LISTEN): %w; stop that process, or run on a copy of the file", ask.db, addr, err)
	}
	defer resp.Body.Close()
	if err := ask.check(resp, addr); err != nil {
		return err
	}
	if sub == "export" {
		_, err := io.Copy(stdout, resp.Body)
		return err
	}
	var ans verifyAnswer
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return fmt.Errorf("read the answer of the tapbot at %s: %w", addr, err)
	}
	fmt.Fprint(stdout, ans.Output)
	if ans.Error != "" {
		return errors.New(ans.Error)
	}
	return nil
}

// query is the admin endpoint's query for sub. --since is turned into a
// time here, so "24h" means 24 hours before this command ran.
func (ask auditAsk) query(sub string) (url.Values, error) {
	q := url.Values{}
	switch sub {
	case "export":
		from, err := auditcli.ParseSince(ask.since, time.Now())
		if err != nil {
			return nil, err
		}
		if !from.IsZero() {
			q.Set("since", from.Format(time.RFC3339Nano))
		}
		q.Set("format", ask.format)
	case "verify":
		if ask.head != "" {
			q.Set("head", ask.head)
		}
	default:
		return nil, fmt.Errorf("unknown audit subcommand %q: use export or verify", sub)
	}
	return q, nil
}

// check turns a refusal into the error to show, and refuses an answer
// about another database than ask.db.
func (ask auditAsk) check(resp *http.Response, addr string) error {
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("the tapbot at %s answered %s: %s", addr, resp.Status, strings.TrimSpace(string(body)))
	}
	if served, want := resp.Header.Get(databaseHeader), absPath(ask.db); served != "" && served != want {
		return fmt.Errorf("the tapbot at %s (TAPBOT_METRICS_LISTEN) serves the database %s, not %s; set TAPBOT_METRICS_LISTEN to the admin listener of the tapbot that holds %s", addr, served, want, want)
	}
	if resp.StatusCode == http.StatusBadRequest {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return errors.New(strings.TrimSpace(string(body))) // the same words as on a stopped bot's file
	}
	return nil
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// adminAddr is where this host reaches the admin listener configured as
// v (TAPBOT_METRICS_LISTEN): a listener on every interface is asked on
// loopback.
func adminAddr(v string) (string, error) {
	if v == "" {
		v = settingDefault("TAPBOT_METRICS_LISTEN")
	}
	if v == "off" {
		return "", errors.New("TAPBOT_METRICS_LISTEN=off leaves no admin listener to ask it over; stop it, or run on a copy of the file")
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return "", fmt.Errorf("TAPBOT_METRICS_LISTEN %q is not host:port", v)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}

// settingDefault is the default of the setting read from env.
func settingDefault(env string) string {
	for _, s := range settings {
		if s.env == env {
			return s.def
		}
	}
	return ""
}

// adminGet asks the admin listener at addr, never through a proxy: it is
// on this host or next to it.
func adminGet(addr, path, token string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Transport: &http.Transport{}, Timeout: adminTimeout}
	return client.Do(req)
}
