package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

func TestAuditExportAndVerifyShowTampering(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tapbot.db")
	store, err := approvals.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{approvals.EventRaised, approvals.EventApproved, approvals.EventDelivered} {
		if err := store.Record(approvals.Event{Time: time.Now(), Type: typ, Actor: "slack:U1", TargetUPN: "alice@contoso.com"}); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	env := func(string) string { return "" }

	var out, errOut bytes.Buffer
	if code := run([]string{"audit", "verify", "--db", path}, env, &out, &errOut); code != 0 || !strings.Contains(out.String(), "3 events") {
		t.Fatalf("verify of an intact log: exit %d, %s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run([]string{"audit", "export", "--db", path, "--format", "csv"}, env, &out, &errOut); code != 0 || strings.Count(out.String(), "\n") != 4 {
		t.Fatalf("csv export: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := run([]string{"audit", "export", "--db", path, "--since", "1h"}, env, &out, &errOut); code != 0 || strings.Count(out.String(), "\n") != 3 {
		t.Fatalf("jsonl export: exit %d\n%s", code, out.String())
	}

	// Someone with the file rewrites who approved.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		key := binary.BigEndian.AppendUint64(nil, 2)
		var ev map[string]any
		if err := json.Unmarshal(b.Get(key), &ev); err != nil {
			return err
		}
		ev["actor"] = "slack:UEVIL"
		v, _ := json.Marshal(ev)
		return b.Put(key, v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	code := run([]string{"audit", "verify", "--db", path}, env, &out, &errOut)
	if code == 0 || !strings.Contains(errOut.String(), "event 2") || !strings.Contains(errOut.String(), "edited") {
		t.Fatalf("verify of a tampered log: exit %d, %q", code, errOut.String())
	}
}

func TestAuditEventsAreMirroredToSlack(t *testing.T) {
	e := startEnv(t, map[string]string{"SLACK_AUDIT_CHANNEL": "CAUDIT"})
	e.slack.AddChannel("CAUDIT", "tap-audit", true)
	e.command(requester, "alice@contoso.com 1h")
	e.click(approver1, e.card(), "tap_approve")
	for _, typ := range []string{"raised", "approved", "issued", "delivered"} {
		m := e.waitFor("audit line "+typ, kind(slacktest.KindPostMessage, "CAUDIT", "*"+typ+"*"))
		if !strings.Contains(m.Text, "alice@contoso.com") || !strings.Contains(m.Text, "hash ") {
			t.Fatalf("audit line %q", m.Text)
		}
	}
}

// deliverOne runs one request from /tap to delivery: five audit events.
func (e *env) deliverOne() {
	e.t.Helper()
	e.command(requester, "alice@contoso.com 1h")
	e.click(approver1, e.card(), "tap_approve")
	e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
}

// runAudit runs "tapbot audit <args> --db" on e's stopped database with e's
// environment plus overrides ("" deletes a variable).
func runAudit(t *testing.T, e *env, overrides map[string]string, args ...string) (int, string, string) {
	t.Helper()
	e.stopOnce()
	vars := maps.Clone(e.vars)
	maps.Copy(vars, overrides)
	var out, errOut bytes.Buffer
	code := run(append(append([]string{"audit"}, args...), "--db", e.dbPath), func(k string) string { return vars[k] }, &out, &errOut)
	for _, s := range []string{out.String(), errOut.String()} {
		if strings.Contains(s, auditKey) {
			t.Error("tapbot audit printed the audit key")
		}
	}
	return code, out.String(), errOut.String()
}

// editDB changes e's stopped database the way anyone who can write it can.
func editDB(t *testing.T, e *env, edit func(tx *bolt.Tx) error) {
	t.Helper()
	e.stopOnce()
	db, err := bolt.Open(e.dbPath, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(edit); err != nil {
		t.Fatal(err)
	}
}

// rechainFrom re-hashes every audit event from seq on with sha256, as the
// schema 2 chain was computed, leaving each MAC as it was: all a forger
// without the key can do.
func rechainFrom(tx *bolt.Tx, seq uint64) error {
	b := tx.Bucket([]byte("audit"))
	var events []approvals.Event
	if err := b.ForEach(func(_, v []byte) error {
		var ev approvals.Event
		err := json.Unmarshal(v, &ev)
		events = append(events, ev)
		return err
	}); err != nil {
		return err
	}
	for i := range events {
		if events[i].Seq < seq {
			continue
		}
		ev := &events[i]
		ev.PrevHash = events[i-1].Hash
		mac := ev.MAC
		ev.Hash, ev.MAC = "", ""
		body, _ := json.Marshal(ev)
		sum := sha256.Sum256(append([]byte(ev.PrevHash), body...))
		ev.Hash, ev.MAC = hex.EncodeToString(sum[:]), mac
		v, _ := json.Marshal(ev)
		if err := b.Put(binary.BigEndian.AppendUint64(nil, ev.Seq), v); err != nil {
			return err
		}
	}
	return nil
}

func TestAuditVerifyCatchesAnEditRechainedWithSHA256(t *testing.T) {
	e := startEnv(t, nil)
	e.deliverOne()
	editDB(t, e, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		key := binary.BigEndian.AppendUint64(nil, 2)
		var ev map[string]any
		if err := json.Unmarshal(b.Get(key), &ev); err != nil {
			return err
		}
		ev["actor"] = "slack:" + requester // the requester "approved" their own request
		v, _ := json.Marshal(ev)
		if err := b.Put(key, v); err != nil {
			return err
		}
		return rechainFrom(tx, 2)
	})
	code, out, errOut := runAudit(t, e, nil, "verify")
	if code != 1 || !strings.Contains(errOut, "audit log broken at event 2: its MAC does not match") {
		t.Fatalf("verify of an edit re-chained with sha256: exit %d\n%s%s", code, out, errOut)
	}
}

// mirroredHead is the audit head published with a mirrored audit line.
var mirroredHead = regexp.MustCompile("· seq ([0-9]+) · MAC `([0-9a-f]{64})`$")

func TestAuditHeadFromTheSlackMirrorShowsEventsCutOff(t *testing.T) {
	e := startEnv(t, map[string]string{"SLACK_AUDIT_CHANNEL": "CAUDIT"})
	e.slack.AddChannel("CAUDIT", "tap-audit", true)
	e.deliverOne()
	line := e.waitFor("mirrored delivery", kind(slacktest.KindPostMessage, "CAUDIT", "*delivered*"))
	m := mirroredHead.FindStringSubmatch(line.Text)
	if m == nil || m[1] != "5" {
		t.Fatalf("the mirrored event carries no head: %q", line.Text)
	}
	head := m[1] + ":" + m[2]

	code, out, errOut := runAudit(t, e, nil, "verify", "--head", head)
	if code != 0 || !strings.Contains(out, "audit log intact: 5 events") || !strings.Contains(out, "--head 5: matches; 0 event(s) appended after it") {
		t.Fatalf("verify --head of the intact log: exit %d\n%s%s", code, out, errOut)
	}
	editDB(t, e, func(tx *bolt.Tx) error {
		for _, seq := range []uint64{4, 5} {
			if err := tx.Bucket([]byte("audit")).Delete(binary.BigEndian.AppendUint64(nil, seq)); err != nil {
				return err
			}
		}
		return nil
	})
	code, out, errOut = runAudit(t, e, nil, "verify", "--head", head)
	if code != 1 || !strings.Contains(errOut, "the published head is event 5 but the log ends at event 3: events 4..5 were cut off") {
		t.Fatalf("verify --head after cutting events 4 and 5: exit %d\n%s%s", code, out, errOut)
	}
}

func TestAuditVerifyProvesAKeyedLogOnlyWithItsKey(t *testing.T) {
	e := startEnv(t, nil)
	e.deliverOne()
	for _, tc := range []struct {
		name      string
		overrides map[string]string
		code      int
		want      string
	}{
		{"the right key", nil, 0, "events 1..5: keyed, HMAC-SHA256 chain (MACs verified with TAPBOT_AUDIT_KEY)"},
		{"another key", map[string]string{"TAPBOT_AUDIT_KEY_FILE": "", "TAPBOT_AUDIT_KEY": "another-audit-key-0123456789abcdefgh"}, 1,
			"audit log broken at event 1: its MAC does not match: it was edited (and the hashes after it recomputed), or this is not the audit key the log was written with"},
		{"no key", map[string]string{"TAPBOT_AUDIT_KEY_FILE": ""}, 1, "audit log not proven: events 1..5 carry MACs that only the audit key can check"},
		{"a head without the key", map[string]string{"TAPBOT_AUDIT_KEY_FILE": ""}, 1, "checking a published head needs the audit key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"verify"}
			if strings.Contains(tc.name, "head") {
				args = append(args, "--head", "5:"+strings.Repeat("ab", 32))
			}
			code, out, errOut := runAudit(t, e, tc.overrides, args...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Fatalf("exit %d, want %d and %q\n%s%s", code, tc.code, tc.want, out, errOut)
			}
		})
	}
}

func TestAuditVerifyNamesARequestWhoseStateWasEditedWithoutEvents(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	id := regexp.MustCompile(`TAP-[A-Z0-9]+`).FindString(shown(card))
	editDB(t, e, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("requests"))
		var r map[string]any
		if err := json.Unmarshal(b.Get([]byte(id)), &r); err != nil {
			return err
		}
		r["state"] = "delivered"
		v, _ := json.Marshal(r)
		return b.Put([]byte(id), v)
	})
	code, out, errOut := runAudit(t, e, nil, "verify")
	want := "request " + id + " does not match the audit log: it is stored as delivered but its audit events leave it pending"
	if code != 1 || !strings.Contains(errOut, want) {
		t.Fatalf("verify after editing a request's state: exit %d, want %q\n%s%s", code, want, out, errOut)
	}
}

func TestAuditHeadIsLoggedHourlyOnTheServiceClock(t *testing.T) {
	e := startEnv(t, nil)
	e.deliverOne()
	if e.logLine(`msg="audit head"`) {
		t.Fatal("an audit head was logged before any keyed event or hour")
	}
	e.clock.Advance(auditHeadEvery)
	e.waitLog("the hourly audit head", `msg="audit head"`, "head=5:")
	e.stopOnce()
	store, err := approvals.Open(e.dbPath, approvals.WithAuditKey([]byte(auditKey)))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	head, _ := store.AuditHead()
	if !e.logLine(`msg="audit head"`, "head="+head.String()) {
		t.Fatalf("no logged head is the database's %s\nlogs:\n%s", head, e.logs.String())
	}
}

func TestServeWithoutAuditKeyWarnsAtStartAndMirrorsNoMAC(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_AUDIT_KEY_FILE": "", "SLACK_AUDIT_CHANNEL": "CAUDIT"})
	e.slack.AddChannel("CAUDIT", "tap-audit", true)
	if !e.logLine("level=WARN", "TAPBOT_AUDIT_KEY is not set", "anyone who can write the database can rewrite it undetected") {
		t.Fatalf("no start-up warning about the missing audit key\nlogs:\n%s", e.logs.String())
	}
	e.command(requester, "alice@contoso.com 1h")
	line := e.waitFor("mirrored raise", kind(slacktest.KindPostMessage, "CAUDIT", "*raised*"))
	if !strings.HasSuffix(line.Text, "· seq 1 · no MAC (TAPBOT_AUDIT_KEY is not set)") {
		t.Fatalf("mirrored line of an unkeyed log: %q", line.Text)
	}

	keyed := startEnv(t, nil)
	if keyed.logLine("TAPBOT_AUDIT_KEY is not set") {
		t.Fatal("warned about a missing audit key that is set")
	}
}

func TestServeRefusesAKeyedDatabaseWithoutItsKey(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	e.card()
	e.stopOnce()
	vars := maps.Clone(e.vars)
	delete(vars, "TAPBOT_AUDIT_KEY_FILE")
	cfg, err := LoadConfig(nil, func(k string) string { return vars[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewApp(cfg, Deps{HTTPClient: e.graph.Client()}, newLogger(cfg, e.logs))
	if err == nil || !strings.Contains(err.Error(), "chained with an audit key since event 1; set TAPBOT_AUDIT_KEY or TAPBOT_AUDIT_KEY_FILE to that key") {
		t.Fatalf("serve without the key of a keyed database: %v", err)
	}
}

func TestShortAuditKeyIsAConfigurationProblemThatDoesNotShowIt(t *testing.T) {
	vars := map[string]string{"TAPBOT_GRAPH": "sandbox", "TAPBOT_AUDIT_KEY": "short-secret-key"}
	_, err := LoadConfig(nil, func(k string) string { return vars[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "TAPBOT_AUDIT_KEY: 16 characters is too short") || strings.Contains(err.Error(), "short-secret-key") {
		t.Fatalf("config with a short audit key: %v", err)
	}
}
