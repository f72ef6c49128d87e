package storetest

import (
	"testing"

	"github.com/tapbot/tapbot/approvals"
)

func testRefs(t *testing.T, b Backend) {
	st := opened(t, b)
	if v, err := st.GetRef("teams-conversation", "nobody"); v != nil || err != nil {
		t.Fatalf("a reference never stored = %q, %v; want nil, nil", v, err)
	}
	for _, v := range []string{"first", "second"} {
		if err := st.PutRef("teams-conversation", "29:someone", []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.PutRef("teams-conversation", "29:someone-else", []byte("theirs")); err != nil {
		t.Fatal(err)
	}
	st.close()
	again := opened(t, b)
	for key, want := range map[string]string{"29:someone": "second", "29:someone-else": "theirs"} {
		if v, err := again.GetRef("teams-conversation", key); string(v) != want || err != nil {
			t.Errorf("reference %s after reopening = %q, %v; want %q", key, v, err, want)
		}
	}
	if v, _ := again.GetRef("other-kind", "29:someone"); v != nil {
		t.Fatalf("a kind of reference sees another's: %q", v)
	}
	var _ approvals.RefStore = again // what the front-ends hold
}

func testUpdateRefs(t *testing.T, b Backend) {
	st := opened(t, b)
	m := newMeeting(b, st)
	const n = 20
	errs := all(n, func(i int) error {
		return st.UpdateRef("teams-redactions", "pending", func(old []byte) ([]byte, error) {
			defer m.enter()()
			return append(old, byte('a'+i)), nil
		})
	})
	if m.Overlapped() {
		t.Error("two changes of one reference decided at once: the store does not lock it")
	}
	if got := succeeded(t, errs, ""); got != n {
		t.Fatalf("%d of %d changes went through", got, n)
	}
	v, err := st.GetRef("teams-redactions", "pending")
	if err != nil || len(v) != n {
		t.Fatalf("after %d changes at once the reference is %q (%v): a change was lost", n, v, err)
	}
	refused := approvals.Errorf(approvals.EINVALID, "not this")
	if err := st.UpdateRef("teams-redactions", "pending", func([]byte) ([]byte, error) { return nil, refused }); err != refused {
		t.Fatalf("a refused change returned %v, want its own error", err)
	}
	if again, _ := st.GetRef("teams-redactions", "pending"); string(again) != string(v) {
		t.Fatalf("a refused change stored %q", again)
	}
	var seen []byte
	_ = st.UpdateRef("teams-redactions", "never-stored", func(old []byte) ([]byte, error) {
		seen = old
		return []byte("first"), nil
	})
	if seen != nil {
		t.Fatalf("a reference never stored was handed over as %q, want nil", seen)
	}
}
