package bench

import (
	"testing"
	"time"
)

func TestParseStatReadsCPUTimesPastAnOddCommandName(t *testing.T) {
	// Fields 14–17 are utime, stime, cutime, cstime; the name has a space
	// and a parenthesis.
	line := "4242 (tap bot) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 150 50 30 20 20 0 9 0 100 1000000 2000 18446744073709551615"
	got, err := parseStat(line)
	if err != nil {
		t.Fatal(err)
	}
	if got.own != 2*time.Second || got.children != 500*time.Millisecond {
		t.Errorf("parseStat = %+v, want own 2s, children 500ms", got)
	}
	if _, err := parseStat("4242 (short) S 1 2"); err == nil {
		t.Error("a short line was accepted")
	}
}

func TestParseMemoryReadsRSSAndPeak(t *testing.T) {
	status := "Name:\ttapbot\nVmPeak:\t 1300000 kB\nVmHWM:\t   65536 kB\nVmRSS:\t   22528 kB\nThreads:\t9\n"
	rss, peak, err := parseMemory(status)
	if err != nil {
		t.Fatal(err)
	}
	if rss != 22<<20 || peak != 64<<20 {
		t.Errorf("rss %d, peak %d; want 22 MiB and 64 MiB", rss, peak)
	}
	if _, _, err := parseMemory("Name:\ttapbot\n"); err == nil {
		t.Error("a status without VmRSS was accepted")
	}
}
