// Command image builds tapbot's container image without a container
// engine: a static tapbot binary, CA certificates and a nonroot user in one
// layer, no shell, written as a tarball that `docker load`, `podman load`,
// `crane push` and `skopeo copy docker-archive:…` take.
//
//	go run ./deploy/image -o tapbot.tar
//
// deploy/Dockerfile builds the same image for those who have Docker.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// options are the command line of the tool.
type options struct {
	root, out, ca string
	meta          Meta
}

// run builds the image as args say and returns the exit code: 2 for a bad
// command line, 1 when the build fails.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(ctx, args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "image:", err)
		return 2
	}
	img, err := buildImage(ctx, opts)
	if err == nil {
		err = writeTarball(opts.out, opts.meta.Version, img)
	}
	if err != nil {
		fmt.Fprintln(stderr, "image:", err)
		return 1
	}
	// The config digest is the image ID docker shows; the manifest digest
	// would change, since docker load and crane push write their own.
	id, _ := img.ConfigName()
	fmt.Fprintf(stdout, "wrote %s (%s, image ID %s); load it with `docker load -i %s` or push it with `crane push %s REGISTRY/tapbot:%s`\n",
		opts.out, imageName(opts.meta.Version), id, opts.out, opts.out, opts.meta.Version)
	return 0
}

// parseFlags reads the command line; version and revision default to what
// git says about the checkout.
func parseFlags(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return options{}, err
	}
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := options{root: root}
	fs.StringVar(&o.out, "o", "tapbot.tar", "image tarball to write")
	fs.StringVar(&o.ca, "ca", "/etc/ssl/certs/ca-certificates.crt", "PEM bundle of CA certificates to put in the image")
	fs.StringVar(&o.meta.Version, "version", gitOutput(ctx, root, "dev", "describe", "--tags", "--always", "--dirty"), "tapbot version: the binary's, the tag's and the label's")
	fs.StringVar(&o.meta.Revision, "revision", gitOutput(ctx, root, "unknown", "rev-parse", "HEAD"), "git commit for the revision label")
	fs.StringVar(&o.meta.Licenses, "licenses", defaultLicenses, "SPDX expression for the licenses label")
	fs.StringVar(&o.meta.Arch, "arch", runtime.GOARCH, "CPU architecture (GOARCH) of the linux image")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected argument %q; see -help", fs.Arg(0))
	}
	if err := checkVersion(o.meta.Version); err != nil {
		return options{}, err
	}
	o.meta.Created, err = sourceDate(getenv("SOURCE_DATE_EPOCH"))
	return o, err
}

// sourceDate is the reproducible-builds timestamp of every file and of the
// image: SOURCE_DATE_EPOCH when set, else the Unix epoch, so two builds of
// the same commit have the same digest.
func sourceDate(epoch string) (time.Time, error) {
	if epoch == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	secs, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", epoch)
	}
	return time.Unix(secs, 0).UTC(), nil
}

// buildImage compiles tapbot and assembles the image around it.
func buildImage(ctx context.Context, o options) (v1.Image, error) {
	ca, err := readCABundle(o.ca)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tapbot-image-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory for the binary: %w", err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "tapbot")
	if err := buildBinary(ctx, o.root, o.meta.Arch, o.meta.Version, bin); err != nil {
		return nil, err
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("read the built binary: %w", err)
	}
	return assemble(binary, ca, o.meta)
}

// writeTarball writes img, tagged tapbot:version, as a docker-archive
// tarball.
func writeTarball(out, version string, img v1.Image) error {
	tag, err := name.NewTag(imageName(version))
	if err != nil {
		return fmt.Errorf("image name: %w", err)
	}
	if err := tarball.WriteToFile(out, tag, img); err != nil {
		os.Remove(out)
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}
