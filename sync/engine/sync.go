package engine

import (
	"context"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// Sync answers POST /v1/sync: it applies the device's queued ops, each exactly once, then
// returns the changes after the device's cursor that its user may see. A request with more than
// MaxOpsPerSync ops, or one that is invalid as a whole, applies nothing. A cursor older than
// the tombstone horizon gets EGONE — after the pushed ops were applied, so nothing is lost.
func (e *Engine) Sync(ctx context.Context, actor domain.Actor, req *wire.Request) (*wire.Response, error) {
	if req.DeviceID == "" {
		return nil, domain.FieldErrorf(domain.EINVALID, "device_id", "is required")
	}
	if len(req.DeviceID) > 128 {
		return nil, domain.FieldErrorf(domain.EINVALID, "device_id", "is longer than 128 characters")
	}
	if len(req.Ops) > MaxOpsPerSync {
		return nil, domain.FieldErrorf(domain.ETOOLARGE, "ops", "%d ops in one request; at most %d", len(req.Ops), MaxOpsPerSync)
	}
	limit := req.Limit
	switch {
	case limit < 0:
		return nil, domain.FieldErrorf(domain.EINVALID, "limit", "must not be negative")
	case limit == 0:
		limit = DefaultPullLimit
	case limit > MaxPullLimit:
		limit = MaxPullLimit
	}
	cur, err := parseCursor(req.Cursor)
	if err != nil {
		return nil, err
	}
	actor.DeviceID = req.DeviceID

	resp := &wire.Response{Results: make([]wire.Result, 0, len(req.Ops)), Changes: []wire.Change{}}
	err = e.atomically(ctx, func(ctx context.Context) error {
		if actor.UserID != "" {
			if err := e.led.BindDevice(ctx, req.DeviceID, actor.UserID, e.now().UTC()); err != nil {
				return err
			}
		}
		if p, ok := e.st.(OpPreloader); ok && len(req.Ops) > 1 {
			ids := make([]string, len(req.Ops))
			for i, op := range req.Ops {
				ids[i] = op.OpID
			}
			if err := p.PreloadOps(ctx, ids); err != nil {
				return err
			}
		}
		for _, op := range req.Ops {
			res, err := e.apply(ctx, actor, op, 0, false)
			if err != nil {
				return err
			}
			resp.Results = append(resp.Results, res.Result)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	now := e.now().UTC()
	resp.ServerTime = now.Format(time.RFC3339Nano)
	if req.Cursor != "" && now.Sub(cur.issued) > TombstoneHorizon {
		return resp, &domain.Error{Code: domain.EGONE, Message: "the cursor is older than the 90-day tombstone horizon: resync_required — pull again with an empty cursor",
			Fields: []domain.FieldError{{Field: "cursor", Message: "resync_required"}}}
	}
	sc, err := e.scopeOf(ctx, e.st, actor)
	if err != nil {
		return nil, err
	}
	switch {
	case req.Cursor == "":
		// A device's first pull: nothing it may not see needs saying (see cursor).
		if sc.sites != nil {
			if cur.fresh, err = e.st.ChangesHead(ctx); err != nil {
				return nil, err
			}
		}
	case cur.scope != sc.digest:
		// A new scope: start again from the beginning, a snapshot of it, in which what the
		// device holds from the old scope and may not see now comes as deleted.
		cur = cursor{}
	}
	changes, next, more, err := e.pull(ctx, e.st, sc, cur, limit)
	if err != nil {
		return nil, err
	}
	resp.Changes = changes
	resp.Cursor = next.String()
	resp.HasMore = more
	return resp, nil
}
