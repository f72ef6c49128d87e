// Command tapbot issues Microsoft Entra ID Temporary Access Passes from
// Slack under a two-person rule.
//
//	tapbot serve             run the bot
//	tapbot doctor            check every part tapbot depends on
//	tapbot tenants           list the customer tenants (MSP mode), print consent links
//	tapbot audit export      print the audit log (jsonl or csv)
//	tapbot audit verify      check the audit log's hash chain
//	tapbot migrate           copy a bbolt database into PostgreSQL, for replicas
//	tapbot bench             measure tapbot against local stand-ins of Slack and Graph
//	tapbot version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
)

var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `tapbot issues Microsoft Entra ID Temporary Access Passes from Slack, two people per pass.

Usage:
  tapbot serve [flags]          run the bot (tapbot serve --help lists every setting)
  tapbot doctor [flags]         check the configuration, database, Slack, Teams and Graph (each tenant in MSP mode); print ✓/✗ with fixes (--json for automation)
  tapbot tenants [flags]        list the customer tenants of TAPBOT_TENANTS_FILE (MSP mode): domains, channels, app
  tapbot tenants consent-url NAME
                                print the admin-consent link a customer's administrator opens for tenant NAME
  tapbot audit export [flags]   print the audit log as JSON lines or CSV
  tapbot audit verify [flags]   check that the audit log was not edited
  tapbot migrate [flags]        copy the bbolt database into an empty PostgreSQL one (--from ./tapbot.db --to-file FILE), for replicas
  tapbot demo [flags]           watch the whole flow locally: fake Slack, two sandbox customer tenants, fake passes
  tapbot bench [flags]          measure acks, round trips, throughput, CPU and memory against local stand-ins of Slack and Graph
  tapbot version                print the version
`

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(args[1:], getenv, stderr)
	case "audit":
		err = audit(args[1:], getenv, stdout, stderr)
	case "doctor":
		err = doctor(args[1:], getenv, stdout, stderr)
	case "migrate":
		err = migrateCmd(args[1:], getenv, stdout, stderr)
	case "tenants":
		err = tenants(args[1:], getenv, stdout, stderr)
	case "demo":
		err = demo(args[1:], stdout, stderr)
	case "bench":
		err = benchCmd(args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "tapbot", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "tapbot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "tapbot:", err)
		if errors.As(err, new(usageError)) {
			return 2
		}
		return 1
	}
	return 0
}

func serve(args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := LoadConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP) // re-read the policy file (reload.go)
	defer signal.Stop(hup)
	app, err := NewApp(cfg, Deps{Crashpoint: crashpointFromEnv(getenv, log), Reload: hup}, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		app.close()
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.Serve(ctx, ln)
}
