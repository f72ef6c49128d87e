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
