package main

import (
	"flag"
	"fmt"
	"io"
	"time"
)

// serveConfig is everything `custody serve` is configured with, from flags and CUSTODY_*
// variables (flags win).
type serveConfig struct {
	Addr          string
	DataDir       string
	MongoURI      string
	MongoDB       string
	Demo          bool
	AdminEmail    string
	AdminPassword string
	JWTSecret     string
	AccessTTL     time.Duration
	LogLevel      string
	ShutdownWait  time.Duration
	FCMProject    string
	FCMCreds      string
	FCMEndpoint   string
	MQTTURL       string
	MQTTTopic     string
}

func parseServeConfig(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var cfg serveConfig
	fs := flag.NewFlagSet("custody serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", env("CUSTODY_ADDR", "127.0.0.1:8080"), "listen address (CUSTODY_ADDR)")
	fs.StringVar(&cfg.DataDir, "data", env("CUSTODY_DATA_DIR", "./data"), "data directory: the SQLite file and the signing key (CUSTODY_DATA_DIR)")
	fs.BoolVar(&cfg.Demo, "demo", false, "seed a demo data set on an empty store and print how to log in")
	fs.StringVar(&cfg.LogLevel, "log-level", env("CUSTODY_LOG_LEVEL", "info"), "debug, info, warn or error (CUSTODY_LOG_LEVEL)")
	ttl := fs.Duration("access-ttl", 15*time.Minute, "lifetime of access tokens, at most 15m")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if *ttl <= 0 || *ttl > 15*time.Minute {
		return cfg, fmt.Errorf("serve: --access-ttl must be between 1s and 15m, not %s", *ttl)
	}
	cfg.AccessTTL = *ttl
	cfg.MongoURI = getenv("CUSTODY_MONGODB_URI")
	cfg.MongoDB = env("CUSTODY_MONGODB_DATABASE", "custody")
	cfg.AdminEmail = getenv("CUSTODY_ADMIN_EMAIL")
	cfg.AdminPassword = getenv("CUSTODY_ADMIN_PASSWORD")
	cfg.JWTSecret = getenv("CUSTODY_JWT_SECRET")
	cfg.FCMProject = getenv("CUSTODY_FCM_PROJECT")
	cfg.FCMCreds = getenv("CUSTODY_FCM_CREDENTIALS")
	cfg.FCMEndpoint = getenv("CUSTODY_FCM_ENDPOINT")
	cfg.MQTTURL = getenv("CUSTODY_MQTT_URL")
	cfg.MQTTTopic = getenv("CUSTODY_MQTT_TOPIC")
	cfg.ShutdownWait = 20 * time.Second
	if (cfg.AdminEmail == "") != (cfg.AdminPassword == "") {
		return cfg, fmt.Errorf("serve: set both CUSTODY_ADMIN_EMAIL and CUSTODY_ADMIN_PASSWORD, or neither")
	}
	if cfg.JWTSecret != "" && len(cfg.JWTSecret) < 32 {
		return cfg, fmt.Errorf("serve: CUSTODY_JWT_SECRET must be at least 32 characters")
	}
	return cfg, nil
}
