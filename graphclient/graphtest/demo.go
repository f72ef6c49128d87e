package graphtest

import "time"

// Ids of the demo tenant's groups, for policies that name Entra groups.
const (
	DemoGroupHelpdesk = "5f1c2a9e-8d4b-4c1e-9a57-0d3e6b7f8a11" // technicians: alice, dan
	DemoGroupFinance  = "a7d2e4c1-3b5f-4e8a-b9c0-1f2e3d4c5b22" // alice, carol
	DemoGroupITAdmins = "c3b1f0e9-7a6d-4b2c-8e1f-2a3b4c5d6e33" // dan
)

// DemoTenant seeds s with the users of a small tenant, contoso.com:
//
//   - alice@contoso.com, an enabled member (Helpdesk, Finance);
//   - bob@contoso.com, whose account is disabled;
//   - carol@contoso.com, who already has a Temporary Access Pass;
//   - dan@contoso.com, a Global Administrator (Helpdesk, IT Admins);
//   - erin_fabrikam.com#EXT#@contoso.onmicrosoft.com, a guest whose mail is
//     erin@fabrikam.com.
//
// Alice and Bob report to Carol, and the members have directory phone
// numbers; Alice and Carol registered Microsoft Authenticator months ago.
// Nobody is flagged by ID Protection (SetRisk). Carol's pass is placed with
// AddPass, so Issued does not list it.
func DemoTenant(s *Server) {
	s.AddUser(User{ID: "0b3a5f2e-1c4d-4e6f-8a9b-000000000a11", UPN: "alice@contoso.com", DisplayName: "Alice Andersen",
		AccountEnabled: true, JobTitle: "Accountant", Mail: "alice@contoso.com",
		BusinessPhones: []string{"+1 425 555 0110"}, MobilePhone: "+1 425 555 0111", Manager: "carol@contoso.com",
		Groups: []string{DemoGroupHelpdesk, DemoGroupFinance}})
	s.AddUser(User{ID: "0b3a5f2e-1c4d-4e6f-8a9b-000000000b22", UPN: "bob@contoso.com", DisplayName: "Bob Berg",
		AccountEnabled: false, JobTitle: "Sales Representative", Mail: "bob@contoso.com",
		BusinessPhones: []string{"+1 425 555 0120"}, Manager: "carol@contoso.com"})
	s.AddUser(User{ID: "0b3a5f2e-1c4d-4e6f-8a9b-000000000c33", UPN: "carol@contoso.com", DisplayName: "Carol Chen",
		AccountEnabled: true, JobTitle: "Controller", Mail: "carol@contoso.com",
		BusinessPhones: []string{"+1 425 555 0130"}, MobilePhone: "+1 425 555 0131",
		Groups: []string{DemoGroupFinance}})
	s.AddUser(User{ID: "0b3a5f2e-1c4d-4e6f-8a9b-000000000d44", UPN: "dan@contoso.com", DisplayName: "Dan Duarte",
		AccountEnabled: true, JobTitle: "IT Administrator", Mail: "dan@contoso.com",
		Groups: []string{DemoGroupHelpdesk, DemoGroupITAdmins},
		Roles: []Role{{ID: "9e1d2c3b-4a5f-4e6d-8c7b-000000000e55", DisplayName: "Global Administrator",
			RoleTemplateID: GlobalAdministratorTemplateID}}})
	s.AddUser(User{ID: "0b3a5f2e-1c4d-4e6f-8a9b-000000000e55", UPN: "erin_fabrikam.com#EXT#@contoso.onmicrosoft.com",
		DisplayName: "Erin Evans (Fabrikam)", AccountEnabled: true, UserType: "Guest", Mail: "erin@fabrikam.com"})
	now := s.clock()
	s.AddMethod("alice@contoso.com", Method{Type: MethodAuthenticator, DisplayName: "iPhone 15", Created: now.AddDate(0, -7, 0)})
	s.AddMethod("carol@contoso.com", Method{Type: MethodAuthenticator, DisplayName: "Pixel 8", Created: now.AddDate(-1, 0, 0)})
	start := now.Add(-time.Hour)
	s.AddPass(PassRecord{UserID: "carol@contoso.com", Created: start, Start: start, LifetimeMinutes: 480})
}

// DemoCustomer seeds t, a customer tenant of an MSP (see Server.AddTenant),
// with the same four kinds of user as DemoTenant, in domain, each display
// name followed by org (the customer as people would say it, "Fabrikam"):
//
//   - alice@domain, an enabled member;
//   - bob@domain, whose account is disabled;
//   - carol@domain, who already has a Temporary Access Pass;
//   - dan@domain, a Global Administrator, whom the built-in protect rules
//     keep from passes.
//
// Alice and Bob report to Carol. Carol's pass is placed with AddPass, so Issued does not list it. Object
// ids are new for every call, as they are in every real tenant.
func DemoCustomer(t *Tenant, domain, org string) {
	person := func(local, name, title string, enabled bool) User {
		upn := local + "@" + domain
		return User{UPN: upn, DisplayName: name + " (" + org + ")", AccountEnabled: enabled, JobTitle: title, Mail: upn}
	}
	alice, bob := person("alice", "Alice Andersen", "Accountant", true), person("bob", "Bob Berg", "Sales Representative", false)
	alice.Manager, bob.Manager = "carol@"+domain, "carol@"+domain
	t.AddUser(alice)
	t.AddUser(bob)
	t.AddUser(person("carol", "Carol Chen", "Controller", true))
	dan := person("dan", "Dan Duarte", "IT Administrator", true)
	dan.Roles = []Role{{DisplayName: "Global Administrator", RoleTemplateID: GlobalAdministratorTemplateID}}
	t.AddUser(dan)
	start := t.now().Add(-time.Hour)
	t.AddPass(PassRecord{UserID: "carol@" + domain, Created: start, Start: start, LifetimeMinutes: 480})
}
