package auditship

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/internal/webhooktest"
)

var (
	raisedAt   = time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	requester  = approvals.Principal{Platform: "slack", ID: "UREQ0001", Name: "Rita", EntraID: "11111111-1111-1111-1111-111111111111"}
	approverA  = approvals.Principal{Platform: "slack", ID: "UAPP0001", Name: "Anna", EntraID: "22222222-2222-2222-2222-222222222222"}
	approverB  = approvals.Principal{Platform: "teams", ID: "33333333-3333-3333-3333-333333333333", Name: "Ben", EntraID: "33333333-3333-3333-3333-333333333333"}
	passStart  = raisedAt.Add(3 * time.Minute)
	targetUser = approvals.Target{ID: "44444444-4444-4444-4444-444444444444", UPN: "alice@contoso.com"}
)

// twoPersonLog is a store whose log holds one request raised by requester,
// approved by approverA and then approverB, and issued: four events.
func twoPersonLog(t *testing.T) (*approvals.BoltStore, []approvals.Event) {
	t.Helper()
	s, err := approvals.Open(filepath.Join(t.TempDir(), "tapbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r := &approvals.Request{ID: "TAP-ABC123", Tenant: "contoso-tenant-id", Requester: requester, Target: targetUser,
		LifetimeMinutes: 60, UsableOnce: true, State: approvals.StatePending, CreatedAt: raisedAt, ApprovalsRequired: 2}
	ev := func(typ string, r *approvals.Request, actor approvals.Principal, at time.Time) approvals.Event {
		e := approvals.Event{Time: at, Type: typ, Actor: actor.Key(), ActorName: actor.Name, RequestID: r.ID, Tenant: r.Tenant,
			TargetUPN: r.Target.UPN, TargetID: r.Target.ID, LifetimeMinutes: 60, UsableOnce: true, MethodID: r.MethodID}
		if actor.ID == "" {
			e.Actor = approvals.BotActor
		}
		return e
	}
	if err := s.Create(r, ev(approvals.EventRaised, r, requester, raisedAt), raisedAt, nil); err != nil {
		t.Fatal(err)
	}
	for i, by := range []approvals.Principal{approverA, approverB} {
		at := raisedAt.Add(time.Duration(i+1) * time.Minute)
		if _, err := s.Update(r.ID, func(r *approvals.Request) (approvals.Change, error) {
			r.Approvals = append(r.Approvals, approvals.Approval{By: by, At: at})
			return approvals.Change{Events: []approvals.Event{ev(approvals.EventApproved, r, by, at)}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Update(r.ID, func(r *approvals.Request) (approvals.Change, error) {
		r.State, r.MethodID, r.PassStart = approvals.StateIssued, "method-1", passStart
		return approvals.Change{Events: []approvals.Event{ev(approvals.EventIssued, r, approvals.Principal{}, passStart)}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	events, err := s.AuditAfter(0, 10)
	if err != nil || len(events) != 4 {
		t.Fatalf("%d events (%v)", len(events), err)
	}
	return s, events
}

func TestRecordNamesTheRequesterAndTheApproversAtTheEventsTime(t *testing.T) {
	s, events := twoPersonLog(t)
	for _, tc := range []struct {
		seq       int
		approvers []string
		actor     Person
	}{
		{1, nil, person(requester)},
		{2, []string{approverA.EntraID}, person(approverA)},
		{3, []string{approverA.EntraID, approverB.EntraID}, person(approverB)},
		{4, []string{approverA.EntraID, approverB.EntraID}, Person{ID: approvals.BotActor}},
	} {
		rec, err := RecordOf(s, events[tc.seq-1])
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range rec.Approvers {
			got = append(got, a.EntraID)
		}
		switch {
		case rec.Schema != Schema || rec.Seq != uint64(tc.seq) || rec.Hash == "" || rec.Tenant != "contoso-tenant-id":
			t.Errorf("event %d: record %+v", tc.seq, rec)
		case rec.Requester == nil || *rec.Requester != person(requester):
			t.Errorf("event %d: requester %+v", tc.seq, rec.Requester)
		case strings.Join(got, ",") != strings.Join(tc.approvers, ","):
			t.Errorf("event %d: approvers %v, want %v: not those the request had at the event's time", tc.seq, got, tc.approvers)
		case rec.Actor != tc.actor:
			t.Errorf("event %d: actor %+v, want %+v", tc.seq, rec.Actor, tc.actor)
		case rec.UsableOnce == nil || !*rec.UsableOnce || rec.LifetimeMinutes != 60:
			t.Errorf("event %d: lifetime %d, once %v", tc.seq, rec.LifetimeMinutes, rec.UsableOnce)
		}
	}
	issued, _ := RecordOf(s, events[3])
	if issued.StartDateTime == nil || !issued.StartDateTime.Equal(passStart) || issued.MethodID != "method-1" {
		t.Errorf("issued: start %v, method %q; want the pass's start from Graph", issued.StartDateTime, issued.MethodID)
	}
}

func TestRecordOfAnEventWithoutRequestNamesItsActorOnly(t *testing.T) {
	rec := NewRecord(approvals.Event{Seq: 7, Type: approvals.EventRevoked, Actor: "slack:UAPP0001", ActorName: "Anna", TargetUPN: "alice@contoso.com", MethodID: "m"}, nil)
	b, _ := json.Marshal(rec)
	for _, absent := range []string{`"requester"`, `"approvers"`, `"usableOnce"`, `"startDateTime"`} {
		if bytes.Contains(b, []byte(absent)) {
			t.Errorf("a record without a request carries %s: %s", absent, b)
		}
	}
	if rec.Actor != (Person{ID: "slack:UAPP0001", Name: "Anna"}) {
		t.Errorf("actor %+v", rec.Actor)
	}
}

func TestWebhookSignsEachBodyAndSendsTheConfiguredHeader(t *testing.T) {
	s, events := twoPersonLog(t)
	fake := webhooktest.NewServer()
	defer fake.Close()
	secret := []byte("webhook-signing-secret")
	fake.RequireSignature(secret)
	fake.RequireHeader("Authorization", "Splunk 0000-token")
	header, err := ParseHeader("Authorization: Splunk 0000-token\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{FormatJSON, FormatSplunkHEC} {
		w := &Webhook{Store: s, Client: fake.Client(), URL: fake.URL(), Format: format, Header: header, Secret: secret}
		if err := w.Ship(context.Background(), events[2]); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		d, err := fake.NextAccepted(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if d.Seq != 3 || d.HEC != (format == FormatSplunkHEC) || d.Header.Get(SeqHeader) != "3" {
			t.Fatalf("%s: delivery seq %d, HEC %v, header %v", format, d.Seq, d.HEC, d.Header)
		}
		if approvers, _ := d.Record["approvers"].([]any); len(approvers) != 2 {
			t.Fatalf("%s: approvers %v", format, d.Record["approvers"])
		}
	}
	if first := fake.Accepted()[1]; !bytes.Contains(first.Body, []byte(`"sourcetype":"tapbot:audit"`)) {
		t.Fatalf("HEC envelope %s", first.Body)
	}

	unsigned := &Webhook{Store: s, Client: fake.Client(), URL: fake.URL(), Header: header}
	if err := unsigned.Ship(context.Background(), events[0]); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("a delivery the receiver refused: %v", err)
	}
}

func TestWebhookErrorsNameTheHostButNeitherTheURLNorTheToken(t *testing.T) {
	s, events := twoPersonLog(t)
	fake := webhooktest.NewServer()
	fake.SetStatus(http.StatusServiceUnavailable)
	header := http.Header{"Authorization": {"Splunk 0000-token"}}
	w := &Webhook{Store: s, Client: fake.Client(), URL: fake.URL() + "?token=url-secret", Header: header}
	err := w.Ship(context.Background(), events[0])
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("delivery during an outage: %v", err)
	}
	fake.Close()
	err = w.Ship(context.Background(), events[0])
	if err == nil {
		t.Fatal("a delivery to a closed receiver succeeded")
	}
	if strings.Contains(err.Error(), "url-secret") || strings.Contains(err.Error(), "0000-token") || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("error %q: want the host, never the URL's query or the token", err)
	}
}

func TestParseHeaderRefusesMalformedLinesWithoutShowingThem(t *testing.T) {
	h, err := ParseHeader("Authorization: Splunk abc\r\n\nX-Extra:  two words \n")
	if err != nil || h.Get("Authorization") != "Splunk abc" || h.Get("X-Extra") != "two words" {
		t.Fatalf("header %v, %v", h, err)
	}
	for _, bad := range []string{"Splunk secret-token-value", "Bad Name: secret-token-value", "Authorization:"} {
		_, err := ParseHeader(bad)
		if err == nil || strings.Contains(err.Error(), "secret-token-value") || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("ParseHeader(%q): %v", bad, err)
		}
	}
}

func TestLinesWriteOneRecordPerLine(t *testing.T) {
	s, events := twoPersonLog(t)
	var out bytes.Buffer
	l := &Lines{Store: s, W: &out}
	for _, ev := range events {
		if err := l.Ship(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines for 4 events:\n%s", len(lines), out.String())
	}
	for i, line := range lines {
		var rec Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Seq != uint64(i+1) {
			t.Fatalf("line %d: %v %s", i+1, err, line)
		}
	}
}
