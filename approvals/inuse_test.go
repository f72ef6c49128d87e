package approvals

import (
	"os"
	"path/filepath"
	"testing"
)

func TestInUseTellsAnOpenStoreFromAClosedOneWithoutTouchingIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tapbot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if inUse, err := InUse(path); !inUse || err != nil {
		t.Fatalf("InUse of an open store = %v, %v; want true, nil", inUse, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
		t.Fatalf("probing the store changed its file (err %v)", err)
	}
	if inUse, err := InUse(path); inUse || err != nil {
		t.Fatalf("InUse of a closed store = %v, %v; want false, nil", inUse, err)
	}
}

func TestInUseOfAFileItCannotProbeIsAnErrorNotInUse(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(garbage, []byte("not a database, but long enough to hold a bbolt header or two"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"missing": filepath.Join(dir, "gone.db"), "not bbolt": garbage, "a directory": dir} {
		if inUse, err := InUse(path); inUse || err == nil {
			t.Errorf("%s: InUse = %v, %v; want false and an error", name, inUse, err)
		}
	}
}
