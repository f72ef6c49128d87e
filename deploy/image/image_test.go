// The image is linux: its binary runs, and its filesystem is entered with
// chroot, only there.

//go:build linux

package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/x509"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

const (
	testVersion  = "1.2.3-test"
	testRevision = "0123456789abcdef0123456789abcdef01234567"
)

// file is one entry of the image's filesystem as read back from the tarball.
type file struct {
	hdr  *tar.Header
	data []byte
}

// built is the image the tool wrote, read back; built once per test run,
// since compiling tapbot takes a while on a small machine.
var built struct {
	once  sync.Once
	dir   string
	tar   string
	img   v1.Image
	cfg   *v1.ConfigFile
	files map[string]file
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// image runs the tool as a user would and reads its tarball back.
func image(t *testing.T) (*v1.ConfigFile, map[string]file) {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "tapbot-image-test-")
		if built.err != nil {
			return
		}
		built.tar = filepath.Join(built.dir, "tapbot.tar")
		var stdout, stderr bytes.Buffer
		args := []string{"-o", built.tar, "-version", testVersion, "-revision", testRevision}
		if code := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); code != 0 {
			built.err = errors.New("the image tool failed:\n" + stderr.String())
			return
		}
		built.img, built.cfg, built.files, built.err = readImage(built.tar)
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.cfg, built.files
}

func readImage(tarPath string) (v1.Image, *v1.ConfigFile, map[string]file, error) {
	img, err := tarball.ImageFromPath(tarPath, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, nil, nil, err
	}
	files, err := layerFiles(mutate.Extract(img))
	return img, cfg, files, err
}

// layerFiles reads a flattened filesystem tar into memory, by clean path.
func layerFiles(rc io.ReadCloser) (map[string]file, error) {
	defer rc.Close()
	files := map[string]file{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[path.Clean("/"+hdr.Name)] = file{hdr: hdr, data: data}
	}
}

func TestImageConfigRunsTapbotServeAsNonrootWithLabels(t *testing.T) {
	cf, _ := image(t)
	c := cf.Config
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, runtime.GOARCH)
	}
	if c.User != "65532:65532" {
		t.Errorf("User = %q, want 65532:65532 (numeric, so runAsNonRoot can check it)", c.User)
	}
	if !slices.Equal(c.Entrypoint, []string{"/tapbot"}) || !slices.Equal(c.Cmd, []string{"serve"}) {
		t.Errorf("Entrypoint %q Cmd %q, want [/tapbot] [serve]", c.Entrypoint, c.Cmd)
	}
	for _, want := range []string{"TAPBOT_DB=/data/tapbot.db", "TAPBOT_METRICS_LISTEN=:9090"} {
		if !slices.Contains(c.Env, want) {
			t.Errorf("Env %q lacks %s", c.Env, want)
		}
	}
	if _, ok := c.Volumes["/data"]; !ok || len(c.Volumes) != 1 {
		t.Errorf("Volumes = %v, want /data alone", c.Volumes)
	}
	if len(c.ExposedPorts) != 2 || !hasKeys(c.ExposedPorts, "8080/tcp", "9090/tcp") {
		t.Errorf("ExposedPorts = %v, want 8080/tcp (Slack, Teams, probes) and 9090/tcp (metrics)", c.ExposedPorts)
	}
	wantLabels := map[string]string{
		"org.opencontainers.image.title":    "tapbot",
		"org.opencontainers.image.source":   sourceURL,
		"org.opencontainers.image.version":  testVersion,
		"org.opencontainers.image.revision": testRevision,
		"org.opencontainers.image.licenses": defaultLicenses,
	}
	for k, v := range wantLabels {
		if c.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
		}
	}
}

func hasKeys(m map[string]struct{}, keys ...string) bool {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

func TestImageHoldsTapbotCertificatesAndUsersAndNoShell(t *testing.T) {
	_, files := image(t)
	want := map[string]struct {
		mode     int64
		uid, gid int
	}{
		"/etc":                               {0o755, 0, 0},
		"/etc/group":                         {0o644, 0, 0},
		"/etc/passwd":                        {0o644, 0, 0},
		"/etc/ssl":                           {0o755, 0, 0},
		"/etc/ssl/certs":                     {0o755, 0, 0},
		"/etc/ssl/certs/ca-certificates.crt": {0o644, 0, 0},
		"/data":                              {0o700, nonroot, nonroot},
		"/tapbot":                            {0o755, 0, 0},
		"/tmp":                               {0o1777, 0, 0},
	}
	for name, f := range files {
		if base := path.Base(name); slices.Contains([]string{"sh", "bash", "dash", "ash", "busybox"}, base) {
			t.Errorf("the image holds a shell, %s", name)
		}
		w, ok := want[name]
		if !ok {
			t.Errorf("unexpected file %s in the image", name)
			continue
		}
		h := f.hdr
		if h.Mode != w.mode || h.Uid != w.uid || h.Gid != w.gid {
			t.Errorf("%s: mode %o owner %d:%d, want %o %d:%d", name, h.Mode, h.Uid, h.Gid, w.mode, w.uid, w.gid)
		}
	}
	for name := range want {
		if _, ok := files[name]; !ok {
			t.Errorf("%s is missing from the image", name)
		}
	}
}

func TestImageUserExistsInItsPasswdAndGroup(t *testing.T) {
	_, files := image(t)
	if !slices.Contains(lines(files["/etc/passwd"].data), "nonroot:x:65532:65532:nonroot:/data:/sbin/nologin") {
		t.Errorf("/etc/passwd lacks the nonroot user 65532:\n%s", files["/etc/passwd"].data)
	}
	if !slices.Contains(lines(files["/etc/group"].data), "nonroot:x:65532:") {
		t.Errorf("/etc/group lacks the nonroot group 65532:\n%s", files["/etc/group"].data)
	}
}

func lines(b []byte) []string { return strings.Split(strings.TrimSpace(string(b)), "\n") }

func TestImageCACertificatesAreAPEMBundle(t *testing.T) {
	_, files := image(t)
	ca := files[caPath].data
	if len(ca) == 0 || !x509.NewCertPool().AppendCertsFromPEM(ca) {
		t.Fatalf("%s is empty or holds no PEM certificate (%d bytes)", caPath, len(ca))
	}
}

func TestImageBinaryIsStaticAndRuns(t *testing.T) {
	_, files := image(t)
	bin := filepath.Join(t.TempDir(), "tapbot")
	if err := os.WriteFile(bin, files["/tapbot"].data, 0o755); err != nil {
		t.Fatal(err)
	}
	checkStatic(t, bin)
	checkBuildSettings(t, bin)

	out, err := exec.Command(bin, "version").Output()
	if err != nil || string(out) != "tapbot "+testVersion+"\n" {
		t.Errorf("tapbot version = %q, %v; want %q", out, err, "tapbot "+testVersion+"\n")
	}
	help, err := exec.Command(bin, "serve", "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(help), "TAPBOT_DB") {
		t.Errorf("tapbot serve --help: %v\n%s", err, help)
	}
}

// checkStatic fails unless bin needs no dynamic loader and no shared library.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("/tapbot is not an ELF file: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("/tapbot has a PT_INTERP program header: it needs a dynamic loader the image lacks")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("/tapbot needs shared libraries %v (%v)", libs, err)
	}
}

// checkBuildSettings checks the flags the binary was built with, as Go
// records them.
func checkBuildSettings(t *testing.T, bin string) {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("read build info: %v", err)
	}
	got := map[string]string{}
	for _, s := range info.Settings {
		got[s.Key] = s.Value
	}
	// Go does not record -ldflags under -trimpath; `tapbot version` shows
	// that -X took effect.
	want := map[string]string{"CGO_ENABLED": "0", "-trimpath": "true", "-tags": "timetzdata", "GOOS": "linux"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("build setting %s = %q, want %q", k, got[k], v)
		}
	}
	if _, stamped := got["vcs.revision"]; stamped {
		t.Error("the binary carries a VCS stamp; the Docker build (no .git) cannot, so the two would differ")
	}
}

func TestImageAssemblyIsReproducible(t *testing.T) {
	cf, files := image(t)
	meta := Meta{Version: testVersion, Revision: testRevision, Licenses: defaultLicenses, Arch: cf.Architecture, Created: cf.Created.Time}
	var digests []v1.Hash
	for range 2 {
		img, err := assemble(files["/tapbot"].data, files[caPath].data, meta)
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
		// The tarball keeps the config and the compressed layer as they
		// were; its manifest is rebuilt on reading, so compare those.
		if got, want := mustDigest(t, img.ConfigName), mustDigest(t, built.img.ConfigName); got != want {
			t.Errorf("config digest %s, want the tool's %s: a timestamp is not fixed", got, want)
		}
		if got, want := layerDigest(t, img), layerDigest(t, built.img); got != want {
			t.Errorf("layer digest %s, want the tool's %s: a file time, owner or order is not fixed", got, want)
		}
	}
	if digests[0] != digests[1] {
		t.Errorf("two assemblies of the same inputs: digests %s and %s", digests[0], digests[1])
	}
}

func mustDigest(t *testing.T, f func() (v1.Hash, error)) v1.Hash {
	t.Helper()
	h, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func layerDigest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("image has %d layers (%v), want 1", len(layers), err)
	}
	return mustDigest(t, layers[0].Digest)
}

func TestImageToolRefusesAVersionThatIsNoTag(t *testing.T) {
	out := filepath.Join(t.TempDir(), "tapbot.tar")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-o", out, "-version", "1.0 beta"}, func(string) string { return "" }, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), `version "1.0 beta"`) {
		t.Errorf("exit %d, stderr %q; want 2 and a message naming the version", code, stderr.String())
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a tarball was written for a refused version (%v)", err)
	}
}

// --- running inside the image's own filesystem -------------------------------

// rootfsDir unpacks the image into a directory, owners and modes included.
func rootfsDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("running the image's filesystem under chroot needs root (CI runs as root)")
	}
	_, files := image(t)
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		unpack(t, root, name, files[name])
	}
	return root
}

func unpack(t *testing.T, root, name string, f file) {
	t.Helper()
	p := filepath.Join(root, name)
	mode := os.FileMode(f.hdr.Mode & 0o777)
	var err error
	if f.hdr.Typeflag == tar.TypeDir {
		err = os.Mkdir(p, mode)
	} else {
		err = os.WriteFile(p, f.data, mode)
	}
	if err == nil {
		err = os.Lchown(p, f.hdr.Uid, f.hdr.Gid)
	}
	if err == nil && f.hdr.Mode&0o1000 != 0 {
		err = os.Chmod(p, mode|os.ModeSticky)
	}
	if err != nil {
		t.Fatalf("unpack %s: %v", name, err)
	}
}

// inImage runs /tapbot with args as the image's user, confined to root, with
// the image's environment plus extra: what a container runtime does, short
// of namespaces.
func inImage(t *testing.T, root string, extra []string, args ...string) (string, error) {
	t.Helper()
	cf, _ := image(t)
	cmd := exec.Command("/tapbot", args...)
	cmd.Env = append(slices.Clone(cf.Config.Env), extra...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: nonroot, Gid: nonroot, Groups: []uint32{}}}
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("start /tapbot %s in the image: %v", strings.Join(args, " "), err)
	}
	return string(out), err
}

func TestImageServesTheDemoAsNonrootFromItsOwnFilesystem(t *testing.T) {
	root := rootfsDir(t)
	if out, err := inImage(t, root, nil, "demo", "--db", "/data/tapbot.db"); err != nil {
		t.Fatalf("tapbot demo inside the image: %v\n%s", err, out)
	}
	if out, err := inImage(t, root, nil, "audit", "verify"); err != nil || !strings.Contains(out, "hash chain verified") {
		t.Errorf("tapbot audit verify on the image's TAPBOT_DB: %v\n%s", err, out)
	}
	st, err := os.Stat(filepath.Join(root, "data", "tapbot.db"))
	if err != nil {
		t.Fatalf("the demo's database is not on /data: %v", err)
	}
	if sys := st.Sys().(*syscall.Stat_t); sys.Uid != nonroot || st.Mode().Perm() != 0o600 {
		t.Errorf("/data/tapbot.db: owner %d mode %v, want %d and 0600", sys.Uid, st.Mode().Perm(), nonroot)
	}
}

func TestImageKnowsTimeZonesWithoutTheHostsZoneinfo(t *testing.T) {
	root := rootfsDir(t)
	// serve reports every configuration problem at once; with nothing else
	// configured it fails, but names the time zone only when it is unknown.
	tests := []struct {
		zone        string
		wantProblem bool
	}{{"Europe/Berlin", false}, {"Mars/Olympus_Mons", true}}
	for _, tc := range tests {
		out, err := inImage(t, root, []string{"TAPBOT_TIMEZONE=" + tc.zone}, "serve")
		if err == nil || !strings.Contains(out, "configuration problems") {
			t.Fatalf("TAPBOT_TIMEZONE=%s tapbot serve with no other setting: %v, want configuration problems\n%s", tc.zone, err, out)
		}
		if got := strings.Contains(out, "TAPBOT_TIMEZONE"); got != tc.wantProblem {
			t.Errorf("TAPBOT_TIMEZONE=%s: time zone reported as a problem = %v, want %v\n%s", tc.zone, got, tc.wantProblem, out)
		}
	}
}
