package graphtest

import (
	"net/http"
	"testing"
	"time"
)

const aliceID = "0b3a5f2e-1c4d-4e6f-8a9b-000000000a11"

func TestRiskyUserIsReadByObjectIDWithItsLevelAndState(t *testing.T) {
	f := newFixture(t)
	updated := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	f.s.SetRisk("alice@contoso.com", Risk{Level: "high", State: "atRisk", Updated: updated})
	status, body := f.call("GET", "/identityProtection/riskyUsers/"+aliceID, nil)
	want := map[string]any{"id": aliceID, "riskLevel": "high", "riskState": "atRisk", "riskDetail": "none",
		"riskLastUpdatedDateTime": "2025-03-04T05:06:07Z", "userPrincipalName": "alice@contoso.com",
		"userDisplayName": "Alice Andersen", "isDeleted": false, "isProcessing": false}
	if status != http.StatusOK {
		t.Fatalf("status %d %v", status, body)
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
}

func TestRiskyUserAnswersWithoutARecordPermissionOrLicence(t *testing.T) {
	for _, tc := range []struct {
		name       string
		setup      func(f *fixture)
		key        string
		wantStatus int
		wantCode   string
	}{
		{"a user ID Protection never flagged", func(*fixture) {}, aliceID, http.StatusNotFound, "ResourceNotFound"},
		{"a flag forgotten", func(f *fixture) {
			f.s.SetRisk(aliceID, Risk{Level: "low", State: "atRisk"})
			f.s.SetRisk(aliceID, Risk{})
		}, aliceID, http.StatusNotFound, "ResourceNotFound"},
		{"a UPN, which is no riskyUser id", func(f *fixture) { f.s.SetRisk(aliceID, Risk{Level: "low", State: "atRisk"}) },
			"alice@contoso.com", http.StatusNotFound, "ResourceNotFound"},
		{"no IdentityRiskyUser.Read.All", func(f *fixture) {
			f.s.SetRisk(aliceID, Risk{Level: "low", State: "atRisk"})
			f.s.SetRoles(DefaultRoles()...)
		}, aliceID, http.StatusForbidden, "Authorization_RequestDenied"},
		{"no Entra ID P2", func(f *fixture) {
			f.s.SetRisk(aliceID, Risk{Level: "low", State: "atRisk"})
			f.s.SetPremiumLicense(false)
		}, aliceID, http.StatusForbidden, "Forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.setup(f)
			status, body := f.call("GET", "/identityProtection/riskyUsers/"+tc.key, nil)
			if status != tc.wantStatus || errorCode(body) != tc.wantCode {
				t.Errorf("got %d %v, want %d %s", status, body, tc.wantStatus, tc.wantCode)
			}
			if tc.wantCode == "Forbidden" && errorMessage(body) != "Your tenant is not licensed for this feature." {
				t.Errorf("unlicensed message %q", errorMessage(body))
			}
		})
	}
}
