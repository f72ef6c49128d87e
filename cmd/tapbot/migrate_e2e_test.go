package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/bot/teams/teamstest"
	"github.com/tapbot/tapbot/internal/pgtest"
)

// dbPassword is in every destination URL of these tests (the test cluster
// trusts 127.0.0.1 and never asks for it); nothing may print it.
const dbPassword = "pw-of-db-migrate"

// mirrorCh is the Slack channel the audit log is mirrored to.
const mirrorCh = "CAUDIT"

// migrateDestination is a new, empty PostgreSQL database and the file
// holding its URL, password and all, as a Kubernetes Secret would mount it.
func migrateDestination(t *testing.T) (dbURL, file string) {
	t.Helper()
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), dbPassword)
	file = filepath.Join(t.TempDir(), "database-url")
	if err := os.WriteFile(file, []byte(u.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return u.String(), file
}

// runMigrate runs "tapbot migrate" with e's environment changed by
// overrides ("" deletes a variable), and fails t if it printed the
// database password or the audit key.
func runMigrate(t *testing.T, e *env, overrides map[string]string, args ...string) (int, string, string) {
	t.Helper()
	vars := maps.Clone(e.vars)
	for k, v := range overrides {
		if v == "" {
			delete(vars, k)
			continue
		}
		vars[k] = v
	}
	var out, errOut bytes.Buffer
	code := run(append([]string{"migrate"}, args...), func(k string) string { return vars[k] }, &out, &errOut)
	for _, s := range []string{out.String(), errOut.String()} {
		if strings.Contains(s, dbPassword) || strings.Contains(s, auditKey) {
			t.Errorf("tapbot migrate printed the database password or the audit key:\n%s", s)
		}
	}
	return code, out.String(), errOut.String()
}

// boltRows is everything the bbolt file at path holds that migrate copies,
// as stored: requests by id, audit events by sequence number, references.
func boltRows(t *testing.T, path string) []string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows []string
	err = db.View(func(tx *bolt.Tx) error {
		for _, b := range []string{"requests", "audit", "refs"} {
			err := tx.Bucket([]byte(b)).ForEach(func(k, v []byte) error {
				key := string(k)
				if b == "audit" {
					key = fmt.Sprint(binary.BigEndian.Uint64(k))
				}
				rows = append(rows, fmt.Sprintf("%s %s %q", b, key, v))
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// pgRows is boltRows of the PostgreSQL database at dbURL, read straight
// from its tables.
func pgRows(t *testing.T, dbURL string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows []string
	for _, q := range []struct{ bucket, sql string }{
		{"requests", "SELECT id, data FROM tapbot_requests ORDER BY id"},
		{"audit", "SELECT seq::text, data FROM tapbot_audit ORDER BY tapbot_audit.seq"},
		{"refs", "SELECT name, value FROM tapbot_refs ORDER BY name"},
	} {
		res, err := conn.Query(ctx, q.sql)
		if err != nil {
			t.Fatal(err)
		}
		for res.Next() {
			var key string
			var v []byte
			if err := res.Scan(&key, &v); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, fmt.Sprintf("%s %s %q", q.bucket, key, v))
		}
		if err := res.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

// raiseOnSlack raises a request for upn as the Slack requester and
// returns its card and the reply that tells the requester it waits.
func (e *env) raiseOnSlack(upn string) (card, reply slacktest.Message) {
	e.t.Helper()
	e.command(requester, upn+" 1h migrate test")
	card = e.card()
	return card, e.reply("is waiting for approval")
}

// tapbotInManyStates runs Slack and Teams requests to delivered, denied,
// cancelled and expired, and leaves a Teams one pending, with the audit
// log mirrored to Slack; it returns the pending request's card once the
// mirror has taken every event, and the tapbot is still running on bbolt.
func tapbotInManyStates(t *testing.T) (*teamsEnv, teamstest.Activity) {
	te := startTeamsEnv(t, map[string]string{"SLACK_AUDIT_CHANNEL": mirrorCh})
	te.slack.AddChannel(mirrorCh, "tap-audit", true)

	card, _ := te.raiseOnSlack("alice@contoso.com")
	te.click(approver1, card, "tap_approve")
	te.waitFor("delivered", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
	card, _ = te.raiseOnSlack("carol@contoso.com")
	te.command(approver1, "deny "+requestIDOf(t, card)+" no ticket")
	te.waitFor("denied", kind(slacktest.KindUpdate, approvalsCh, "Denied by"))
	_, reply := te.raiseOnSlack("carol@contoso.com")
	cb, err := te.slack.Click(requester, reply, "tap_cancel")
	if err != nil {
		t.Fatal(err)
	}
	form, _ := slacktest.BlockActionForm(cb)
	te.post("/slack/interactions", form, time.Now())
	te.waitFor("cancelled", kind(slacktest.KindUpdate, approvalsCh, "Cancelled by the requester"))
	te.raiseOnSlack("carol@contoso.com")
	te.clock.Advance(31 * time.Minute)
	te.waitFor("expired", kind(slacktest.KindUpdate, approvalsCh, "Expired"))

	te.says(te.rita, "tap carol@contoso.com 1h teams side") // stores rita's conversation reference
	pending := te.teamsCard()
	te.waitFor("the mirror's last line", kind(slacktest.KindPostMessage, mirrorCh, teamsRequestID(t, pending)))
	return te, pending
}

func TestMigrateCopiesBboltToPostgresAndServeCarriesOnThere(t *testing.T) {
	dbURL, urlFile := migrateDestination(t) // first: dropped after the leak scan has read it
	te, card := tapbotInManyStates(t)
	te.stopOnce()

	code, out, errOut := runMigrate(t, te.env, nil, "--from", te.dbPath, "--to-file", urlFile)
	if code != 0 {
		t.Fatalf("tapbot migrate exited %d:\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"Copied " + te.dbPath + " to PostgreSQL postgres@127.0.0.1:",
		"requests:      5 (1 cancelled, 1 delivered, 1 denied, 1 expired, 1 pending)",
		"hash chain and MACs verified at the destination with TAPBOT_AUDIT_KEY",
		"the same as the source's",
		"never start a tapbot on it again",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}
	if src, dst := boltRows(t, te.dbPath), pgRows(t, dbURL); !slices.Equal(dst, src) {
		t.Fatalf("the destination holds\n%s\nwant the source's bytes\n%s", strings.Join(dst, "\n"), strings.Join(src, "\n"))
	}

	// serve on PostgreSQL: the pending Teams request is approved there and
	// its pass delivered through the conversation reference that was copied.
	te.restartOnSameDB(map[string]string{"TAPBOT_DB": "", "TAPBOT_DATABASE_URL": dbURL})
	te.press(te.arno, card, "approve")
	te.teamsWait("the pass, after the migration", teamstest.Sent(te.chat(te.rita), "Temporary Access Pass for"))
	te.teamsWait("card shows delivery", teamstest.Updated(teamsApprovals, "Issued and delivered privately"))
	te.waitFor("the mirror goes on", kind(slacktest.KindPostMessage, mirrorCh, "*delivered* "+teamsRequestID(t, card)))
	mirrored := map[string]int{}
	for _, m := range te.slack.Messages() {
		if seq := mirrorSeq.FindString(m.Text); m.Channel == mirrorCh && seq != "" {
			mirrored[seq]++
		}
	}
	for seq, n := range mirrored {
		if n > 1 {
			t.Errorf("audit event %s was mirrored %d times: the follower's cursor was not copied", seq, n)
		}
	}

	code, out, errOut = runMigrate(t, te.env, nil, "--from", te.dbPath) // TAPBOT_DATABASE_URL now names the copy
	if code == 0 || !strings.Contains(errOut, "is not empty") {
		t.Errorf("a second migrate into the database in use: exit %d, want a refusal:\n%s%s", code, out, errOut)
	}
	var verify, verifyErr bytes.Buffer
	if code := run([]string{"audit", "verify"}, func(k string) string { return te.vars[k] }, &verify, &verifyErr); code != 0 || !strings.Contains(verify.String(), "MACs verified with TAPBOT_AUDIT_KEY") {
		t.Errorf("tapbot audit verify on the destination: exit %d\n%s%s", code, verify.String(), verifyErr.String())
	}
	if strings.Contains(te.logs.String(), dbPassword) {
		t.Error("tapbot logged the database password")
	}
}

// mirrorSeq is the sequence number an audit channel line starts with.
var mirrorSeq = regexp.MustCompile("`#[0-9]+`")

func TestMigrateRefusesWhatWouldNotMakeAFaithfulCopy(t *testing.T) {
	dbURL, urlFile := migrateDestination(t)
	e := startEnv(t, nil)
	e.deliverOne()
	t.Run("a running tapbot holds the source", func(t *testing.T) {
		code, _, errOut := runMigrate(t, e, nil, "--from", e.dbPath, "--to-file", urlFile)
		if code == 0 || !strings.Contains(errOut, "is in use by a running tapbot: stop it first") {
			t.Errorf("exit %d, want the running tapbot named:\n%s", code, errOut)
		}
		if n := tableCount(t, dbURL); n != 0 {
			t.Errorf("the refusal created %d tables at the destination", n)
		}
	})
	e.stopOnce()
	for _, tc := range []struct {
		name      string
		vars      map[string]string
		args      []string
		want      string
		untouched bool // the destination has no tables afterwards
	}{
		{"another audit key", map[string]string{"TAPBOT_AUDIT_KEY_FILE": "", "TAPBOT_AUDIT_KEY": "another-audit-key-0123456789abcdefgh"}, nil,
			"TAPBOT_AUDIT_KEY is not the key this database's audit log was written with", true},
		{"no audit key for a keyed log", map[string]string{"TAPBOT_AUDIT_KEY_FILE": ""}, nil,
			"is chained with an audit key since event 1; give that key as TAPBOT_AUDIT_KEY", true},
		{"no database at --from", nil, []string{"--from", filepath.Join(t.TempDir(), "missing.db")},
			"there is no database at", true},
		{"both --to and --to-file", nil, []string{"--to", dbURL},
			"--to and --to-file are both given", true},
		{"a destination nobody answers", nil, []string{"--to-file", "", "--to", "postgres://tapbot:" + dbPassword + "@127.0.0.1:1/tapbot?sslmode=disable&connect_timeout=5"},
			"tapbot@127.0.0.1:1/tapbot: cannot connect", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--from", e.dbPath, "--to-file", urlFile}, tc.args...)
			code, _, errOut := runMigrate(t, e, tc.vars, args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want a refusal saying %q:\n%s", code, tc.want, errOut)
			}
			if n := tableCount(t, dbURL); tc.untouched && n != 0 {
				t.Errorf("the refusal created %d tables at the destination", n)
			}
		})
	}
	t.Run("a destination that holds anything", func(t *testing.T) {
		if code, out, errOut := runMigrate(t, e, nil, "--from", e.dbPath, "--to-file", urlFile); code != 0 {
			t.Fatalf("first migrate: exit %d\n%s%s", code, out, errOut)
		}
		before := pgRows(t, dbURL)
		code, _, errOut := runMigrate(t, e, nil, "--from", e.dbPath, "--to-file", urlFile)
		if code == 0 || !strings.Contains(errOut, "is not empty: it holds 1 request(s), 5 audit event(s)") {
			t.Errorf("second migrate: exit %d, want the destination refused:\n%s", code, errOut)
		}
		if after := pgRows(t, dbURL); !slices.Equal(after, before) {
			t.Error("the refused migrate changed the destination")
		}
	})
	t.Run("a source whose audit log was edited", func(t *testing.T) {
		editDB(t, e, func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("audit")).Delete(binary.BigEndian.AppendUint64(nil, 3))
		})
		dbURL, urlFile := migrateDestination(t)
		code, _, errOut := runMigrate(t, e, nil, "--from", e.dbPath, "--to-file", urlFile)
		if code == 0 || !strings.Contains(errOut, "does not verify, so nothing was copied: audit log broken at event 4") {
			t.Errorf("exit %d, want the broken log refused:\n%s", code, errOut)
		}
		if n := tableCount(t, dbURL); n != 0 {
			t.Errorf("the refusal created %d tables at the destination", n)
		}
	})
}
