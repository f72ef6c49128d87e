package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// servingAddr finds the address in tapbot serve's "ready" log line.
var servingAddr = regexp.MustCompile(`msg="tapbot serving" addr=(\S+)`)

// child is the tapbot serve under test.
type child struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	done chan error
	logs *logTail
}

// startChild runs cfg's command with the stand-ins' environment and waits
// until it logs that it serves. Its log is kept (the last lines, for error
// messages) and its warnings and errors counted.
func startChild(ctx context.Context, cfg Config, env []string) (*child, error) {
	cmd := exec.Command(cfg.Command[0], cfg.Command[1:]...)
	cmd.Env = append(append(childBaseEnv(), cfg.Env...), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cfg.Command[0], err)
	}
	c := &child{cmd: cmd, done: make(chan error, 1), logs: &logTail{}}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			c.logs.add(line)
			if m := servingAddr.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		c.done <- cmd.Wait()
	}()
	wait, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	select {
	case a := <-addr:
		c.base = "http://" + a
		return c, nil
	case err := <-c.done:
		return nil, fmt.Errorf("tapbot serve exited before serving (%v); its last log lines:\n%s", err, c.logs.last(20))
	case <-wait.Done():
		c.kill()
		return nil, fmt.Errorf("tapbot serve did not start within %s; its last log lines:\n%s", cfg.Timeout, c.logs.last(20))
	}
}

// childBaseEnv is what the child inherits: enough to run, and the Go
// runtime's knobs, so an operator can try GOMAXPROCS or GOGC on it. Nothing
// else — above all no TAPBOT_ or proxy setting of the bench's own shell.
func childBaseEnv() []string {
	var out []string
	for _, name := range []string{"PATH", "HOME", "TMPDIR", "GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG"} {
		if v, ok := os.LookupEnv(name); ok {
			out = append(out, name+"="+v)
		}
	}
	return out
}

// stop asks tapbot to shut down as SIGTERM does and waits for it; it kills
// it if that takes longer than timeout.
func (c *child) stop(timeout time.Duration) error {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		c.done <- err
		if err != nil {
			return fmt.Errorf("tapbot serve did not stop cleanly: %w", err)
		}
		return nil
	case <-time.After(timeout):
		c.kill()
		return fmt.Errorf("tapbot serve did not stop within %s of SIGTERM and was killed", timeout)
	}
}

func (c *child) kill() {
	_ = c.cmd.Process.Kill()
}

// cpu is the CPU time the child has used so far, user and system.
func (c *child) cpu() (time.Duration, error) {
	t, err := processCPU(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read the CPU time of tapbot serve: %w", err)
	}
	return t.own, nil
}

// memory is the child's resident set now (VmRSS) and at its peak so far
// (VmHWM), in bytes.
func (c *child) memory() (rss, peak int64, err error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read the memory of tapbot serve: %w", err)
	}
	return parseMemory(string(raw))
}

// parseMemory reads VmRSS and VmHWM of a /proc/<pid>/status file.
func parseMemory(status string) (rss, peak int64, err error) {
	for line := range strings.Lines(status) {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("unreadable %s %q in /proc status", name, strings.TrimSpace(value))
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 || peak == 0 {
		return 0, 0, errors.New("no VmRSS or VmHWM in /proc status")
	}
	return rss, peak, nil
}

// logTail keeps the last lines of the child's log and counts its warnings
// and errors.
type logTail struct {
	mu       sync.Mutex
	lines    []string
	warnings int
	errors   int
}

const tailLines = 200

func (l *logTail) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case strings.Contains(line, " level=WARN "):
		l.warnings++
	case strings.Contains(line, " level=ERROR "):
		l.errors++
	}
	l.lines = append(l.lines, line)
	if len(l.lines) > 2*tailLines {
		l.lines = append(l.lines[:0], l.lines[len(l.lines)-tailLines:]...)
	}
}

// last returns the last n lines, one a line.
func (l *logTail) last(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines[max(0, len(l.lines)-n):], "\n")
}

// counts returns how many warnings and errors were logged so far.
func (l *logTail) counts() (warnings, errors int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.warnings, l.errors
}
