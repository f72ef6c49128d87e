package pgtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNotInstalled is what StartCluster's error wraps when no PostgreSQL
// server binaries are found.
var ErrNotInstalled = errors.New("PostgreSQL server binaries not found")

// Cluster is a throw-away PostgreSQL cluster: its own data directory in a
// temporary directory, listening on 127.0.0.1 only, trusting every
// connection (nothing else can reach it), tuned for tests rather than
// durability (no fsync).
type Cluster struct {
	dir  string // the temporary directory: data, log, socket
	bin  string // where initdb, pg_ctl and postgres are
	port int
	as   []string // the command prefix that runs as the cluster's owner; empty: as ourselves
}

// StartCluster creates and starts a cluster. initdb refuses to run as
// root, so as root the cluster is run by the postgres user (runuser). The
// error wraps ErrNotInstalled when there is no PostgreSQL to start.
func StartCluster() (*Cluster, error) {
	bin, err := serverBin()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin}
	if c.dir, err = os.MkdirTemp("", "tapbot-pg-"); err != nil {
		return nil, err
	}
	if err := c.runAsOwner(); err != nil {
		os.RemoveAll(c.dir)
		return nil, err
	}
	if err := c.initdb(); err != nil {
		os.RemoveAll(c.dir)
		return nil, err
	}
	if err := c.start(); err != nil {
		os.RemoveAll(c.dir)
		return nil, err
	}
	return c, nil
}

// URL is the URL of database name on the cluster, as its superuser.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// Stop stops the cluster at once (it holds nothing worth a clean
// shutdown) and removes its directory.
func (c *Cluster) Stop() error {
	err := c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop")
	return errors.Join(err, os.RemoveAll(c.dir))
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

// runAsOwner hands the directory to the postgres user when we are root.
func (c *Cluster) runAsOwner() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root, initdb must run as another user, and there is no postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(c.dir, uid, gid); err != nil {
		return err
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		return fmt.Errorf("running as root, initdb must run as the postgres user, and runuser is missing: %w", err)
	}
	c.as = []string{runuser, "-u", "postgres", "--"}
	return nil
}

func (c *Cluster) initdb() error {
	return c.run("initdb", "-D", c.data(), "--username=postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
}

// start starts the server on a free port; another process may take the
// port between finding and binding it, so it tries a few.
func (c *Cluster) start() error {
	var err error
	for range 5 {
		if c.port, err = freePort(); err != nil {
			return err
		}
		opts := strings.Join([]string{
			"-c listen_addresses=127.0.0.1", "-p " + strconv.Itoa(c.port), "-c unix_socket_directories=" + c.dir,
			"-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=200",
		}, " ")
		if err = c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-w", "-t", "120", "-o", opts, "start"); err == nil {
			return nil
		}
	}
	log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
	return fmt.Errorf("%w; server log:\n%s", err, log)
}

// run runs one of the cluster's programs as its owner.
func (c *Cluster) run(program string, args ...string) error {
	argv := append(slices.Clone(c.as), append([]string{filepath.Join(c.bin, program)}, args...)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", program, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// serverBin finds the directory of initdb: on PATH, where pg_config says,
// or Debian's /usr/lib/postgresql/<version>/bin (the newest).
func serverBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); isFile(filepath.Join(dir, "initdb")) {
			return dir, nil
		}
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	slices.SortFunc(found, func(a, b string) int { return version(b) - version(a) })
	if len(found) > 0 {
		return filepath.Dir(found[0]), nil
	}
	return "", ErrNotInstalled
}

// version is the major version in /usr/lib/postgresql/<version>/bin/initdb.
func version(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
