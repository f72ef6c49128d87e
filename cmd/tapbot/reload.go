package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tapbot/tapbot/graphclient"
)

// policyReload re-reads TAPBOT_POLICY_FILE while tapbot runs: on SIGHUP,
// and when the sweeper sees the file's size or modification time change.
type policyReload struct {
	signals <-chan os.Signal // SIGHUP; nil: none
	graph   *graphclient.Client
	seen    fileStamp // the file as last read
	// settling is the changed file as the last tick saw it; it is read
	// once a tick sees it unchanged.
	settling fileStamp
}

// fileStamp is what the sweeper compares to notice an edited policy file.
type fileStamp struct {
	size int64
	mod  time.Time
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{size: fi.Size(), mod: fi.ModTime()}
}

// reloadPolicyIfChanged re-reads the policy file once it has changed since
// it was last read and then stayed the same for a whole sweep interval, so
// that an editor still writing it is not read half-way; the sweeper calls
// it on every tick. SIGHUP reloads at once.
func (a *App) reloadPolicyIfChanged() {
	if a.cfg.PolicyPath == "" {
		return
	}
	now := stampOf(a.cfg.PolicyPath)
	if now == a.reload.seen {
		a.reload.settling = fileStamp{}
		return
	}
	if now != a.reload.settling {
		a.reload.settling = now // changed: look again at the next tick
		return
	}
	_ = a.reloadPolicy("file changed")
}

// reloadPolicy re-reads and checks the policy file exactly as start-up does.
// A file with any problem is refused whole and the running policy stays;
// a good one is put in force and recorded as an audit event naming the file
// and the sha256 of its content (never the content).
func (a *App) reloadPolicy(why string) error {
	path := a.cfg.PolicyPath
	if path == "" {
		a.log.Warn("policy reload asked for, but TAPBOT_POLICY_FILE is not set; nothing to re-read", "why", why)
		return errors.New("TAPBOT_POLICY_FILE is not set")
	}
	a.reload.seen = stampOf(path)
	raw, err := os.ReadFile(path)
	if err != nil {
		a.log.Error("policy file not reloaded; the running policy stays", "why", why, "problem", err.Error())
		return err
	}
	cfg := a.cfg
	var problems []string
	cfg.PolicyFile, problems = parsePolicyFile(path, raw)
	problems = append(problems, cfg.policyProblems()...)
	if len(problems) == 0 {
		problems = cfg.verifiedIDProblems() // of a policy that can be built
	}
	if len(problems) > 0 {
		for _, p := range problems {
			a.log.Error("policy file not reloaded; the running policy stays", "why", why, "problem", p)
		}
		return fmt.Errorf("policy file %s refused: %s", path, strings.Join(problems, "; "))
	}
	p := a.withIdentities(cfg.policy(a.groupResolverFor(cfg, a.reload.graph, a.now)), a.reload.graph, a.now)
	source := fmt.Sprintf("%s sha256:%x (%s)", path, sha256.Sum256(raw), why)
	if err := a.svc.ReplacePolicy(p, source); err != nil {
		a.log.Error("policy file not reloaded; the running policy stays", "why", why, "err", err)
		return err
	}
	a.log.Info("policy reloaded", "source", source)
	return nil
}
