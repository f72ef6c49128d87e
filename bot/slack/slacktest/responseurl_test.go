package slacktest

import (
	"errors"
	"net/http"
	"testing"

	"github.com/slack-go/slack"
)

func TestResponseURLRecordsWhatTheBotPostsThere(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	u := srv.ResponseURL("cmd-1")

	_, _, _, err := api.SendMessageContext(ctx, "",
		slack.MsgOptionResponseURL(u, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("Request sent for approval", false))
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, err = api.SendMessageContext(ctx, "",
		slack.MsgOptionReplaceOriginal(u), slack.MsgOptionBlocks(approvalCard("replaced")...))
	if err != nil {
		t.Fatal(err)
	}

	first, err := srv.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Kind != KindResponseURL || first.ResponseURL != "cmd-1" || first.ResponseType != "ephemeral" ||
		first.Text != "Request sent for approval" || !first.Ephemeral() || first.Blocks != nil {
		t.Fatalf("first post = %+v", first)
	}
	second, err := srv.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !second.ReplaceOriginal || len(second.Buttons()) != 2 {
		t.Fatalf("second post = %+v; want replace_original with the card", second)
	}
	if srv.CallCount(KindResponseURL) != 2 {
		t.Fatalf("CallCount(response_url) = %d", srv.CallCount(KindResponseURL))
	}
}

func TestResponseURLRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(srv *Server) string // returns the URL to post to
		posts int                      // posts before the one checked
	}{
		{"unknown URL", func(srv *Server) string { return srv.URL + "/response/never-issued" }, 0},
		{"expired after 30 minutes", func(srv *Server) string {
			u := srv.ResponseURL("old")
			srv.ExpireResponseURL("old")
			return u
		}, 0},
		{"sixth use", func(srv *Server) string { return srv.ResponseURL("busy") }, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newWorkspace(t)
			ctx := testContext(t)
			u := tt.setup(srv)
			post := func() error {
				_, _, _, err := api.SendMessageContext(ctx, "", slack.MsgOptionResponseURL(u, slack.ResponseTypeEphemeral), slack.MsgOptionText("hi", false))
				return err
			}
			for i := range tt.posts {
				if err := post(); err != nil {
					t.Fatalf("post %d: %v", i+1, err)
				}
			}
			var sce slack.StatusCodeError
			if err := post(); !errors.As(err, &sce) || sce.Code != http.StatusNotFound {
				t.Fatalf("error = %v, want HTTP 404", err)
			}
			if n := len(srv.Messages()); n != tt.posts {
				t.Fatalf("recorded %d, want %d", n, tt.posts)
			}
		})
	}
}
