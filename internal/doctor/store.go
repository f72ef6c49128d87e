package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/approvals/pgstore"
	slackbot "github.com/tapbot/tapbot/bot/slack"
	teamsbot "github.com/tapbot/tapbot/bot/teams"
)

// postgresTimeout bounds the PostgreSQL check.
const postgresTimeout = 30 * time.Second

// checkDatabase proves the database can be opened for writing and is
// tapbot's, or that a running tapbot holds it.
func (d *run) checkDatabase() {
	if d.s.DatabaseURL != "" {
		d.checkPostgres()
		return
	}
	path := d.s.DBPath
	name := "database " + path
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := probeWritableDir(filepath.Dir(path)); err != nil {
			d.fail(name, "does not exist and cannot be created: "+err.Error(), "point TAPBOT_DB at a file in a directory tapbot can write (a persistent volume in Kubernetes)")
			return
		}
		d.pass(name, "does not exist yet; its directory is writable, so tapbot serve will create it")
		return
	}
	if inUse, err := approvals.InUse(path); err == nil && inUse { // a probe error: approvals.Open below explains it
		d.pass(name, "in use by a running tapbot (bbolt lets one process open it), so doctor left it alone")
		return
	}
	store, err := approvals.Open(path, approvals.WithAuditKey([]byte(d.s.AuditKey))) // a wrong key fails here, as in serve
	if err != nil {
		d.fail(name, plainError(err), "point TAPBOT_DB at a file tapbot can write, in a directory that exists (a persistent volume in Kubernetes); for an audit key problem, give the key the log was written with")
		return
	}
	defer store.Close()
	if d.refusesUnkeyed(name, store) {
		return
	}
	d.pass(name, fmt.Sprintf("writable tapbot database (schema %d)", approvals.SchemaVersion))
	d.checkStranded(store)
	d.noteTeamsReach(store)
}

// refusesUnkeyed fails the check name when the store's audit log is keyed
// and no key is set, as serve would refuse to start.
func (d *run) refusesUnkeyed(name string, store approvals.Store) bool {
	from, err := store.AuditKeyedFrom()
	if err != nil || from == 0 || d.s.AuditKey != "" {
		return false
	}
	d.fail(name, fmt.Sprintf("its audit log is chained with an audit key since event %d, and TAPBOT_AUDIT_KEY is not set, so tapbot serve refuses to start", from),
		"set TAPBOT_AUDIT_KEY_FILE to the key this database's audit log was written with")
	return true
}

// checkPostgres proves that tapbot serve can use the PostgreSQL database:
// it answers, its schema is one this tapbot knows, and its audit log is
// the key's. It changes nothing: a database tapbot never used, or of an
// older schema, is left for serve to migrate.
func (d *run) checkPostgres() {
	ctx, cancel := context.WithTimeout(context.Background(), postgresTimeout)
	defer cancel()
	name := "database " + pgstore.Describe(d.s.DatabaseURL)
	key := approvals.WithAuditKey([]byte(d.s.AuditKey))
	st, err := pgstore.Inspect(ctx, d.s.DatabaseURL, key)
	switch {
	case err != nil:
		d.fail(name, plainError(err), "check TAPBOT_DATABASE_URL (host, database, user, sslmode) and that this host may reach the server; for an audit key problem, give the key the log was written with")
		return
	case st.Schema < pgstore.SchemaVersion:
		d.pass(name, fmt.Sprintf("reachable; its schema is %d, and tapbot serve brings it to %d at start (its role needs CREATE on the schema for that)", st.Schema, pgstore.SchemaVersion))
		return
	}
	store, err := pgstore.Open(ctx, d.s.DatabaseURL, key)
	if err != nil {
		d.fail(name, plainError(err), "check TAPBOT_DATABASE_URL and the server's log")
		return
	}
	defer store.Close()
	if d.refusesUnkeyed(name, store) {
		return
	}
	d.pass(name, fmt.Sprintf("reachable PostgreSQL tapbot database (schema %d); replicas may share it", pgstore.SchemaVersion))
	d.checkStranded(store)
	d.noteTeamsReach(store)
}

// plainError is err for an operator: an approvals message without its code
// prefix, with its cause when it has one; a file system error without the
// path the line already names.
func plainError(err error) string {
	var e *approvals.Error
	var pe *fs.PathError
	switch {
	case errors.As(err, &e) && e.Message != "":
	case errors.As(err, &pe):
		return "cannot open: " + pe.Err.Error()
	default:
		return err.Error()
	}
	if e.Err != nil {
		return e.Message + " (" + e.Err.Error() + ")"
	}
	return e.Message
}

// probeWritableDir creates and removes a file in dir.
func probeWritableDir(dir string) error {
	f, err := os.CreateTemp(dir, ".tapbot-doctor-*")
	if err != nil {
		return errors.Unwrap(err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// platformSettings names what brings a chat platform back.
var platformSettings = map[string]string{
	slackbot.Platform: "the Slack settings (SLACK_BOT_TOKEN, SLACK_APPROVAL_CHANNEL, and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN)",
	teamsbot.Platform: "the Teams settings (TEAMS_APP_ID, TEAMS_APP_PASSWORD or TEAMS_APP_CERTIFICATE_PATH, TEAMS_APPROVAL_CONVERSATION)",
}

// checkStranded fails when the database holds unfinished requests raised
// on a chat platform the configuration leaves out.
func (d *run) checkStranded(store approvals.Store) {
	reqs, err := approvals.Stranded(store, d.s.Platforms...)
	if err != nil {
		d.fail("stranded requests", "cannot list unfinished requests: "+plainError(err), "run tapbot audit verify; restore the database from a backup if it is damaged")
		return
	}
	if len(reqs) == 0 {
		d.pass("stranded requests", "none: every unfinished request comes from a configured chat platform")
		return
	}
	var ids, settings []string
	for _, r := range reqs {
		ids = append(ids, fmt.Sprintf("%s (%s, %s)", r.ID, r.Requester.Platform, r.State))
		if s, ok := platformSettings[r.Requester.Platform]; ok && !slices.Contains(settings, s) {
			settings = append(settings, s)
		}
	}
	if len(settings) == 0 {
		settings = []string{"the chat platform they came from"}
	}
	d.fail("stranded requests", fmt.Sprintf("%d unfinished request(s) came from a chat platform that is not configured, so nobody can approve them or receive their pass: %s", len(reqs), strings.Join(ids, ", ")),
		"configure "+strings.Join(settings, " and ")+" again and restart tapbot serve, which then finishes them (pending ones also expire by themselves)")
}
