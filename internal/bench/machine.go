package bench

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc: USER_HZ, which Linux fixes
// at 100 for what it shows user space.
const userHZ = 100

// machine names what the figures were taken on: CPUs, CPU model, Go, OS.
func machine() string {
	model := "unknown CPU"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(raw)) {
			if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				model = strings.TrimSpace(value)
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s %s/%s", runtime.NumCPU(), model, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// procTimes is what /proc/<pid>/stat says a process used: itself, and the
// children it has waited for.
type procTimes struct{ own, children time.Duration }

// processCPU reads utime, stime, cutime and cstime (fields 14 to 17) of a
// /proc/<pid>/stat file.
func processCPU(path string) (procTimes, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return procTimes{}, err
	}
	return parseStat(string(raw))
}

// parseStat reads a /proc/<pid>/stat line. The command name, field 2, is in
// parentheses and may hold spaces, so fields are counted from the last ')'.
func parseStat(stat string) (procTimes, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return procTimes{}, errors.New("unreadable /proc stat line")
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3
	if len(f) < 15 {
		return procTimes{}, errors.New("short /proc stat line")
	}
	var ticks [4]int64
	for k, s := range f[11:15] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return procTimes{}, fmt.Errorf("unreadable CPU time %q in /proc stat line", s)
		}
		ticks[k] = n
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / userHZ }
	return procTimes{own: tick(ticks[0] + ticks[1]), children: tick(ticks[2] + ticks[3])}, nil
}

// load is a snapshot of how busy the machine is, to tell a reader when
// other processes shared the CPUs with the bench.
type load struct {
	average            string // /proc/loadavg's one-minute figure
	busy, steal, total int64  // /proc/stat ticks, all CPUs
	ours               time.Duration
}

// readLoad takes the snapshot; ok is false where /proc cannot tell.
func readLoad() (load, bool) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return load{}, false
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return load{}, false
	}
	var l load
	for i, s := range f[1:9] { // user nice system idle iowait irq softirq steal
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return load{}, false
		}
		l.total += n
		switch i {
		case 3, 4:
		case 7:
			l.steal, l.busy = l.steal+n, l.busy+n
		default:
			l.busy += n
		}
	}
	if avg, err := os.ReadFile("/proc/loadavg"); err == nil {
		l.average, _, _ = strings.Cut(string(avg), " ")
	}
	self, err := processCPU("/proc/self/stat")
	if err != nil {
		return load{}, false
	}
	l.ours = self.own + self.children
	return l, true
}

// describeLoad says how busy the machine was between two snapshots and how
// much of that was the bench and its tapbots.
func describeLoad(from, to load) string {
	total := float64(to.total - from.total)
	if total <= 0 {
		return ""
	}
	busy := float64(to.busy-from.busy) / total * 100
	steal := float64(to.steal-from.steal) / total * 100
	ours := float64(to.ours-from.ours) / float64(time.Second/userHZ) / total * 100
	return fmt.Sprintf("load average %s at the start; the CPUs were %.0f %% busy during the bench (%.0f %% stolen by the hypervisor), %.0f %% of their time was tapbot's and the stand-ins', %.0f %% other processes'",
		from.average, busy, steal, ours, max(busy-ours, 0))
}
