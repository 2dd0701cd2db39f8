package localstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// QueuedOp is an op waiting to reach the server. Its OpID and HLC were made when it was
// queued and are sent unchanged on every retry, so the server applies it once.
type QueuedOp struct {
	// Seq orders the queue: the order the ops were made in.
	Seq      uint64    `json:"seq"`
	Op       wire.Op   `json:"op"`
	QueuedAt time.Time `json:"queued_at"`
	// Acked marks an op the server applied (or had applied already). It stays in the queue,
	// and in the optimistic view, until the pull that follows the push has ended, so that the
	// app never sees its change vanish and come back.
	Acked bool `json:"acked,omitempty"`
}

func seqKey(seq uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	return k
}

// Enqueue appends op to the queue. Its OpID must be set and not already queued.
func (t *Tx) Enqueue(op wire.Op, at time.Time) (QueuedOp, error) {
	if op.OpID == "" {
		return QueuedOp{}, domain.FieldErrorf(domain.EINVALID, "op_id", "is required")
	}
	ids := t.tx.Bucket(bucketQueueIDs)
	if ids.Get([]byte(op.OpID)) != nil {
		return QueuedOp{}, domain.Errorf(domain.ECONFLICT, "op %s is already queued", op.OpID)
	}
	b := t.tx.Bucket(bucketQueue)
	seq, err := b.NextSequence()
	if err != nil {
		return QueuedOp{}, err
	}
	q := QueuedOp{Seq: seq, Op: op, QueuedAt: at.UTC()}
	if err := t.putOp(q); err != nil {
		return QueuedOp{}, err
	}
	if err := t.tx.Bucket(bucketQueueByID).Put(entityKey(op.EntityID, seq), nil); err != nil {
		return QueuedOp{}, err
	}
	return q, ids.Put([]byte(op.OpID), seqKey(seq))
}

// entityKey is the key of the per-entity queue index: the entity id, a zero byte, the sequence.
func entityKey(entityID string, seq uint64) []byte {
	return append(append([]byte(entityID), 0), seqKey(seq)...)
}

func (t *Tx) putOp(q QueuedOp) error {
	data, err := json.Marshal(q)
	if err != nil {
		return err
	}
	return t.tx.Bucket(bucketQueue).Put(seqKey(q.Seq), data)
}

// Queue returns every queued op, acked or not, in the order they were made.
func (t *Tx) Queue() ([]QueuedOp, error) {
	return t.scanQueue(func(QueuedOp) bool { return true }, 0)
}

// Pending returns up to limit ops not yet acked (all of them when limit is 0), oldest first.
func (t *Tx) Pending(limit int) ([]QueuedOp, error) {
	return t.scanQueue(func(q QueuedOp) bool { return !q.Acked }, limit)
}

func (t *Tx) scanQueue(keep func(QueuedOp) bool, limit int) ([]QueuedOp, error) {
	var out []QueuedOp
	c := t.tx.Bucket(bucketQueue).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var q QueuedOp
		if err := json.Unmarshal(v, &q); err != nil {
			return nil, fmt.Errorf("localstore: queued op %d: %w", binary.BigEndian.Uint64(k), err)
		}
		if !keep(q) {
			continue
		}
		out = append(out, q)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// QueueFor returns the queued ops, acked or not, on one entity, in the order they were made.
func (t *Tx) QueueFor(entityID string) ([]QueuedOp, error) {
	var out []QueuedOp
	prefix := append([]byte(entityID), 0)
	queue := t.tx.Bucket(bucketQueue)
	c := t.tx.Bucket(bucketQueueByID).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		v := queue.Get(k[len(prefix):])
		if v == nil {
			continue
		}
		var q QueuedOp
		if err := json.Unmarshal(v, &q); err != nil {
			return nil, fmt.Errorf("localstore: queued op on %s: %w", entityID, err)
		}
		out = append(out, q)
	}
	return out, nil
}

// QueueLen returns how many ops wait to be pushed and how many were acked but are still shown.
func (t *Tx) QueueLen() (pending, acked int, err error) {
	q, err := t.Queue()
	for _, o := range q {
		if o.Acked {
			acked++
		} else {
			pending++
		}
	}
	return pending, acked, err
}

// QueuedOp returns the queued op with the given id.
func (t *Tx) QueuedOp(opID string) (QueuedOp, bool, error) {
	k := t.tx.Bucket(bucketQueueIDs).Get([]byte(opID))
	if k == nil {
		return QueuedOp{}, false, nil
	}
	v := t.tx.Bucket(bucketQueue).Get(k)
	if v == nil {
		return QueuedOp{}, false, nil
	}
	var q QueuedOp
	if err := json.Unmarshal(v, &q); err != nil {
		return QueuedOp{}, false, fmt.Errorf("localstore: queued op %s: %w", opID, err)
	}
	return q, true, nil
}

// Ack marks a queued op as applied by the server. An op no longer queued is ignored.
func (t *Tx) Ack(opID string) error {
	q, ok, err := t.QueuedOp(opID)
	if err != nil || !ok || q.Acked {
		return err
	}
	q.Acked = true
	return t.putOp(q)
}

// RemoveOp drops a queued op (a rejected one). An op no longer queued is ignored.
func (t *Tx) RemoveOp(opID string) error {
	ids := t.tx.Bucket(bucketQueueIDs)
	k := ids.Get([]byte(opID))
	if k == nil {
		return nil
	}
	k = append([]byte(nil), k...)
	queue := t.tx.Bucket(bucketQueue)
	if v := queue.Get(k); v != nil {
		var q QueuedOp
		if err := json.Unmarshal(v, &q); err == nil {
			if err := t.tx.Bucket(bucketQueueByID).Delete(entityKey(q.Op.EntityID, q.Seq)); err != nil {
				return err
			}
		}
	}
	if err := queue.Delete(k); err != nil {
		return err
	}
	return ids.Delete([]byte(opID))
}

// RemoveAcked drops every acked op and returns them.
func (t *Tx) RemoveAcked() ([]QueuedOp, error) {
	acked, err := t.scanQueue(func(q QueuedOp) bool { return q.Acked }, 0)
	if err != nil {
		return nil, err
	}
	for _, q := range acked {
		if err := t.RemoveOp(q.Op.OpID); err != nil {
			return nil, err
		}
	}
	return acked, nil
}

// UnackAll returns every acked op to pending, so that it is pushed again (the server answers
// duplicate). Used when the confirmed state is thrown away before the pull that would have
// shown the ops' effects.
func (t *Tx) UnackAll() error {
	acked, err := t.scanQueue(func(q QueuedOp) bool { return q.Acked }, 0)
	if err != nil {
		return err
	}
	for _, q := range acked {
		q.Acked = false
		if err := t.putOp(q); err != nil {
			return err
		}
	}
	return nil
}
