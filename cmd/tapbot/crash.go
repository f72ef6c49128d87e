package main

import "log/slog"

// testCrashHook is nil in tapbot itself. Only the test binary, which the
// crash tests run as tapbot, sets it (crashhook_test.go): the _test.go
// suffix is a build constraint go build never satisfies, so no release
// binary can carry a switch that kills it at a chosen point.
var testCrashHook func(getenv func(string) string, log *slog.Logger) func(string)

// crashpointFromEnv returns the crash tests' hook (approvals.Config.Crashpoint)
// when the binary is the test binary and its environment asks for one, and
// nil otherwise.
func crashpointFromEnv(getenv func(string) string, log *slog.Logger) func(string) {
	if testCrashHook == nil {
		return nil
	}
	return testCrashHook(getenv, log)
}
