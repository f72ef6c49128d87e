package main

import (
	"archive/tar"
	"bytes"
	"embed"
	"fmt"
	"io"
	"regexp"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's fixed facts. deploy/Dockerfile repeats them, and
// TestDockerfileBuildsTheSameImageAsTheTool keeps the two in step.
const (
	binaryPath = "/tapbot"
	caPath     = "/etc/ssl/certs/ca-certificates.crt"
	dataDir    = "/data"
	// nonroot is distroless's user and group id, and the one the Kubernetes
	// manifests name in runAsUser: a number, because the kubelet cannot
	// check a user name against runAsNonRoot.
	nonroot   = 65532
	imageUser = "65532:65532"
	sourceURL = "https://github.com/tapbot/tapbot"
	// defaultLicenses is an SPDX expression; the repository names no licence
	// yet, so the label says so instead of guessing.
	defaultLicenses = "NOASSERTION"
)

// rootfs holds /etc/passwd and /etc/group, which deploy/Dockerfile copies too.
//
//go:embed rootfs/etc/passwd rootfs/etc/group
var rootfs embed.FS

// validVersion is what both a Docker tag and -X main.version accept.
var validVersion = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// checkVersion refuses a version that would break the image tag or the
// linker flag it goes into.
func checkVersion(v string) error {
	if !validVersion.MatchString(v) {
		return fmt.Errorf("version %q: use letters, digits, '.', '_' and '-' (at most 128), as in a Docker tag", v)
	}
	return nil
}

// Meta is what differs from one build of the image to the next.
type Meta struct {
	Version  string    // tapbot version, the image tag and the version label
	Revision string    // git commit the image is built from
	Licenses string    // SPDX expression for the licenses label
	Arch     string    // GOARCH of the binary and the image
	Created  time.Time // fixed, so the same inputs give the same digest
}

// imageConfig is the runtime configuration: tapbot serve as uid 65532, its
// database on the /data volume, /metrics on a port of its own.
//
// SSL_CERT_FILE is deliberately unset: tapbot reads it as *extra* CAs (a
// TLS-inspecting proxy's), and Go finds the bundle at caPath by itself.
func imageConfig(m Meta) v1.Config {
	return v1.Config{
		User:       imageUser,
		Entrypoint: []string{binaryPath},
		Cmd:        []string{"serve"},
		Env: []string{
			"TAPBOT_DB=" + dataDir + "/tapbot.db",
			// The default, 127.0.0.1:9090, is the container's own loopback.
			"TAPBOT_METRICS_LISTEN=:9090",
		},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}, "9090/tcp": {}},
		Volumes:      map[string]struct{}{dataDir: {}},
		Labels: map[string]string{
			"org.opencontainers.image.title":       "tapbot",
			"org.opencontainers.image.description": "Temporary Access Passes from Slack and Teams, two people per pass",
			"org.opencontainers.image.source":      sourceURL,
			"org.opencontainers.image.version":     m.Version,
			"org.opencontainers.image.revision":    m.Revision,
			"org.opencontainers.image.licenses":    m.Licenses,
		},
	}
}

// entry is one file or directory of the image's only layer.
type entry struct {
	name     string
	mode     int64
	uid, gid int
	dir      bool
	data     []byte
}

// entries lists the whole filesystem: the binary and CA bundle owned by root
// (so tapbot cannot rewrite them), /data owned by nonroot (a fresh volume
// inherits that owner), and no shell or other program anywhere.
func entries(binary, ca []byte) ([]entry, error) {
	passwd, err := rootfs.ReadFile("rootfs/etc/passwd")
	if err != nil {
		return nil, err
	}
	group, err := rootfs.ReadFile("rootfs/etc/group")
	if err != nil {
		return nil, err
	}
	return []entry{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/group", mode: 0o644, data: group},
		{name: "etc/passwd", mode: 0o644, data: passwd},
		{name: "etc/ssl/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: ca},
		{name: "data/", mode: 0o700, uid: nonroot, gid: nonroot, dir: true},
		{name: "tapbot", mode: 0o755, data: binary},
		// Writable only where the runtime allows it (not under
		// readOnlyRootFilesystem), for code that asks os.TempDir.
		{name: "tmp/", mode: 0o1777, dir: true},
	}, nil
}

// layerTar writes entries as an uncompressed tar stream with every time
// set to created.
func layerTar(es []entry, created time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		h := &tar.Header{
			Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.gid,
			ModTime: created, Format: tar.FormatPAX,
			Typeflag: tar.TypeReg, Size: int64(len(e.data)),
		}
		if e.dir {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("tar header %s: %w", e.name, err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, fmt.Errorf("tar %s: %w", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close layer tar: %w", err)
	}
	return buf.Bytes(), nil
}

// assemble builds the OCI image from the tapbot binary and the CA bundle.
func assemble(binary, ca []byte, m Meta) (v1.Image, error) {
	if err := checkVersion(m.Version); err != nil {
		return nil, err
	}
	es, err := entries(binary, ca)
	if err != nil {
		return nil, fmt.Errorf("read the image's /etc files: %w", err)
	}
	raw, err := layerTar(es, m.Created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("make layer: %w", err)
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{
		Created:   v1.Time{Time: m.Created},
		CreatedBy: "go run ./deploy/image",
		Comment:   "tapbot " + m.Version + ", CA certificates, nonroot user",
	}})
	if err != nil {
		return nil, fmt.Errorf("add layer: %w", err)
	}
	return withConfig(img, m)
}

// withConfig sets the runtime configuration, platform and creation time.
func withConfig(img v1.Image, m Meta) (v1.Image, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read image config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", m.Arch
	cf.Created = v1.Time{Time: m.Created}
	cf.Config = imageConfig(m)
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("set image config: %w", err)
	}
	return img, nil
}

// imageName is the repository:tag that `docker load` gives the image.
func imageName(version string) string {
	return "tapbot:" + version
}
