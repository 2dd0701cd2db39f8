package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/store/sqlite"
)

// benchSizes are the store sizes every benchmark runs at.
var benchSizes = []int{10_000, 100_000}

// benchProducts is how many products the seeded items spread over; a product filter keeps
// one item in benchProducts.
const benchProducts = 20

// seeded is a store filled with n items, shared by the benchmarks of one size.
type seeded struct {
	db       *sqlite.DB
	ids      []string
	products []string
}

// benchStores holds the seeded stores of this test binary, by size; TestMain closes them.
var benchStores = struct {
	sync.Mutex
	dir string
	m   map[int]*seeded
}{m: map[int]*seeded{}}

func TestMain(m *testing.M) {
	code := m.Run()
	benchStores.Lock()
	for _, s := range benchStores.m {
		s.db.Close()
	}
	if benchStores.dir != "" {
		os.RemoveAll(benchStores.dir)
	}
	benchStores.Unlock()
	os.Exit(code)
}

// seededStore returns the store with n seeded items, seeding it on first use in one
// transaction.
func seededStore(b *testing.B, n int) *seeded {
	b.Helper()
	benchStores.Lock()
	defer benchStores.Unlock()
	if s, ok := benchStores.m[n]; ok {
		return s
	}
	if benchStores.dir == "" {
		dir, err := os.MkdirTemp("", "custody-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchStores.dir = dir
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, fmt.Sprintf("%s/items-%d", benchStores.dir, n))
	if err != nil {
		b.Fatalf("Open = %v", err)
	}
	s := &seeded{db: db}
	for i := range benchProducts {
		p := &domain.Product{ID: uuid.Must(uuid.NewV7()).String(), Name: fmt.Sprintf("Product %d", i), Tracking: domain.TrackSerial}
		if err := db.CreateProduct(ctx, p); err != nil {
			b.Fatalf("CreateProduct = %v", err)
		}
		s.products = append(s.products, p.ID)
	}
	start := time.Now()
	if s.ids, err = sqlite.SeedItemsOf(ctx, db, s.products, n); err != nil {
		b.Fatalf("SeedItemsOf(%d) = %v", n, err)
	}
	b.Logf("seeded %d items in %v", n, time.Since(start).Round(time.Millisecond))
	benchStores.m[n] = s
	return s
}

// forSizes runs fn as one sub-benchmark per store size.
func forSizes(b *testing.B, fn func(b *testing.B, s *seeded)) {
	for _, n := range benchSizes {
		s := seededStore(b, n) // seeded before the sub-benchmark, whose run starts with a GC
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) { fn(b, s) })
	}
}

func BenchmarkCreateItem(b *testing.B) {
	forSizes(b, func(b *testing.B, s *seeded) {
		ctx := context.Background()
		now := time.Now()
		i := 0
		for b.Loop() {
			i++
			it := &domain.Item{ID: uuid.Must(uuid.NewV7()).String(), ProductID: s.products[i%benchProducts],
				SerialNumber: fmt.Sprintf("B-%d-%d", len(s.ids), i), AssetTag: fmt.Sprintf("BA-%d-%s", i, uuid.NewString()),
				Status: domain.StatusAvailable, Tags: []domain.Tag{{Kind: domain.TagEPC, Value: uuid.NewString()}},
				Meta: domain.Meta{CreatedAt: now, UpdatedAt: now}}
			if err := s.db.CreateItem(ctx, it); err != nil {
				b.Fatalf("CreateItem = %v", err)
			}
		}
	})
}

func BenchmarkGetItem(b *testing.B) {
	forSizes(b, func(b *testing.B, s *seeded) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(1, 2))
		for b.Loop() {
			id := s.ids[rng.IntN(len(s.ids))]
			if it, err := s.db.GetItem(ctx, id); err != nil || it.ID != id {
				b.Fatalf("GetItem(%q) = %v, %v", id, it, err)
			}
		}
	})
}

func BenchmarkGetItemByTag(b *testing.B) {
	forSizes(b, func(b *testing.B, s *seeded) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(3, 4))
		for b.Loop() {
			i := rng.IntN(len(s.ids))
			if it, err := s.db.GetItemByTag(ctx, domain.TagEPC, sqlite.SeedEPC(i)); err != nil || it.ID != s.ids[i] {
				b.Fatalf("GetItemByTag(epc, %s) = %v, %v, want %s", sqlite.SeedEPC(i), it, err, s.ids[i])
			}
		}
	})
}

func BenchmarkListItems(b *testing.B) {
	forSizes(b, func(b *testing.B, s *seeded) {
		for _, tc := range []struct {
			name   string
			filter domain.ItemFilter
		}{
			{"filter=none", domain.ItemFilter{}},
			{"filter=product", domain.ItemFilter{ProductID: s.products[3]}},
			{"filter=status", domain.ItemFilter{Status: domain.StatusInRepair}},
			{"filter=overdue", domain.ItemFilter{Overdue: true, OverdueAt: sqlite.SeedNow}},
			{"filter=sites(10%)", domain.ItemFilter{Visible: seedSiteOf(20)}},
			{"filter=sites(0.5%)", domain.ItemFilter{Visible: seedSiteOf(1)}},
		} {
			b.Run(tc.name, func(b *testing.B) {
				ctx := context.Background()
				f := tc.filter
				f.Limit = 100
				for b.Loop() {
					items, next, err := s.db.ListItems(ctx, f)
					if err != nil || len(items) == 0 {
						b.Fatalf("ListItems(%+v) = %d items, %v", f, len(items), err)
					}
					f.Cursor = next // walk the pages, starting again at the end
				}
			})
		}
	})
}

// seedSiteOf returns what a user sees who works at a site holding the first n of the seed's 200
// locations (about n/200 of the items).
func seedSiteOf(n int) *domain.Visibility {
	locs := []*domain.Location{{ID: "site", Kind: domain.LocationSite}}
	for i := range n {
		locs = append(locs, &domain.Location{ID: fmt.Sprintf("loc-%d", i), ParentID: "site"})
	}
	return domain.NewVisibility("nobody", []string{"site"}, locs)
}
