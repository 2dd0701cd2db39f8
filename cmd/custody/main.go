// Command custody runs the Custody server: `custody serve` on the embedded store (or MongoDB
// when CUSTODY_MONGODB_URI is set), `custody serve --demo` with a demo data set, and
// `custody version`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "custody:", err)
		os.Exit(1)
	}
}
