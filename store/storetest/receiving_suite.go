package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// ReceivingStore is what a store adapter provides for purchase orders, their receipts and pick
// lists. Conventions:
//   - CreatePurchaseOrder and CreatePickList store a new document with Version 1 (written back
//     into the value); an id in use is ECONFLICT naming "id"; an empty id is EINVALID.
//   - Update*(ctx, v, expectVersion) writes v whole if the stored Version is expectVersion and
//     sets v.Version to expectVersion+1; a stale version is ECONFLICT naming "version"; an unknown
//     id is ENOTFOUND. CreatedAt, UpdatedAt and Version are the store's to keep.
//   - CreateReceipt stores a receipt unless one with its id exists and reports whether it did;
//     a receipt never changes.
//   - Get* of an unknown id is ENOTFOUND. Times come back in UTC, truncated to the millisecond;
//     empty lists inside a document (serials, picked items) may come back nil.
//   - ListReceipts returns every receipt of a purchase order, oldest (ReceivedAt) first; an
//     empty purchase order id is EINVALID.
//   - List* pages in id order, filtered by status (and picker for pick lists); a page never
//     repeats or skips a document.
//   - Every create and update of a purchase order or pick list moves its change-feed entry
//     (entity "purchase_order" or "pick_list") to a new, later seq, as register writes do; a
//     refused update does not.
type ReceivingStore interface {
	CreatePurchaseOrder(ctx context.Context, po *domain.PurchaseOrder) error
	GetPurchaseOrder(ctx context.Context, id string) (*domain.PurchaseOrder, error)
	UpdatePurchaseOrder(ctx context.Context, po *domain.PurchaseOrder, expectVersion int64) error
	ListPurchaseOrders(ctx context.Context, f domain.PurchaseOrderFilter) ([]*domain.PurchaseOrder, string, error)

	CreateReceipt(ctx context.Context, r *domain.Receipt) (bool, error)
	GetReceipt(ctx context.Context, id string) (*domain.Receipt, error)
	ListReceipts(ctx context.Context, purchaseOrderID string) ([]*domain.Receipt, error)

	CreatePickList(ctx context.Context, pl *domain.PickList) error
	GetPickList(ctx context.Context, id string) (*domain.PickList, error)
	UpdatePickList(ctx context.Context, pl *domain.PickList, expectVersion int64) error
	ListPickLists(ctx context.Context, f domain.PickListFilter) ([]*domain.PickList, string, error)
}

// ReceivingTestStore is a store adapter together with its receiving part: what RunReceiving
// checks.
type ReceivingTestStore interface {
	Store
	ReceivingStore
}

// receivingCase is one named case of the receiving suite.
type receivingCase struct {
	name string
	run  func(t *testing.T, st ReceivingTestStore)
}

// RunReceiving checks that the stores made by open follow the ReceivingStore contract. open
// must return a fresh, empty store each time it is called; RunReceiving closes it when the case
// ends. No case writes concurrently, so opts.SkipConcurrent skips nothing here.
func RunReceiving(t *testing.T, open func(t *testing.T) ReceivingTestStore, _ Options) {
	cases := []receivingCase{
		{"PurchaseOrders/RoundTrip", testPORoundTrip},
		{"PurchaseOrders/CreateTwice", testPOCreateTwice},
		{"PurchaseOrders/UpdateByVersion", testPOUpdate},
		{"PurchaseOrders/ListByStatus", testPOList},
		{"Receipts/CreateOnce", testReceiptOnce},
		{"Receipts/ListByPurchaseOrder", testReceiptList},
		{"PickLists/RoundTripAndUpdate", testPickListRoundTrip},
		{"PickLists/ListByPickerAndStatus", testPickListList},
		{"NotFoundAndInvalid", testReceivingMissing},
		{"DocumentsInTheFeed", testDocumentsInFeed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Errorf("Close() = %v, want nil", err)
				}
			})
			tc.run(t, st)
		})
	}
}

// newPO returns an open purchase order with a quantity line and a serial line, not yet stored.
func newPO(t *testing.T, status domain.PurchaseOrderStatus) *domain.PurchaseOrder {
	t.Helper()
	return &domain.PurchaseOrder{ID: newID(t), Reference: "PO-4471", Supplier: "Hilti GB", ExpectedDate: "2025-03-20",
		LocationID: newID(t), Status: status, CreatedBy: "u-sam", Notes: "dock 2",
		Lines: []domain.POLine{
			{ProductID: "p-gloves", Quantity: 40, UnitCostCents: 990},
			{ProductID: "p-drill", Quantity: 2, Serials: []string{"SF6H-0001", "SF6H-0002"}, UnitCostCents: 45900},
		},
		Meta: meta()}
}

// normPO makes purchase orders comparable after a round trip.
func normPO(po *domain.PurchaseOrder) *domain.PurchaseOrder {
	c := *po
	c.Meta = normMeta(c.Meta)
	c.ClosedAt = msPtr(c.ClosedAt)
	c.Lines = append([]domain.POLine(nil), po.Lines...)
	for i := range c.Lines {
		if len(c.Lines[i].Serials) == 0 {
			c.Lines[i].Serials = nil
		}
		if len(c.Lines[i].ReceivedSerials) == 0 {
			c.Lines[i].ReceivedSerials = nil
		}
	}
	return &c
}

func testPORoundTrip(t *testing.T, st ReceivingTestStore) {
	ctx := testContext(t)
	po := newPO(t, domain.POOpen)
	must(t, "CreatePurchaseOrder", st.CreatePurchaseOrder(ctx, po))
	if po.Version != 1 {
		t.Errorf("CreatePurchaseOrder set Version %d, want 1", po.Version)
	}
	got, err := st.GetPurchaseOrder(ctx, po.ID)
	must(t, "GetPurchaseOrder", err)
	if d := equalAsStored(got, po, normPO); d != "" {
		t.Errorf("GetPurchaseOrder(%q) differs from what was created:\n%s", po.ID, d)
	}
	checkUTC(t, "GetPurchaseOrder", &got.CreatedAt, &got.UpdatedAt)
}

func testPOCreateTwice(t *testing.T, st ReceivingTestStore) {
	ctx := testContext(t)
	po := newPO(t, domain.POOpen)
	must(t, "CreatePurchaseOrder", st.CreatePurchaseOrder(ctx, po))
	again := newPO(t, domain.POOpen)
	again.ID, again.Supplier = po.ID, "Someone else"
	wantError(t, "CreatePurchaseOrder(same id)", st.CreatePurchaseOrder(ctx, again), domain.ECONFLICT, "id")
	got, err := st.GetPurchaseOrder(ctx, po.ID)
	must(t, "GetPurchaseOrder", err)
	if got.Supplier != po.Supplier {
		t.Errorf("after a second create, Supplier = %q, want the first %q", got.Supplier, po.Supplier)
	}
}

func testPOUpdate(t *testing.T, st ReceivingTestStore) {
	ctx := testContext(t)
	po := newPO(t, domain.POOpen)
	must(t, "CreatePurchaseOrder", st.CreatePurchaseOrder(ctx, po))
	closed := baseTime.Add(48 * time.Hour)
	po.Status, po.ClosedAt, po.UpdatedAt = domain.POPartiallyReceived, &closed, baseTime.Add(time.Hour)
	po.Lines[1].Received, po.Lines[1].ReceivedSerials = 1, []string{"SF6H-0002"}
	po.Lines[0].Received, po.Lines[0].OverReceived = 45, true
	must(t, "UpdatePurchaseOrder(version 1)", st.UpdatePurchaseOrder(ctx, po, 1))
	if po.Version != 2 {
		t.Errorf("UpdatePurchaseOrder set Version %d, want 2", po.Version)
	}
	got, err := st.GetPurchaseOrder(ctx, po.ID)
	must(t, "GetPurchaseOrder", err)
	if d := equalAsStored(got, po, normPO); d != "" {
		t.Errorf("GetPurchaseOrder(%q) after update:\n%s", po.ID, d)
	}
	stale := *po
	stale.Supplier = "stale"
	wantError(t, "UpdatePurchaseOrder(stale version 1)", st.UpdatePurchaseOrder(ctx, &stale, 1), domain.ECONFLICT, "version")
	ghost := newPO(t, domain.POOpen)
	wantError(t, "UpdatePurchaseOrder(unknown)", st.UpdatePurchaseOrder(ctx, ghost, 1), domain.ENOTFOUND, "")
}

func testPOList(t *testing.T, st ReceivingTestStore) {
	ctx := testContext(t)
	var open, all []string
	for i, s := range []domain.PurchaseOrderStatus{domain.POOpen, domain.POReceived, domain.POOpen, domain.POClosed, domain.POOpen} {
		po := newPO(t, s)
		po.Reference = fmt.Sprintf("PO-%d", i)
		must(t, "CreatePurchaseOrder", st.CreatePurchaseOrder(ctx, po))
		all = append(all, po.ID)
		if s == domain.POOpen {
			open = append(open, po.ID)
		}
	}
	tests := []struct {
		name   string
		filter domain.PurchaseOrderFilter
		want   []string
	}{
		{"all", domain.PurchaseOrderFilter{Page: domain.Page{Limit: 2}}, all},
		{"open", domain.PurchaseOrderFilter{Status: domain.POOpen, Page: domain.Page{Limit: 2}}, open},
		{"closed", domain.PurchaseOrderFilter{Status: domain.POClosed}, all[3:4]},
		{"partially received", domain.PurchaseOrderFilter{Status: domain.POPartiallyReceived}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			f := tt.filter
			for pages := 0; ; pages++ {
				if pages > len(all) {
					t.Fatalf("ListPurchaseOrders(%+v) never ends", tt.filter)
				}
				list, next, err := st.ListPurchaseOrders(ctx, f)
				must(t, "ListPurchaseOrders", err)
				for _, po := range list {
					got = append(got, po.ID)
				}
				if next == "" {
					break
				}
				f.Cursor = next
			}
			if !sameIDs(got, tt.want) {
				t.Errorf("ListPurchaseOrders(status %q) = %v, want %v", tt.filter.Status, got, tt.want)
			}
		})
	}
}

// newReceipt returns a receipt against poID ("" for a free one), received at `at`.
func newReceipt(t *testing.T, poID string, at time.Time) *domain.Receipt {
	t.Helper()
	return &domain.Receipt{ID: newID(t), PurchaseOrderID: poID, LocationID: "loc-dock", OverReceipt: true,
		ReceivedBy: "u-pat", DeviceID: "scanner-7", ReceivedAt: at,
		Lines: []domain.ReceiptLine{
			{Code: "(01)09506000134352(30)45", ProductID: "p-gloves", Quantity: 45, Outcome: domain.OutcomeStocked, OverReceipt: true},
			{ProductID: "p-drill", Quantity: 1, SerialNumber: "SF6H-0001", ItemID: "i-1", Outcome: domain.OutcomeCreated},
			{ProductID: "p-drill", Quantity: 1, SerialNumber: "SF6H-0009", ItemID: "i-9", Outcome: domain.OutcomeMatched, UnexpectedSerial: true},
			{ProductID: "p-saw", Quantity: 1, SerialNumber: "X1", Outcome: domain.OutcomeDuplicate, NotOnOrder: true},
		}}
}

func normReceipt(r *domain.Receipt) *domain.Receipt {
	c := *r
	c.ReceivedAt = ms(c.ReceivedAt)
	return &c
}

func testReceiptOnce(t *testing.T, st ReceivingTestStore) {
	ctx := testContext(t)
	r := newReceipt(t, newID(t), baseTime)
	created, err := st.CreateReceipt(ctx, r)
	if err != nil || !created {
		t.Fatalf("CreateReceipt(new) = %v, %v; want true, nil", created, err)
	}
	again := newReceipt(t, r.PurchaseOrderID, baseTime.Add(time.Hour))
	again.ID, again.LocationID = r.ID, "elsewhere"
	created, err = st.CreateReceipt(ctx, again)
	if err != nil || created {
		t.Fatalf("CreateReceipt(same id) = %v, %v; want false, nil", created, err)
	}
	got, err := st.GetReceipt(ctx, r.ID)
	must(t, "GetReceipt", err)
	if d := equalAsStored(got, r, normReceipt); d != "" {
		t.Errorf("GetReceipt(%q) is not the first receipt:\n%s", r.ID, d)
	}
	checkUTC(t, "GetReceipt", &got.ReceivedAt)
	_, err = st.CreateReceipt(ctx, &domain.Receipt{})
	wantError(t, "CreateReceipt(no id)", err, domain.EINVALID, "id")
}

func testReceiptList(t *testing.T, st ReceivingTestStore) {
	ctx := testContext(t)
	po1, po2 := newID(t), newID(t)
	late := newReceipt(t, po1, baseTime.Add(2*time.Hour))
	early := newReceipt(t, po1, baseTime)
	other := newReceipt(t, po2, baseTime.Add(time.Hour))
	free := newReceipt(t, "", baseTime.Add(time.Hour))
	for _, r := range []*domain.Receipt{late, early, other, free} {
		if _, err := st.CreateReceipt(ctx, r); err != nil {
			t.Fatalf("CreateReceipt = %v", err)
		}
	}
	tests := []struct {
		name string
		po   string
		want []string
	}{
		{"oldest first", po1, []string{early.ID, late.ID}},
		{"only its own", po2, []string{other.ID}},
		{"none", newID(t), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := st.ListReceipts(ctx, tt.po)
			must(t, "ListReceipts", err)
			var got []string
			for _, r := range list {
				got = append(got, r.ID)
			}
			if !sameIDs(got, tt.want) {
				t.Errorf("ListReceipts(%q) = %v, want %v", tt.po, got, tt.want)
			}
		})
	}
	_, err := st.ListReceipts(ctx, "")
	wantError(t, `ListReceipts("")`, err, domain.EINVALID, "purchase_order_id")
}

// newPickList returns an open pick list for picker with a quantity line and an item line.
func newPickList(t *testing.T, picker string, status domain.PickListStatus) *domain.PickList {
	t.Helper()
	return &domain.PickList{ID: newID(t), Reference: "JOB-88", SourceLocationID: "loc-store", JobLocationID: "loc-job",
		PickerID: picker, Status: status, CreatedBy: "u-sam", Notes: "level 3",
		Lines: []domain.PickLine{{ProductID: "p-bits", Quantity: 10}, {ProductID: "p-drill", ItemID: "i-1", Quantity: 1}},
		Picks: []domain.Pick{}, Meta: meta()}
}

func normPickList(pl *domain.PickList) *domain.PickList {
	c := *pl
	c.Meta = normMeta(c.Meta)
	c.CompletedAt = msPtr(c.CompletedAt)
	c.Lines = append([]domain.PickLine(nil), pl.Lines...)
	for i := range c.Lines {
		if len(c.Lines[i].PickedItemIDs) == 0 {
			c.Lines[i].PickedItemIDs = nil
		}
	}
	c.Picks = append([]domain.Pick{}, pl.Picks...)
	for i := range c.Picks {
		c.Picks[i].At = ms(c.Picks[i].At)
	}
	return &c
}

func testPickListRoundTrip(t *testing.T, st ReceivingTestStore) {
	ctx := testContext(t)
	pl := newPickList(t, "u-pat", domain.PickOpen)
	must(t, "CreatePickList", st.CreatePickList(ctx, pl))
	if pl.Version != 1 {
		t.Errorf("CreatePickList set Version %d, want 1", pl.Version)
	}
	got, err := st.GetPickList(ctx, pl.ID)
	must(t, "GetPickList", err)
	if d := equalAsStored(got, pl, normPickList); d != "" {
		t.Errorf("GetPickList(%q) differs from what was created:\n%s", pl.ID, d)
	}
	wantError(t, "CreatePickList(same id)", st.CreatePickList(ctx, newPickListWithID(t, pl.ID)), domain.ECONFLICT, "id")

	done := baseTime.Add(3 * time.Hour)
	pl.Picks = append(pl.Picks,
		domain.Pick{ID: newID(t), Line: 0, ProductID: "p-bits", Quantity: 6, Code: "(01)09506000134352(30)6", PickedBy: "u-pat", DeviceID: "scanner-7", At: baseTime.Add(time.Hour)},
		domain.Pick{ID: newID(t), Line: 1, ProductID: "p-drill", ItemID: "i-1", Quantity: 1, PickedBy: "u-pat", At: baseTime.Add(2 * time.Hour)})
	pl.Lines[0].Picked, pl.Lines[0].Short = 6, true
	pl.Lines[1].Picked, pl.Lines[1].PickedItemIDs = 1, []string{"i-1"}
	pl.Status, pl.CompletedAt, pl.CompletedBy, pl.UpdatedAt = domain.PickCompleted, &done, "u-pat", done
	must(t, "UpdatePickList(version 1)", st.UpdatePickList(ctx, pl, 1))
	if pl.Version != 2 {
		t.Errorf("UpdatePickList set Version %d, want 2", pl.Version)
	}
	got, err = st.GetPickList(ctx, pl.ID)
	must(t, "GetPickList", err)
	if d := equalAsStored(got, pl, normPickList); d != "" {
		t.Errorf("GetPickList(%q) after update:\n%s", pl.ID, d)
	}
	checkUTC(t, "GetPickList", got.CompletedAt, &got.Picks[0].At)
	wantError(t, "UpdatePickList(stale version 1)", st.UpdatePickList(ctx, pl, 1), domain.ECONFLICT, "version")
	wantError(t, "UpdatePickList(unknown)", st.UpdatePickList(ctx, newPickList(t, "", domain.PickOpen), 1), domain.ENOTFOUND, "")
}

func newPickListWithID(t *testing.T, id string) *domain.PickList {
	t.Helper()
	pl := newPickList(t, "u-other", domain.PickOpen)
	pl.ID = id
	return pl
}

func testPickListList(t *testing.T, st ReceivingTestStore) {
	ctx := testContext(t)
	type made struct {
		picker string
		status domain.PickListStatus
	}
	var ids []string
	for _, m := range []made{{"u-pat", domain.PickOpen}, {"u-rui", domain.PickOpen}, {"u-pat", domain.PickCompleted},
		{"u-pat", domain.PickPicking}, {"", domain.PickOpen}} {
		pl := newPickList(t, m.picker, m.status)
		must(t, "CreatePickList", st.CreatePickList(ctx, pl))
		ids = append(ids, pl.ID)
	}
	tests := []struct {
		name   string
		filter domain.PickListFilter
		want   []string
	}{
		{"all in pages", domain.PickListFilter{Page: domain.Page{Limit: 2}}, ids},
		{"a picker's", domain.PickListFilter{PickerID: "u-pat", Page: domain.Page{Limit: 1}}, []string{ids[0], ids[2], ids[3]}},
		{"open", domain.PickListFilter{Status: domain.PickOpen}, []string{ids[0], ids[1], ids[4]}},
		{"a picker's open", domain.PickListFilter{PickerID: "u-pat", Status: domain.PickOpen}, ids[:1]},
		{"nobody's", domain.PickListFilter{PickerID: "u-nobody"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			f := tt.filter
			for pages := 0; ; pages++ {
				if pages > len(ids) {
					t.Fatalf("ListPickLists(%+v) never ends", tt.filter)
				}
				list, next, err := st.ListPickLists(ctx, f)
				must(t, "ListPickLists", err)
				for _, pl := range list {
					got = append(got, pl.ID)
				}
				if next == "" {
					break
				}
				f.Cursor = next
			}
			if !sameIDs(got, tt.want) {
				t.Errorf("ListPickLists(picker %q, status %q) = %v, want %v", tt.filter.PickerID, tt.filter.Status, got, tt.want)
			}
		})
	}
}

func testReceivingMissing(t *testing.T, st ReceivingTestStore) {
	ctx := testContext(t)
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"GetPurchaseOrder(unknown)", func() error { _, err := st.GetPurchaseOrder(ctx, newID(t)); return err }, domain.ENOTFOUND},
		{"GetReceipt(unknown)", func() error { _, err := st.GetReceipt(ctx, newID(t)); return err }, domain.ENOTFOUND},
		{"GetPickList(unknown)", func() error { _, err := st.GetPickList(ctx, newID(t)); return err }, domain.ENOTFOUND},
		{"CreatePurchaseOrder(no id)", func() error { return st.CreatePurchaseOrder(ctx, &domain.PurchaseOrder{Meta: meta()}) }, domain.EINVALID},
		{"CreatePickList(no id)", func() error { return st.CreatePickList(ctx, &domain.PickList{Meta: meta()}) }, domain.EINVALID},
		{"ListPurchaseOrders(bad cursor)", func() error {
			_, _, err := st.ListPurchaseOrders(ctx, domain.PurchaseOrderFilter{Page: domain.Page{Cursor: "%%%"}})
			return err
		}, domain.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.name, tt.call(), tt.code, "") })
	}
}

// testDocumentsInFeed: purchase orders and pick lists are in the change feed, each at its
// latest write, so that a device's pull brings them.
func testDocumentsInFeed(t *testing.T, st ReceivingTestStore) {
	ctx := testContext(t)
	latest := func(entity, id string) int64 {
		t.Helper()
		changes, err := st.ListChanges(ctx, 0, 100)
		must(t, "ListChanges", err)
		var seq int64
		for _, c := range changes {
			if c.Entity == entity && c.ID == id {
				if seq != 0 {
					t.Errorf("ListChanges has %s %s twice", entity, id)
				}
				seq = c.Seq
			}
		}
		return seq
	}
	po := newPO(t, domain.POOpen)
	must(t, "CreatePurchaseOrder", st.CreatePurchaseOrder(ctx, po))
	created := latest(domain.EntityPurchaseOrder, po.ID)
	if created == 0 {
		t.Fatalf("after CreatePurchaseOrder the feed has no entry for %s", po.ID)
	}
	pl := newPickList(t, "u-pat", domain.PickOpen)
	must(t, "CreatePickList", st.CreatePickList(ctx, pl))
	plCreated := latest(domain.EntityPickList, pl.ID)
	if plCreated <= created {
		t.Fatalf("pick list created at feed seq %d, want after the purchase order's %d", plCreated, created)
	}
	po.Status = domain.POClosed
	must(t, "UpdatePurchaseOrder", st.UpdatePurchaseOrder(ctx, po, 1))
	updated := latest(domain.EntityPurchaseOrder, po.ID)
	if updated <= plCreated {
		t.Errorf("purchase order updated at feed seq %d, want after %d", updated, plCreated)
	}
	wantError(t, "UpdatePurchaseOrder(stale)", st.UpdatePurchaseOrder(ctx, po, 1), domain.ECONFLICT, "version")
	pl.Status = domain.PickCompleted
	wantError(t, "UpdatePickList(stale)", st.UpdatePickList(ctx, pl, 7), domain.ECONFLICT, "version")
	if got := latest(domain.EntityPickList, pl.ID); got != plCreated {
		t.Errorf("a refused pick list update moved its feed entry from %d to %d", plCreated, got)
	}
	must(t, "UpdatePickList", st.UpdatePickList(ctx, pl, 1))
	if got := latest(domain.EntityPickList, pl.ID); got <= updated {
		t.Errorf("pick list updated at feed seq %d, want after %d", got, updated)
	}
}
