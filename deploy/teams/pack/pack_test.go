package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const appID = "b07b07b0-7b07-4b07-8b07-b07b07b07b07"

func TestPackPutsTheAppIDAndIconsAtTheZipRoot(t *testing.T) {
	out := filepath.Join(t.TempDir(), "tapbot-teams.zip")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-app-id", appID, "-dir", "..", "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	slices.Sort(names)
	if want := []string{"color.png", "manifest.json", "outline.png"}; !slices.Equal(names, want) {
		t.Fatalf("zip holds %v, want %v", names, want)
	}
	var m struct {
		ID   string `json:"id"`
		Bots []struct {
			BotID string `json:"botId"`
		} `json:"bots"`
	}
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if m.ID != appID || len(m.Bots) != 1 || m.Bots[0].BotID != appID {
		t.Fatalf("manifest id %q bots %+v, want both %s", m.ID, m.Bots, appID)
	}
	icon, _ := os.ReadFile(filepath.Join("..", "color.png"))
	if !bytes.Equal(files["color.png"], icon) {
		t.Fatal("color.png differs from deploy/teams/color.png")
	}
}

func TestPackRefusesABadAppIDAndWritesNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "tapbot-teams.zip")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-app-id", "my-bot", "-dir", "..", "-out", out}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "not an app id") {
		t.Fatalf("stderr = %q", stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a zip was written for a bad app id: %v", err)
	}
}
