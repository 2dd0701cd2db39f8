package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise the module's.
var version = ""

const usage = `usage: custody <command> [flags]

commands:
  serve     run the server (custody serve --help for flags)
  version   print the version
  healthcheck [url]
            exit 0 when the server answers /healthz (for container health checks)
`

// run is the whole program: main only calls it, and tests call it with their own arguments,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[1] {
	case "serve":
		cfg, err := parseServeConfig(args[2:], getenv, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		if err != nil {
			return err
		}
		return serve(ctx, cfg, stdout)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "custody", buildVersion())
		return nil
	case "healthcheck":
		url := "http://127.0.0.1:8080/healthz"
		if len(args) > 2 {
			url = args[2]
		} else if a := getenv("CUSTODY_ADDR"); a != "" {
			url = "http://" + a + "/healthz"
		}
		return healthcheck(ctx, url)
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[1])
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// healthcheck asks a running server whether it is up.
func healthcheck(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	return nil
}

// redactURI hides the password of a connection URI for logs.
func redactURI(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return "(hidden)"
	}
	creds, host, ok := strings.Cut(rest, "@")
	if !ok {
		return uri
	}
	user, _, _ := strings.Cut(creds, ":")
	return scheme + "://" + user + ":***@" + host
}
