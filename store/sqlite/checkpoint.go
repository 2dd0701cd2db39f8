package sqlite

import (
	"context"
	"database/sql"
	"net/url"
	"sync/atomic"
	"time"
)

// SQLite's automatic checkpoint — copying the pages the WAL holds back into the database file —
// runs inside the commit that crosses its threshold, so every few pushes one of them waits
// 20–30 ms for it. Custody moves that work off the write path: a goroutine with a connection of
// its own runs a PASSIVE checkpoint (it waits for no reader or writer) shortly after commits,
// while the writer goes on. The automatic checkpoint stays as a backstop at a higher threshold,
// for when the background one falls behind.

const (
	// checkpointEvery is how often the checkpointer looks for commits to move into the file.
	checkpointEvery = 100 * time.Millisecond
	// autoCheckpointPages is the WAL size (pages of 4 KiB) at which a commit checkpoints itself.
	autoCheckpointPages = 8000
)

// checkpointer runs background checkpoints for one database.
type checkpointer struct {
	conn    *sql.DB
	commits atomic.Int64 // commits since the checkpointer last looked
	stop    context.CancelFunc
	done    chan struct{}
	// ran counts the checkpoints run, for tests.
	ran atomic.Int64
}

// startCheckpointer opens a connection of its own to the database at path and starts the
// checkpoint loop; Close stops it.
func startCheckpointer(path string, q url.Values) (*checkpointer, error) {
	conn, err := sql.Open("sqlite", dsn(path, q))
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	ctx, stop := context.WithCancel(context.Background())
	c := &checkpointer{conn: conn, stop: stop, done: make(chan struct{})}
	go c.loop(ctx)
	return c, nil
}

// committed tells the checkpointer that a write transaction committed.
func (c *checkpointer) committed() { c.commits.Add(1) }

func (c *checkpointer) loop(ctx context.Context) {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if c.commits.Swap(0) == 0 {
			continue
		}
		// A failed checkpoint leaves the pages in the WAL, where they are as safe as in the
		// file; the next tick or the automatic checkpoint tries again.
		if _, err := c.conn.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err == nil {
			c.ran.Add(1)
		}
	}
}

// close stops the loop and closes the connection.
func (c *checkpointer) close() error {
	c.stop()
	<-c.done
	return c.conn.Close()
}
