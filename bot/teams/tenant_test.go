package teams

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// fakeTenant is an in-memory approvals.Tenant for this package's tests,
// which need Graph's answers but not Graph (end-to-end tests in cmd/tapbot
// use graphclient/graphtest).
type fakeTenant struct {
	mu      sync.Mutex
	users   map[string]approvals.Target
	passes  map[string]approvals.PassInfo    // by user id
	secrets []string                         // every pass text issued
	facts   map[string]approvals.TargetFacts // by user id: what TargetFacts tells
}

func newFakeTenant() *fakeTenant {
	return &fakeTenant{
		users: map[string]approvals.Target{
			"alice@contoso.com": {ID: "id-alice", UPN: "alice@contoso.com", DisplayName: "Alice Andersen", AccountEnabled: true, UserType: "Member"},
			"carol@contoso.com": {ID: "id-carol", UPN: "carol@contoso.com", DisplayName: "Carol <b>Chen</b>", AccountEnabled: true, UserType: "Member"},
		},
		passes: map[string]approvals.PassInfo{},
	}
}

func (f *fakeTenant) LookupUser(_ context.Context, upn string) (approvals.Target, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.users[upn]
	if !ok {
		return approvals.Target{}, approvals.Errorf(approvals.ENOTFOUND, "No user %s in the tenant.", upn)
	}
	_, t.HasTAP = f.passes[t.ID]
	return t, nil
}

func (f *fakeTenant) TAPPolicy(context.Context) (approvals.TAPPolicy, error) {
	return approvals.TAPPolicy{Enabled: true, DefaultLifetime: 60, MinLifetime: 60, MaxLifetime: 480, DefaultLength: 8}, nil
}

func (f *fakeTenant) ListPasses(_ context.Context, userID string) ([]approvals.PassInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.passes[userID]; ok {
		return []approvals.PassInfo{p}, nil
	}
	return nil, nil
}

// CreatePass issues a pass whose text holds characters that Teams markdown
// would read as markup, so a test sees whether the bot shows it verbatim.
func (f *fakeTenant) CreatePass(_ context.Context, userID string, p approvals.PassParams) (approvals.Pass, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	secret := "Tq*" + hex.EncodeToString(b) + "_#x"
	f.secrets = append(f.secrets, secret)
	id := fmt.Sprintf("method-%d", len(f.secrets))
	f.passes[userID] = approvals.PassInfo{MethodID: id, LifetimeMinutes: p.LifetimeMinutes, UsableOnce: p.UsableOnce, Usable: true, Start: time.Now()}
	return approvals.Pass{MethodID: id, Secret: approvals.NewSecret(secret), Start: time.Now(), LifetimeMinutes: p.LifetimeMinutes, UsableOnce: p.UsableOnce}, nil
}

func (f *fakeTenant) DeletePass(_ context.Context, userID, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.passes, userID)
	return nil
}

// issued returns every pass text issued so far.
func (f *fakeTenant) issued() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.secrets...)
}

func (f *fakeTenant) UserGroups(context.Context, string) ([]string, error) { return nil, nil }

func (f *fakeTenant) UserDirectoryRoles(context.Context, string) ([]approvals.DirectoryRole, error) {
	return nil, nil
}
