package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/api"
	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/notifications"
	"github.com/custodyhq/custody/notifications/fcm"
	"github.com/custodyhq/custody/notifications/webhook"
	"github.com/custodyhq/custody/openapi"
	"github.com/custodyhq/custody/readers/ingest"
	"github.com/custodyhq/custody/readers/mqtt"
	"github.com/custodyhq/custody/store/mongo"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// appStore is what the server needs of a store adapter; both adapters provide it.
type appStore interface {
	api.Store
	engine.Store
	engine.Rescoper // a location moved takes what is under it along in phones' views
	ingest.Store
	notifications.Store
	maintenanceStore
	CountUsers(ctx context.Context) (int64, error)
	CountItems(ctx context.Context) (int64, error)
	Close() error
}

// serve runs the server until ctx ends, then drains in-flight requests and closes the store.
func serve(ctx context.Context, cfg serveConfig, stdout io.Writer) error {
	level, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil {
		return fmt.Errorf("serve: --log-level: %w", err)
	}
	log := zerolog.New(stdout).Level(level).With().Timestamp().Str("service", "custody").Logger()

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("serve: data directory: %w", err)
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error().Err(err).Msg("closing the store")
		}
	}()

	secret, err := signingKey(cfg, log)
	if err != nil {
		return err
	}
	eng := engine.New(st, engine.Options{Now: time.Now, Logger: log})
	if err := bootstrapAdmin(ctx, st, eng, cfg); err != nil {
		return err
	}
	if cfg.Demo {
		if err := seedDemo(ctx, st, eng, stdout); err != nil {
			return fmt.Errorf("serve --demo: %w", err)
		}
	}
	spec, err := openapi.JSON()
	if err != nil {
		return fmt.Errorf("serve: openapi: %w", err)
	}
	notify, err := newNotifier(ctx, cfg, st, log)
	if err != nil {
		return err
	}
	sweepApplied := func(ctx context.Context, sw *domain.Sweep) error { return notify.SweepCompleted(ctx, sweepReport(sw)) }
	srv, err := api.New(api.Config{JWTSecret: secret, AccessTTL: cfg.AccessTTL}, api.Deps{
		Store: st, Engine: eng, Logger: log, Now: time.Now, OpenAPI: spec, SweepApplied: sweepApplied,
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", cfg.Addr, err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	var workers sync.WaitGroup
	defer workers.Wait()
	wctx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	// Every replica runs the notifications service; a lease in the store lets one of them work.
	workers.Go(func() {
		if err := notify.Run(wctx); err != nil && wctx.Err() == nil {
			log.Error().Err(err).Msg("notifications stopped")
		}
	})
	if cfg.MQTTURL != "" {
		in := ingest.New(st, eng, ingest.Options{Logger: log, Applied: sweepApplied})
		workers.Go(func() {
			mcfg := mqtt.Config{URL: cfg.MQTTURL, Topic: cfg.MQTTTopic}
			if err := mqtt.Run(wctx, mcfg, in, log); err != nil && wctx.Err() == nil {
				log.Error().Err(err).Msg("MQTT subscriber stopped")
			}
		})
		log.Info().Str("broker", redactURI(cfg.MQTTURL)).Msg("MQTT: subscribing to reader sweeps")
	}
	fmt.Fprintf(stdout, "custody %s listening on http://%s\n", buildVersion(), ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info().Msg("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownWait)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info().Msg("stopped")
	return nil
}

func openStore(ctx context.Context, cfg serveConfig, log zerolog.Logger) (appStore, error) {
	if cfg.MongoURI != "" {
		log.Info().Str("uri", redactURI(cfg.MongoURI)).Str("database", cfg.MongoDB).Msg("store: MongoDB")
		st, err := mongo.Open(ctx, cfg.MongoURI, cfg.MongoDB)
		if err != nil {
			return nil, fmt.Errorf("serve: MongoDB at %s: %w", redactURI(cfg.MongoURI), err)
		}
		return st, nil
	}
	log.Info().Str("dir", cfg.DataDir).Msg("store: embedded SQLite")
	st, err := sqlite.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return st, nil
}

// signingKey returns the access-token signing key: CUSTODY_JWT_SECRET, or a key generated on
// first start and kept in the data directory with 0600 permissions.
func signingKey(cfg serveConfig, log zerolog.Logger) ([]byte, error) {
	if cfg.JWTSecret != "" {
		return []byte(cfg.JWTSecret), nil
	}
	path := filepath.Join(cfg.DataDir, "jwt.key")
	b, err := os.ReadFile(path)
	if err == nil {
		key := strings.TrimSpace(string(b))
		if len(key) < 64 {
			return nil, fmt.Errorf("serve: %s is shorter than 64 hex characters; remove it to make a new one", path)
		}
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(path, 0o600); err != nil {
				return nil, fmt.Errorf("serve: %s is readable by others and cannot be fixed: %w", path, err)
			}
			log.Warn().Str("path", path).Msg("signing key was readable by others; permissions set to 0600")
		}
		return []byte(key), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("serve: signing key: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	key := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("serve: writing the signing key: %w", err)
	}
	if cfg.MongoURI != "" {
		log.Warn().Msg("generated a signing key in the data directory; with more than one server on one MongoDB, set CUSTODY_JWT_SECRET on all of them")
	}
	log.Info().Str("path", path).Msg("generated a new access-token signing key")
	return []byte(key), nil
}

// bootstrapAdmin creates the first admin from CUSTODY_ADMIN_EMAIL and CUSTODY_ADMIN_PASSWORD
// when the store has no users.
func bootstrapAdmin(ctx context.Context, st appStore, eng *engine.Engine, cfg serveConfig) error {
	if cfg.AdminEmail == "" {
		return nil
	}
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	if len(cfg.AdminPassword) < 12 {
		return errors.New("serve: CUSTODY_ADMIN_PASSWORD must be at least 12 characters")
	}
	return createUser(ctx, eng, uuid.Must(uuid.NewV7()).String(), cfg.AdminEmail, "Administrator", domain.RoleAdmin, cfg.AdminPassword, nil, nil)
}

// systemActor is who the server acts as when it writes on its own behalf.
var systemActor = domain.Actor{UserID: "system", Role: domain.RoleAdmin, DeviceID: engine.ServerDevice}

func createUser(ctx context.Context, eng submitter, id, email, name string, role domain.Role, password string, badges, sites []string) error {
	hash, err := api.HashPassword(password)
	if err != nil {
		return err
	}
	return submit(ctx, eng, wire.OpUserCreate, id, map[string]any{
		"email": email, "name": name, "role": role, "password_hash": hash, "badges": badges, "site_ids": sites,
	})
}

// newNotifier builds the alerts service: pushes through FCM when CUSTODY_FCM_PROJECT is set
// (to CUSTODY_FCM_ENDPOINT, with CUSTODY_FCM_CREDENTIALS), in-app alerts and webhooks always.
func newNotifier(ctx context.Context, cfg serveConfig, st appStore, log zerolog.Logger) (*notifications.Service, error) {
	var pusher notifications.Pusher
	if cfg.FCMProject != "" {
		s, err := fcm.New(ctx, fcm.Config{ProjectID: cfg.FCMProject, CredentialsFile: cfg.FCMCreds, Endpoint: cfg.FCMEndpoint})
		if err != nil {
			return nil, fmt.Errorf("serve: FCM: %w", err)
		}
		pusher = s
		log.Info().Str("project", cfg.FCMProject).Msg("push notifications through FCM")
	}
	return notifications.New(st, pusher, webhook.NewSender(nil, nil), notifications.Options{Logger: log, Maintenance: maintenanceDue{st}}), nil
}

// sweepReport is what notifications learn of an applied sweep.
func sweepReport(sw *domain.Sweep) notifications.SweepReport {
	return notifications.SweepReport{
		ReaderID: sw.ReaderID, LocationID: sw.LocationID, SweepID: sw.SweepID, Complete: sw.Complete,
		Present: sw.Result.Present, Missing: sw.Result.Missing, Unexpected: sw.Result.Unexpected, Unknown: sw.Result.Unknown,
		At: sw.StartedAt,
	}
}
