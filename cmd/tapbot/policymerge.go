package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tapbot/tapbot/approvals"
)

// How the policy file and the environment combine where they name the same
// thing: the stricter one wins, and a built-in protection stays unless it is
// turned off by name.

// checkProtectNames reports protectOff names that are no built-in rule, and
// rules that take a built-in rule's name without turning it off: once such
// a rule replaced the built-in one; now the built-in one stays.
func (pf *PolicyFile) checkProtectNames() []string {
	var p []string
	for _, name := range pf.ProtectOff {
		if !approvals.IsBuiltinProtect(name) {
			p = append(p, fmt.Sprintf("TAPBOT_POLICY_FILE: protectOff: %q is not a built-in protect rule (there is only %q)", name, approvals.DefaultProtect[0].Name))
		}
	}
	for _, r := range pf.Protect {
		if approvals.ShadowsBuiltin(r, pf.ProtectOff) {
			p = append(p, fmt.Sprintf("TAPBOT_POLICY_FILE: protect %q has the name of a built-in rule, which still applies; give your rule another name, or add %q to protectOff to replace the built-in one", r.Name, r.Name))
		}
	}
	return p
}

// protectRules are the built-in protect rules not turned off by name, then
// the file's own (a copy of a built-in rule is dropped).
func (pf *PolicyFile) protectRules() []approvals.ProtectRule {
	return approvals.MergeProtect(approvals.DefaultProtect, pf.ProtectOff, pf.Protect)
}

// stricterDomains is the intersection of two allowed-domain lists, where an
// empty list allows any domain.
func stricterDomains(a, b []string) []string {
	if len(a) == 0 || len(b) == 0 {
		return append(slices.Clone(a), b...)
	}
	return slices.DeleteFunc(slices.Clone(a), func(d string) bool {
		return !slices.ContainsFunc(b, func(e string) bool { return strings.EqualFold(d, e) })
	})
}
