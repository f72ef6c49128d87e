package main

import (
	"strings"
	"testing"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

var globalAdministrator = graphtest.Role{DisplayName: "Global Administrator", RoleTemplateID: graphtest.GlobalAdministratorTemplateID}

// wantRefusedWithoutCard waits for the reply to a raise and checks that no
// approval card was posted and no pass created.
func (e *env) wantRefusedWithoutCard(parts ...string) {
	e.t.Helper()
	reply := e.reply("was not raised")
	for _, p := range parts {
		if !strings.Contains(reply.Text, p) {
			e.t.Errorf("reply %q lacks %q", reply.Text, p)
		}
	}
	for _, m := range e.slack.Messages() {
		if m.Kind == slacktest.KindPostMessage && m.Channel == approvalsCh {
			e.t.Errorf("an approval card was posted: %s", shown(m))
		}
	}
	if n := len(e.graph.Issued()); n != 0 {
		e.t.Errorf("%d passes issued", n)
	}
}

func TestEligibleGlobalAdministratorIsRefusedNamingTheRoleAndEligible(t *testing.T) {
	e := startEnv(t, nil)
	e.graph.AddUser(graphtest.User{UPN: "eve@contoso.com", DisplayName: "Eve", AccountEnabled: true,
		EligibleRoles: []graphtest.Role{globalAdministrator}})
	e.command(requester, "eve@contoso.com 1h")
	e.wantRefusedWithoutCard("is eligible", "Privileged Identity Management", "Global Administrator")
}

func TestPIMForGroupsEligibleUserIsRefused(t *testing.T) {
	e := startEnv(t, nil)
	g := e.graph.AddGroup(graphtest.Group{DisplayName: "Tier 0 admins", Roles: []graphtest.Role{globalAdministrator}})
	e.graph.AddUser(graphtest.User{UPN: "frank@contoso.com", DisplayName: "Frank", AccountEnabled: true, EligibleGroups: []string{g.ID}})
	e.command(requester, "frank@contoso.com 1h")
	e.wantRefusedWithoutCard("is eligible (through PIM for Groups membership of Tier 0 admins) for the directory role Global Administrator")
}

func TestMissingPIMPermissionFailsClosedNamingIt(t *testing.T) {
	e := startEnv(t, nil)
	e.graph.SetRoles(allRolesBut("PrivilegedEligibilitySchedule.Read.AzureADGroup")...)
	e.command(requester, "alice@contoso.com 1h")
	e.wantRefusedWithoutCard("PrivilegedEligibilitySchedule.Read.AzureADGroup", "Grant admin consent")
}
