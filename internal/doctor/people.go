package doctor

import (
	"fmt"
	"strings"
)

// checkPeople resolves every configured requester or approver: Slack users
// through users.info (deactivated ones fail), Teams users through Graph
// (disabled accounts fail), Slack user groups through
// usergroups.users.list. Entra groups are not looked up.
func (d *run) checkPeople(list string, keys []string) {
	if len(keys) == 0 {
		d.fail(list, "none configured, so nobody is one (tapbot denies by default)",
			"list Slack user ids in TAPBOT_"+strings.ToUpper(list))
		return
	}
	var found, problems, unchecked []string
	for _, key := range keys {
		desc, problem, checked := d.resolve(key)
		switch {
		case !checked:
			unchecked = append(unchecked, desc)
		case problem != "":
			problems = append(problems, problem)
		default:
			found = append(found, desc)
		}
	}
	if len(found) == 0 && len(problems) == 0 {
		d.skip(list, "cannot look up "+strings.Join(unchecked, ", ")+" (needs a working Slack token, or Graph sign-in for Teams users; Entra groups are not looked up)")
		return
	}
	detail := fmt.Sprintf("%d found (%s)", len(found), strings.Join(found, ", "))
	if len(unchecked) > 0 {
		detail += "; not checked: " + strings.Join(unchecked, ", ")
	}
	if len(problems) > 0 {
		d.fail(list, strings.Join(problems, "; ")+"; "+detail, "correct or remove those ids in TAPBOT_"+strings.ToUpper(list)+" (Slack: profile → ⋮ → Copy member ID)")
		return
	}
	d.pass(list, detail)
}

// resolve looks up one configured entry by its approvals key. It returns
// a description, a problem ("" when fine) and whether it could be checked
// at all.
func (d *run) resolve(key string) (desc, problem string, checked bool) {
	platform, bare, _ := strings.Cut(key, ":")
	switch {
	case platform == "slack" && d.slack != nil:
		return d.resolveSlackUser(bare)
	case platform == "slack-group" && d.slack != nil:
		return d.resolveSlackGroup(bare)
	case platform == "teams" && d.graph != nil:
		return d.resolveEntraUser(bare)
	}
	return key, "", false
}
