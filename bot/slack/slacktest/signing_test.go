package slacktest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

const testSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5"

func TestSignedRequestsPassSlackGoVerifierOnlyWhenGenuine(t *testing.T) {
	body := []byte(SlashCommandForm("U1", "alice", "C1", "alice@contoso.com 2h", "https://example/r", "1.2.3").Encode())
	tests := []struct {
		name   string
		secret string // used to sign
		at     time.Time
		body   []byte // sent instead of the signed body, if set
		want   error
	}{
		{"signed now with the secret", testSigningSecret, time.Now(), nil, nil},
		{"signed with another secret", "other-secret", time.Now(), nil, slack.ErrInvalidSignature},
		{"body changed after signing", testSigningSecret, time.Now(), []byte("text=something+else"), slack.ErrInvalidSignature},
		{"replayed after 6 minutes", testSigningSecret, time.Now().Add(-6 * time.Minute), nil, slack.ErrExpiredTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/slack/commands", nil)
			if err != nil {
				t.Fatal(err)
			}
			SignRequest(req, body, tt.secret, tt.at)
			sent := body
			if tt.body != nil {
				sent = tt.body
			}
			if err := verify(req.Header, sent); !errors.Is(err, tt.want) {
				t.Fatalf("verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func verify(h http.Header, body []byte) error {
	v, err := slack.NewSecretsVerifier(h, testSigningSecret)
	if err != nil {
		return err
	}
	if _, err := v.Write(body); err != nil {
		return err
	}
	return v.Ensure()
}

func TestNewSignedRequestIsASlashCommandSlackGoParses(t *testing.T) {
	form := SlashCommandForm("U1", "alice", "D123", "bob@contoso.com 1h once", "https://r.example/1", "1.2.3")
	req, err := NewSignedRequest(testContext(t), "http://127.0.0.1/slack/commands", form, testSigningSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(req.Header, body); err != nil {
		t.Fatalf("signature: %v", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	cmd, err := slack.SlashCommandParse(req)
	if err != nil {
		t.Fatal(err)
	}
	want := slack.SlashCommand{
		Token: VerificationToken, TeamID: TeamID, TeamDomain: TeamDomain, ChannelID: "D123",
		ChannelName: "directmessage", UserID: "U1", UserName: "alice", Command: "/tap",
		Text: "bob@contoso.com 1h once", ResponseURL: "https://r.example/1", TriggerID: "1.2.3", APIAppID: AppID,
	}
	if cmd != want {
		t.Fatalf("parsed %+v\nwant   %+v", cmd, want)
	}
}
