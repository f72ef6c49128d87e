package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
)

// dockerStages splits ../Dockerfile into its stages, one instruction per
// entry, with comments dropped and " \" continuations joined.
func dockerStages(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	var stages [][]string
	for _, line := range strings.Split(text, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "FROM "):
			stages = append(stages, []string{line})
		case len(stages) == 0:
			t.Fatalf("Dockerfile: %q before the first FROM", line)
		default:
			stages[len(stages)-1] = append(stages[len(stages)-1], line)
		}
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build stage and the image", len(stages))
	}
	return stages
}

// dockerfileConfig is imageConfig written as the Dockerfile's runtime
// instructions, with the build arguments standing in for what varies.
func dockerfileConfig(t *testing.T) []string {
	t.Helper()
	c := imageConfig(Meta{Version: "${VERSION}", Revision: "${REVISION}", Licenses: "${LICENSES}"})
	entrypoint, _ := json.Marshal(c.Entrypoint)
	cmd, _ := json.Marshal(c.Cmd)
	var ports []string
	for p := range c.ExposedPorts {
		ports = append(ports, strings.TrimSuffix(p, "/tcp"))
	}
	slices.Sort(ports)
	out := []string{
		"USER " + c.User,
		"ENTRYPOINT " + string(entrypoint),
		"CMD " + string(cmd),
		"EXPOSE " + strings.Join(ports, " "),
	}
	for v := range c.Volumes {
		out = append(out, "VOLUME "+v)
	}
	for _, e := range c.Env {
		out = append(out, "ENV "+e)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
		out = append(out, fmt.Sprintf("LABEL %s=%q", k, c.Labels[k]))
	}
	slices.Sort(out)
	return out
}

func TestDockerfileBuildsTheSameImageAsTheTool(t *testing.T) {
	stages := dockerStages(t)
	build, final := stages[0], stages[len(stages)-1]
	if final[0] != "FROM scratch" {
		t.Errorf("image stage %q, want FROM scratch: the tool's image has nothing but its own files", final[0])
	}

	var got []string
	for _, in := range final {
		kind, _, _ := strings.Cut(in, " ")
		if slices.Contains([]string{"USER", "ENTRYPOINT", "CMD", "EXPOSE", "VOLUME", "ENV", "LABEL"}, kind) {
			got = append(got, in)
		}
	}
	slices.Sort(got)
	if want := dockerfileConfig(t); !slices.Equal(got, want) {
		t.Errorf("Dockerfile runtime instructions differ from the tool's config:\n got %q\nwant %q", got, want)
	}
	if !slices.Contains(final, "ARG LICENSES="+defaultLicenses) {
		t.Errorf("image stage lacks ARG LICENSES=%s, the tool's default", defaultLicenses)
	}

	var flags []string
	for _, f := range goBuildFlags("${VERSION}") {
		if strings.Contains(f, " ") {
			f = `"` + f + `"`
		}
		flags = append(flags, f)
	}
	wantBuild := "RUN CGO_ENABLED=0 go build " + strings.Join(flags, " ") + " -o /rootfs" + binaryPath + " ./cmd/tapbot"
	if !slices.Contains(build, wantBuild) {
		t.Errorf("build stage lacks the tool's go build:\n%s", wantBuild)
	}
	checkDockerfilePaths(t, strings.Join(build, "\n"), strings.Join(final, "\n"))
}

// checkDockerfilePaths checks that the build stage prepares every file of
// the tool's image, under /out/ (copied with --chown to nonroot) when
// nonroot owns it and under /rootfs/ otherwise.
func checkDockerfilePaths(t *testing.T, build, final string) {
	t.Helper()
	for _, copy := range []string{"COPY --from=build /rootfs/ /", "COPY --from=build --chown=65532:65532 /out/ /"} {
		if !strings.Contains(final, copy) {
			t.Errorf("image stage lacks %s", copy)
		}
	}
	es, err := entries(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		dir := "/rootfs/"
		if e.uid == nonroot {
			dir = "/out/"
		}
		name := strings.TrimSuffix(e.name, "/")
		// passwd and group are installed into /rootfs/etc/ from the files
		// the tool embeds.
		if !strings.Contains(build, dir+name) && !strings.Contains(build, "deploy/image/rootfs/"+name) {
			t.Errorf("the build stage does not prepare %s%s", dir, name)
		}
	}
}
