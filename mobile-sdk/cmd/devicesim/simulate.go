package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/device"
	"github.com/custodyhq/custody/sync/wire"
)

// simulate runs the whole simulation and measures it.
func simulate(ctx context.Context, cfg config, log zerolog.Logger, progress func(string, ...any)) (*report, error) {
	rep := &report{Devices: cfg.devices, OpsPerDevice: cfg.ops, Offline: cfg.offline.String(), Seed: cfg.seed}
	adm, err := newAdmin(ctx, cfg.server, cfg.adminEmail, cfg.adminPassword)
	if err != nil {
		return nil, err
	}
	reg, err := loadRegister(ctx, adm)
	if err != nil {
		return nil, err
	}
	startStock, err := adm.stock(ctx)
	if err != nil {
		return nil, err
	}

	// Users, one per device.
	run := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffffff)
	users := make([]simUser, cfg.devices)
	t0 := time.Now()
	err = each(ctx, cfg.devices, min(cfg.parallel, 8), func(i int) error {
		role := domain.RoleField
		if (i+1)*cfg.pickers/100 > i*cfg.pickers/100 { // spread evenly
			role = domain.RolePicker
		}
		var err error
		users[i], err = adm.createUser(ctx, run, i, role)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		reg.badges = append(reg.badges, u.Badge)
	}
	progress("created %d users in %s", cfg.devices, time.Since(t0).Round(time.Millisecond))

	// Every phone signs in (a few at once: password hashing is meant to be slow) and pulls
	// the register while online.
	devs := make([]*simDevice, cfg.devices)
	defer func() {
		for _, d := range devs {
			if d != nil {
				d.dev.Close()
			}
		}
	}()
	t0 = time.Now()
	err = each(ctx, cfg.devices, min(cfg.parallel, 8), func(i int) error {
		sd, err := openDevice(cfg.dir, cfg.server, i, users[i], cfg.seed, log)
		if err != nil {
			return err
		}
		devs[i] = sd
		return sd.dev.Login(ctx, users[i].Email, users[i].Password)
	})
	if err != nil {
		return nil, err
	}
	progress("%d devices signed in in %s", cfg.devices, time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	initial := make([]time.Duration, cfg.devices)
	err = each(ctx, cfg.devices, cfg.parallel, func(i int) error {
		r, err := devs[i].dev.SyncNow(ctx)
		initial[i] = r.Duration
		return err
	})
	if err != nil {
		return nil, err
	}
	rep.InitialPull = phaseOf(initial, time.Since(t0), 0)
	progress("%d devices pulled the register in %s", cfg.devices, time.Since(t0).Round(time.Millisecond))

	// Offline: every phone works on its own copy.
	t0 = time.Now()
	if err := each(ctx, cfg.devices, cfg.devices, func(i int) error { return devs[i].work(ctx, reg, cfg.ops, cfg.offline) }); err != nil {
		return nil, err
	}
	for _, d := range devs {
		rep.OpsQueued += d.queued
		for k, n := range d.opsByKind {
			if rep.OpsByKind == nil {
				rep.OpsByKind = map[string]int{}
			}
			rep.OpsByKind[k] += n
		}
	}
	progress("%d ops queued offline in %s", rep.OpsQueued, time.Since(t0).Round(time.Millisecond))

	// Back online at once: push (and pull), then a second round to see each other's changes.
	for round, name := range []string{"push", "settle"} {
		lat := make([]time.Duration, cfg.devices)
		var mu sync.Mutex
		ops := 0
		t0 = time.Now()
		err := each(ctx, cfg.devices, cfg.parallel, func(i int) error {
			r, err := devs[i].dev.SyncNow(ctx)
			lat[i] = r.Duration
			mu.Lock()
			ops += r.Applied + r.Duplicates + r.Rejected
			rep.Applied += r.Applied
			rep.Duplicates += r.Duplicates
			rep.Rejected += r.Rejected
			rep.Retries += r.Retries
			mu.Unlock()
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("%s round: %w", name, err)
		}
		ph := phaseOf(lat, time.Since(t0), ops)
		if round == 0 {
			rep.Push = ph
		} else {
			rep.Settle = ph
		}
		progress("%s round: %d devices synced in %s", name, cfg.devices, ph.Wall)
	}
	if err := rep.converge(ctx, adm, devs, startStock); err != nil {
		return nil, err
	}
	return rep, nil
}

// loadRegister reads the locations and quantity-tracked products the phones act on.
func loadRegister(ctx context.Context, adm *admin) (*register, error) {
	var locs struct{ Data []domain.Location }
	if err := adm.do(ctx, http.MethodGet, "/v1/locations?limit=500", nil, &locs); err != nil {
		return nil, err
	}
	var prods struct{ Data []domain.Product }
	if err := adm.do(ctx, http.MethodGet, "/v1/products?tracking=quantity&limit=500", nil, &prods); err != nil {
		return nil, err
	}
	reg := &register{}
	for _, l := range locs.Data {
		switch l.Kind {
		case domain.LocationStoreroom, domain.LocationCabinet:
			reg.homes = append(reg.homes, l.ID)
		case domain.LocationVehicle, domain.LocationJobsite:
			reg.away = append(reg.away, l.ID)
		}
	}
	for _, p := range prods.Data {
		reg.products = append(reg.products, p.ID)
	}
	if len(reg.homes) == 0 || len(reg.away) == 0 {
		return nil, fmt.Errorf("the server has no storeroom or cabinet, or no van or job site: start it with --demo")
	}
	return reg, nil
}

// each runs fn(0..n-1) with at most par at once and returns the first error.
func each(ctx context.Context, n, par int, fn func(i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, max(par, 1))
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// phase is the measure of one round of syncs.
type phase struct {
	Wall      string  `json:"wall"`
	Ops       int     `json:"ops"`
	OpsPerSec float64 `json:"ops_per_sec"`
	P50       string  `json:"sync_p50"`
	P99       string  `json:"sync_p99"`
	Max       string  `json:"sync_max"`
}

func phaseOf(lat []time.Duration, wall time.Duration, ops int) phase {
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	q := func(p float64) time.Duration {
		if len(s) == 0 {
			return 0
		}
		return s[min(len(s)-1, int(p*float64(len(s))))]
	}
	ph := phase{Wall: wall.Round(time.Millisecond).String(), Ops: ops,
		P50: q(0.50).Round(time.Millisecond).String(), P99: q(0.99).Round(time.Millisecond).String(), Max: q(1).Round(time.Millisecond).String()}
	if wall > 0 {
		ph.OpsPerSec = float64(ops) / wall.Seconds()
	}
	return ph
}

// rejectedDelta returns the stock delta of a rejected op, which no counter should include.
func rejectedDelta(r device.Rejection) (string, int64) {
	if r.Type != wire.OpStockAdjust {
		return "", 0
	}
	var p wire.StockAdjust
	if json.Unmarshal(r.Payload, &p) != nil {
		return "", 0
	}
	return r.EntityID, p.Delta
}
