package wire

// Op types for maintenance, usage hours and finance settings.
const (
	// OpMaintenancePlanSet sets a product's or an item's plan of one kind (entity id: that
	// product's or item's id). The newest write by HLC wins.
	OpMaintenancePlanSet = "maintenance.plan.set"
	// OpMaintenanceRecord records work done on an item (entity id: the item's id).
	OpMaintenanceRecord = "maintenance.record"
	// OpItemHours reports hours of use of an item (entity id: the item's id).
	OpItemHours = "item.hours"
	// OpProductFinanceSet sets a product's depreciation and daily rate (entity id: the
	// product's id). The newest write by HLC wins.
	OpProductFinanceSet = "product.finance.set"
)

// MaintenancePlan is the payload of maintenance.plan.set: one of ProductID or ItemID, the
// kind, and the intervals (both zero switches the plan off).
type MaintenancePlan struct {
	ProductID     string  `json:"product_id,omitempty"`
	ItemID        string  `json:"item_id,omitempty"`
	Kind          string  `json:"kind"`
	IntervalDays  int     `json:"interval_days,omitempty"`
	IntervalHours float64 `json:"interval_hours,omitempty"`
	Notes         string  `json:"notes,omitempty"`
}

// MaintenanceRecord is the payload of maintenance.record. PerformedAt is RFC 3339 (default:
// the op's time); PerformedBy defaults to the user who records it.
type MaintenanceRecord struct {
	Kind           string `json:"kind"`
	Result         string `json:"result"`
	PerformedAt    string `json:"performed_at,omitempty"`
	PerformedBy    string `json:"performed_by,omitempty"`
	CertificateRef string `json:"certificate_ref,omitempty"`
	Notes          string `json:"notes,omitempty"`
}

// ItemHours is the payload of item.hours: hours of use to add.
type ItemHours struct {
	Hours float64 `json:"hours"`
}

// ProductFinance is the payload of product.finance.set.
type ProductFinance struct {
	DepreciationMethod string  `json:"depreciation_method"`
	UsefulLifeYears    int     `json:"useful_life_years"`
	SalvageValueCents  int64   `json:"salvage_value_cents,omitempty"`
	DepreciationRate   float64 `json:"depreciation_rate,omitempty"`
	DailyRateCents     int64   `json:"daily_rate_cents,omitempty"`
}
