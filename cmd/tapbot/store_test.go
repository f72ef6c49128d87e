package main

import (
	"io"
	"maps"
	"strings"
	"testing"
)

func TestTheStoreIsPostgresOrABboltFileNeverBoth(t *testing.T) {
	const url = "postgres://tapbot:pw-in-url@db.example.com/tapbot?sslmode=verify-full"
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		problem string // "": accepted
		store   string // what logs name the store as
	}{
		{"the bbolt file by default", nil, nil, "", "./tapbot.db"},
		{"PostgreSQL", map[string]string{"TAPBOT_DATABASE_URL": url}, nil, "", "PostgreSQL tapbot@db.example.com:5432/tapbot"},
		{"both in the environment", map[string]string{"TAPBOT_DATABASE_URL": url, "TAPBOT_DB": "/data/tapbot.db"}, nil, "TAPBOT_DB and TAPBOT_DATABASE_URL are both set; keep one", ""},
		{"both, the file as a flag", map[string]string{"TAPBOT_DATABASE_URL": url}, []string{"--db", "/data/tapbot.db"}, "TAPBOT_DB and TAPBOT_DATABASE_URL are both set; keep one", ""},
		{"an unreadable URL", map[string]string{"TAPBOT_DATABASE_URL": "postgres://tapbot:pw-in-url@db:port/tapbot"}, nil, "TAPBOT_DATABASE_URL: the database URL cannot be read", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			maps.Copy(env, tc.env)
			c, err := LoadConfig(tc.args, func(k string) string { return env[k] }, io.Discard)
			switch {
			case tc.problem == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.problem != "" && (err == nil || !strings.Contains(err.Error(), tc.problem)):
				t.Fatalf("error %v, want %q", err, tc.problem)
			case err != nil && strings.Contains(err.Error(), "pw-in-url"):
				t.Fatalf("the problem shows the database password: %v", err)
			case tc.problem == "" && c.storeName() != tc.store:
				t.Fatalf("store named %q, want %q", c.storeName(), tc.store)
			}
		})
	}
}
