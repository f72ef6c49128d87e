package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
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
		if err := store.Record(approvals.Event{Time: time.Now(), Type: typ, Actor: "slack:U1", RequestID: "TAP-AAAAAA", TargetUPN: "alice@contoso.com"}); err != nil {
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
