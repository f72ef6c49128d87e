package bot

import (
	"errors"
	"testing"
	"time"
)

func TestReplayGuardRefusesARepeatWithinTheWindow(t *testing.T) {
	g := NewReplayGuard(5 * time.Minute)
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	if !g.First("sig-a", t0) || !g.First("sig-b", t0) {
		t.Fatal("a first sighting was refused")
	}
	if g.First("sig-a", t0.Add(4*time.Minute)) {
		t.Fatal("a repeat within the window was accepted")
	}
	// Long after the window the key is forgotten (and swept).
	if !g.First("sig-a", t0.Add(20*time.Minute)) {
		t.Fatal("a key was remembered long past its window")
	}
	if _, kept := g.seen["sig-b"]; kept {
		t.Fatal("an expired key was not swept")
	}
}

// sharedMemory is the replay memory of replicas sharing a store, as
// approvals.Replays: a map of what any of them saw, or an error.
type sharedMemory struct {
	seen map[string]bool
	err  error
}

func (m *sharedMemory) FirstSeen(kind string, key []byte, _ time.Duration) (bool, error) {
	if m.err != nil {
		return false, m.err
	}
	k := kind + "|" + string(key)
	first := !m.seen[k]
	m.seen[k] = true
	return first, nil
}

func TestReplayGuardRefusesWhatAnotherReplicaSawAndWhatItCannotTell(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	mem := &sharedMemory{seen: map[string]bool{}}
	one, other := NewReplayGuard(10*time.Minute), NewReplayGuard(10*time.Minute)
	one.Share("slack-signature", mem)
	other.Share("slack-signature", mem)
	if err := one.Check("sig-a", t0); err != nil {
		t.Fatalf("first sighting: %v", err)
	}
	if err := other.Check("sig-a", t0); !errors.Is(err, ErrReplayed) {
		t.Fatalf("the same key on another replica: %v, want ErrReplayed", err)
	}
	if err := one.Check("sig-a", t0); !errors.Is(err, ErrReplayed) {
		t.Fatalf("the same key again on the first: %v, want ErrReplayed", err)
	}
	mem.err = errors.New("database unreachable")
	if err := other.Check("sig-b", t0); err == nil || errors.Is(err, ErrReplayed) {
		t.Fatalf("with the shared memory unreachable: %v, want its error", err)
	}
}
