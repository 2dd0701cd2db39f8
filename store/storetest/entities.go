package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// entityKind lets one test body check create/get/update for every entity type.
type entityKind[T any] struct {
	entity string
	// fresh returns a new value with every field set, not yet stored; it may store what the
	// value refers to.
	fresh  func(t *testing.T, st Store) *T
	change func(v *T)
	create func(ctx context.Context, st Store, v *T) error
	get    func(ctx context.Context, st Store, id string) (*T, error)
	update func(ctx context.Context, st Store, v *T, expectVersion int64) error
	meta   func(v *T) *domain.Meta
	id     func(v *T) string
	norm   func(v *T) *T
	times  func(v *T) []*time.Time
}

var locationKind = entityKind[domain.Location]{
	entity: domain.EntityLocation,
	fresh: func(t *testing.T, st Store) *domain.Location {
		site := makeLocation(t, st, "North site", domain.LocationSite, "")
		return &domain.Location{ID: newID(t), Name: "Storeroom B", Kind: domain.LocationStoreroom, ParentID: site.ID, Meta: meta()}
	},
	change: func(l *domain.Location) { l.Name += " (renamed)"; l.Kind = domain.LocationCabinet },
	create: func(ctx context.Context, st Store, l *domain.Location) error { return st.CreateLocation(ctx, l) },
	get: func(ctx context.Context, st Store, id string) (*domain.Location, error) {
		return st.GetLocation(ctx, id)
	},
	update: func(ctx context.Context, st Store, l *domain.Location, v int64) error {
		return st.UpdateLocation(ctx, l, v)
	},
	meta:  func(l *domain.Location) *domain.Meta { return &l.Meta },
	id:    func(l *domain.Location) string { return l.ID },
	norm:  normLocation,
	times: func(l *domain.Location) []*time.Time { return []*time.Time{&l.CreatedAt, &l.UpdatedAt} },
}

var productKind = entityKind[domain.Product]{
	entity: domain.EntityProduct,
	fresh: func(t *testing.T, st Store) *domain.Product {
		return &domain.Product{ID: newID(t), Name: "Hammer drill", Make: "Hilti", Model: "TE 30-A36", Tracking: domain.TrackSerial,
			UnitCostCents: 89900, GTIN: "04012345678901", ExternalID: "ERP-P-1", Meta: meta()}
	},
	change: func(p *domain.Product) { p.Model = "TE 30-A36 v2"; p.UnitCostCents = 91000 },
	create: func(ctx context.Context, st Store, p *domain.Product) error { return st.CreateProduct(ctx, p) },
	get:    func(ctx context.Context, st Store, id string) (*domain.Product, error) { return st.GetProduct(ctx, id) },
	update: func(ctx context.Context, st Store, p *domain.Product, v int64) error {
		return st.UpdateProduct(ctx, p, v)
	},
	meta:  func(p *domain.Product) *domain.Meta { return &p.Meta },
	id:    func(p *domain.Product) string { return p.ID },
	norm:  normProduct,
	times: func(p *domain.Product) []*time.Time { return []*time.Time{&p.CreatedAt, &p.UpdatedAt} },
}

var itemKind = entityKind[domain.Item]{
	entity: domain.EntityItem,
	fresh: func(t *testing.T, st Store) *domain.Item {
		p := makeProduct(t, st, "Hammer drill")
		l := makeLocation(t, st, "Van 7", domain.LocationVehicle, "")
		due := baseTime.Add(72 * time.Hour)
		it := newItem(t, p.ID, "SN-0001")
		it.AssetTag, it.LocationID, it.Status, it.HolderID, it.DueAt = "AT-0001", l.ID, domain.StatusCheckedOut, newID(t), &due
		it.PurchaseDate, it.PurchaseCostCents, it.ExternalID, it.Notes = "2024-11-02", 91000, "ERP-I-1", "Chuck replaced"
		it.Tags = []domain.Tag{{Kind: domain.TagEPC, Value: "3034257BF7194E4000001A85"}, {Kind: domain.TagBarcode, Value: "AT-0001"}}
		it.Clocks = map[string]string{"notes": "0000018e3c5a2f10-0001@phone-1"}
		return it
	},
	change: func(it *domain.Item) {
		it.Notes, it.Status, it.HolderID, it.DueAt = "Back from site", domain.StatusAvailable, "", nil
		it.Tags = []domain.Tag{{Kind: domain.TagNFC, Value: "04A224B2C35E80"}}
		it.Clocks = map[string]string{"notes": "0000018e3c5a2f11-0000@phone-2"}
	},
	create: func(ctx context.Context, st Store, it *domain.Item) error { return st.CreateItem(ctx, it) },
	get:    func(ctx context.Context, st Store, id string) (*domain.Item, error) { return st.GetItem(ctx, id) },
	update: func(ctx context.Context, st Store, it *domain.Item, v int64) error { return st.UpdateItem(ctx, it, v) },
	meta:   func(it *domain.Item) *domain.Meta { return &it.Meta },
	id:     func(it *domain.Item) string { return it.ID },
	norm:   normItem,
	times:  func(it *domain.Item) []*time.Time { return []*time.Time{&it.CreatedAt, &it.UpdatedAt, it.DueAt} },
}

var userKind = entityKind[domain.User]{
	entity: domain.EntityUser,
	fresh: func(t *testing.T, st Store) *domain.User {
		u := newUser(t, "Alice.Smith@Example.com")
		u.Role, u.Badges, u.SiteIDs = domain.RoleSupervisor, []string{"04A224B2C35E80", "04B1C2D3E4F5A6"}, []string{newID(t)}
		return u
	},
	change: func(u *domain.User) { u.Name = "Alice Jones"; u.Badges = []string{"04B1C2D3E4F5A6"}; u.Disabled = true },
	create: func(ctx context.Context, st Store, u *domain.User) error { return st.CreateUser(ctx, u) },
	get:    func(ctx context.Context, st Store, id string) (*domain.User, error) { return st.GetUser(ctx, id) },
	update: func(ctx context.Context, st Store, u *domain.User, v int64) error { return st.UpdateUser(ctx, u, v) },
	meta:   func(u *domain.User) *domain.Meta { return &u.Meta },
	id:     func(u *domain.User) string { return u.ID },
	norm:   normUser,
	times:  func(u *domain.User) []*time.Time { return []*time.Time{&u.CreatedAt, &u.UpdatedAt} },
}

// entityCases returns the create/get/update cases for every entity type.
func entityCases() []testCase {
	return []testCase{
		{name: "Ping", run: func(t *testing.T, st Store) { must(t, "Ping()", st.Ping(testContext(t))) }},
		{name: "Location/CreateGetUpdate", run: func(t *testing.T, st Store) { testCRUD(t, st, locationKind) }},
		{name: "Product/CreateGetUpdate", run: func(t *testing.T, st Store) { testCRUD(t, st, productKind) }},
		{name: "Item/CreateGetUpdate", run: func(t *testing.T, st Store) { testCRUD(t, st, itemKind) }},
		{name: "User/CreateGetUpdate", run: func(t *testing.T, st Store) { testCRUD(t, st, userKind) }},
		{name: "Item/ConcurrentUpdatesOneWins", concurrent: true, run: testConcurrentUpdates},
	}
}

// testCRUD checks create, get, update, stale update, unknown ids and tombstones for one kind.
func testCRUD[T any](t *testing.T, st Store, k entityKind[T]) {
	ctx := testContext(t)
	v := k.fresh(t, st)
	id := k.id(v)
	k.meta(v).Version, k.meta(v).Seq = 42, 0
	must(t, "Create("+id+")", k.create(ctx, st, v))
	if m := k.meta(v); m.Version != 1 || m.Seq <= 0 {
		t.Fatalf("after Create: Version, Seq = %d, %d, want 1, > 0", m.Version, m.Seq)
	}
	firstSeq := k.meta(v).Seq

	got, err := k.get(ctx, st, id)
	must(t, "Get("+id+")", err)
	if d := equalAsStored(got, v, k.norm); d != "" {
		t.Errorf("Get(%q) after Create differs:\n%s", id, d)
	}
	checkUTC(t, "Get after Create", k.times(got)...)

	k.change(v)
	k.meta(v).UpdatedAt = baseTime.Add(time.Minute + 123456*time.Nanosecond)
	must(t, "Update("+id+", 1)", k.update(ctx, st, v, 1))
	if m := k.meta(v); m.Version != 2 || m.Seq <= firstSeq {
		t.Errorf("after Update: Version, Seq = %d, %d, want 2, > %d", m.Version, m.Seq, firstSeq)
	}
	got, err = k.get(ctx, st, id)
	must(t, "Get("+id+")", err)
	if d := equalAsStored(got, v, k.norm); d != "" {
		t.Errorf("Get(%q) after Update differs:\n%s", id, d)
	}
	checkUTC(t, "Get after Update", k.times(got)...)

	stale := *got
	k.meta(&stale).UpdatedAt = baseTime.Add(time.Hour)
	k.change(&stale)
	wantError(t, "Update(stale, expectVersion 1)", k.update(ctx, st, &stale, 1), domain.ECONFLICT, "version")
	after, err := k.get(ctx, st, id)
	must(t, "Get("+id+")", err)
	if d := equalAsStored(after, v, k.norm); d != "" {
		t.Errorf("Get(%q) after a stale Update changed:\n%s", id, d)
	}

	dup := k.fresh(t, st)
	*k.meta(dup) = meta()
	setID(dup, id)
	wantError(t, "Create(existing id)", k.create(ctx, st, dup), domain.ECONFLICT, "")

	unknown := newID(t)
	_, err = k.get(ctx, st, unknown)
	wantError(t, "Get(unknown id)", err, domain.ENOTFOUND, "")
	ghost := *v
	setID(&ghost, unknown)
	wantError(t, "Update(unknown id)", k.update(ctx, st, &ghost, 1), domain.ENOTFOUND, "")

	k.meta(v).Deleted = true
	must(t, "Update(tombstone)", k.update(ctx, st, v, 2))
	got, err = k.get(ctx, st, id)
	must(t, "Get(tombstone)", err)
	if !k.meta(got).Deleted || k.meta(got).Version != 3 {
		t.Errorf("Get(tombstone) Deleted, Version = %v, %d, want true, 3", k.meta(got).Deleted, k.meta(got).Version)
	}
}

// setID sets the id of any entity value.
func setID(v any, id string) {
	switch e := v.(type) {
	case *domain.Location:
		e.ID = id
	case *domain.Product:
		e.ID = id
	case *domain.Item:
		e.ID = id
	case *domain.User:
		e.ID = id
	}
}

// testConcurrentUpdates checks that of ten writers holding version 1 exactly one wins.
func testConcurrentUpdates(t *testing.T, st Store) {
	ctx := testContext(t)
	p := makeProduct(t, st, "Generator")
	it := makeItem(t, st, newItem(t, p.ID, "GEN-1"))
	const writers = 10
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := *it
			c.Notes = "writer"
			errs[i] = st.UpdateItem(ctx, &c, 1)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		wantError(t, "concurrent UpdateItem(expectVersion 1)", err, domain.ECONFLICT, "version")
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent UpdateItem(expectVersion 1) succeeded, want exactly 1", won, writers)
	}
	got, err := st.GetItem(ctx, it.ID)
	must(t, "GetItem", err)
	if got.Version != 2 {
		t.Errorf("GetItem(%q).Version = %d after concurrent updates, want 2", it.ID, got.Version)
	}
}
