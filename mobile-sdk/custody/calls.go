package custody

import (
	"context"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/device"
)

// CheckOut checks a tool out offline to the person whose badge was tapped (badgeUID "" means
// the signed-in user), due back at dueAt (RFC 3339, "" for none). toolCode is the tool's id,
// NFC UID, EPC, asset tag or GS1 code. It returns the tool as JSON as it should now show.
func (s *SDK) CheckOut(toolCode, badgeUID, dueAt string) (string, error) {
	var due time.Time
	if dueAt != "" {
		var err error
		if due, err = time.Parse(time.RFC3339, dueAt); err != nil {
			return "", domain.FieldErrorf(domain.EINVALID, "due_at", "must be an RFC 3339 time such as 2026-05-01T17:00:00Z")
		}
	}
	return toJSON(s.d.CheckOut(toolCode, badgeUID, due))
}

// CheckIn returns a tool to a location, in a condition ("", ok, damaged or needs_service).
func (s *SDK) CheckIn(toolCode, locationID, condition string) (string, error) {
	return toJSON(s.d.CheckIn(toolCode, locationID, condition))
}

// Transfer moves a tool to another location without changing who holds it.
func (s *SDK) Transfer(toolCode, locationID string) (string, error) {
	return toJSON(s.d.Transfer(toolCode, locationID))
}

// ReportLost reports a tool lost.
func (s *SDK) ReportLost(toolCode, reason string) (string, error) {
	return toJSON(s.d.ReportLost(toolCode, reason))
}

// BindTag binds a tag (kind epc, nfc or barcode) to a tool.
func (s *SDK) BindTag(toolCode, kind, value string) (string, error) {
	return toJSON(s.d.BindTag(toolCode, kind, value))
}

// UnbindTag removes a tag from a tool.
func (s *SDK) UnbindTag(toolCode, kind, value string) (string, error) {
	return toJSON(s.d.UnbindTag(toolCode, kind, value))
}

// ReportFound reports a lost tool found at a location.
func (s *SDK) ReportFound(toolCode, locationID string) (string, error) {
	return toJSON(s.d.ReportFound(toolCode, locationID))
}

// ReceiveByScan books a scanned receipt into a location: a serialized item is checked in
// there; a GS1 code with a count, or a product code with quantity > 0, adds stock. It returns
// a receipt as JSON: {kind: item|stock, item?, stock?}.
func (s *SDK) ReceiveByScan(scan, locationID string, quantity int64) (string, error) {
	return toJSON(s.d.ReceiveByScan(scan, locationID, quantity))
}

// PickByScan takes a scanned pick out of a location: a serialized item is checked out to the
// picker; a quantity leaves the product's stock.
func (s *SDK) PickByScan(scan, locationID string, quantity int64) (string, error) {
	return toJSON(s.d.PickByScan(scan, locationID, quantity))
}

// Count records a stocktake of a product (id, GTIN or GS1 code) at a location.
func (s *SDK) Count(productCode, locationID string, quantity int64) (string, error) {
	return toJSON(s.d.Count(productCode, locationID, quantity))
}

// LookUp tells offline what a scanned code is and what it belongs to, as JSON in the shape of
// POST /v1/resolve: {kind, normalized, epc_uri?, gs1?, match?: {type, id}}.
func (s *SDK) LookUp(code string) (string, error) {
	return toJSON(s.d.LookUp(code))
}

// Item returns one item as JSON, with this device's pending ops applied.
func (s *SDK) Item(id string) (string, error) {
	return toJSON(s.d.Item(id))
}

// MyTools returns the items checked out to the signed-in user, as a JSON array.
func (s *SDK) MyTools() (string, error) {
	return toJSON(nonNil(s.d.MyTools()))
}

// ItemsAt returns the items at a location, as a JSON array.
func (s *SDK) ItemsAt(locationID string) (string, error) {
	return toJSON(nonNil(s.d.Items(func(v *device.ItemView) bool { return v.LocationID == locationID })))
}

// Stock returns the level of a product at a location as JSON.
func (s *SDK) Stock(productID, locationID string) (string, error) {
	return toJSON(s.d.Stock(productID, locationID))
}

// StockLevels returns every stock level this device knows, as a JSON array.
func (s *SDK) StockLevels() (string, error) {
	levels, err := s.d.StockLevels()
	if levels == nil {
		levels = []*device.StockView{}
	}
	return toJSON(levels, err)
}

// Rejections returns the latest ops the server refused, oldest first, as a JSON array.
func (s *SDK) Rejections() (string, error) {
	r, err := s.d.Rejections()
	if r == nil {
		r = []device.Rejection{}
	}
	return toJSON(r, err)
}

// PendingCount returns how many ops wait to reach the server.
func (s *SDK) PendingCount() (int64, error) {
	p, _, err := s.d.Pending()
	return int64(p), err
}

// SyncResult says what one SyncNow did.
type SyncResult struct {
	Applied        int64
	Duplicates     int64
	Rejected       int64
	Pulled         int64
	Retries        int64
	Refreshes      int64
	Resynced       bool
	DurationMillis int64
}

// SyncNow pushes the queue and pulls every change (online; blocks).
func (s *SDK) SyncNow() (*SyncResult, error) {
	rep, err := s.d.SyncNow(context.Background())
	return &SyncResult{
		Applied: int64(rep.Applied), Duplicates: int64(rep.Duplicates), Rejected: int64(rep.Rejected),
		Pulled: int64(rep.Pulled), Retries: int64(rep.Retries), Refreshes: int64(rep.Refreshes),
		Resynced: rep.Resynced, DurationMillis: rep.Duration.Milliseconds(),
	}, err
}

// StartAutoSync syncs in the background now, after every op queued and every
// intervalSeconds, until StopAutoSync or Close. Calling it again restarts it.
func (s *SDK) StartAutoSync(intervalSeconds int64) error {
	if intervalSeconds <= 0 {
		return domain.FieldErrorf(domain.EINVALID, "interval_seconds", "must be positive")
	}
	s.StopAutoSync()
	stop, err := s.d.Start(time.Duration(intervalSeconds) * time.Second)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.stopAuto = stop
	s.mu.Unlock()
	return nil
}

// StopAutoSync stops background sync and waits for it to end.
func (s *SDK) StopAutoSync() {
	s.mu.Lock()
	stop := s.stopAuto
	s.stopAuto = nil
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
}

func nonNil(items []*device.ItemView, err error) ([]*device.ItemView, error) {
	if items == nil {
		items = []*device.ItemView{}
	}
	return items, err
}
