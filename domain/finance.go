package domain

import (
	"math"
	"time"
)

// DepreciationMethod says how an asset loses book value over its useful life.
type DepreciationMethod string

// Depreciation methods.
const (
	// StraightLine writes the cost less salvage off in equal monthly parts over the life.
	StraightLine DepreciationMethod = "straight_line"
	// DecliningBalance takes a fixed share (the rate) of the remaining value each year,
	// compounded monthly, never below salvage; what remains at the end of the life is written
	// down to salvage.
	DecliningBalance DepreciationMethod = "declining_balance"
)

// Valid reports whether m is a known method.
func (m DepreciationMethod) Valid() bool { return m == StraightLine || m == DecliningBalance }

// ProductFinance holds a product's finance settings: how its items depreciate and the daily
// rate a job is charged for one of them on its site.
type ProductFinance struct {
	ProductID         string             `json:"product_id"`
	Method            DepreciationMethod `json:"depreciation_method"`
	UsefulLifeYears   int                `json:"useful_life_years"`
	SalvageValueCents int64              `json:"salvage_value_cents"`
	// DepreciationRate is the yearly rate of the declining-balance method, above 0 and below
	// 1; 0 means double declining, 2 / UsefulLifeYears.
	DepreciationRate float64 `json:"depreciation_rate,omitempty"`
	DailyRateCents   int64   `json:"daily_rate_cents"`
	// Clock is the "<hlc>@<device>" of the write that set the settings (last writer wins).
	Clock     string    `json:"-"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Check refuses settings a book value cannot be computed from.
func (f *ProductFinance) Check() error {
	var fe []FieldError
	if !f.Method.Valid() {
		fe = append(fe, FieldError{Field: "depreciation_method", Message: "must be straight_line or declining_balance"})
	}
	if f.UsefulLifeYears < 1 || f.UsefulLifeYears > 100 {
		fe = append(fe, FieldError{Field: "useful_life_years", Message: "must be from 1 to 100"})
	}
	if f.SalvageValueCents < 0 {
		fe = append(fe, FieldError{Field: "salvage_value_cents", Message: "must not be negative"})
	}
	if f.DepreciationRate < 0 || f.DepreciationRate >= 1 {
		fe = append(fe, FieldError{Field: "depreciation_rate", Message: "must be at least 0 and below 1 (0: double declining)"})
	}
	if f.DepreciationRate != 0 && f.Method != DecliningBalance {
		fe = append(fe, FieldError{Field: "depreciation_rate", Message: "applies to declining_balance only"})
	}
	if f.DailyRateCents < 0 {
		fe = append(fe, FieldError{Field: "daily_rate_cents", Message: "must not be negative"})
	}
	return Invalid(fe)
}

// Depreciation is what the book value of one asset is computed from.
type Depreciation struct {
	CostCents    int64
	SalvageCents int64
	// Purchased is the purchase date; only its calendar date counts.
	Purchased time.Time
	LifeYears int
	Method    DepreciationMethod
	// Rate is the declining-balance yearly rate; 0 means 2 / LifeYears.
	Rate float64
}

// Depreciation returns the inputs for an item's book value under these settings, and false
// when the item lacks a purchase cost or date.
func (f *ProductFinance) Depreciation(it *Item) (Depreciation, bool) {
	if it.PurchaseCostCents <= 0 || it.PurchaseDate == "" {
		return Depreciation{}, false
	}
	d, err := time.Parse(time.DateOnly, it.PurchaseDate)
	if err != nil {
		return Depreciation{}, false
	}
	return Depreciation{CostCents: it.PurchaseCostCents, SalvageCents: f.SalvageValueCents, Purchased: d,
		LifeYears: f.UsefulLifeYears, Method: f.Method, Rate: f.DepreciationRate}, true
}

// MonthsElapsed counts the whole months from one date to another: a month is complete on the
// same day of a later month, or on that month's last day when it is shorter (31 January to
// 28 February is one month). Before from it is 0.
func MonthsElapsed(from, to time.Time) int {
	fy, fm, fd := from.Date()
	ty, tm, td := to.Date()
	n := (ty-fy)*12 + int(tm) - int(fm)
	if td < fd && td != daysIn(ty, tm) {
		n--
	}
	return max(n, 0)
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// BookValue returns the asset's value in cents at the date at: the cost before a whole month
// has passed, the salvage value once the useful life is over, and in between the method's
// value rounded to the nearest cent (never below salvage). Salvage above cost counts as cost.
func (d Depreciation) BookValue(at time.Time) int64 {
	cost := max(d.CostCents, 0)
	salvage := min(max(d.SalvageCents, 0), cost)
	life := max(d.LifeYears, 1) * 12
	m := MonthsElapsed(d.Purchased, at)
	switch {
	case m <= 0:
		return cost
	case m >= life:
		return salvage
	}
	var v int64
	if d.Method == DecliningBalance {
		rate := d.Rate
		if rate <= 0 || rate >= 1 {
			rate = math.Min(2/float64(max(d.LifeYears, 1)), 0.99)
		}
		v = int64(math.Round(float64(cost) * math.Pow(1-rate, float64(m)/12)))
	} else {
		depreciable := cost - salvage
		// Rounded to the nearest cent, halves up: (a*m + life/2) / life.
		v = cost - (depreciable*int64(m)+int64(life)/2)/int64(life)
	}
	return max(v, salvage)
}
