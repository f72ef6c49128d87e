package main

import (
	"strings"
	"testing"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

func TestSlackStatusShowsWhoIsBehindThePassAndTheOpenRequests(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h once new phone")
	first := e.card()
	e.click(approver1, first, "tap_approve")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))

	e.command(both, "alice@contoso.com 2h multi lost it again")
	second := requestIDOf(t, e.card())

	e.command(approver2, "status alice@contoso.com")
	st := shown(e.reply("Alice Andersen"))
	for _, want := range []string{
		"usable: one-time",
		"Issued by tapbot <!date^", "for request *" + requestIDOf(t, first) + "*",
		"asked for by <@" + requester + ">", "approved by <@" + approver1 + ">",
		"1 open request(s) for them", "*" + second + "* for alice@contoso.com, asked by <@" + both + ">",
		"waiting for 1 more approval from <@" + approver1 + "> or <@" + approver2 + ">",
	} {
		if !strings.Contains(st, want) {
			t.Errorf("status lacks %q:\n%s", want, st)
		}
	}

	// carol's pass was made outside tapbot (graphtest.DemoTenant).
	e.command(requester, "status carol@contoso.com")
	if st := shown(e.reply("Carol Chen")); !strings.Contains(st, "Not issued by tapbot") || !strings.Contains(st, "No open requests for them") {
		t.Errorf("carol's status:\n%s", st)
	}
}

func TestSlackListShowsWhoIsWaitingOnWhom(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h new phone")
	id := requestIDOf(t, e.card())
	list := e.command(approver1, "list")
	want := "*" + id + "* for alice@contoso.com, asked by <@" + requester + ">: pending, waiting for 1 more approval from <@" +
		approver1 + ">, <@" + approver2 + "> or <@" + both + ">. 1h, "
	if !strings.Contains(list, want) {
		t.Fatalf("list lacks %q:\n%s", want, list)
	}
}
