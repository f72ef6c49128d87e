package bench

import "context"

// RaiseBenchmark is the command that measures the raise-cost row. It is a
// Go benchmark in package approvals rather than a part of this bench:
// filling a database with 100 000 finished and 10 000 open requests through
// tapbot itself would take hours, and approvals fills it in seconds from
// inside the package, each request stored through the same Store.Create
// every raise uses.
const RaiseBenchmark = "go test -run '^$' -bench RaiseWithOpenRequests -benchtime 200x ./approvals"

// raisePhase prints where the raise-cost row comes from.
func raisePhase(_ context.Context, _ Config, r *report) error {
	r.row(RowRaise, "not measured by tapbot bench; run %s in a source checkout (real bbolt file, in-memory Graph and chat; ns/op is one raise)", RaiseBenchmark)
	return nil
}
