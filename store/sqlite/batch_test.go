package sqlite_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/store/sqlite"
)

func openBatchStore(t *testing.T) (*sqlite.DB, context.Context) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, ctx
}

func product(id string) *domain.Product {
	now := time.Now().UTC()
	return &domain.Product{ID: id, Name: id, Tracking: domain.TrackSerial, Meta: domain.Meta{CreatedAt: now, UpdatedAt: now}}
}

// TestBatchCommitsTogether: writes in a batch see each other, a failing write is undone alone,
// and nothing is visible outside until the batch commits.
func TestBatchCommitsTogether(t *testing.T) {
	st, ctx := openBatchStore(t)
	err := st.Batch(ctx, func(ctx context.Context) error {
		if err := st.CreateProduct(ctx, product("p1")); err != nil {
			return err
		}
		if _, err := st.GetProduct(ctx, "p1"); err != nil {
			t.Errorf("GetProduct inside the batch = %v, want its own write", err)
		}
		if _, err := st.GetProduct(context.Background(), "p1"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("GetProduct outside the batch before commit = %v, want not found", err)
		}
		if err := st.CreateProduct(ctx, product("p1")); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("a second create of p1 = %v, want a conflict", err)
		}
		return st.CreateProduct(ctx, product("p2"))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"p1", "p2"} {
		if _, err := st.GetProduct(ctx, id); err != nil {
			t.Errorf("GetProduct(%s) after commit = %v", id, err)
		}
	}
	changes, err := st.ListChanges(ctx, 0, 10)
	if err != nil || len(changes) != 2 {
		t.Errorf("ListChanges = %v, %v; want the two products", changes, err)
	}
}

func TestBatchRollsBackOnError(t *testing.T) {
	st, ctx := openBatchStore(t)
	boom := errors.New("boom")
	err := st.Batch(ctx, func(ctx context.Context) error {
		if err := st.CreateProduct(ctx, product("p1")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Batch = %v, want boom", err)
	}
	if _, err := st.GetProduct(ctx, "p1"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("GetProduct after a failed batch = %v, want not found", err)
	}
	if err := st.CreateProduct(ctx, product("p1")); err != nil {
		t.Errorf("the store is not usable after a failed batch: %v", err)
	}
}

// TestBatchSequenceContinues: the change feed's sequence counted inside a batch carries on
// after it, and writes outside batches follow.
func TestBatchSequenceContinues(t *testing.T) {
	st, ctx := openBatchStore(t)
	if err := st.CreateProduct(ctx, product("p0")); err != nil {
		t.Fatal(err)
	}
	err := st.Batch(ctx, func(ctx context.Context) error {
		for _, id := range []string{"p1", "p2"} {
			if err := st.CreateProduct(ctx, product(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateProduct(ctx, product("p3")); err != nil {
		t.Fatal(err)
	}
	changes, err := st.ListChanges(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, c := range changes {
		ids = append(ids, c.ID)
		if i > 0 && c.Seq <= changes[i-1].Seq {
			t.Errorf("seq %d after %d: not increasing", c.Seq, changes[i-1].Seq)
		}
	}
	if want := "p0 p1 p2 p3"; strings.Join(ids, " ") != want {
		t.Errorf("feed order = %v, want %s", ids, want)
	}
}

// TestBatchHeldRows: the op log, audit and feed rows a batch writes at commit are there after
// it commits, each once; a write undone inside the batch leaves no feed entry; ops the batch
// began are answered from it, and an op stored before from the store.
func TestBatchHeldRows(t *testing.T) {
	st, ctx := openBatchStore(t)
	if prev, err := st.BeginOp(ctx, &domain.OpRecord{OpID: "op-old", DeviceID: "d", Type: "product.create", EntityID: "p0"}); err != nil || prev != nil {
		t.Fatalf("BeginOp(op-old) = %v, %v", prev, err)
	}
	if err := st.FinishOp(ctx, "op-old", domain.OpApplied, ""); err != nil {
		t.Fatal(err)
	}
	err := st.Batch(ctx, func(ctx context.Context) error {
		if err := st.PreloadOps(ctx, []string{"op-old", "op-1"}); err != nil {
			return err
		}
		if prev, err := st.BeginOp(ctx, &domain.OpRecord{OpID: "op-old", DeviceID: "d"}); err != nil || prev == nil || prev.Status != domain.OpApplied {
			t.Errorf("BeginOp(op-old) in the batch = %+v, %v; want its applied record", prev, err)
		}
		if prev, err := st.BeginOp(ctx, &domain.OpRecord{OpID: "op-1", DeviceID: "d", Type: "product.create", EntityID: "p1"}); err != nil || prev != nil {
			t.Errorf("BeginOp(op-1) = %+v, %v; want new", prev, err)
		}
		if err := st.CreateProduct(ctx, product("p1")); err != nil {
			return err
		}
		if ok, err := st.AppendAudit(ctx, &domain.AuditRecord{ID: "op-1:p1", OpID: "op-1", Entity: "product", EntityID: "p1", After: []byte(`{}`)}); err != nil || !ok {
			t.Errorf("AppendAudit = %v, %v; want true", ok, err)
		}
		if ok, err := st.AppendAudit(ctx, &domain.AuditRecord{ID: "op-1:p1", OpID: "op-1", Entity: "product", EntityID: "p1", After: []byte(`{}`)}); err != nil || ok {
			t.Errorf("AppendAudit(again) = %v, %v; want false", ok, err)
		}
		if err := st.FinishOp(ctx, "op-1", domain.OpApplied, ""); err != nil {
			return err
		}
		if prev, err := st.BeginOp(ctx, &domain.OpRecord{OpID: "op-1"}); err != nil || prev == nil || prev.Status != domain.OpApplied {
			t.Errorf("BeginOp(op-1) again in the batch = %+v, %v; want applied", prev, err)
		}
		// An item whose tag is taken fails after its row was written: undone, with its feed entry.
		tagged := &domain.Item{ID: "i1", ProductID: "p1", Status: domain.StatusAvailable, Tags: []domain.Tag{{Kind: domain.TagNFC, Value: "04AA"}}}
		if err := st.CreateItem(ctx, tagged); err != nil {
			return err
		}
		twin := &domain.Item{ID: "i2", ProductID: "p1", Status: domain.StatusAvailable, Tags: tagged.Tags}
		if err := st.CreateItem(ctx, twin); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("CreateItem(tag taken) = %v, want a conflict", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if prev, err := st.BeginOp(ctx, &domain.OpRecord{OpID: "op-1"}); err != nil || prev == nil || prev.Status != domain.OpApplied || prev.EntityID != "p1" {
		t.Errorf("BeginOp(op-1) after commit = %+v, %v; want the applied record of p1", prev, err)
	}
	recs, _, err := st.ListAudit(ctx, "p1", domain.Page{Limit: 10})
	if err != nil || len(recs) != 1 || recs[0].ID != "op-1:p1" {
		t.Errorf("ListAudit(p1) = %v, %v; want the one record", recs, err)
	}
	changes, err := st.ListChanges(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.ID)
	}
	if want := "p1 i1"; strings.Join(got, " ") != want {
		t.Errorf("feed after the batch = %v, want %s (nothing of the undone i2)", got, want)
	}
	if _, err := st.GetItem(ctx, "i2"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("GetItem(i2) = %v, want not found", err)
	}
}

// TestBatchHeldRowsRolledBack: a batch that fails writes none of its held rows.
func TestBatchHeldRowsRolledBack(t *testing.T) {
	st, ctx := openBatchStore(t)
	boom := errors.New("boom")
	err := st.Batch(ctx, func(ctx context.Context) error {
		if _, err := st.BeginOp(ctx, &domain.OpRecord{OpID: "op-1", DeviceID: "d"}); err != nil {
			return err
		}
		if err := st.CreateProduct(ctx, product("p1")); err != nil {
			return err
		}
		if _, err := st.AppendAudit(ctx, &domain.AuditRecord{ID: "op-1:p1", Entity: "product", EntityID: "p1"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Batch = %v, want boom", err)
	}
	if prev, err := st.BeginOp(ctx, &domain.OpRecord{OpID: "op-1", DeviceID: "d"}); err != nil || prev != nil {
		t.Errorf("BeginOp(op-1) after the failed batch = %+v, %v; want a new op", prev, err)
	}
	if recs, _, err := st.ListAudit(ctx, "", domain.Page{Limit: 10}); err != nil || len(recs) != 0 {
		t.Errorf("ListAudit = %v, %v; want none", recs, err)
	}
	if changes, err := st.ListChanges(ctx, 0, 10); err != nil || len(changes) != 0 {
		t.Errorf("ListChanges = %v, %v; want none", changes, err)
	}
}
