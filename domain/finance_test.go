package domain

import (
	"testing"
	"time"
)

func finDate(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestBookValue checks book values against calculations done by hand.
func TestBookValue(t *testing.T) {
	// A: a €12,000.00 generator, salvage €2,000.00, 5 years straight line, bought 2024-01-15.
	// Depreciable: 1,200,000 − 200,000 = 1,000,000 cents over 60 months = 16,666.67 a month.
	a := Depreciation{CostCents: 1_200_000, SalvageCents: 200_000, Purchased: finDate("2024-01-15"), LifeYears: 5, Method: StraightLine}
	// B: a €10,000.00 analyser, 40 % a year declining balance, salvage €500.00, 5 years,
	// bought 2024-01-01.
	b := Depreciation{CostCents: 1_000_000, SalvageCents: 50_000, Purchased: finDate("2024-01-01"), LifeYears: 5, Method: DecliningBalance, Rate: 0.4}
	// C: double declining (no rate): 4 years → 2/4 = 50 % a year; €8,000.00, no salvage.
	c := Depreciation{CostCents: 800_000, Purchased: finDate("2024-03-31"), LifeYears: 4, Method: DecliningBalance}
	// D: B with a €2,000.00 salvage and a 10-year life, so that the floor is reached early.
	d := b
	d.SalvageCents, d.LifeYears = 200_000, 10
	// E: salvage above cost counts as cost: nothing to depreciate.
	e := Depreciation{CostCents: 50_000, SalvageCents: 80_000, Purchased: finDate("2024-01-01"), LifeYears: 3, Method: StraightLine}

	tests := []struct {
		name string
		d    Depreciation
		at   string
		want int64
	}{
		{"straight line before purchase is cost", a, "2023-12-31", 1_200_000},
		{"straight line before a whole month is cost", a, "2024-02-14", 1_200_000},
		// 1 month: 1,000,000 × 1/60 = 16,666.67 → 16,667; 1,200,000 − 16,667 = 1,183,333.
		{"straight line after one month", a, "2024-02-15", 1_183_333},
		// 29 months: 1,000,000 × 29/60 = 483,333.33 → 483,333; 1,200,000 − 483,333 = 716,667.
		{"straight line after 29 months", a, "2026-07-14", 716_667},
		// 30 months: 1,000,000 × 30/60 = 500,000; 1,200,000 − 500,000 = 700,000.
		{"straight line half way", a, "2026-07-15", 700_000},
		// 60 months: the life is over; salvage.
		{"straight line at end of life", a, "2029-01-15", 200_000},
		{"straight line long after", a, "2035-06-01", 200_000},
		// 12 months: 1,000,000 × 0.6 = 600,000.
		{"declining after one year", b, "2025-01-01", 600_000},
		// 18 months: 1,000,000 × 0.6^1.5 = 1,000,000 × 0.4647580 = 464,758.
		{"declining after 18 months", b, "2025-07-01", 464_758},
		// 24 months: 1,000,000 × 0.6² = 360,000.
		{"declining after two years", b, "2026-01-01", 360_000},
		// 48 months: 1,000,000 × 0.6⁴ = 129,600.
		{"declining after four years", b, "2028-01-01", 129_600},
		// 60 months: end of life, written down to salvage 50,000.
		{"declining at end of life", b, "2029-01-01", 50_000},
		// 1 month (31 March → 30 April, the month's last day): 800,000 × 0.5^(1/12) = 755,099.45.
		{"double declining after one month", c, "2024-04-30", 755_099},
		// 24 months: 800,000 × 0.5² = 200,000.
		{"double declining after two years", c, "2026-03-31", 200_000},
		// 48 months: 129,600 is below the 200,000 salvage; the floor holds.
		{"declining never below salvage", d, "2028-01-01", 200_000},
		// 24 months: 360,000 is above the salvage.
		{"declining above salvage", d, "2026-01-01", 360_000},
		{"salvage above cost", e, "2025-01-01", 50_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.BookValue(finDate(tt.at)); got != tt.want {
				t.Errorf("BookValue(%s) = %d, want %d", tt.at, got, tt.want)
			}
		})
	}
}

func TestMonthsElapsed(t *testing.T) {
	tests := []struct {
		from, to string
		want     int
	}{
		{"2023-05-10", "2024-05-10", 12},
		{"2023-05-10", "2024-05-09", 11},
		{"2024-01-31", "2024-02-29", 1}, // the last day of a shorter month completes it
		{"2024-01-31", "2024-02-28", 0},
		{"2024-01-15", "2024-01-14", 0}, // before the start
		{"2024-01-15", "2024-01-15", 0},
	}
	for _, tt := range tests {
		if got := MonthsElapsed(finDate(tt.from), finDate(tt.to)); got != tt.want {
			t.Errorf("MonthsElapsed(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestProductFinanceCheck(t *testing.T) {
	ok := ProductFinance{Method: StraightLine, UsefulLifeYears: 5, SalvageValueCents: 100, DailyRateCents: 2500}
	tests := []struct {
		name      string
		edit      func(f *ProductFinance)
		wantField string
	}{
		{"valid", func(*ProductFinance) {}, ""},
		{"unknown method", func(f *ProductFinance) { f.Method = "sum_of_years" }, "depreciation_method"},
		{"no life", func(f *ProductFinance) { f.UsefulLifeYears = 0 }, "useful_life_years"},
		{"negative salvage", func(f *ProductFinance) { f.SalvageValueCents = -1 }, "salvage_value_cents"},
		{"rate of one", func(f *ProductFinance) { f.Method, f.DepreciationRate = DecliningBalance, 1 }, "depreciation_rate"},
		{"rate with straight line", func(f *ProductFinance) { f.DepreciationRate = 0.3 }, "depreciation_rate"},
		{"negative daily rate", func(f *ProductFinance) { f.DailyRateCents = -5 }, "daily_rate_cents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ok
			tt.edit(&f)
			err := f.Check()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Check() = %v, want nil", err)
				}
				return
			}
			fields := ErrorFields(err)
			if ErrorCode(err) != EINVALID || len(fields) == 0 || fields[0].Field != tt.wantField {
				t.Errorf("Check() = %v, want EINVALID naming %s", err, tt.wantField)
			}
		})
	}
}

func TestProductFinanceDepreciation(t *testing.T) {
	f := &ProductFinance{Method: StraightLine, UsefulLifeYears: 5, SalvageValueCents: 200_000}
	if _, ok := f.Depreciation(&Item{PurchaseCostCents: 1_200_000}); ok {
		t.Errorf("Depreciation(no purchase date) ok = true, want false")
	}
	d, ok := f.Depreciation(&Item{PurchaseCostCents: 1_200_000, PurchaseDate: "2024-01-15"})
	if !ok || d.BookValue(finDate("2026-07-15")) != 700_000 {
		t.Errorf("Depreciation(...).BookValue(2026-07-15) = %d (ok %v), want 700000", d.BookValue(finDate("2026-07-15")), ok)
	}
}
