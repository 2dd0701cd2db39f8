package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
)

// Options adjusts the suite to what an adapter's test target can do.
type Options struct {
	// SkipConcurrent, when non-empty, skips the cases that check atomicity under concurrent
	// writers, with this text as the reason (FerretDB loses concurrent updates; those cases
	// need a real MongoDB).
	SkipConcurrent string
}

// caseTimeout bounds each case; FerretDB needs several milliseconds per write.
const caseTimeout = 2 * time.Minute

// testCase is one named case of the suite.
type testCase struct {
	name string
	// concurrent marks a case that checks atomicity under concurrent writers.
	concurrent bool
	run        func(t *testing.T, st Store)
}

// Run checks that the stores made by open follow the Store contract. open must return a fresh,
// empty store each time it is called; Run closes it when the case ends.
func Run(t *testing.T, open func(t *testing.T) Store, opts Options) {
	var cases []testCase
	cases = append(cases, entityCases()...)
	cases = append(cases, uniqueCases()...)
	cases = append(cases, lookupCases()...)
	cases = append(cases, listCases()...)
	cases = append(cases, feedCases()...)
	cases = append(cases, authCases()...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.concurrent && opts.SkipConcurrent != "" {
				t.Skip(opts.SkipConcurrent)
			}
			st := open(t)
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Errorf("Close() = %v, want nil", err)
				}
			})
			tc.run(t, st)
		})
	}
}

// testContext returns a context that ends with the test or after caseTimeout.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), caseTimeout)
	t.Cleanup(cancel)
	return ctx
}

// newID returns a fresh UUIDv7 string, as the services make them.
func newID(t *testing.T) string {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatalf("uuid.NewV7() = %v", err)
	}
	return id.String()
}

// baseTime is a creation time with sub-millisecond digits in a zone other than UTC, so that the
// suite sees stores return times truncated to the millisecond in UTC.
var baseTime = time.Date(2025, 3, 14, 9, 26, 53, 589_793_238, time.FixedZone("CET", 3600))

// wantError fails t unless err is a *domain.Error with the given code and, when field is not
// empty, a field problem naming field.
func wantError(t *testing.T, what string, err error, code, field string) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Errorf("%s = %v (%T), want a *domain.Error with code %q", what, err, err, code)
		return
	}
	if de.Code != code {
		t.Errorf("%s = %v, want code %q", what, err, code)
		return
	}
	if field == "" {
		return
	}
	for _, f := range de.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("%s = %v (fields %+v), want a field problem naming %q", what, err, de.Fields, field)
}

// must fails the test at once when err is not nil.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s = %v, want nil", what, err)
	}
}

// ms returns tm as the store gives it back: truncated to the millisecond, in UTC.
func ms(tm time.Time) time.Time {
	if tm.IsZero() {
		return tm
	}
	return time.UnixMilli(tm.UnixMilli()).UTC()
}

// msPtr is ms for optional times.
func msPtr(tm *time.Time) *time.Time {
	if tm == nil {
		return nil
	}
	v := ms(*tm)
	return &v
}

// checkUTC fails t when a time returned by the store is not in UTC.
func checkUTC(t *testing.T, what string, times ...*time.Time) {
	t.Helper()
	for _, tm := range times {
		if tm != nil && !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s returned time %v in %v, want UTC", what, tm, tm.Location())
		}
	}
}

// normMeta makes two Metas comparable: times to the millisecond, nil and empty clocks alike.
func normMeta(m domain.Meta) domain.Meta {
	m.CreatedAt, m.UpdatedAt = ms(m.CreatedAt), ms(m.UpdatedAt)
	if len(m.Clocks) == 0 {
		m.Clocks = nil
	}
	return m
}

// equalAsStored reports the difference between a value the store returned and the value
// written, after both are normalized by norm; "" when they match.
func equalAsStored[T any](got, want T, norm func(T) T) string {
	g, w := norm(got), norm(want)
	if reflect.DeepEqual(g, w) {
		return ""
	}
	return fmt.Sprintf("got  %+v\nwant %+v", g, w)
}

// sameIDs reports whether got lists exactly the ids of want, in order.
func sameIDs(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// isSorted reports whether ids are in strictly increasing order.
func isSorted(ids []string) bool {
	for i := 1; i < len(ids); i++ {
		if strings.Compare(ids[i-1], ids[i]) >= 0 {
			return false
		}
	}
	return true
}
