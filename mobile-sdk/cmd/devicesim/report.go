package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
)

// report is what one simulation measured.
type report struct {
	Devices      int            `json:"devices"`
	OpsPerDevice int            `json:"ops_per_device"`
	Offline      string         `json:"offline"`
	Seed         uint64         `json:"seed"`
	OpsQueued    int            `json:"ops_queued"`
	OpsByKind    map[string]int `json:"ops_by_kind"`
	Applied      int            `json:"applied"`
	Duplicates   int            `json:"duplicates"`
	Rejected     int            `json:"rejected"`
	Retries      int            `json:"retries"`
	InitialPull  phase          `json:"initial_pull"`
	Push         phase          `json:"push"`
	Settle       phase          `json:"settle"`

	ItemsCompared    int      `json:"items_compared"`
	CountersCompared int      `json:"counters_compared"`
	CountersExact    int      `json:"counters_exact"`
	OpenConflicts    int      `json:"open_conflicts"`
	Mismatches       []string `json:"mismatches,omitempty"`
	Converged        bool     `json:"converged"`
}

func (r *report) mismatch(format string, a ...any) {
	if len(r.Mismatches) < 20 {
		r.Mismatches = append(r.Mismatches, fmt.Sprintf(format, a...))
	} else if len(r.Mismatches) == 20 {
		r.Mismatches = append(r.Mismatches, "…")
	}
}

// converge compares every device with the server: each item's custody state and version,
// each stock level, nothing left in any queue; and every stock counter nobody counted must be
// its starting level plus each device's deltas exactly once.
func (r *report) converge(ctx context.Context, adm *admin, devs []*simDevice, startStock map[string]domain.StockLevel) error {
	items, err := adm.items(ctx)
	if err != nil {
		return err
	}
	stock, err := adm.stock(ctx)
	if err != nil {
		return err
	}
	if r.OpenConflicts, err = adm.openConflicts(ctx); err != nil {
		return err
	}
	for _, sd := range devs {
		p, a, err := sd.dev.Pending()
		if err != nil {
			return err
		}
		if p+a != 0 {
			r.mismatch("device %d: %d ops still queued", sd.n, p+a)
		}
		views, err := sd.dev.Items(nil)
		if err != nil {
			return err
		}
		if len(views) != len(items) {
			r.mismatch("device %d holds %d items, the server %d", sd.n, len(views), len(items))
		}
		for _, v := range views {
			w, ok := items[v.ID]
			if !ok || custodyOf(v.Item) != custodyOf(w) || v.Version != w.Version {
				r.mismatch("device %d: item %s is %s v%d, on the server %s v%d", sd.n, v.ID, custodyOf(v.Item), v.Version, custodyOf(w), w.Version)
			}
			r.ItemsCompared++
		}
		levels, err := sd.dev.StockLevels()
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, lv := range levels {
			key := lv.ProductID + "@" + lv.LocationID
			seen[key] = true
			if w, ok := stock[key]; !ok || w.Quantity != lv.Quantity {
				r.mismatch("device %d: stock %s = %d, on the server %d", sd.n, key, lv.Quantity, w.Quantity)
			}
			r.CountersCompared++
		}
		for key := range stock {
			if !seen[key] {
				r.mismatch("device %d lacks stock counter %s", sd.n, key)
			}
		}
	}
	// Exactly once: the sum of every device's deltas, less rejected ones, on counters no device
	// counted (a count sets a new baseline).
	want := map[string]int64{}
	counted := map[string]bool{}
	for _, sd := range devs {
		for k, d := range sd.deltas {
			want[k] += d
		}
		for k := range sd.counted {
			counted[k] = true
		}
		for _, rj := range sd.rejected {
			if k, d := rejectedDelta(rj); k != "" {
				want[k] -= d
			}
		}
	}
	for key, delta := range want {
		if counted[key] {
			continue
		}
		if got, start := stock[key].Quantity, startStock[key].Quantity; got != start+delta {
			r.mismatch("stock %s = %d on the server, want %d + %d = %d", key, got, start, delta, start+delta)
		} else {
			r.CountersExact++
		}
	}
	r.Converged = len(r.Mismatches) == 0
	return nil
}

// custodyOf is what must agree between a device and the server about an item.
func custodyOf(it domain.Item) string {
	due := ""
	if it.DueAt != nil {
		due = it.DueAt.UTC().Format(time.RFC3339)
	}
	return strings.Join([]string{string(it.Status), it.HolderID, it.LocationID, due}, "|")
}

func (r *report) print(w io.Writer) {
	kinds := make([]string, 0, len(r.OpsByKind))
	for k, n := range r.OpsByKind {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "devices %d × %d ops (offline %s, seed %d): %d ops queued (%s)\n", r.Devices, r.OpsPerDevice, r.Offline, r.Seed, r.OpsQueued, strings.Join(kinds, ", "))
	fmt.Fprintf(w, "results: %d applied, %d duplicates, %d rejected; %d retries\n", r.Applied, r.Duplicates, r.Rejected, r.Retries)
	for _, p := range []struct {
		name string
		ph   phase
	}{{"initial pull", r.InitialPull}, {"push", r.Push}, {"settle", r.Settle}} {
		fmt.Fprintf(w, "%-12s wall %-9s ops %-6d %8.0f ops/s   per-device sync p50 %-8s p99 %-8s max %s\n",
			p.name, p.ph.Wall, p.ph.Ops, p.ph.OpsPerSec, p.ph.P50, p.ph.P99, p.ph.Max)
	}
	fmt.Fprintf(w, "convergence: %d item views and %d stock views compared with the server; %d counters exact to the op; %d open conflicts on the server\n",
		r.ItemsCompared, r.CountersCompared, r.CountersExact, r.OpenConflicts)
	if r.Converged {
		fmt.Fprintln(w, "converged: every device holds the server's state, nothing pending")
		return
	}
	fmt.Fprintln(w, "NOT converged:")
	for _, m := range r.Mismatches {
		fmt.Fprintln(w, "  "+m)
	}
}
