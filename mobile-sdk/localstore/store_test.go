package localstore

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "custody.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%q) = %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func enqueue(t *testing.T, s *Store, ops ...wire.Op) {
	t.Helper()
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	if err := s.Update(func(tx *Tx) error {
		for _, op := range ops {
			if _, err := tx.Enqueue(op, at); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
}

func opIDs(t *testing.T, s *Store, pending bool) []string {
	t.Helper()
	var ids []string
	if err := s.View(func(tx *Tx) error {
		var q []QueuedOp
		var err error
		if pending {
			q, err = tx.Pending(0)
		} else {
			q, err = tx.Queue()
		}
		for _, o := range q {
			ids = append(ids, o.Op.OpID)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestQueueKeepsOrderAndIDsAcrossReopen(t *testing.T) {
	s, path := openTemp(t)
	var ops []wire.Op
	for i := range 5 {
		ops = append(ops, wire.Op{OpID: fmt.Sprintf("op-%d", i), HLC: fmt.Sprintf("1000-%d", i), Type: wire.OpItemTransfer, EntityID: "item-1", Payload: json.RawMessage(`{"location_id":"van"}`)})
	}
	enqueue(t, s, ops...)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	var got []QueuedOp
	if err := s2.View(func(tx *Tx) (err error) { got, err = tx.Queue(); return err }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ops) {
		t.Fatalf("Queue() after reopen has %d ops, want %d", len(got), len(ops))
	}
	for i, q := range got {
		if q.Op.OpID != ops[i].OpID || q.Op.HLC != ops[i].HLC || string(q.Op.Payload) != string(ops[i].Payload) {
			t.Errorf("Queue()[%d] = %+v, want %+v", i, q.Op, ops[i])
		}
	}
}

func TestQueueRefusesAnOpIDTwice(t *testing.T) {
	s, _ := openTemp(t)
	enqueue(t, s, wire.Op{OpID: "op-1", Type: wire.OpItemCheckin, EntityID: "i"})
	err := s.Update(func(tx *Tx) error {
		_, err := tx.Enqueue(wire.Op{OpID: "op-1", Type: wire.OpItemCheckin, EntityID: "i"}, time.Now())
		return err
	})
	if domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("Enqueue of a queued op id = %v, want %s", err, domain.ECONFLICT)
	}
}

func TestAckThenRemoveAcked(t *testing.T) {
	s, _ := openTemp(t)
	enqueue(t, s,
		wire.Op{OpID: "a", Type: wire.OpItemCheckin, EntityID: "i1"},
		wire.Op{OpID: "b", Type: wire.OpItemCheckin, EntityID: "i2"},
		wire.Op{OpID: "c", Type: wire.OpItemCheckin, EntityID: "i3"})
	if err := s.Update(func(tx *Tx) error {
		if err := tx.Ack("a"); err != nil {
			return err
		}
		if err := tx.Ack("unknown"); err != nil {
			return err
		}
		return tx.RemoveOp("c")
	}); err != nil {
		t.Fatal(err)
	}
	if got := opIDs(t, s, true); fmt.Sprint(got) != "[b]" {
		t.Errorf("Pending() = %v, want [b]", got)
	}
	if got := opIDs(t, s, false); fmt.Sprint(got) != "[a b]" {
		t.Errorf("Queue() = %v, want [a b] (acked ops stay until removed)", got)
	}
	var removed []QueuedOp
	if err := s.Update(func(tx *Tx) (err error) { removed, err = tx.RemoveAcked(); return err }); err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0].Op.OpID != "a" {
		t.Errorf("RemoveAcked() = %+v, want op a", removed)
	}
	if got := opIDs(t, s, false); fmt.Sprint(got) != "[b]" {
		t.Errorf("Queue() after RemoveAcked = %v, want [b]", got)
	}
	// The id of a removed op may be queued again (it is no longer known).
	enqueue(t, s, wire.Op{OpID: "a", Type: wire.OpItemCheckin, EntityID: "i1"})
}

func TestPendingLimit(t *testing.T) {
	s, _ := openTemp(t)
	for i := range 7 {
		enqueue(t, s, wire.Op{OpID: fmt.Sprint(i), Type: wire.OpStockAdjust, EntityID: "p@l"})
	}
	var got []QueuedOp
	if err := s.View(func(tx *Tx) (err error) { got, err = tx.Pending(3); return err }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Op.OpID != "0" || got[2].Op.OpID != "2" {
		t.Errorf("Pending(3) = %+v, want ops 0, 1, 2", got)
	}
}

func item(id, nfcUID, asset string) []byte {
	b, _ := json.Marshal(domain.Item{ID: id, ProductID: "p1", SerialNumber: "SN-" + id, AssetTag: asset,
		Status: domain.StatusAvailable, Tags: []domain.Tag{{Kind: domain.TagNFC, Value: nfcUID}}})
	return b
}

func TestIndexFollowsEntities(t *testing.T) {
	s, _ := openTemp(t)
	lookup := func(key string) string {
		t.Helper()
		var kind, id string
		_ = s.View(func(tx *Tx) error { kind, id, _ = tx.Lookup(key); return nil })
		if kind == "" {
			return ""
		}
		return kind + "/" + id
	}
	put := func(kind, id string, data []byte) {
		t.Helper()
		if err := s.Update(func(tx *Tx) error { return tx.PutEntity(kind, id, data) }); err != nil {
			t.Fatal(err)
		}
	}
	put(domain.EntityItem, "i1", item("i1", "04A1B2C3D4E5F6", "ng-1"))
	put(domain.EntityUser, "u1", []byte(`{"id":"u1","email":"Jo@Example.com","badges":["04AABBCCDDEEFF"]}`))
	put(domain.EntityProduct, "p1", []byte(`{"id":"p1","gtin":"09506000134352"}`))
	tests := []struct {
		key, want string
	}{
		{KeyNFC + "04A1B2C3D4E5F6", "item/i1"},
		{KeyAsset + "NG-1", "item/i1"},
		{KeySerial + "p1/SN-i1", "item/i1"},
		{KeyBadge + "04AABBCCDDEEFF", "user/u1"},
		{KeyEmail + "jo@example.com", "user/u1"},
		{KeyGTIN + "09506000134352", "product/p1"},
		{KeyNFC + "0400000000000", ""},
	}
	for _, tt := range tests {
		if got := lookup(tt.key); got != tt.want {
			t.Errorf("Lookup(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	// The tag moved to another item: the old item's entry must not remove the new one's.
	put(domain.EntityItem, "i2", item("i2", "04A1B2C3D4E5F6", "ng-2"))
	put(domain.EntityItem, "i1", item("i1", "04111111111111", "ng-1"))
	if got := lookup(KeyNFC + "04A1B2C3D4E5F6"); got != "item/i2" {
		t.Errorf("after the tag moved, Lookup(nfc) = %q, want item/i2", got)
	}
	if got := lookup(KeyNFC + "04111111111111"); got != "item/i1" {
		t.Errorf("Lookup(new tag of i1) = %q, want item/i1", got)
	}
	if err := s.Update(func(tx *Tx) error {
		if had, err := tx.DeleteEntity(domain.EntityItem, "i2"); err != nil || !had {
			return fmt.Errorf("DeleteEntity(i2) = %v, %v; want it held", had, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := lookup(KeyAsset + "NG-2"); got != "" {
		t.Errorf("after delete, Lookup(asset of i2) = %q, want none", got)
	}
	if err := s.Update(func(tx *Tx) error { return tx.ClearEntities() }); err != nil {
		t.Fatal(err)
	}
	if got := lookup(KeyAsset + "NG-1"); got != "" {
		t.Errorf("after ClearEntities, Lookup = %q, want none", got)
	}
	var n int
	_ = s.View(func(tx *Tx) error { n = tx.CountEntities(domain.EntityItem); return nil })
	if n != 0 {
		t.Errorf("CountEntities(item) after ClearEntities = %d, want 0", n)
	}
}

func TestRejectionsKeepTheLatest(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.Update(func(tx *Tx) error {
		for i := range maxRejections + 5 {
			if err := tx.AddRejection(Rejection{OpID: fmt.Sprint(i), Reason: "no"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var got []Rejection
	_ = s.View(func(tx *Tx) (err error) { got, err = tx.Rejections(); return err })
	if len(got) != maxRejections || got[0].OpID != "5" || got[len(got)-1].OpID != fmt.Sprint(maxRejections+4) {
		t.Errorf("Rejections() = %d entries from %s to %s, want %d from 5 to %d", len(got), got[0].OpID, got[len(got)-1].OpID, maxRejections, maxRejections+4)
	}
}

func TestStateAndSecondOpen(t *testing.T) {
	s, path := openTemp(t)
	if err := s.Update(func(tx *Tx) error { return tx.SetState("cursor", "42.1.all") }); err != nil {
		t.Fatal(err)
	}
	var got string
	_ = s.View(func(tx *Tx) error { got = tx.State("cursor"); return nil })
	if got != "42.1.all" {
		t.Errorf("State(cursor) = %q, want 42.1.all", got)
	}
	if _, err := Open(path); err == nil {
		t.Error("a second Open of a file held open succeeded, want a timeout error")
	}
	if _, err := Open(""); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("Open(\"\") = %v, want %s", err, domain.EINVALID)
	}
}
