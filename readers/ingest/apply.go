package ingest

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/hlc"
	"github.com/custodyhq/custody/sync/wire"
)

// opNamespace is the UUIDv5 namespace of the ops that sweeps make: an op's id is derived from
// the reader, the sweep, the action and the item, so the same sweep always makes the same ops.
var opNamespace = uuid.MustParse("6f1c2b0e-8d4a-5c3e-9b7f-2a61d0e4c915")

// OpID returns the id of the op that sweep sweepID of reader readerID makes for an item. An
// item that comes back is checked in, or found when it was lost: both take the id of the
// check-in (comeBackOpID), so that once either applied the other is a duplicate.
func OpID(readerID, sweepID, opType, itemID string) string {
	return uuid.NewSHA1(opNamespace, []byte(readerID+"\x00"+sweepID+"\x00"+opType+"\x00"+itemID)).String()
}

// comeBackOpID is the id of the op that checks an item in to the sweep's cabinet or finds it
// there.
func comeBackOpID(sw *domain.Sweep, itemID string) string {
	return OpID(sw.ReaderID, sw.SweepID, wire.OpItemCheckin, itemID)
}

// apply submits the custody changes a stored sweep decided on and marks it applied. Each op
// has its derived id, so ops applied by an earlier attempt come back as duplicates and change
// nothing. An item that appears and is reported lost is found (item.found) rather than checked
// in: available in the cabinet again, its history saying the cabinet's reader found it. An op
// the engine refuses (an item retired meanwhile, a badge owner disabled) is logged and
// skipped: the refusal is final and recorded in the op log. A store failure stops the sweep
// unapplied, for the next post of it to finish.
func (s *Service) apply(ctx context.Context, sw *domain.Sweep) error {
	actor := actorFor(sw.ReaderID)
	clock := hlc.Timestamp{Wall: sw.StartedAt.UnixMilli()}.String()
	submit := func(opID, opType, itemID string, payload any) error {
		raw, err := json.Marshal(payload)
		if err != nil {
			return err
		}
		op := wire.Op{OpID: opID, HLC: clock, Type: opType, EntityID: itemID, Payload: raw}
		err = s.eng.Submit(ctx, actor, op, 0)
		switch code := domain.ErrorCode(err); {
		case err == nil:
			return nil
		case code == domain.EINTERNAL:
			return err
		default:
			s.log.Warn().Str("reader_id", sw.ReaderID).Str("sweep_id", sw.SweepID).Str("op", opType).Str("item_id", itemID).
				Str("reason", domain.ErrorMessage(err)).Msg("sweep: the engine refused a custody change")
			return nil
		}
	}
	for _, id := range sw.Checkouts {
		if err := submit(OpID(sw.ReaderID, sw.SweepID, wire.OpItemCheckout, id), wire.OpItemCheckout, id, wire.Checkout{Badge: sw.DoorBadge}); err != nil {
			return err
		}
	}
	for _, id := range sw.Checkins {
		opType, payload := wire.OpItemCheckin, any(wire.Checkin{LocationID: sw.LocationID})
		it, err := s.st.GetItem(ctx, id)
		switch {
		case err == nil && it.Status == domain.StatusLost:
			opType, payload = wire.OpItemFound, wire.Found{LocationID: sw.LocationID}
		case err != nil && domain.ErrorCode(err) != domain.ENOTFOUND:
			return err
		}
		if err := submit(comeBackOpID(sw, id), opType, id, payload); err != nil {
			return err
		}
	}
	if err := s.st.MarkSweepApplied(ctx, sw.ReaderID, sw.SweepID); err != nil {
		return err
	}
	sw.Applied = true
	if s.onDone != nil {
		if err := s.onDone(ctx, sw); err != nil {
			s.log.Error().Err(err).Str("reader_id", sw.ReaderID).Str("sweep_id", sw.SweepID).Msg("sweep: telling notifications failed")
		}
	}
	return nil
}
