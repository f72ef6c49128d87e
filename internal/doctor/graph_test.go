package doctor

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// replaced is roles with one permission swapped for another ("" drops it).
func replaced(roles []string, old, with string) []string {
	out := slices.DeleteFunc(slices.Clone(roles), func(r string) bool { return r == old })
	if with != "" {
		out = append(out, with)
	}
	return out
}

// The live-fake runs are in cmd/tapbot (TestDoctorReportsEachCheckPassingOrFailingWithItsFix);
// this one holds each line the permission check prints, "!" notes included.
func TestGraphPermissionsPassNarrowNoteBroadAndFailWithNeither(t *testing.T) {
	const passesNote = "! graph permissions: broader than needed: UserAuthenticationMethod.ReadWrite.All can change every authentication method of every user; grant UserAuthMethod-TAP.ReadWrite.All instead"
	const policyNote = "! graph permissions: broader than needed: Policy.Read.All can read every policy of the tenant, Conditional Access included; grant Policy.Read.AuthenticationMethod instead"
	narrow := graphtest.DefaultRoles()
	for _, tc := range []struct {
		name      string
		roles     []string
		wantFail  bool
		wantLines []string // the output, line by line, without the fix lines
	}{
		{"the TAP-only permissions pass without a note", narrow, false, []string{
			"✓ graph permissions: UserAuthMethod-TAP.ReadWrite.All, User.Read.All, Policy.Read.AuthenticationMethod, GroupMember.Read.All, RoleManagement.Read.Directory, PrivilegedEligibilitySchedule.Read.AzureADGroup consented"}},
		{"the broad permissions pass with a note for each", graphtest.BroadRoles(), false, []string{
			"✓ graph permissions: UserAuthenticationMethod.ReadWrite.All, User.Read.All, Policy.Read.All, GroupMember.Read.All, RoleManagement.Read.Directory, PrivilegedEligibilitySchedule.Read.AzureADGroup consented",
			passesNote, policyNote}},
		{"narrow and broad together need no note", append(slices.Clone(narrow), graphtest.BroadRoles()...), false, []string{
			"✓ graph permissions: UserAuthMethod-TAP.ReadWrite.All, User.Read.All, Policy.Read.AuthenticationMethod, GroupMember.Read.All, RoleManagement.Read.Directory, PrivilegedEligibilitySchedule.Read.AzureADGroup consented"}},
		{"writing the policy stands in for reading it, with a note", replaced(narrow, "Policy.Read.AuthenticationMethod", "Policy.ReadWrite.AuthenticationMethod"), false, []string{
			"✓ graph permissions: UserAuthMethod-TAP.ReadWrite.All, User.Read.All, Policy.ReadWrite.AuthenticationMethod, GroupMember.Read.All, RoleManagement.Read.Directory, PrivilegedEligibilitySchedule.Read.AzureADGroup consented",
			"! graph permissions: broader than needed: Policy.ReadWrite.AuthenticationMethod can change the tenant's authentication methods policy; grant Policy.Read.AuthenticationMethod instead"}},
		{"neither fails naming the narrow ones", replaced(replaced(narrow, "UserAuthMethod-TAP.ReadWrite.All", "UserAuthenticationMethod.Read.All"), "Policy.Read.AuthenticationMethod", ""), true, []string{
			"✗ graph permissions: the token lacks UserAuthMethod-TAP.ReadWrite.All, Policy.Read.AuthenticationMethod"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			d := &run{s: Settings{Graph: graphclient.Config{ClientID: "tapbot-client"}, EntraGroups: true}, out: &out}
			d.reportRoles(tc.roles, ownApp("tapbot-client"))
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if !strings.HasPrefix(l, "    fix: ") {
					got = append(got, l)
				}
			}
			if !slices.Equal(got, tc.wantLines) {
				t.Errorf("output:\n%s\nwant lines:\n%s", out.String(), strings.Join(tc.wantLines, "\n"))
			}
			if failed := d.count(Fail) > 0; failed != tc.wantFail {
				t.Errorf("failed = %v, want %v", failed, tc.wantFail)
			}
			if tc.wantFail && !strings.Contains(out.String(), "add UserAuthMethod-TAP.ReadWrite.All, Policy.Read.AuthenticationMethod, then Grant admin consent") {
				t.Errorf("the fix does not name the narrow permissions:\n%s", out.String())
			}
		})
	}
}
