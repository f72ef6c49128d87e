package bot

import (
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
