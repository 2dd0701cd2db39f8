package sqlite

import (
	"context"
	"errors"
	"testing"

	"github.com/custodyhq/custody/domain"
)

// TestHeldRowsFollowSavepoints: rows held by a write whose savepoint is rolled back are dropped
// with it, and those of the writes around it are kept.
func TestHeldRowsFollowSavepoints(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	boom := errors.New("boom")
	hold := func(ctx context.Context, id string, fail error) error {
		return db.write(ctx, func(t *tx) error {
			if _, err := db.AppendAudit(ctx, &domain.AuditRecord{ID: id, Entity: "item", EntityID: id}); err != nil {
				return err
			}
			if err := recordChange(t, "item", id, int64(len(id)), false); err != nil {
				return err
			}
			return fail
		})
	}
	err = db.Batch(ctx, func(ctx context.Context) error {
		if err := hold(ctx, "a", nil); err != nil {
			return err
		}
		if err := hold(ctx, "bb", boom); !errors.Is(err, boom) {
			t.Errorf("a failing write = %v, want boom", err)
		}
		return hold(ctx, "ccc", nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	changes, err := db.ListChanges(ctx, 0, 10)
	if err != nil || len(changes) != 2 || changes[0].ID != "a" || changes[1].ID != "ccc" {
		t.Errorf("ListChanges = %v, %v; want a and ccc", changes, err)
	}
	recs, _, err := db.ListAudit(ctx, "", domain.Page{Limit: 10})
	if err != nil || len(recs) != 2 {
		t.Errorf("ListAudit = %d records, %v; want 2 (a and ccc)", len(recs), err)
	}
	if ok, err := db.AppendAudit(ctx, &domain.AuditRecord{ID: "bb", Entity: "item", EntityID: "bb"}); err != nil || !ok {
		t.Errorf("AppendAudit(bb) after its write was undone = %v, %v; want stored", ok, err)
	}
}
