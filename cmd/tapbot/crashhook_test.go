package main

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
)

// crashEnv names the crash point the crash tests' hook kills tapbot at;
// pauseEnv one where it holds tapbot until SIGUSR1 (the chaos tests cut
// its database meanwhile).
const (
	crashEnv = "TAPBOT_TEST_CRASH_AT"
	pauseEnv = "TAPBOT_TEST_PAUSE_AT"
)

// pausedLine is what a paused tapbot logs, for the test to wait on.
const pausedLine = "TEST ONLY: paused at a crash point until SIGUSR1"

// pauseAtCrashpoint returns a hook that holds the first request reaching
// point until the process gets SIGUSR1, saying so in the log.
func pauseAtCrashpoint(at string, log *slog.Logger) func(string) {
	resume := make(chan os.Signal, 1)
	signal.Notify(resume, syscall.SIGUSR1)
	var paused atomic.Bool
	return func(point string) {
		if point == at && paused.CompareAndSwap(false, true) {
			log.Warn(pausedLine, "point", point)
			<-resume
			log.Warn("TEST ONLY: resumed past the crash point", "point", point)
		}
	}
}

func init() { testCrashHook = killAtCrashpoint }

// killAtCrashpoint returns, when TAPBOT_TEST_CRASH_AT names a crash point
// (approvals.CrashRaised, …), a hook that kills the process with SIGKILL the
// first time a request reaches that point: no deferred function, no flush,
// no bbolt close, exactly like a power cut.
func killAtCrashpoint(getenv func(string) string, log *slog.Logger) func(string) {
	if at := getenv(pauseEnv); at != "" {
		return pauseAtCrashpoint(at, log)
	}
	at := getenv(crashEnv)
	if at == "" {
		return nil
	}
	log.Warn("TEST ONLY: tapbot will kill itself at a crash point", "point", at)
	return func(point string) {
		if point == at {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way; never go on past the point
		}
	}
}

// TestReleaseBuildHasNoCrashHook builds tapbot as go build does and proves
// the crash hook is not in it, while the test binary the crash tests run
// as tapbot has it.
func TestReleaseBuildHasNoCrashHook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the tapbot binary")
	}
	goTool, err := exec.LookPath("go") // go test puts its own go first on PATH
	if err != nil {
		t.Fatalf("no go command to build tapbot with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "tapbot")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	release, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(release, []byte("TAPBOT_METRICS_LISTEN")) {
		t.Fatal("the scan is blind: the release binary lacks even a setting's name")
	}
	if bytes.Contains(release, []byte(crashEnv)) {
		t.Fatalf("the release binary contains the crash hook (%s)", crashEnv)
	}
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(self, []byte(crashEnv)) {
		t.Fatalf("the test binary lacks the crash hook the crash tests need")
	}
}
