package device

import (
	"context"
	"encoding/json"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/client"
	"github.com/custodyhq/custody/mobile-sdk/localstore"
	"github.com/custodyhq/custody/sync/hlc"
	"github.com/custodyhq/custody/sync/wire"
)

// Report says what one SyncNow did.
type Report struct {
	// Requests is how many POST /v1/sync answered (retries not counted).
	Requests int `json:"requests"`
	// Applied and Duplicates count pushed ops the server applied now or had applied before
	// (an earlier push whose answer was lost); Rejected those it refused.
	Applied    int `json:"applied"`
	Duplicates int `json:"duplicates"`
	Rejected   int `json:"rejected"`
	// Pulled counts the changes received.
	Pulled int `json:"pulled"`
	// Resynced is true when the server found the cursor too old and the device pulled a full
	// snapshot.
	Resynced bool `json:"resynced"`
	// Retries counts requests sent again after a network error or a 5xx; Refreshes the access
	// tokens refreshed after a 401.
	Retries   int `json:"retries"`
	Refreshes int `json:"refreshes"`
	// Duration is the wall time of the whole sync.
	Duration time.Duration `json:"duration"`
}

// SyncNow pushes the queue and pulls every change since the last sync. Each request pushes at
// most BatchSize ops and pulls one page; the cursor is stored with each page, so a sync cut
// short resumes where it stopped. Network errors and 5xx are retried with backoff; a 401
// refreshes the token once; a 410 (cursor too old) throws the local confirmed state away,
// pulls a full snapshot and then pushes — the queue is never lost. Ops the server applied
// leave the queue when the pull that follows them has ended, so the app never sees its
// change vanish and come back.
func (d *Device) SyncNow(ctx context.Context) (rep Report, err error) {
	defer domain.Wrap(&err, "Device.SyncNow")
	ctx, done, err := d.enter(ctx)
	if err != nil {
		return rep, err
	}
	defer done()
	d.syncMu.Lock()
	defer d.syncMu.Unlock()
	start := time.Now()
	err = d.sync(ctx, &rep)
	if err == nil && d.Role().Can(domain.PermResolveConfl) && d.opts.OnConflict != nil {
		if cerr := d.reportConflicts(ctx, &rep); cerr != nil {
			d.log.Warn().Err(cerr).Msg("listing conflicts failed")
		}
	}
	rep.Duration = time.Since(start)
	return rep, err
}

func (d *Device) sync(ctx context.Context, rep *Report) error {
	batchSize := d.opts.BatchSize
	snapshot := false // pulling a full snapshot after a 410: push nothing until it ends
	for {
		var (
			batch  []localstore.QueuedOp
			cursor string
			device string
		)
		err := d.st.View(func(tx *localstore.Tx) (err error) {
			cursor, device = tx.State(stateCursor), tx.State(stateDeviceID)
			if !snapshot {
				batch, err = tx.Pending(batchSize)
			}
			return err
		})
		if err != nil {
			return err
		}
		req := &wire.Request{DeviceID: device, Cursor: cursor, Limit: d.opts.PageLimit, Ops: make([]wire.Op, len(batch))}
		for i, q := range batch {
			req.Ops[i] = q.Op
		}
		var resp *wire.Response
		err = d.call(ctx, rep, func(tok string) (err error) {
			resp, err = d.api.Sync(ctx, tok, req)
			return err
		})
		switch {
		case err == nil:
		case needsResync(err) && !snapshot && !rep.Resynced:
			// The pushed ops were applied before the server refused the cursor, but their
			// results were not sent: they stay queued and are pushed again after the snapshot,
			// when the server answers duplicate.
			d.log.Info().Msg("cursor too old: pulling a full snapshot")
			if err := d.st.Update(func(tx *localstore.Tx) error {
				if err := tx.ClearEntities(); err != nil {
					return err
				}
				return tx.SetState(stateCursor, "")
			}); err != nil {
				return err
			}
			snapshot, rep.Resynced = true, true
			d.notify(Change{Source: SourceResync})
			continue
		case domain.ErrorCode(err) == domain.ETOOLARGE && len(batch) > 1:
			batchSize = len(batch) / 2
			continue
		default:
			return err
		}
		rep.Requests++
		if err := d.apply(resp, rep); err != nil {
			return err
		}
		if len(batch) > 0 && !answered(batch, resp.Results) {
			// Pushing the same ops again would loop for ever.
			return domain.Errorf(domain.EINTERNAL, "the server answered none of the %d ops pushed", len(batch))
		}
		if snapshot {
			snapshot = resp.HasMore
			continue
		}
		if !resp.HasMore && len(batch) < batchSize {
			break
		}
	}
	// Every op applied so far shows in the confirmed state now: let it go.
	var gone []localstore.QueuedOp
	if err := d.st.Update(func(tx *localstore.Tx) (err error) {
		gone, err = tx.RemoveAcked()
		return err
	}); err != nil {
		return err
	}
	changes := make([]Change, 0, len(gone))
	for _, q := range gone {
		changes = append(changes, Change{Entity: entityOf(q.Op.Type), ID: q.Op.EntityID, Source: SourceServer})
	}
	d.notify(changes...)
	return nil
}

// answered reports whether the results name at least one op of the batch.
func answered(batch []localstore.QueuedOp, results []wire.Result) bool {
	ids := make(map[string]bool, len(batch))
	for _, q := range batch {
		ids[q.Op.OpID] = true
	}
	for _, r := range results {
		if ids[r.OpID] {
			return true
		}
	}
	return false
}

// needsResync reports a 410, or a cursor the server no longer understands.
func needsResync(err error) bool {
	code := domain.ErrorCode(err)
	return code == domain.EGONE || (code == domain.EINVALID && domain.NamesField(err, "cursor"))
}

// apply stores one answer in one transaction: op results (applied and duplicate ops are acked,
// rejected ones leave the queue), the changes, the new cursor and the clock. Then it tells the
// app.
func (d *Device) apply(resp *wire.Response, rep *Report) error {
	var (
		rejections []Rejection
		changes    []Change
	)
	now := d.now().UTC()
	err := d.st.Update(func(tx *localstore.Tx) error {
		rejections, changes = rejections[:0], changes[:0]
		for _, r := range resp.Results {
			switch r.Status {
			case domain.OpApplied, domain.OpDuplicate:
				if err := tx.Ack(r.OpID); err != nil {
					return err
				}
			case domain.OpRejected:
				q, ok, err := tx.QueuedOp(r.OpID)
				if err != nil || !ok {
					continue
				}
				rj := Rejection{OpID: r.OpID, Type: q.Op.Type, EntityID: q.Op.EntityID, Payload: q.Op.Payload, Reason: r.Error, At: now}
				if err := tx.RemoveOp(r.OpID); err != nil {
					return err
				}
				if err := tx.AddRejection(rj); err != nil {
					return err
				}
				rejections = append(rejections, rj)
				changes = append(changes, Change{Entity: entityOf(q.Op.Type), ID: q.Op.EntityID, Source: SourceRejected})
			}
		}
		for _, c := range resp.Changes {
			if c.Deleted {
				// Deleted, or out of the user's view: the server says so of entities this
				// device may never have had, and the app hears only of those it had.
				had, err := tx.DeleteEntity(c.Entity, c.ID)
				if err != nil {
					return err
				}
				if !had {
					continue
				}
			} else if err := tx.PutEntity(c.Entity, c.ID, c.Data); err != nil {
				return err
			}
			changes = append(changes, Change{Entity: c.Entity, ID: c.ID, Source: SourceServer})
		}
		if err := tx.SetState(stateCursor, resp.Cursor); err != nil {
			return err
		}
		if ts, ok := d.observeServerTime(resp.ServerTime); ok {
			return tx.SetState(stateHLC, ts.String())
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range resp.Results {
		switch r.Status {
		case domain.OpApplied:
			rep.Applied++
		case domain.OpDuplicate:
			rep.Duplicates++
		case domain.OpRejected:
			rep.Rejected++
		}
	}
	rep.Pulled += len(resp.Changes)
	for _, rj := range rejections {
		d.log.Info().Str("op_id", rj.OpID).Str("type", rj.Type).Str("reason", rj.Reason).Msg("op rejected")
		if d.opts.OnRejected != nil {
			d.opts.OnRejected(rj)
		}
	}
	d.notify(changes...)
	return nil
}

// observeServerTime applies the HLC receive rule to the server's clock when it is ahead of the
// device's: ops made afterwards then order after everything the server had seen. A server
// behind the device is ignored — the clock never goes back, and the server takes ops up to
// five minutes ahead of its time.
func (d *Device) observeServerTime(s string) (hlc.Timestamp, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return hlc.Timestamp{}, false
	}
	remote := hlc.Timestamp{Wall: t.UnixMilli()}
	if remote.Compare(d.clock.Last()) <= 0 {
		return hlc.Timestamp{}, false
	}
	return d.clock.Update(remote), true
}

// reportConflicts tells OnConflict of the open conflicts not reported before.
func (d *Device) reportConflicts(ctx context.Context, rep *Report) error {
	var page client.ConflictPage
	if err := d.call(ctx, rep, func(tok string) (err error) {
		page, err = d.api.Conflicts(ctx, tok, true, "", 100)
		return err
	}); err != nil {
		return err
	}
	var fresh []domain.Conflict
	err := d.st.Update(func(tx *localstore.Tx) error {
		fresh = fresh[:0]
		var seen []string
		if s := tx.State(stateConflicts); s != "" {
			if err := json.Unmarshal([]byte(s), &seen); err != nil {
				seen = nil
			}
		}
		known := map[string]bool{}
		for _, id := range seen {
			known[id] = true
		}
		for _, c := range page.Data {
			if !known[c.ID] {
				fresh = append(fresh, c)
				seen = append(seen, c.ID)
			}
		}
		if len(seen) > 1000 {
			seen = seen[len(seen)-1000:]
		}
		b, err := json.Marshal(seen)
		if err != nil {
			return err
		}
		return tx.SetState(stateConflicts, string(b))
	})
	if err != nil {
		return err
	}
	for _, c := range fresh {
		d.opts.OnConflict(c)
	}
	return nil
}

// Conflicts lists the open conflicts on the server (supervisors and admins only; online).
func (d *Device) Conflicts(ctx context.Context) ([]domain.Conflict, error) {
	ctx, done, err := d.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	var page client.ConflictPage
	err = d.call(ctx, nil, func(tok string) (err error) {
		page, err = d.api.Conflicts(ctx, tok, true, "", 100)
		return err
	})
	return page.Data, err
}
