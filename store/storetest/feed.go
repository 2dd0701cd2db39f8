package storetest

import (
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// feedCases returns the cases for the change feed, the op log and the counts.
func feedCases() []testCase {
	return []testCase{
		{name: "ChangeFeed", run: testChangeFeed},
		{name: "OpLog", run: testOpLog},
		{name: "Counts", run: testCounts},
	}
}

// testChangeFeed checks that the feed holds each entity's latest write in Seq order, and that
// its head is below every later write.
func testChangeFeed(t *testing.T, st Store) {
	ctx := testContext(t)
	empty, err := st.ChangesHead(ctx)
	must(t, "ChangesHead of an empty feed", err)
	loc := makeLocation(t, st, "Site", domain.LocationSite, "")
	if loc.Seq <= empty {
		t.Errorf("ChangesHead() = %d before the first write, whose Seq is %d; want it below", empty, loc.Seq)
	}
	p := makeProduct(t, st, "Drill")
	it := makeItem(t, st, newItem(t, p.ID, "SN-1"))
	u := makeUser(t, st, newUser(t, "feed@example.com"))
	it.Notes = "updated"
	must(t, "UpdateItem", st.UpdateItem(ctx, it, it.Version))
	loc.Deleted = true
	must(t, "UpdateLocation(tombstone)", st.UpdateLocation(ctx, loc, loc.Version))

	want := []domain.Change{
		{Entity: domain.EntityProduct, ID: p.ID, Seq: p.Seq},
		{Entity: domain.EntityUser, ID: u.ID, Seq: u.Seq},
		{Entity: domain.EntityItem, ID: it.ID, Seq: it.Seq},
		{Entity: domain.EntityLocation, ID: loc.ID, Seq: loc.Seq, Deleted: true},
	}
	got, err := st.ListChanges(ctx, 0, 100)
	must(t, "ListChanges(0, 100)", err)
	if !sameChanges(got, want) {
		t.Errorf("ListChanges(0, 100) = %+v, want %+v", got, want)
	}
	for i := 1; i < len(want); i++ {
		if want[i].Seq <= want[i-1].Seq {
			t.Errorf("Seq of writes not increasing: %+v", want)
		}
	}

	first, err := st.ListChanges(ctx, 0, 3)
	must(t, "ListChanges(0, 3)", err)
	if !sameChanges(first, want[:3]) {
		t.Errorf("ListChanges(0, 3) = %+v, want %+v", first, want[:3])
	}
	if len(first) == 3 {
		rest, err := st.ListChanges(ctx, first[2].Seq, 3)
		must(t, "ListChanges(after page)", err)
		if !sameChanges(rest, want[3:]) {
			t.Errorf("ListChanges(%d, 3) = %+v, want %+v", first[2].Seq, rest, want[3:])
		}
	}
	head, err := st.ChangesHead(ctx)
	must(t, "ChangesHead", err)
	if head < loc.Seq {
		t.Errorf("ChangesHead() = %d after the write at %d, want at least that", head, loc.Seq)
	}
	p.Name = "Drill, cordless"
	must(t, "UpdateProduct", st.UpdateProduct(ctx, p, p.Version))
	if p.Seq <= head {
		t.Errorf("a write after ChangesHead() = %d got Seq %d, want above it", head, p.Seq)
	}
	end, err := st.ListChanges(ctx, p.Seq, 10)
	must(t, "ListChanges(last seq)", err)
	if len(end) != 0 {
		t.Errorf("ListChanges(%d, 10) = %+v, want none", loc.Seq, end)
	}

	// Touching moves a live entity's entry past every earlier one, once; a deleted entity's
	// entry and one never written stay as they are.
	must(t, "TouchChanges(item)", st.TouchChanges(ctx, domain.EntityItem, []string{it.ID, "no-such-item"}))
	must(t, "TouchChanges(deleted location)", st.TouchChanges(ctx, domain.EntityLocation, []string{loc.ID}))
	touched, err := st.ListChanges(ctx, p.Seq, 10)
	must(t, "ListChanges(after touch)", err)
	if len(touched) != 1 || touched[0].Entity != domain.EntityItem || touched[0].ID != it.ID || touched[0].Deleted {
		t.Fatalf("ListChanges after touching the item and the deleted location = %+v, want the item alone", touched)
	}
	all, err := st.ListChanges(ctx, 0, 100)
	must(t, "ListChanges(0, 100) after touch", err)
	want = []domain.Change{
		{Entity: domain.EntityUser, ID: u.ID, Seq: u.Seq},
		{Entity: domain.EntityLocation, ID: loc.ID, Seq: loc.Seq, Deleted: true},
		{Entity: domain.EntityProduct, ID: p.ID, Seq: p.Seq},
		touched[0],
	}
	if !sameChanges(all, want) {
		t.Errorf("the feed after a touch = %+v, want %+v", all, want)
	}
}

// sameChanges reports whether two change lists are equal.
func sameChanges(got, want []domain.Change) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// testOpLog checks that an op is recorded once and its final status kept.
func testOpLog(t *testing.T, st Store) {
	ctx := testContext(t)
	op := &domain.OpRecord{OpID: newID(t), DeviceID: "phone-1", UserID: newID(t), Type: "item.update", EntityID: newID(t),
		HLC: "0000018e3c5a2f10-0001", Payload: []byte(`{"notes":"x"}`), Status: domain.OpPending, ReceivedAt: baseTime}
	prev, err := st.BeginOp(ctx, op)
	must(t, "BeginOp(new)", err)
	if prev != nil {
		t.Fatalf("BeginOp(new) = %+v, want nil", prev)
	}
	again := *op
	again.Payload, again.DeviceID = []byte(`{"notes":"other"}`), "phone-2"
	prev, err = st.BeginOp(ctx, &again)
	must(t, "BeginOp(again)", err)
	want := *op
	want.ReceivedAt = ms(op.ReceivedAt)
	if prev == nil {
		t.Fatalf("BeginOp(again) = nil, want the stored record")
	}
	checkUTC(t, "BeginOp", &prev.ReceivedAt)
	if d := equalAsStored(prev, &want, normOp); d != "" {
		t.Errorf("BeginOp(again) returned a record that differs from the first:\n%s", d)
	}

	must(t, "FinishOp", st.FinishOp(ctx, op.OpID, domain.OpRejected, "item is retired"))
	prev, err = st.BeginOp(ctx, &again)
	must(t, "BeginOp(finished)", err)
	want.Status, want.Error = domain.OpRejected, "item is retired"
	if d := equalAsStored(prev, &want, normOp); d != "" {
		t.Errorf("BeginOp(after FinishOp) differs:\n%s", d)
	}

	other := &domain.OpRecord{OpID: newID(t), DeviceID: "phone-1", Type: "stock.delta", Status: domain.OpPending, ReceivedAt: baseTime.Add(time.Second)}
	prev, err = st.BeginOp(ctx, other)
	if err != nil || prev != nil {
		t.Errorf("BeginOp(second op) = %+v, %v, want nil, nil", prev, err)
	}
	must(t, "FinishOp(applied)", st.FinishOp(ctx, other.OpID, domain.OpApplied, ""))
	prev, err = st.BeginOp(ctx, other)
	must(t, "BeginOp(applied op)", err)
	if prev == nil || prev.Status != domain.OpApplied || prev.Error != "" {
		t.Errorf("BeginOp(applied op) = %+v, want status %q and no error", prev, domain.OpApplied)
	}
	wantError(t, "FinishOp(unknown)", st.FinishOp(ctx, newID(t), domain.OpApplied, ""), domain.ENOTFOUND, "")
}

// normOp makes op records comparable: times to the millisecond, nil and empty payloads alike.
func normOp(r *domain.OpRecord) *domain.OpRecord {
	if r == nil {
		return nil
	}
	c := *r
	c.ReceivedAt = ms(c.ReceivedAt)
	if len(c.Payload) == 0 {
		c.Payload = nil
	}
	return &c
}

// testCounts checks that counts leave tombstones out.
func testCounts(t *testing.T, st Store) {
	ctx := testContext(t)
	p := makeProduct(t, st, "Drill")
	var last *domain.Item
	for i := range 3 {
		last = makeItem(t, st, newItem(t, p.ID, "C-"+string(rune('a'+i))))
	}
	tombstoneItem(t, st, last)
	u := makeUser(t, st, newUser(t, "one@example.com"))
	makeUser(t, st, newUser(t, "two@example.com"))
	u.Deleted = true
	must(t, "UpdateUser(tombstone)", st.UpdateUser(ctx, u, u.Version))
	n, err := st.CountItems(ctx)
	if err != nil || n != 2 {
		t.Errorf("CountItems() = %d, %v, want 2 (3 stored, 1 tombstone)", n, err)
	}
	n, err = st.CountUsers(ctx)
	if err != nil || n != 1 {
		t.Errorf("CountUsers() = %d, %v, want 1 (2 stored, 1 tombstone)", n, err)
	}
}
