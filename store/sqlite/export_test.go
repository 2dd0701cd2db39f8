package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
)

// SeedItems stores n items of product productID in one transaction, for tests and benchmarks
// that need a large store fast. Item i has serial "S-<i>", asset tag "A-<i>", the EPC tag
// SeedEPC(i) and, by i, one of 200 locations (location ids "loc-<i%200>") and five statuses;
// checked-out items have a holder and a due date, one in a thousand items overdue at SeedNow.
func SeedItems(ctx context.Context, db *DB, productID string, n int) ([]string, error) {
	return seed(ctx, db, n, func(i int) *domain.Item { return seedItem(productID, i) })
}

// SeedItemsOf is SeedItems over several products, item i belonging to products[i%len].
func SeedItemsOf(ctx context.Context, db *DB, products []string, n int) ([]string, error) {
	return seed(ctx, db, n, func(i int) *domain.Item { return seedItem(products[i%len(products)], i) })
}

// seedItem returns item number i of a seeded store.
func seedItem(productID string, i int) *domain.Item {
	statuses := []domain.ItemStatus{domain.StatusAvailable, domain.StatusAvailable, domain.StatusCheckedOut,
		domain.StatusInRepair, domain.StatusInCalib}
	it := &domain.Item{
		ID: uuid.Must(uuid.NewV7()).String(), ProductID: productID,
		SerialNumber: fmt.Sprintf("S-%d", i), AssetTag: fmt.Sprintf("A-%d", i),
		LocationID: fmt.Sprintf("loc-%d", i%200), Status: statuses[i%len(statuses)],
		Notes: "seeded item", Tags: []domain.Tag{{Kind: domain.TagEPC, Value: SeedEPC(i)}},
	}
	if it.Status == domain.StatusCheckedOut {
		due := SeedNow.Add(30 * 24 * time.Hour)
		if i%1000 == 2 {
			due = SeedNow.Add(-24 * time.Hour) // one item in a thousand is overdue at SeedNow
		}
		it.HolderID, it.DueAt = fmt.Sprintf("user-%d", i%50), &due
	}
	it.CreatedAt, it.UpdatedAt = SeedNow, SeedNow
	return it
}

// SeedNow is the time at which seeded items are overdue or not.
var SeedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// SeedEPC is the EPC tag value of seeded item i.
func SeedEPC(i int) string { return fmt.Sprintf("E%023d", i) }

// seed inserts n items made by mk in one transaction and returns their ids in order.
func seed(ctx context.Context, db *DB, n int, mk func(i int) *domain.Item) ([]string, error) {
	ids := make([]string, 0, n)
	err := db.write(ctx, func(t *tx) error {
		for i := range n {
			seq, err := nextSeq(t)
			if err != nil {
				return err
			}
			it := mk(i)
			if err := insertItem(t, it, seq); err != nil {
				return err
			}
			ids = append(ids, it.ID)
		}
		return nil
	})
	return ids, err
}

// SeedCustodyEvents stores n check-out events in one transaction, for benchmarks that need a
// long custody history fast. Event i belongs to item(i) and has the HLC
// "<SeedNow in ms + i/4>-<i%4>", so a later event is a newer one.
func SeedCustodyEvents(ctx context.Context, db *DB, n int, item func(i int) string) error {
	base := SeedNow.UnixMilli()
	due := SeedNow.Add(7 * 24 * time.Hour)
	return db.write(ctx, func(t *tx) error {
		for i := range n {
			wall, counter := base+int64(i/4), int64(i%4)
			if _, err := t.exec(qInsertCustody, uuid.Must(uuid.NewV7()).String(), item(i), string(domain.ActionCheckout),
				fmt.Sprintf("user-%d", i%50), fmt.Sprintf("loc-%d", i%200), millis(due), string(domain.ConditionOK),
				"seeded", "user-0", "phone-1", wall, counter, wall); err != nil {
				return err
			}
		}
		return nil
	})
}

// insertItem stores a new item (for the bulk seeders) at version 1 and seq, with its tags and change-feed entry.
func insertItem(t *tx, it *domain.Item, seq int64) error {
	args, err := itemArgs(it, 1, seq)
	if err != nil {
		return err
	}
	if _, err := t.exec(qInsertItem, append([]any{it.ID}, args...)...); err != nil {
		return conflict(err)
	}
	if err := insertItemTags(t, it); err != nil {
		return err
	}
	return recordChange(t, domain.EntityItem, it.ID, seq, it.Deleted)
}
