package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/store/storetest"
)

// openTemp opens a store in a fresh temporary directory; the caller closes it.
func openTemp(t *testing.T) *sqlite.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return openTemp(t) }, storetest.Options{})
}

// The store provides the ledger the sync engine takes from it.
var _ storetest.LedgerTestStore = (*sqlite.DB)(nil)

func TestLedgerConformance(t *testing.T) {
	storetest.RunLedger(t, func(t *testing.T) storetest.LedgerTestStore { return openTemp(t) }, storetest.Options{})
}

func TestOpenRefusesSecondProcess(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	first, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open(%q) = %v", dir, err)
	}
	second, err := sqlite.Open(ctx, dir)
	if err == nil {
		second.Close()
		t.Fatalf("second Open(%q) = nil error, want the directory refused", dir)
	}
	want := fmt.Sprintf("data directory %s is in use by another custody process (pid %d)", dir, os.Getpid())
	if !strings.Contains(err.Error(), want) {
		t.Errorf("second Open(%q) = %q, want it to say %q", dir, err, want)
	}
	if !errors.Is(err, sqlite.ErrDataDirInUse) {
		t.Errorf("second Open(%q) = %v, want errors.Is ErrDataDirInUse", dir, err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	again, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open(%q) after Close = %v, want nil", dir, err)
	}
	if err := again.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}

func TestOpenCreatesDirAndKeepsData(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "nested dir", "data#1")
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open(%q) = %v", dir, err)
	}
	loc := &domain.Location{ID: uuid.Must(uuid.NewV7()).String(), Name: "Depot", Kind: domain.LocationSite,
		Meta: domain.Meta{CreatedAt: time.Now(), UpdatedAt: time.Now()}}
	if err := db.CreateLocation(ctx, loc); err != nil {
		t.Fatalf("CreateLocation = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "custody.db")); err != nil {
		t.Errorf("database file: %v", err)
	}
	// Reopening applies no migration twice and finds the data.
	db, err = sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatalf("reopen Open(%q) = %v", dir, err)
	}
	defer db.Close()
	got, err := db.GetLocation(ctx, loc.ID)
	if err != nil || got.Name != "Depot" || got.Seq != loc.Seq {
		t.Errorf("GetLocation after reopen = %+v, %v, want Depot at seq %d", got, err, loc.Seq)
	}
}

func TestListLimitCapped(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	ctx := context.Background()
	p := &domain.Product{ID: uuid.Must(uuid.NewV7()).String(), Name: "Bolt", Tracking: domain.TrackSerial}
	if err := db.CreateProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.SeedItems(ctx, db, p.ID, domain.MaxPageLimit+20); err != nil {
		t.Fatalf("SeedItems = %v", err)
	}
	tests := []struct {
		name      string
		limit     int
		wantLen   int
		wantAfter bool
	}{
		{"default", 0, domain.DefaultPageLimit, true},
		{"negative", -5, domain.DefaultPageLimit, true},
		{"above max", 10 * domain.MaxPageLimit, domain.MaxPageLimit, true},
		{"exact", 7, 7, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := db.ListItems(ctx, domain.ItemFilter{Page: domain.Page{Limit: tc.limit}})
			if err != nil || len(got) != tc.wantLen || (next != "") != tc.wantAfter {
				t.Errorf("ListItems(limit %d) = %d items, next %q, %v; want %d items, next cursor %v", tc.limit, len(got), next, err, tc.wantLen, tc.wantAfter)
			}
		})
	}
	n, err := db.CountItems(ctx)
	if err != nil || n != int64(domain.MaxPageLimit+20) {
		t.Errorf("CountItems() = %d, %v, want %d", n, err, domain.MaxPageLimit+20)
	}
}

func TestConflictHidesDriverText(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	ctx := context.Background()
	u := &domain.User{ID: uuid.Must(uuid.NewV7()).String(), Email: "x@example.com", Role: domain.RoleField}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	dup := &domain.User{ID: uuid.Must(uuid.NewV7()).String(), Email: "X@example.com", Role: domain.RoleField}
	err := db.CreateUser(ctx, dup)
	if msg := domain.ErrorMessage(err); strings.Contains(strings.ToLower(msg), "constraint") || strings.Contains(msg, "users.") {
		t.Errorf("CreateUser(duplicate email) message = %q, want no driver text", msg)
	}
	if domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("CreateUser(duplicate email) code = %q, want %q", domain.ErrorCode(err), domain.ECONFLICT)
	}
}

func TestClosedStore(t *testing.T) {
	db := openTemp(t)
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if _, err := db.GetItem(context.Background(), "x"); err == nil || domain.ErrorCode(err) != domain.EINTERNAL {
		t.Errorf("GetItem on a closed store = %v, want an internal error", err)
	}
}
