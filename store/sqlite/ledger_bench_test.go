package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/store/sqlite"
)

// custodyTotals are the numbers of custody events in the stores BenchmarkListCustodyEvents
// reads; in each, the item it lists has custodyPerItem of them.
var custodyTotals = []int{10_000, 200_000}

// custodyPerItem is the length of the listed item's history.
const custodyPerItem = 10_000

// custodyStore opens a store in a temporary directory holding total events, custodyPerItem
// of them the listed item's and the rest spread over about a thousand other items, all
// interleaved in time. It returns the store and the listed item's id.
func custodyStore(b *testing.B, total int) (*sqlite.DB, string) {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatalf("Open = %v", err)
	}
	b.Cleanup(func() { db.Close() })
	const item = "item-listed"
	every := total / custodyPerItem // one event in every is the listed item's
	start := time.Now()
	err = sqlite.SeedCustodyEvents(ctx, db, total, func(i int) string {
		if i%every == 0 {
			return item
		}
		return fmt.Sprintf("item-%d", i%997)
	})
	if err != nil {
		b.Fatalf("SeedCustodyEvents(%d) = %v", total, err)
	}
	b.Logf("seeded %d custody events in %v", total, time.Since(start).Round(time.Millisecond))
	return db, item
}

// BenchmarkListCustodyEvents reads the newest page of 50 events of an item with 10,000
// events, in stores of 10,000 and 200,000 events: the time must not grow with the total. The
// "page=100" runs read the page after 99 others, through a cursor.
func BenchmarkListCustodyEvents(b *testing.B) {
	for _, total := range custodyTotals {
		db, item := custodyStore(b, total)
		ctx := context.Background()
		page := domain.Page{Limit: 50}
		newest, _, err := db.ListCustodyEvents(ctx, item, page)
		if err != nil || len(newest) != 50 {
			b.Fatalf("ListCustodyEvents(%s, limit 50) = %d events, %v, want 50", item, len(newest), err)
		}
		deep := page
		for range 99 {
			if _, deep.Cursor, err = db.ListCustodyEvents(ctx, item, deep); err != nil || deep.Cursor == "" {
				b.Fatalf("ListCustodyEvents(%s, next page) = cursor %q, %v", item, deep.Cursor, err)
			}
		}
		for _, tc := range []struct {
			name string
			page domain.Page
		}{{"page=newest", page}, {"page=100", deep}} {
			b.Run(fmt.Sprintf("events=%d/%s", total, tc.name), func(b *testing.B) {
				for b.Loop() {
					evs, next, err := db.ListCustodyEvents(ctx, item, tc.page)
					if err != nil || len(evs) != 50 || next == "" {
						b.Fatalf("ListCustodyEvents(%s, %+v) = %d events, next %q, %v; want 50 and a next page",
							item, tc.page, len(evs), next, err)
					}
				}
			})
		}
	}
}
