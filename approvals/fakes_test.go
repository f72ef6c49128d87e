package approvals

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// fakeTenant is a hand-written in-memory Tenant for the domain's unit tests.
// End-to-end tests use the HTTP fake in graphclient/graphtest instead.
type fakeTenant struct {
	mu         sync.Mutex
	policy     TAPPolicy
	users      map[string]Target
	passes     map[string]PassInfo        // by user id
	groups     map[string][]string        // by user id
	roles      map[string][]DirectoryRole // by user id
	created    []Pass
	deleted    []string
	createErr  error
	rolesErr   error
	deleteErr  error
	createHook func() // called inside CreatePass, outside the lock
	n          int
}

func newFakeTenant() *fakeTenant {
	f := &fakeTenant{
		policy: TAPPolicy{Enabled: true, DefaultLifetime: 60, MinLifetime: 10, MaxLifetime: 480, DefaultLength: 8},
		users: map[string]Target{
			"alice@contoso.com":            {ID: "id-alice", UPN: "alice@contoso.com", DisplayName: "Alice", AccountEnabled: true, UserType: "Member"},
			"bob@contoso.com":              {ID: "id-bob", UPN: "bob@contoso.com", DisplayName: "Bob", AccountEnabled: false, UserType: "Member"},
			"guest_x.com#EXT#@contoso.com": {ID: "id-guest", UPN: "guest_x.com#EXT#@contoso.com", DisplayName: "Guest", AccountEnabled: true, UserType: "Guest"},
		},
		passes: map[string]PassInfo{},
		groups: map[string][]string{"id-alice": {"grp-finance"}},
		roles:  map[string][]DirectoryRole{"id-dan": {{TemplateID: "62e90394-69f5-4237-9190-012177145e10", Name: "Global Administrator"}}},
	}
	f.users["dan@contoso.com"] = Target{ID: "id-dan", UPN: "dan@contoso.com", DisplayName: "Dan", AccountEnabled: true, UserType: "Member"}
	f.users["breakglass1@contoso.com"] = Target{ID: "id-bg1", UPN: "breakglass1@contoso.com", DisplayName: "Break glass", AccountEnabled: true, UserType: "Member"}
	for i := range 5 {
		upn := fmt.Sprintf("user%d@contoso.com", i)
		f.users[upn] = Target{ID: fmt.Sprintf("id-user%d", i), UPN: upn, DisplayName: upn, AccountEnabled: true, UserType: "Member"}
	}
	return f
}

func (f *fakeTenant) LookupUser(_ context.Context, upn string) (Target, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.users[upn]
	for _, u := range f.users { // Graph finds users by object id too
		if !ok && u.ID == upn {
			t, ok = u, true
		}
	}
	if !ok {
		return Target{}, Errorf(ENOTFOUND, "No user %s in the tenant.", upn)
	}
	_, t.HasTAP = f.passes[t.ID]
	return t, nil
}

func (f *fakeTenant) UserGroups(_ context.Context, userID string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.groups[userID], nil
}

func (f *fakeTenant) UserDirectoryRoles(_ context.Context, userID string) ([]DirectoryRole, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.roles[userID], f.rolesErr
}

func (f *fakeTenant) TAPPolicy(context.Context) (TAPPolicy, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.policy, nil
}

func (f *fakeTenant) ListPasses(_ context.Context, userID string) ([]PassInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.passes[userID]; ok {
		return []PassInfo{p}, nil
	}
	return nil, nil
}

func (f *fakeTenant) CreatePass(_ context.Context, userID string, p PassParams) (Pass, error) {
	if f.createHook != nil {
		f.createHook()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil {
		return Pass{}, f.createErr
	}
	f.n++
	pass := Pass{
		MethodID: fmt.Sprintf("method-%d", f.n), Secret: NewSecret(fmt.Sprintf("SeCrEt%04dXyZ", f.n)),
		Start: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), LifetimeMinutes: p.LifetimeMinutes, UsableOnce: p.UsableOnce,
	}
	f.created = append(f.created, pass)
	f.passes[userID] = PassInfo{MethodID: pass.MethodID, LifetimeMinutes: p.LifetimeMinutes, UsableOnce: p.UsableOnce, Usable: true}
	return pass, nil
}

func (f *fakeTenant) DeletePass(_ context.Context, userID, methodID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleteErr != nil {
		return f.deleteErr
	}
	f.deleted = append(f.deleted, methodID)
	delete(f.passes, userID)
	return nil
}

func (f *fakeTenant) createdCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.created)
}

// fakeNotifier records what people were told.
type fakeNotifier struct {
	mu         sync.Mutex
	cards      map[string]State
	notices    []Notice
	delivered  []Pass
	postErr    error
	deliverErr error
	postHook   func(r *Request) // called inside PostCard once chat has the card, before its place is returned, outside the lock
}

func newFakeNotifier() *fakeNotifier { return &fakeNotifier{cards: map[string]State{}} }

func (n *fakeNotifier) PostCard(_ context.Context, r *Request) (MessageRef, error) {
	if n.postHook != nil {
		n.postHook(r)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.postErr != nil {
		return MessageRef{}, n.postErr
	}
	n.cards[r.ID] = r.State
	return MessageRef{Platform: "slack", Channel: "C1", ID: "ts-" + r.ID}, nil
}

func (n *fakeNotifier) UpdateCard(_ context.Context, r *Request) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cards[r.ID] = r.State
	return nil
}

func (n *fakeNotifier) TellRequester(_ context.Context, no Notice) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.notices = append(n.notices, no)
	return nil
}

func (n *fakeNotifier) DeliverPass(_ context.Context, _ *Request, p Pass) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.deliverErr != nil {
		return n.deliverErr
	}
	n.delivered = append(n.delivered, p)
	return nil
}

func (n *fakeNotifier) deliveredCount() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.delivered)
}

func (n *fakeNotifier) card(id string) State {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cards[id]
}

var errChat = errors.New("chat is down")

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
