package storetest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// SweepStore is what a store adapter provides for RFID reader sweeps. Conventions:
//   - A sweep is keyed by (ReaderID, SweepID). CreateSweep stores it unless that key exists and,
//     in the same write, records its sightings; it returns the stored sweep — the one that was
//     there, with nothing written, when the key existed — and whether it stored this one. An
//     empty reader or sweep id is EINVALID naming "reader_id" or "sweep_id"; a sighting without
//     an EPC is EINVALID naming "sightings[i].epc".
//   - Times come back truncated to the millisecond, in UTC; the result's lists come back
//     non-nil.
//   - Sightings are kept one per (EPC, reader): the one with the latest SeenAt; recording an
//     older one changes nothing.
//   - ListSightings returns the sightings of the given EPCs whose SeenAt lies in [from, to] and
//     whose LocationID is not exceptLocation ("" excepts none), in no particular order. Its cost
//     must not grow with the sightings of other EPCs.
type SweepStore interface {
	CreateSweep(ctx context.Context, s *domain.Sweep, sightings []domain.Sighting) (*domain.Sweep, bool, error)
	// GetSweep returns a sweep; an unknown one is ENOTFOUND.
	GetSweep(ctx context.Context, readerID, sweepID string) (*domain.Sweep, error)
	// MarkSweepApplied records that every custody change of the sweep went through; marking
	// it again is fine; an unknown sweep is ENOTFOUND.
	MarkSweepApplied(ctx context.Context, readerID, sweepID string) error
	ListSightings(ctx context.Context, epcs []string, from, to time.Time, exceptLocation string) ([]domain.Sighting, error)
	// ChangeSeq returns a position of the change feed at or below which every write has
	// finished: what a listing read after it reflects, and what ListChanges lists after. Reader
	// ingest takes it before listing a cabinet whose contents it then keeps up to date from the
	// feed.
	ChangeSeq(ctx context.Context) (int64, error)
}

// SweepTestStore is a store adapter together with its sweeps: what RunSweeps checks.
type SweepTestStore interface {
	Store
	SweepStore
}

// sweepCase is one named case of the sweeps suite.
type sweepCase struct {
	name string
	run  func(t *testing.T, st SweepTestStore)
}

// RunSweeps checks that the stores made by open follow the SweepStore contract. open must
// return a fresh, empty store each time it is called; RunSweeps closes it when the case ends.
// No case writes concurrently, so opts.SkipConcurrent skips nothing here.
func RunSweeps(t *testing.T, open func(t *testing.T) SweepTestStore, _ Options) {
	cases := []sweepCase{
		{"Sweeps/CreateOnce", testSweepCreateOnce},
		{"Sweeps/KeyedByReader", testSweepKeyedByReader},
		{"Sweeps/NotFound", testSweepNotFound},
		{"Sweeps/MarkApplied", testSweepMarkApplied},
		{"Sweeps/InvalidInput", testSweepInvalid},
		{"Sightings/RecordedWithSweep", testSightingsRecorded},
		{"Sightings/LatestPerReader", testSightingsLatest},
		{"Sightings/WindowAndEPCs", testSightingsWindow},
		{"Sightings/NotRecordedForRepeat", testSightingsRepeat},
		{"Sightings/Many", testSightingsMany},
		{"Sightings/OtherLocations", testSightingsOtherLocations},
		{"ChangeSeq/Position", testChangeSeq},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
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

// newSweep returns a sweep of reader, not yet stored, with every field set.
func newSweep(t *testing.T, readerID, sweepID string) *domain.Sweep {
	t.Helper()
	a, b, c := newID(t), newID(t), newID(t)
	return &domain.Sweep{
		ReaderID: readerID, SweepID: sweepID, LocationID: newID(t),
		StartedAt: baseTime, Complete: true, DoorBadge: "04E141124C2880", Holder: newID(t), Reads: 3,
		Result: domain.SweepResult{SweepID: sweepID, Present: []string{a}, Missing: []string{b}, Unexpected: []string{c},
			Unknown: []string{"3074257BF7194E4000001A85"}},
		Checkouts: []string{b}, Checkins: []string{c},
		ReceivedAt: baseTime.Add(1500 * time.Millisecond),
	}
}

// normSweep makes a sweep comparable: times as stored, nil and empty lists alike.
func normSweep(s *domain.Sweep) *domain.Sweep {
	if s == nil {
		return nil
	}
	c := *s
	c.StartedAt, c.ReceivedAt = ms(c.StartedAt), ms(c.ReceivedAt)
	empty := func(l []string) []string {
		if len(l) == 0 {
			return nil
		}
		return l
	}
	c.Checkouts, c.Checkins = empty(c.Checkouts), empty(c.Checkins)
	r := &c.Result
	r.Present, r.Missing, r.Unexpected, r.Unknown = empty(r.Present), empty(r.Missing), empty(r.Unexpected), empty(r.Unknown)
	return &c
}

// checkResultLists fails t when a stored result has a nil list.
func checkResultLists(t *testing.T, what string, s *domain.Sweep) {
	t.Helper()
	r := s.Result
	if r.Present == nil || r.Missing == nil || r.Unexpected == nil || r.Unknown == nil {
		t.Errorf("%s result = %+v, want every list non-nil", what, r)
	}
}

func testSweepCreateOnce(t *testing.T, st SweepTestStore) {
	ctx := testContext(t)
	s := newSweep(t, newID(t), "sweep-1")
	got, created, err := st.CreateSweep(ctx, s, nil)
	must(t, "CreateSweep(new)", err)
	if !created {
		t.Errorf("CreateSweep(new) created = false, want true")
	}
	if d := equalAsStored(got, s, normSweep); d != "" {
		t.Errorf("CreateSweep(new) returned another sweep:\n%s", d)
	}
	stored, err := st.GetSweep(ctx, s.ReaderID, s.SweepID)
	must(t, "GetSweep", err)
	if d := equalAsStored(stored, s, normSweep); d != "" {
		t.Errorf("GetSweep after CreateSweep:\n%s", d)
	}
	checkUTC(t, "GetSweep", &stored.StartedAt, &stored.ReceivedAt)

	again := newSweep(t, s.ReaderID, s.SweepID)
	again.Complete, again.Applied, again.Result.Present = false, true, []string{"other"}
	got, created, err = st.CreateSweep(ctx, again, nil)
	must(t, "CreateSweep(same key)", err)
	if created {
		t.Errorf("CreateSweep(same key) created = true, want false: a sweep is stored once")
	}
	if d := equalAsStored(got, s, normSweep); d != "" {
		t.Errorf("CreateSweep(same key) = a sweep other than the first:\n%s", d)
	}
	stored, err = st.GetSweep(ctx, s.ReaderID, s.SweepID)
	must(t, "GetSweep after repeat", err)
	if d := equalAsStored(stored, s, normSweep); d != "" {
		t.Errorf("GetSweep after a repeated CreateSweep = changed:\n%s", d)
	}

	empty := &domain.Sweep{ReaderID: s.ReaderID, SweepID: "empty", StartedAt: baseTime, ReceivedAt: baseTime,
		Result: domain.SweepResult{SweepID: "empty", Present: []string{}, Missing: []string{}, Unexpected: []string{}, Unknown: []string{}}}
	_, _, err = st.CreateSweep(ctx, empty, nil)
	must(t, "CreateSweep(empty cabinet)", err)
	stored, err = st.GetSweep(ctx, s.ReaderID, "empty")
	must(t, "GetSweep(empty cabinet)", err)
	checkResultLists(t, "GetSweep(empty cabinet)", stored)
}

func testSweepKeyedByReader(t *testing.T, st SweepTestStore) {
	ctx := testContext(t)
	a, b := newSweep(t, newID(t), "42"), newSweep(t, newID(t), "42")
	for _, s := range []*domain.Sweep{a, b} {
		if _, created, err := st.CreateSweep(ctx, s, nil); err != nil || !created {
			t.Fatalf("CreateSweep(reader %s, sweep 42) = %v, %v; want created: sweep ids are per reader", s.ReaderID, created, err)
		}
	}
	for _, s := range []*domain.Sweep{a, b} {
		got, err := st.GetSweep(ctx, s.ReaderID, "42")
		must(t, "GetSweep", err)
		if d := equalAsStored(got, s, normSweep); d != "" {
			t.Errorf("GetSweep(%s, 42):\n%s", s.ReaderID, d)
		}
	}
}

func testSweepNotFound(t *testing.T, st SweepTestStore) {
	ctx := testContext(t)
	s := newSweep(t, newID(t), "known")
	_, _, err := st.CreateSweep(ctx, s, nil)
	must(t, "CreateSweep", err)
	_, err = st.GetSweep(ctx, s.ReaderID, "unknown")
	wantError(t, "GetSweep(unknown sweep)", err, domain.ENOTFOUND, "")
	_, err = st.GetSweep(ctx, newID(t), "known")
	wantError(t, "GetSweep(other reader)", err, domain.ENOTFOUND, "")
	err = st.MarkSweepApplied(ctx, s.ReaderID, "unknown")
	wantError(t, "MarkSweepApplied(unknown sweep)", err, domain.ENOTFOUND, "")
}

func testSweepMarkApplied(t *testing.T, st SweepTestStore) {
	ctx := testContext(t)
	s := newSweep(t, newID(t), "pending")
	_, _, err := st.CreateSweep(ctx, s, nil)
	must(t, "CreateSweep", err)
	for i := range 2 {
		must(t, fmt.Sprintf("MarkSweepApplied #%d", i+1), st.MarkSweepApplied(ctx, s.ReaderID, s.SweepID))
		got, err := st.GetSweep(ctx, s.ReaderID, s.SweepID)
		must(t, "GetSweep", err)
		want := *s
		want.Applied = true
		if d := equalAsStored(got, &want, normSweep); d != "" {
			t.Errorf("GetSweep after MarkSweepApplied #%d:\n%s", i+1, d)
		}
	}
}

func testSweepInvalid(t *testing.T, st SweepTestStore) {
	ctx := testContext(t)
	noReader := newSweep(t, "", "s")
	_, _, err := st.CreateSweep(ctx, noReader, nil)
	wantError(t, "CreateSweep(no reader id)", err, domain.EINVALID, "reader_id")
	noID := newSweep(t, newID(t), "")
	_, _, err = st.CreateSweep(ctx, noID, nil)
	wantError(t, "CreateSweep(no sweep id)", err, domain.EINVALID, "sweep_id")
	bad := newSweep(t, newID(t), "s")
	_, _, err = st.CreateSweep(ctx, bad, []domain.Sighting{{EPC: "AAAA", ReaderID: bad.ReaderID, SeenAt: baseTime}, {ReaderID: bad.ReaderID, SeenAt: baseTime}})
	wantError(t, "CreateSweep(sighting without EPC)", err, domain.EINVALID, "sightings[1].epc")
	if _, err := st.GetSweep(ctx, bad.ReaderID, "s"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("GetSweep after a refused CreateSweep = %v, want ENOTFOUND: nothing stored", err)
	}
}

// sighting returns a sighting of epc by reader at baseTime+offset.
func sighting(epc, reader, loc string, rssi float64, offset time.Duration) domain.Sighting {
	return domain.Sighting{EPC: epc, ReaderID: reader, LocationID: loc, RSSI: rssi, SeenAt: baseTime.Add(offset)}
}

// sortSightings orders sightings by EPC, then reader, and truncates their times as stored.
func sortSightings(l []domain.Sighting) []domain.Sighting {
	out := make([]domain.Sighting, len(l))
	for i, s := range l {
		s.SeenAt = ms(s.SeenAt)
		out[i] = s
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].EPC != out[j].EPC {
			return out[i].EPC < out[j].EPC
		}
		return out[i].ReaderID < out[j].ReaderID
	})
	return out
}

// wantSightings fails t unless got holds exactly want, in any order.
func wantSightings(t *testing.T, what string, got, want []domain.Sighting) {
	t.Helper()
	for _, s := range got {
		checkUTC(t, what, &s.SeenAt)
	}
	g, w := sortSightings(got), sortSightings(want)
	if !slices.Equal(g, w) {
		t.Errorf("%s =\n %+v\nwant\n %+v", what, g, w)
	}
}

func testSightingsRecorded(t *testing.T, st SweepTestStore) {
	ctx := testContext(t)
	s := newSweep(t, newID(t), "s1")
	sights := []domain.Sighting{
		sighting("3074257BF7194E4000001A85", s.ReaderID, s.LocationID, -52.5, 0),
		sighting("3074257BF7194E4000001A86", s.ReaderID, s.LocationID, -61, 1234567*time.Microsecond),
		sighting("E2801190A5021F80055817CA", s.ReaderID, s.LocationID, -70.25, 9*time.Second),
	}
	_, _, err := st.CreateSweep(ctx, s, sights)
	must(t, "CreateSweep", err)
	got, err := st.ListSightings(ctx, []string{sights[0].EPC, sights[1].EPC, sights[2].EPC}, baseTime.Add(-time.Minute), baseTime.Add(time.Minute), "")
	must(t, "ListSightings", err)
	wantSightings(t, "ListSightings(the sweep's EPCs)", got, sights)
}

func testSightingsLatest(t *testing.T, st SweepTestStore) {
	ctx := testContext(t)
	r1, r2, loc1, loc2 := newID(t), newID(t), newID(t), newID(t)
	const epc = "3074257BF7194E4000001A85"
	steps := []struct {
		reader, loc string
		rssi        float64
		offset      time.Duration
	}{
		{r1, loc1, -50, 10 * time.Second},
		{r1, loc1, -40, 5 * time.Second}, // older: ignored
		{r2, loc2, -65, 7 * time.Second},
		{r1, loc1, -58, 20 * time.Second}, // newer: replaces
	}
	for i, s := range steps {
		sw := newSweep(t, s.reader, fmt.Sprintf("sweep-%d", i))
		_, _, err := st.CreateSweep(ctx, sw, []domain.Sighting{sighting(epc, s.reader, s.loc, s.rssi, s.offset)})
		must(t, fmt.Sprintf("CreateSweep #%d", i), err)
	}
	got, err := st.ListSightings(ctx, []string{epc}, baseTime.Add(-time.Hour), baseTime.Add(time.Hour), "")
	must(t, "ListSightings", err)
	wantSightings(t, "ListSightings after four sweeps", got, []domain.Sighting{
		sighting(epc, r1, loc1, -58, 20*time.Second),
		sighting(epc, r2, loc2, -65, 7*time.Second),
	})
	got, err = st.ListSightings(ctx, []string{epc}, baseTime.Add(-time.Hour), baseTime.Add(time.Hour), loc1)
	must(t, "ListSightings(except loc1)", err)
	wantSightings(t, "ListSightings except the first reader's location", got, []domain.Sighting{sighting(epc, r2, loc2, -65, 7*time.Second)})
}

func testSightingsWindow(t *testing.T, st SweepTestStore) {
	ctx := testContext(t)
	s := newSweep(t, newID(t), "w")
	early := sighting("AAAA0001", s.ReaderID, s.LocationID, -50, -time.Minute)
	inside := sighting("AAAA0002", s.ReaderID, s.LocationID, -51, 0)
	edge := sighting("AAAA0003", s.ReaderID, s.LocationID, -52, 30*time.Second)
	late := sighting("AAAA0004", s.ReaderID, s.LocationID, -53, time.Minute)
	other := sighting("BBBB0001", s.ReaderID, s.LocationID, -54, 0)
	_, _, err := st.CreateSweep(ctx, s, []domain.Sighting{early, inside, edge, late, other})
	must(t, "CreateSweep", err)
	tests := []struct {
		name     string
		epcs     []string
		from, to time.Time
		want     []domain.Sighting
	}{
		{"window", []string{"AAAA0001", "AAAA0002", "AAAA0003", "AAAA0004"}, ms(baseTime).Add(-30 * time.Second), ms(baseTime).Add(30 * time.Second), []domain.Sighting{inside, edge}},
		{"one EPC", []string{"AAAA0002"}, baseTime.Add(-time.Hour), baseTime.Add(time.Hour), []domain.Sighting{inside}},
		{"unknown EPC", []string{"CCCC0001"}, baseTime.Add(-time.Hour), baseTime.Add(time.Hour), nil},
		{"no EPCs", nil, baseTime.Add(-time.Hour), baseTime.Add(time.Hour), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := st.ListSightings(ctx, tt.epcs, tt.from, tt.to, "")
			must(t, "ListSightings", err)
			wantSightings(t, fmt.Sprintf("ListSightings(%v, %s..%s)", tt.epcs, tt.from.Format(time.RFC3339), tt.to.Format(time.RFC3339)), got, tt.want)
		})
	}
}

func testSightingsRepeat(t *testing.T, st SweepTestStore) {
	ctx := testContext(t)
	s := newSweep(t, newID(t), "once")
	first := sighting("AAAA0001", s.ReaderID, s.LocationID, -60, 0)
	_, _, err := st.CreateSweep(ctx, s, []domain.Sighting{first})
	must(t, "CreateSweep", err)
	_, created, err := st.CreateSweep(ctx, s, []domain.Sighting{
		sighting("AAAA0001", s.ReaderID, s.LocationID, -30, time.Second),
		sighting("AAAA0002", s.ReaderID, s.LocationID, -30, time.Second),
	})
	must(t, "CreateSweep(repeat)", err)
	if created {
		t.Fatalf("CreateSweep(repeat) created = true, want false")
	}
	got, err := st.ListSightings(ctx, []string{"AAAA0001", "AAAA0002"}, baseTime.Add(-time.Hour), baseTime.Add(time.Hour), "")
	must(t, "ListSightings", err)
	wantSightings(t, "ListSightings after a repeated sweep", got, []domain.Sighting{first})
}

func testSightingsMany(t *testing.T, st SweepTestStore) {
	ctx := testContext(t)
	s := newSweep(t, newID(t), "big")
	const n = 250 // more than one bulk batch of the Mongo adapter (99)
	sights := make([]domain.Sighting, n)
	epcs := make([]string, 0, n+10)
	for i := range sights {
		sights[i] = sighting(fmt.Sprintf("30340000000000000000%04X", i), s.ReaderID, s.LocationID, -40-float64(i%30), time.Duration(i)*time.Millisecond)
		epcs = append(epcs, sights[i].EPC)
	}
	for i := range 10 {
		epcs = append(epcs, fmt.Sprintf("E2000000000000000000%04X", i))
	}
	_, _, err := st.CreateSweep(ctx, s, sights)
	must(t, "CreateSweep(250 sightings)", err)
	got, err := st.ListSightings(ctx, epcs, baseTime.Add(-time.Minute), baseTime.Add(time.Minute), "")
	must(t, "ListSightings(260 EPCs)", err)
	wantSightings(t, "ListSightings(260 EPCs)", got, sights)
}

// testSightingsOtherLocations asks, as a sweep does, for the sightings at other locations around
// a time: readers elsewhere that read before and after it, out of order, are found exactly when
// their reads fall in the window.
func testSightingsOtherLocations(t *testing.T, st SweepTestStore) {
	ctx := testContext(t)
	r1, r2, loc1, loc2 := newID(t), newID(t), newID(t), newID(t)
	const x, y = "3074257BF7194E4000001A85", "3074257BF7194E4000001A86"
	writes := []domain.Sighting{
		sighting(x, r1, loc1, -50, 0),
		sighting(y, r2, loc2, -55, time.Minute),
		sighting(x, r2, loc2, -60, -time.Minute), // older than r2's other read, recorded after it
	}
	for i, g := range writes {
		_, _, err := st.CreateSweep(ctx, newSweep(t, g.ReaderID, fmt.Sprintf("sweep-%d", i)), []domain.Sighting{g})
		must(t, fmt.Sprintf("CreateSweep #%d", i), err)
	}
	around := func(d time.Duration) (time.Time, time.Time) {
		return ms(baseTime).Add(d - 10*time.Second), ms(baseTime).Add(d + 10*time.Second)
	}
	tests := []struct {
		name   string
		at     time.Duration
		except string
		want   []domain.Sighting
	}{
		{"loc2's earlier read, from loc1", -time.Minute, loc1, []domain.Sighting{writes[2]}},
		{"nothing elsewhere at the time, from loc1", 0, loc1, nil},
		{"loc2's later read, from loc1", time.Minute, loc1, []domain.Sighting{writes[1]}},
		{"loc1's read, from loc2", 0, loc2, []domain.Sighting{writes[0]}},
		{"nothing elsewhere before, from loc2", -time.Minute, loc2, nil},
		{"long before anything, from anywhere", -time.Hour, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to := around(tt.at)
			got, err := st.ListSightings(ctx, []string{x, y}, from, to, tt.except)
			must(t, "ListSightings", err)
			wantSightings(t, fmt.Sprintf("ListSightings(%s..%s except %q)", from.Format(time.RFC3339), to.Format(time.RFC3339), tt.except), got, tt.want)
		})
	}
}

// testChangeSeq checks that ChangeSeq is the feed's position: nothing is listed after it until
// a write, which is then listed after the old position and at or below the new one.
func testChangeSeq(t *testing.T, st SweepTestStore) {
	ctx := testContext(t)
	makeLocation(t, st, "Depot", domain.LocationSite, "")
	before, err := st.ChangeSeq(ctx)
	must(t, "ChangeSeq", err)
	if after, err := st.ListChanges(ctx, before, 10); err != nil || len(after) != 0 {
		t.Errorf("ListChanges(ChangeSeq() = %d) = %+v, %v; want nothing: every finished write is at or below it", before, after, err)
	}
	cab := makeLocation(t, st, "Cabinet 7", domain.LocationCabinet, "")
	now, err := st.ChangeSeq(ctx)
	must(t, "ChangeSeq", err)
	changes, err := st.ListChanges(ctx, before, 10)
	must(t, "ListChanges", err)
	if now <= before || len(changes) != 1 || changes[0].ID != cab.ID || changes[0].Seq <= before || changes[0].Seq > now {
		t.Errorf("after a write, ChangeSeq() = %d (was %d) and ListChanges(%d) = %+v; want the new location's change, in (%d, %d]",
			now, before, before, changes, before, now)
	}
}
