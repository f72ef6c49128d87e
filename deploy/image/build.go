package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// goBuildFlags are the flags of the one go build that makes the image's
// binary, here and in deploy/Dockerfile: static (CGO off), no build paths,
// no VCS stamp (the Docker build context has no .git), no debug symbols,
// and the IANA time zone database inside, since the image has no
// /usr/share/zoneinfo for TAPBOT_TIMEZONE.
func goBuildFlags(version string) []string {
	return []string{"-trimpath", "-buildvcs=false", "-tags", "timetzdata", "-ldflags", "-s -w -X main.version=" + version}
}

// buildBinary compiles ./cmd/tapbot of the module at root for linux/arch
// into out.
func buildBinary(ctx context.Context, root, arch, version, out string) error {
	args := append([]string{"build"}, goBuildFlags(version)...)
	args = append(args, "-o", out, "./cmd/tapbot")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/tapbot: %w\n%s", err, stderr.String())
	}
	return nil
}

// moduleRoot is the directory of the go.mod governing the working
// directory, so the tool works from anywhere inside the repository.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the tapbot module: run this from the repository")
	}
	return filepath.Dir(gomod), nil
}

// gitOutput runs git in root and returns its trimmed output, or fallback
// when git or the repository is not there (a source tarball, say).
func gitOutput(ctx context.Context, root, fallback string, args ...string) string {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if v := strings.TrimSpace(string(out)); err == nil && v != "" {
		return v
	}
	return fallback
}

// readCABundle reads the PEM bundle for the image and refuses one that
// holds no certificate: an image without roots fails every TLS call.
func readCABundle(path string) ([]byte, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("CA certificates: %w (point -ca at your system's PEM bundle)", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA certificates: %s holds no PEM certificate", path)
	}
	return pem, nil
}
