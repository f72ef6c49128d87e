package main

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// pack writes to w the zip Teams takes: manifest.json with appID as the app
// id and the bot id, and the two icons it names, all at the root of the zip
// (Teams refuses a zip with a folder in it). It returns an error when appID
// is not a GUID or a file is missing.
func pack(dir, appID string, w io.Writer) error {
	if !guid.MatchString(appID) {
		return fmt.Errorf("-app-id %q is not an app id like 00000000-0000-0000-0000-000000000000 (Azure Bot → Configuration → Microsoft App ID)", appID)
	}
	manifest, icons, err := readManifest(filepath.Join(dir, "manifest.json"), appID)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	if err := add(zw, "manifest.json", manifest); err != nil {
		return err
	}
	for _, icon := range icons {
		data, err := os.ReadFile(filepath.Join(dir, icon))
		if err != nil {
			return fmt.Errorf("icon named in the manifest: %w", err)
		}
		if err := add(zw, icon, data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// readManifest returns the manifest with appID filled in, and the file
// names of its icons.
func readManifest(path, appID string) ([]byte, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	bots, _ := m["bots"].([]any)
	if len(bots) != 1 {
		return nil, nil, fmt.Errorf("%s: want exactly one bot", path)
	}
	bot, _ := bots[0].(map[string]any)
	icons, _ := m["icons"].(map[string]any)
	color, _ := icons["color"].(string)
	outline, _ := icons["outline"].(string)
	if bot == nil || color == "" || outline == "" {
		return nil, nil, errors.New(path + ": the bot or the icons are missing")
	}
	m["id"], bot["botId"] = appID, appID
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	return out, []string{color, outline}, nil
}

func add(zw *zip.Writer, name string, data []byte) error {
	f, err := zw.Create(name)
	if err != nil {
		return fmt.Errorf("add %s: %w", name, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("add %s: %w", name, err)
	}
	return nil
}
