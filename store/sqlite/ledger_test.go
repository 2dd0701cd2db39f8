package sqlite_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/store/sqlite"
)

// newID returns a fresh UUIDv7 string.
func newID(t *testing.T) string {
	t.Helper()
	return uuid.Must(uuid.NewV7()).String()
}

// wantCode fails t unless err carries code and, when field is set, a problem naming field.
func wantCode(t *testing.T, what string, err error, code, field string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Errorf("%s = %v, want code %q", what, err, code)
		return
	}
	if field == "" {
		return
	}
	for _, f := range domain.ErrorFields(err) {
		if f.Field == field {
			return
		}
	}
	t.Errorf("%s = %v, want a problem naming %q", what, err, field)
}

func TestCustodyHLCRoundTrip(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	ctx := context.Background()
	tests := []struct {
		name, hlc string
	}{
		{"wall beyond a float's exact integers", "9007199254740993-0"},
		{"largest counter", "1741940813589-4294967295"},
		{"zero", "0-0"},
	}
	for _, tc := range tests {
		item := newID(t)
		ev := &domain.CustodyEvent{ID: newID(t), ItemID: item, Action: domain.ActionCheckin, HLC: tc.hlc,
			At: time.UnixMilli(1741940813589).UTC()}
		if ok, err := db.AppendCustodyEvent(ctx, ev); err != nil || !ok {
			t.Fatalf("AppendCustodyEvent(%s) = %v, %v, want true, nil", tc.name, ok, err)
		}
		got, _, err := db.ListCustodyEvents(ctx, item, domain.Page{})
		if err != nil || len(got) != 1 || got[0].HLC != tc.hlc {
			t.Errorf("ListCustodyEvents(%s) = %v, %v, want one event at HLC %q", tc.name, got, err, tc.hlc)
		}
	}
}

func TestLedgerRefusesBadInput(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	ctx := context.Background()
	item := newID(t)
	cursor := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	at := time.Now()
	key := domain.StockKey{ProductID: newID(t), LocationID: newID(t)}
	tests := []struct {
		name  string
		call  func() error
		code  string
		field string
	}{
		{"AppendCustodyEvent(no item)", func() error {
			_, err := db.AppendCustodyEvent(ctx, &domain.CustodyEvent{ID: newID(t), Action: domain.ActionCheckout, HLC: "1-0"})
			return err
		}, domain.EINVALID, "item_id"},
		{"AppendCustodyEvent(negative wall)", func() error {
			_, err := db.AppendCustodyEvent(ctx, &domain.CustodyEvent{ID: newID(t), ItemID: item, Action: domain.ActionCheckout, HLC: "-1-0"})
			return err
		}, domain.EINVALID, "hlc"},
		{"ListCustodyEvents(cursor of another shape)", func() error {
			_, _, err := db.ListCustodyEvents(ctx, item, domain.Page{Cursor: cursor("12|x")})
			return err
		}, domain.EINVALID, "cursor"},
		{"ListCustodyEvents(cursor with words)", func() error {
			_, _, err := db.ListCustodyEvents(ctx, item, domain.Page{Cursor: cursor("a,b|x")})
			return err
		}, domain.EINVALID, "cursor"},
		{"ListConflicts(custody cursor)", func() error {
			_, _, err := db.ListConflicts(ctx, false, domain.Page{Cursor: cursor("1,2|x")})
			return err
		}, domain.EINVALID, "cursor"},
		{"RecordStockMove(no location)", func() error {
			_, err := db.RecordStockMove(ctx, &domain.StockMove{ID: newID(t), ProductID: key.ProductID, HLC: "1-0"})
			return err
		}, domain.EINVALID, "location_id"},
		{"SetStockMin(negative)", func() error {
			_, err := db.SetStockMin(ctx, key, -1, at)
			return err
		}, domain.EINVALID, "min_quantity"},
		{"RefreshStockLevel(no product)", func() error {
			_, err := db.RefreshStockLevel(ctx, domain.StockKey{LocationID: key.LocationID}, at)
			return err
		}, domain.EINVALID, "product_id"},
		{"CreateConflict(no kind)", func() error {
			_, err := db.CreateConflict(ctx, &domain.Conflict{ID: newID(t), EntityID: item})
			return err
		}, domain.EINVALID, "kind"},
		{"BindDevice(no user)", func() error { return db.BindDevice(ctx, "phone-1", "", at) }, domain.EINVALID, "user_id"},
	}
	for _, tc := range tests {
		wantCode(t, tc.name, tc.call(), tc.code, tc.field)
	}
	if evs, _, err := db.ListCustodyEvents(ctx, item, domain.Page{}); err != nil || len(evs) != 0 {
		t.Errorf("ListCustodyEvents after refused appends = %d events, %v, want none", len(evs), err)
	}
	if _, err := db.GetStockLevel(ctx, key); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("GetStockLevel after refused writes = %v, want not found", err)
	}
}

func TestRefreshNeverMovedWritesNothing(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	ctx := context.Background()
	key := domain.StockKey{ProductID: newID(t), LocationID: newID(t)}
	_, err := db.RefreshStockLevel(ctx, key, time.Now())
	wantCode(t, "RefreshStockLevel(never moved)", err, domain.ENOTFOUND, "")
	_, err = db.GetStockLevel(ctx, key)
	wantCode(t, "GetStockLevel after refreshing a counter never moved", err, domain.ENOTFOUND, "")
	if changes, err := db.ListChanges(ctx, 0, 10); err != nil || len(changes) != 0 {
		t.Errorf("ListChanges after refreshing a counter never moved = %+v, %v, want none", changes, err)
	}
}

// TestSetStockMinFoldsUnrefreshedMoves covers a crash between recording a move and refreshing
// its counter: the level SetStockMin creates counts the recorded moves.
func TestSetStockMinFoldsUnrefreshedMoves(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	ctx := context.Background()
	key := domain.StockKey{ProductID: newID(t), LocationID: newID(t)}
	for _, m := range []*domain.StockMove{
		{ID: newID(t), Count: true, Quantity: 20, HLC: "1000-0"},
		{ID: newID(t), Delta: -8, HLC: "1000-1"},
	} {
		m.ProductID, m.LocationID = key.ProductID, key.LocationID
		if ok, err := db.RecordStockMove(ctx, m); err != nil || !ok {
			t.Fatalf("RecordStockMove(%s) = %v, %v", m.HLC, ok, err)
		}
	}
	lv, err := db.SetStockMin(ctx, key, 15, time.Now())
	if err != nil || lv.Quantity != 12 || lv.MinQuantity != 15 || !lv.BelowMin || lv.Version != 1 {
		t.Errorf("SetStockMin(15) after count 20 and pick 8 = %+v, %v; want quantity 12, min 15, below, version 1", lv, err)
	}
	again, err := db.RefreshStockLevel(ctx, key, time.Now())
	if err != nil || again.Version != 1 || again.Seq != lv.Seq {
		t.Errorf("RefreshStockLevel after SetStockMin = %+v, %v; want the level unchanged", again, err)
	}
}

func TestLedgerSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	item, key := newID(t), domain.StockKey{ProductID: newID(t), LocationID: newID(t)}
	ev := &domain.CustodyEvent{ID: newID(t), ItemID: item, Action: domain.ActionCheckout, HLC: "5-1", At: time.Now()}
	m := &domain.StockMove{ID: newID(t), ProductID: key.ProductID, LocationID: key.LocationID, Delta: 4, HLC: "5-1"}
	if _, err := db.AppendCustodyEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordStockMove(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RefreshStockLevel(ctx, key, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.BindDevice(ctx, "phone-9", "user-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatalf("reopen Open = %v", err)
	}
	defer db.Close()
	if ok, err := db.AppendCustodyEvent(ctx, ev); err != nil || ok {
		t.Errorf("AppendCustodyEvent(stored before reopening) = %v, %v, want false, nil", ok, err)
	}
	if ok, err := db.RecordStockMove(ctx, m); err != nil || ok {
		t.Errorf("RecordStockMove(stored before reopening) = %v, %v, want false, nil", ok, err)
	}
	if lv, err := db.GetStockLevel(ctx, key); err != nil || lv.Quantity != 4 {
		t.Errorf("GetStockLevel after reopening = %+v, %v, want quantity 4", lv, err)
	}
	wantCode(t, "BindDevice(phone-9, other user) after reopening", db.BindDevice(ctx, "phone-9", "user-2", time.Now()),
		domain.EFORBIDDEN, "device_id")
}
