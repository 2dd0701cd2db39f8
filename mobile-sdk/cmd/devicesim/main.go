// Command devicesim runs N simulated phones with the mobile SDK against a Custody server: it
// creates a user for each, lets each make realistic ops offline (check-outs, check-ins,
// transfers; pickers receive, pick and count stock), then brings them all back online at once.
// It reports throughput (ops/s, sync latency p50/p99) and convergence: every device must end
// with exactly the server's state, nothing pending, and each stock counter must equal its
// starting level plus every delta once.
//
//	go run ./mobile-sdk/cmd/devicesim -server http://127.0.0.1:18090 \
//	    -admin-email admin@demo.custody.dev -admin-password custody-demo -devices 200 -ops 50
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/rs/zerolog"
)

// config is the simulator's flags.
type config struct {
	server, adminEmail, adminPassword string
	devices, ops, parallel            int
	offline                           time.Duration
	dir                               string
	seed                              uint64
	pickers                           int // percent of devices that are pickers
	jsonOut                           bool
	verbose                           bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "devicesim:", err)
		os.Exit(1)
	}
}

func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("devicesim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.server, "server", "http://127.0.0.1:8080", "Custody server URL")
	fs.StringVar(&c.adminEmail, "admin-email", "admin@demo.custody.dev", "an admin's email, to create the simulated users")
	fs.StringVar(&c.adminPassword, "admin-password", "custody-demo", "that admin's password")
	fs.IntVar(&c.devices, "devices", 10, "how many phones to simulate")
	fs.IntVar(&c.ops, "ops", 50, "ops each phone makes while offline")
	fs.DurationVar(&c.offline, "offline", 2*time.Second, "how long the phones stay offline; their ops are spread over it")
	fs.IntVar(&c.parallel, "parallel", 0, "phones syncing at once (0: all)")
	fs.StringVar(&c.dir, "data", "", "directory for the phones' local databases (default: a temporary one, removed after)")
	fs.Uint64Var(&c.seed, "seed", uint64(time.Now().UnixNano()), "random seed")
	fs.IntVar(&c.pickers, "pickers", 30, "percent of phones that are warehouse pickers (the rest are field staff)")
	fs.BoolVar(&c.jsonOut, "json", false, "print the report as JSON")
	fs.BoolVar(&c.verbose, "v", false, "log the SDK's warnings")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case c.devices < 1:
		return c, errors.New("-devices must be at least 1")
	case c.ops < 0:
		return c, errors.New("-ops must not be negative")
	case c.pickers < 0 || c.pickers > 100:
		return c, errors.New("-pickers is a percentage")
	}
	if c.parallel <= 0 || c.parallel > c.devices {
		c.parallel = c.devices
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if cfg.dir == "" {
		if cfg.dir, err = os.MkdirTemp("", "devicesim-"); err != nil {
			return err
		}
		defer os.RemoveAll(cfg.dir)
	}
	log := zerolog.Nop()
	if cfg.verbose {
		log = zerolog.New(zerolog.ConsoleWriter{Out: stderr}).Level(zerolog.WarnLevel).With().Timestamp().Logger()
	}
	progress := func(format string, a ...any) {
		if !cfg.jsonOut {
			fmt.Fprintf(stdout, "devicesim: "+format+"\n", a...)
		}
	}
	rep, err := simulate(ctx, cfg, log, progress)
	if err != nil {
		return err
	}
	if cfg.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.print(stdout)
	}
	if !rep.Converged {
		return errors.New("the devices did not converge with the server")
	}
	return nil
}
