package main

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/internal/logbuf"
)

func TestSocketModeConfig(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "app-token")
	if err := os.WriteFile(tokenFile, []byte("xapp-1-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		set       map[string]string // "" deletes the variable
		wantToken string
		problems  []string // substrings of the only problems expected; none: valid
	}{
		{
			name:      "socket mode without a signing secret is valid",
			set:       map[string]string{"SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": "xapp-1-A0-abc"},
			wantToken: "xapp-1-A0-abc",
		},
		{
			name:      "app token is read from SLACK_APP_TOKEN_FILE",
			set:       map[string]string{"SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN_FILE": tokenFile},
			wantToken: "xapp-1-from-file",
		},
		{
			name:      "socket mode with a signing secret too is valid",
			set:       map[string]string{"SLACK_APP_TOKEN": "xapp-1-A0-abc"},
			wantToken: "xapp-1-A0-abc",
		},
		{
			name:     "a bot token given as the app token is refused",
			set:      map[string]string{"SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": "xoxb-pasted-bot-token"},
			problems: []string{"SLACK_APP_TOKEN: does not start with xapp-; create an app-level token with the connections:write scope"},
		},
		{
			name:     "neither signing secret nor app token is refused",
			set:      map[string]string{"SLACK_SIGNING_SECRET": ""},
			problems: []string{"SLACK_SIGNING_SECRET: missing", "or set SLACK_APP_TOKEN to use Socket Mode"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := validEnv()
			for k, v := range tt.set {
				if v == "" {
					delete(env, k)
					continue
				}
				env[k] = v
			}
			c, err := LoadConfig(nil, func(k string) string { return env[k] }, io.Discard)
			if len(tt.problems) == 0 {
				if err != nil || c.SlackAppToken != tt.wantToken {
					t.Fatalf("LoadConfig: token %q, %v; want %q and no error", c.SlackAppToken, err, tt.wantToken)
				}
				return
			}
			ce, ok := err.(*ConfigError)
			if !ok || len(ce.Problems) != 1 {
				t.Fatalf("err = %v, want exactly one problem", err)
			}
			for _, want := range tt.problems {
				if !strings.Contains(ce.Problems[0], want) {
					t.Errorf("problem %q lacks %q", ce.Problems[0], want)
				}
			}
			if strings.Contains(err.Error(), "pasted-bot-token") {
				t.Error("the error repeats the token")
			}
		})
	}
}

func TestServeHelpListsTheAppToken(t *testing.T) {
	env := validEnv()
	var out, errOut strings.Builder
	if code := run([]string{"serve", "--help"}, func(k string) string { return env[k] }, &out, &errOut); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if help := out.String() + errOut.String(); !strings.Contains(help, "SLACK_APP_TOKEN") {
		t.Fatalf("--help does not mention SLACK_APP_TOKEN:\n%s", help)
	}
}

// TestServeFailsWhenSlackRefusesTheAppToken runs the sandbox (no Graph
// setup needed) against a fake Slack that knows no app-level token, as
// when the token was revoked or Socket Mode is off in the app's settings.
func TestServeFailsWhenSlackRefusesTheAppToken(t *testing.T) {
	fake := slacktest.NewServer(botToken)
	t.Cleanup(fake.Close)
	env := map[string]string{
		"TAPBOT_GRAPH": "sandbox", "TAPBOT_DB": filepath.Join(t.TempDir(), "tapbot.db"),
		"SLACK_BOT_TOKEN": botToken, "SLACK_APP_TOKEN": appToken, "SLACK_APPROVAL_CHANNEL": approvalsCh,
		"SLACK_API_URL": fake.APIURL(),
	}
	cfg, err := LoadConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logbuf.Buffer{}
	app, err := NewApp(cfg, Deps{}, newLogger(cfg, logs))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Serve(context.Background(), ln) }()

	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("Serve kept running with a refused app token; logs:\n%s", logs.String())
	}
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") || !strings.Contains(err.Error(), "check SLACK_APP_TOKEN") {
		t.Fatalf("Serve = %v; want invalid_auth with a hint to check SLACK_APP_TOKEN", err)
	}
	if strings.Contains(err.Error()+logs.String(), appToken) {
		t.Fatal("the app token reached the error or the logs")
	}
}
