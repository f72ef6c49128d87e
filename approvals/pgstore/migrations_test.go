package pgstore

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestMigrationsAreNumberedOneByOne(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		want  string // "" : read
	}{
		{"in order", []string{"001_tables.sql", "002_more.sql"}, ""},
		{"a gap", []string{"001_tables.sql", "003_more.sql"}, "want number 002"},
		{"not numbered", []string{"001_tables.sql", "later.sql"}, "want number 002"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys["migrations/"+f] = &fstest.MapFile{Data: []byte("SELECT 1")}
			}
			ms, err := readMigrations(fsys)
			switch {
			case tc.want == "" && (err != nil || len(ms) != len(tc.files)):
				t.Fatalf("read %d migrations, %v", len(ms), err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	if SchemaVersion != len(migrations) || SchemaVersion < 1 {
		t.Fatalf("SchemaVersion %d for %d embedded migrations", SchemaVersion, len(migrations))
	}
}
