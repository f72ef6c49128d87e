package main

import (
	"log/slog"
	"os"
	"syscall"
)

// crashpointFromEnv returns, when TAPBOT_TEST_CRASH_AT names a crash point
// (approvals.CrashRaised, …), a hook that kills the process with SIGKILL the
// first time a request reaches that point: no deferred function, no flush,
// no bbolt close, exactly like a power cut. Only the crash tests set it.
func crashpointFromEnv(getenv func(string) string, log *slog.Logger) func(string) {
	at := getenv("TAPBOT_TEST_CRASH_AT")
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
