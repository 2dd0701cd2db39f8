package engine

import (
	"context"
	"time"

	"github.com/custodyhq/custody/domain"
)

// errNoLedger is what custody, stock and device binding answer on a store without a ledger.
var errNoLedger = domain.Errorf(domain.EINTERNAL, "this store keeps no custody or stock ledger")

// noLedger stands in for the Ledger of a store that has none (a store adapter of an older
// contract): custody and stock ops fail with errNoLedger, register ops still work.
type noLedger struct{}

func (noLedger) AppendCustodyEvent(context.Context, *domain.CustodyEvent) (bool, error) {
	return false, errNoLedger
}
func (noLedger) ListCustodyEvents(context.Context, string, domain.Page) ([]*domain.CustodyEvent, string, error) {
	return nil, "", errNoLedger
}
func (noLedger) RecordStockMove(context.Context, *domain.StockMove) (bool, error) {
	return false, errNoLedger
}
func (noLedger) RefreshStockLevel(context.Context, domain.StockKey, time.Time) (*domain.StockLevel, error) {
	return nil, errNoLedger
}
func (noLedger) GetStockLevel(context.Context, domain.StockKey) (*domain.StockLevel, error) {
	return nil, errNoLedger
}
func (noLedger) SetStockMin(context.Context, domain.StockKey, int64, time.Time) (*domain.StockLevel, error) {
	return nil, errNoLedger
}
func (noLedger) CreateConflict(context.Context, *domain.Conflict) (bool, error) {
	return false, errNoLedger
}
func (noLedger) BindDevice(context.Context, string, string, time.Time) error { return nil }
