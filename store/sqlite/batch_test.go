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
