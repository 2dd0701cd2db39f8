// Package localstore is the phone's own database: the server's confirmed entities as the last
// pull left them, the queue of ops not yet synced, and the sync state (cursor, clock, tokens,
// device id). It is one bbolt file — pure Go, so it cross-compiles to Android and iOS without
// cgo — and every change to it is one ACID transaction, so a phone killed at any moment loses
// no queued op and never applies a pulled page by halves.
package localstore

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/custodyhq/custody/domain"
)

// Top-level buckets.
var (
	bucketEntities   = []byte("entities")        // kind → id → entity JSON as the server sent it
	bucketIndex      = []byte("index")           // lookup key → "<kind>/<id>"
	bucketQueue      = []byte("queue")           // big-endian sequence → QueuedOp JSON
	bucketQueueIDs   = []byte("queue_ids")       // op id → big-endian sequence
	bucketQueueByID  = []byte("queue_by_entity") // entity id, 0, big-endian sequence → nothing
	bucketState      = []byte("state")           // name → value
	bucketRejections = []byte("rejections")      // big-endian sequence → Rejection JSON
)

// maxRejections is how many rejections the store keeps for the app to show later.
const maxRejections = 200

// Store is an open local database. Its methods are safe for concurrent use; bbolt runs one
// write transaction at a time and read transactions beside it.
type Store struct {
	db *bolt.DB
}

// Open opens or creates the database file at path. A file another process holds open is an
// error after a second rather than a hang.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, domain.FieldErrorf(domain.EINVALID, "path", "is required")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("localstore: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("localstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketEntities, bucketIndex, bucketQueue, bucketQueueIDs, bucketQueueByID, bucketState, bucketRejections} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("localstore: create buckets: %w", err)
	}
	return &Store{db: db}, nil
}

// Close closes the file. Transactions still running finish first.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the database file's path.
func (s *Store) Path() string { return s.db.Path() }

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(*Tx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// Update runs fn in a read-write transaction, committed when fn returns nil and rolled back
// otherwise.
func (s *Store) Update(fn func(*Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// Tx is one transaction on the store. It must not be used after the function it was given to
// returns.
type Tx struct {
	tx *bolt.Tx
}

// State returns a value of the sync state, "" when unset.
func (t *Tx) State(name string) string {
	return string(t.tx.Bucket(bucketState).Get([]byte(name)))
}

// SetState sets a value of the sync state; "" removes it.
func (t *Tx) SetState(name, value string) error {
	b := t.tx.Bucket(bucketState)
	if value == "" {
		return b.Delete([]byte(name))
	}
	return b.Put([]byte(name), []byte(value))
}

// Rejection is an op the server refused, kept so that the app can show why.
type Rejection struct {
	OpID     string          `json:"op_id"`
	Type     string          `json:"type"`
	EntityID string          `json:"entity_id"`
	Payload  json.RawMessage `json:"payload,omitempty"`
	Reason   string          `json:"reason"`
	At       time.Time       `json:"at"`
}

// AddRejection records a rejection, dropping the oldest beyond the last 200.
func (t *Tx) AddRejection(r Rejection) error {
	b := t.tx.Bucket(bucketRejections)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := b.Put(seqKey(seq), data); err != nil {
		return err
	}
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	for k, _ := c.First(); k != nil && n > maxRejections; k, _ = c.First() {
		if err := b.Delete(k); err != nil {
			return err
		}
		n--
	}
	return nil
}

// Rejections returns the kept rejections, oldest first.
func (t *Tx) Rejections() ([]Rejection, error) {
	var out []Rejection
	err := t.tx.Bucket(bucketRejections).ForEach(func(_, v []byte) error {
		var r Rejection
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}
