package sqlite

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// TestMigrateFromFirstSchema opens a database that only the first migration made, as an
// existing installation has it: Open applies the ledger migration, keeps the data and the
// change sequence, and the ledger works.
func TestMigrateFromFirstSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// Data of the old schema: a location written at seq 41.
	all := oldDatabase(t, dir, 2,
		`UPDATE seq SET value = 41`,
		`INSERT INTO locations (id, name, kind, search, version, seq, created_at, updated_at) VALUES ('loc-1', 'Depot', 'site', 'depot', 1, 41, 0, 0)`,
		`INSERT INTO changes (seq, entity, id) VALUES (41, 'location', 'loc-1')`,
		`INSERT INTO ops (op_id, device_id, user_id, type, entity_id, hlc, payload, status, error, received_at)
			VALUES ('op-0', 'phone-1', 'u-1', 'location.create', 'loc-1', '1000-0', '{}', 'applied', '', 0)`,
	)

	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open(database of schema 1) = %v", err)
	}
	defer db.Close()
	var versions []int
	rows, err := db.r.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	rows.Close()
	want := make([]int, len(all))
	for i, m := range all {
		want[i] = m.version
	}
	if !slices.Equal(versions, want) {
		t.Errorf("schema_migrations after Open = %v, want %v", versions, want)
	}
	if l, err := db.GetLocation(ctx, "loc-1"); err != nil || l.Name != "Depot" {
		t.Errorf("GetLocation(loc-1) after migrating = %+v, %v, want Depot", l, err)
	}
	// The op log moved to a table of its own key (0008): the op recorded before is still known.
	if prev, err := db.BeginOp(ctx, &domain.OpRecord{OpID: "op-0", DeviceID: "phone-1", Type: "location.create", EntityID: "loc-1"}); err != nil ||
		prev == nil || prev.Status != domain.OpApplied || prev.DeviceID != "phone-1" {
		t.Errorf("BeginOp(op-0) after migrating = %+v, %v; want the applied record of phone-1", prev, err)
	}
	key := domain.StockKey{ProductID: "p-1", LocationID: "loc-1"}
	if ok, err := db.RecordStockMove(ctx, &domain.StockMove{ID: "op-1", ProductID: key.ProductID, LocationID: key.LocationID,
		Delta: 3, HLC: "1000-0"}); err != nil || !ok {
		t.Fatalf("RecordStockMove after migrating = %v, %v, want true, nil", ok, err)
	}
	lv, err := db.RefreshStockLevel(ctx, key, time.Now())
	if err != nil || lv.Quantity != 3 || lv.Seq != 42 {
		t.Errorf("RefreshStockLevel after migrating = %+v, %v; want quantity 3 at seq 42, after the old data's 41", lv, err)
	}
}

// TestMigrateBringsDocumentsIntoTheFeed: purchase orders and pick lists written before 0011
// get change-feed entries after every existing one, so devices pull them on their next sync.
func TestMigrateBringsDocumentsIntoTheFeed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	oldDatabase(t, dir, 11,
		`UPDATE seq SET value = 41`,
		`INSERT INTO changes (seq, entity, id) VALUES (41, 'location', 'loc-1')`,
		`INSERT INTO purchase_orders (id, status, doc, version, created_at, updated_at) VALUES ('po-1', 'open', '{"lines":[]}', 1, 0, 0)`,
		`INSERT INTO pick_lists (id, status, picker_id, doc, version, created_at, updated_at) VALUES ('pl-1', 'open', 'u-1', '{"lines":[]}', 1, 0, 0)`,
	)
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open(database of schema 10) = %v", err)
	}
	defer db.Close()
	got, err := db.ListChanges(ctx, 41, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.Change{
		{Seq: 42, Entity: domain.EntityPickList, ID: "pl-1"},
		{Seq: 43, Entity: domain.EntityPurchaseOrder, ID: "po-1"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ListChanges(after 41) after migrating = %+v, want %+v", got, want)
	}
	l := &domain.Location{ID: "loc-2", Name: "Yard", Kind: domain.LocationSite}
	if err := db.CreateLocation(ctx, l); err != nil || l.Seq != 44 {
		t.Errorf("CreateLocation after migrating: seq %d, %v; want 44, after the documents' entries", l.Seq, err)
	}
}

// oldDatabase writes, in dir, a database as a server of schema version below-1 left it: the
// migrations before below applied, then stmts run. It returns the migrations there are.
func oldDatabase(t *testing.T, dir string, below int, stmts ...string) []migration {
	t.Helper()
	ctx := context.Background()
	all, err := loadMigrations()
	if err != nil || len(all) < 2 || all[0].version != 1 {
		t.Fatalf("loadMigrations() = %d migrations, %v; want 0001 and more", len(all), err)
	}
	raw, err := sql.Open("sqlite", dsn(filepath.Join(dir, dbFile), url.Values{}))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.version >= below {
			break
		}
		if err := applyMigration(ctx, raw, m); err != nil {
			t.Fatalf("applyMigration(%s) = %v", m.name, err)
		}
	}
	for _, q := range stmts {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	return all
}
