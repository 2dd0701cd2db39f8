package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/device"
)

// register is what the simulated devices act on: the server's locations and products as the
// first device pulled them.
type register struct {
	homes    []string // storerooms and cabinets: where tools are checked in, stock kept
	away     []string // vans and job sites: where tools are transferred to
	products []string // quantity-tracked products
	badges   []string // every simulated user's badge
}

// simDevice is one simulated phone: a user, the SDK on its own file, and what it did.
type simDevice struct {
	n    int
	user simUser
	dev  *device.Device
	rng  *rand.Rand

	mu        sync.Mutex
	queued    int
	rejected  []device.Rejection
	deltas    map[string]int64 // stock deltas queued per counter
	counted   map[string]bool  // counters this device counted (a count resets the baseline)
	opsByKind map[string]int
}

func openDevice(dir, serverURL string, n int, u simUser, seed uint64, log zerolog.Logger) (*simDevice, error) {
	sd := &simDevice{n: n, user: u, rng: rand.New(rand.NewPCG(seed, uint64(n))), deltas: map[string]int64{},
		counted: map[string]bool{}, opsByKind: map[string]int{}}
	d, err := device.Open(device.Options{
		ServerURL: serverURL,
		Path:      filepath.Join(dir, fmt.Sprintf("device-%03d.db", n)),
		Logger:    log.With().Int("device", n).Logger(),
		OnRejected: func(r device.Rejection) {
			sd.mu.Lock()
			defer sd.mu.Unlock()
			sd.rejected = append(sd.rejected, r)
		},
	})
	if err != nil {
		return nil, err
	}
	sd.dev = d
	return sd, nil
}

// work makes ops offline: n of them, spread over the offline period.
func (sd *simDevice) work(ctx context.Context, reg *register, n int, offline time.Duration) error {
	gap := offline / time.Duration(max(n, 1))
	for i := 0; i < n; i++ {
		if gap > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(gap):
			}
		}
		kind, err := sd.step(reg)
		if err != nil {
			return fmt.Errorf("device %d op %d (%s): %w", sd.n, i, kind, err)
		}
		sd.mu.Lock()
		sd.queued++
		sd.opsByKind[kind]++
		sd.mu.Unlock()
	}
	return nil
}

// step makes one realistic op: pickers mostly move stock, everyone checks tools out, in and
// between vans. Tools are named the way phones read them: NFC tag, EPC, asset tag or id.
func (sd *simDevice) step(reg *register) (string, error) {
	rng := sd.rng
	roll := rng.IntN(100)
	if sd.user.Role == domain.RolePicker && roll < 50 && len(reg.products) > 0 {
		pi := rng.IntN(len(reg.products))
		product, home := reg.products[pi], pick(rng, reg.homes)
		key := product + "@" + home
		switch r := rng.IntN(100); {
		case r < 5 && pi%2 == 0: // stocktakes on half the products; the others' totals are checked to the op
			q := int64(rng.IntN(200))
			if _, err := sd.dev.Count(product, home, q); err != nil {
				return "stock.count", err
			}
			sd.mu.Lock()
			sd.counted[key] = true
			sd.mu.Unlock()
			return "stock.count", nil
		case r < 50:
			q := int64(1 + rng.IntN(24))
			_, err := sd.dev.Adjust(product, home, q, domain.ReasonReceive)
			sd.addDelta(key, q, err)
			return "stock.receive", err
		default:
			q := int64(1 + rng.IntN(6))
			_, err := sd.dev.Adjust(product, home, -q, domain.ReasonPick)
			sd.addDelta(key, -q, err)
			return "stock.pick", err
		}
	}
	mine, err := sd.dev.MyTools()
	if err != nil {
		return "", err
	}
	if len(mine) > 0 && roll < 70 {
		tool := mine[rng.IntN(len(mine))]
		if rng.IntN(3) == 0 {
			_, err := sd.dev.Transfer(tool.ID, pick(rng, reg.away))
			return "item.transfer", err
		}
		cond := "ok"
		switch rng.IntN(40) {
		case 0:
			cond = "damaged"
		case 1:
			cond = "needs_service"
		}
		_, err := sd.dev.CheckIn(codeOf(rng, tool), pick(rng, reg.homes), cond)
		return "item.checkin", err
	}
	// Check a tool out: one this device believes available, rarely any tool at all (the
	// device may be wrong, which the server keeps as a conflict).
	tools, err := sd.dev.Items(func(v *device.ItemView) bool {
		return v.Status != domain.StatusRetired && (v.Status == domain.StatusAvailable || rng.IntN(50) == 0)
	})
	if err != nil || len(tools) == 0 {
		return "item.checkout", err
	}
	tool := tools[rng.IntN(len(tools))]
	badge := ""
	if rng.IntN(10) == 0 {
		badge = pick(rng, reg.badges) // checked out to a colleague by tapping their badge
	}
	due := time.Now().Add(time.Duration(1+rng.IntN(7*24)) * time.Hour)
	_, err = sd.dev.CheckOut(codeOf(rng, tool), badge, due)
	return "item.checkout", err
}

func (sd *simDevice) addDelta(key string, q int64, err error) {
	if err != nil {
		return
	}
	sd.mu.Lock()
	defer sd.mu.Unlock()
	sd.deltas[key] += q
}

// codeOf names a tool as a phone would read it.
func codeOf(rng *rand.Rand, v *device.ItemView) string {
	var nfc, epc string
	for _, t := range v.Tags {
		switch t.Kind {
		case domain.TagNFC:
			nfc = t.Value
		case domain.TagEPC:
			epc = t.Value
		}
	}
	switch rng.IntN(4) {
	case 0:
		if nfc != "" {
			var parts []string // "04:a1:b2:…", as Android's NFC APIs often print it
			for i := 0; i+2 <= len(nfc); i += 2 {
				parts = append(parts, strings.ToLower(nfc[i:i+2]))
			}
			return strings.Join(parts, ":")
		}
	case 1:
		if epc != "" {
			return epc
		}
	case 2:
		if v.AssetTag != "" {
			return v.AssetTag
		}
	}
	return v.ID
}

func pick(rng *rand.Rand, s []string) string { return s[rng.IntN(len(s))] }
