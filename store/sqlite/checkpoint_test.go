package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// TestBackgroundCheckpoint: commits are moved from the WAL into the database file by the
// background checkpointer — after a burst of writes the WAL holds no frame the file lacks — it
// does nothing while nobody writes, and Close stops it.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		p := &domain.Product{ID: fmt.Sprintf("p%d", i), Name: "Drill", Tracking: domain.TrackSerial}
		if err := db.CreateProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	// Under -race the burst may outlast a tick, so wait until every commit has been taken up
	// by a checkpoint, and one tick more for the last of them to finish.
	for (db.ckpt.ran.Load() == 0 || db.ckpt.commits.Load() != 0) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if db.ckpt.ran.Load() == 0 || db.ckpt.commits.Load() != 0 {
		t.Fatalf("5 s after 50 commits: %d background checkpoints, %d commits not yet checkpointed; want all checkpointed",
			db.ckpt.ran.Load(), db.ckpt.commits.Load())
	}
	time.Sleep(checkpointEvery)
	// PASSIVE reports the WAL's frames and how many of them are in the file: all of them.
	var busy, frames, done int
	if err := db.ckpt.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done); err != nil {
		t.Fatal(err)
	}
	if frames != done {
		t.Errorf("after the background checkpoint: %d WAL frames, %d in the file; want all", frames, done)
	}
	ran := db.ckpt.ran.Load()
	time.Sleep(3 * checkpointEvery)
	if got := db.ckpt.ran.Load(); got != ran {
		t.Errorf("checkpoints while nothing was written: %d, want none", got-ran)
	}
	done2 := db.ckpt.done
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done2:
	default:
		t.Error("the checkpointer still runs after Close")
	}
	db, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if p, err := db.GetProduct(ctx, "p49"); err != nil || p.Name != "Drill" {
		t.Errorf("GetProduct(p49) after reopening = %+v, %v; want the last one written", p, err)
	}
}
