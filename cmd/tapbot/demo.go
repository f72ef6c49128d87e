package main

import (
	"fmt"
	"io"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient/graphtest"
	tapdemo "github.com/tapbot/tapbot/internal/demo"
)

// demo runs "tapbot demo" (internal/demo) on the real server, wired here
// from the demo's own settings: the operator's environment plays no part.
func demo(args []string, stdout, stderr io.Writer) error {
	return tapdemo.Run(args, stdout, stderr, startDemoApp)
}

// startDemoApp builds the app the demo drives.
func startDemoApp(getenv func(string) string, logs io.Writer) (tapdemo.Tapbot, error) {
	cfg, err := LoadConfig(nil, getenv, io.Discard)
	if err != nil {
		return nil, fmt.Errorf("demo configuration: %w", err)
	}
	app, err := NewApp(cfg, Deps{}, newLogger(cfg, logs))
	if err != nil {
		return nil, fmt.Errorf("start tapbot: %w", err)
	}
	return demoApp{app}, nil
}

// demoApp lends the demo the app's database and sandbox tenant.
type demoApp struct{ *App }

func (a demoApp) Store() approvals.Store     { return a.store }
func (a demoApp) Sandbox() *graphtest.Server { return a.sandbox }
