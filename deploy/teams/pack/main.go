// Command pack builds the Teams app package: the zip of manifest.json,
// color.png and outline.png that the Teams admin center (or Teams → Apps →
// Manage your apps → Upload an app) takes, with the Azure Bot's app id put
// into the manifest.
//
//	go run ./deploy/teams/pack -app-id 00000000-0000-0000-0000-000000000000
//
// writes tapbot-teams.zip in the current directory.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	appID := fs.String("app-id", "", "Microsoft app id of the Azure Bot (required)")
	dir := fs.String("dir", "deploy/teams", "directory holding manifest.json and the icons")
	out := fs.String("out", "tapbot-teams.zip", "zip file to write")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := packFile(*dir, *appID, *out); err != nil {
		fmt.Fprintln(stderr, "pack:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s; upload it in the Teams admin center (Teams apps → Manage apps → Upload)\n", *out)
	return 0
}

// packFile writes the package of the app in dir for appID to the file out.
func packFile(dir, appID, out string) error {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := pack(dir, appID, f); err != nil {
		f.Close()
		os.Remove(out)
		return err
	}
	return f.Close()
}
