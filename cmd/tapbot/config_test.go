package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func validEnv() map[string]string {
	return map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "sig", "SLACK_APPROVAL_CHANNEL": "C123",
		"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s",
		"TAPBOT_REQUESTERS": "U1AA", "TAPBOT_APPROVERS": "U2BB, U3CC",
	}
}

func TestConfigDefaultsAndLists(t *testing.T) {
	env := validEnv()
	c, err := LoadConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":8080" || c.DBPath != "./tapbot.db" || c.ApprovalsRequired != 1 || c.RequestTTL.Minutes() != 30 || c.Cloud != "global" {
		t.Fatalf("defaults: %+v", c)
	}
	if len(c.Approvers) != 2 || c.Approvers[1] != "U3CC" {
		t.Fatalf("approvers = %q", c.Approvers)
	}
	c, err = LoadConfig([]string{"--listen", "127.0.0.1:9000"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil || c.Listen != "127.0.0.1:9000" {
		t.Fatalf("flag did not win: %v %q", err, c.Listen)
	}
}

func TestConfigReportsEveryProblemClearly(t *testing.T) {
	env := map[string]string{
		"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_APPROVAL_CHANNEL": "#approvals",
		"TAPBOT_APPROVERS": "alice", "TAPBOT_REQUEST_TTL": "soon", "TAPBOT_APPROVALS_REQUIRED": "0",
		"TAPBOT_CLOUD": "mars", "AZURE_CLIENT_SECRET": "s", "AZURE_CLIENT_CERTIFICATE_PATH": "/x.pem",
	}
	_, err := LoadConfig(nil, func(k string) string { return env[k] }, io.Discard)
	ce, ok := err.(*ConfigError)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"TAPBOT_REQUEST_TTL", "TAPBOT_APPROVALS_REQUIRED", "AZURE_TENANT_ID and AZURE_CLIENT_ID",
		"both set; choose one credential", "not start with xoxb-", "SLACK_SIGNING_SECRET: missing",
		`SLACK_APPROVAL_CHANNEL: "#approvals"`, `TAPBOT_APPROVERS: "alice"`, `TAPBOT_CLOUD: "mars"`,
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing problem %q in:\n%v", w, err)
		}
	}
	if len(ce.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(ce.Problems), len(want), err)
	}
	if strings.Contains(err.Error(), "xoxp-user-token") {
		t.Error("the error repeats a token")
	}
}

func TestSecretsComeFromFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "signing")
	if err := os.WriteFile(path, []byte("file-secret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := validEnv()
	delete(env, "SLACK_SIGNING_SECRET")
	env["SLACK_SIGNING_SECRET_FILE"] = path
	c, err := LoadConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil || c.SlackSigningSecret != "file-secret-value" {
		t.Fatalf("secret from file: %v %q", err, c.SlackSigningSecret)
	}
	env["SLACK_SIGNING_SECRET_FILE"] = filepath.Join(dir, "missing")
	_, err = LoadConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SLACK_SIGNING_SECRET_FILE: cannot read") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestServeHelpListsSettingsButNoSecretValues(t *testing.T) {
	env := validEnv()
	var out, errOut bytes.Buffer
	code := run([]string{"serve", "--help"}, func(k string) string { return env[k] }, &out, &errOut)
	help := out.String() + errOut.String()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, help)
	}
	for _, s := range settings {
		if !strings.Contains(help, "-"+s.flag) || !strings.Contains(help, s.env) {
			t.Errorf("--help lacks %s / %s", s.flag, s.env)
		}
	}
	for _, secret := range []string{"SLACK_BOT_TOKEN", "AZURE_CLIENT_SECRET", "SLACK_SIGNING_SECRET"} {
		if !strings.Contains(help, secret) {
			t.Errorf("--help does not mention %s", secret)
		}
	}
	if strings.Contains(help, "xoxb-1") || strings.Contains(help, "sig\"") {
		t.Error("--help prints a secret value")
	}
}

func TestServeHelpGroupsSettingsByAreaAndNamesEveryAcceptedForm(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"serve", "--help"}, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Fatalf("exit %d", code)
	}
	help := out.String() + errOut.String()
	last := -1
	for _, area := range areaOrder {
		at := strings.Index(help, "\n"+area+":\n")
		if at < 0 {
			if area != areaOther {
				t.Errorf("--help has no %s section", area)
			}
			continue
		}
		if at < last {
			t.Errorf("%s comes out of order", area)
		}
		last = at
	}
	for _, s := range settings {
		flagAt := strings.Index(help, "  -"+s.flag+" ")
		areaAt := strings.Index(help, "\n"+areaOf(s)+":\n")
		if flagAt < 0 || areaAt < 0 || flagAt < areaAt {
			t.Errorf("-%s is not listed under %s", s.flag, areaOf(s))
		}
	}
	if got := areaOf(setting{env: "TAPBOT_SETTING_WITHOUT_AREA"}); got != areaOther {
		t.Errorf("a setting without an area is listed under %s, want %s", got, areaOther)
	}
	for _, env := range []string{"TAPBOT_REQUESTERS", "TAPBOT_APPROVERS"} {
		line := helpOf(t, env)
		for _, form := range []string{"U…", "S…", "teams:", "entra-group:"} {
			if !strings.Contains(line, form) {
				t.Errorf("%s's help does not name the form %s: %q", env, form, line)
			}
		}
	}
}

func helpOf(t *testing.T, env string) string {
	for _, s := range settings {
		if s.env == env {
			return s.help
		}
	}
	t.Fatalf("no setting %s", env)
	return ""
}
