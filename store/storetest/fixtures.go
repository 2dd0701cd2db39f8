package storetest

import (
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// meta returns the Meta a service gives a new entity.
func meta() domain.Meta {
	return domain.Meta{CreatedAt: baseTime, UpdatedAt: baseTime}
}

// makeLocation stores a location named name of kind, under parent when parent is not "".
func makeLocation(t *testing.T, st Store, name string, kind domain.LocationKind, parent string) *domain.Location {
	t.Helper()
	l := &domain.Location{ID: newID(t), Name: name, Kind: kind, ParentID: parent, Meta: meta()}
	must(t, "CreateLocation("+name+")", st.CreateLocation(testContext(t), l))
	return l
}

// makeProduct stores a serial-tracked product named name.
func makeProduct(t *testing.T, st Store, name string) *domain.Product {
	t.Helper()
	return makeProductWith(t, st, &domain.Product{Name: name, Tracking: domain.TrackSerial})
}

// makeProductWith stores p after giving it an id and times.
func makeProductWith(t *testing.T, st Store, p *domain.Product) *domain.Product {
	t.Helper()
	p.ID, p.Meta = newID(t), meta()
	must(t, "CreateProduct("+p.Name+")", st.CreateProduct(testContext(t), p))
	return p
}

// newItem returns an available item of product with the given serial number, not yet stored.
func newItem(t *testing.T, productID, serial string) *domain.Item {
	t.Helper()
	return &domain.Item{ID: newID(t), ProductID: productID, SerialNumber: serial, Status: domain.StatusAvailable, Meta: meta()}
}

// makeItem stores it after giving it an id and times when it has none.
func makeItem(t *testing.T, st Store, it *domain.Item) *domain.Item {
	t.Helper()
	if it.ID == "" {
		it.ID = newID(t)
	}
	if it.CreatedAt.IsZero() {
		it.Meta = meta()
	}
	if it.Status == "" {
		it.Status = domain.StatusAvailable
	}
	must(t, "CreateItem("+it.SerialNumber+")", st.CreateItem(testContext(t), it))
	return it
}

// newUser returns a field user with the given email, not yet stored.
func newUser(t *testing.T, email string) *domain.User {
	t.Helper()
	return &domain.User{ID: newID(t), Email: email, Name: "User " + email, Role: domain.RoleField, PasswordHash: "$2a$hash", Meta: meta()}
}

// makeUser stores u.
func makeUser(t *testing.T, st Store, u *domain.User) *domain.User {
	t.Helper()
	must(t, "CreateUser("+u.Email+")", st.CreateUser(testContext(t), u))
	return u
}

// tombstoneItem marks it deleted through UpdateItem.
func tombstoneItem(t *testing.T, st Store, it *domain.Item) {
	t.Helper()
	it.Deleted = true
	it.UpdatedAt = baseTime.Add(time.Hour)
	must(t, "UpdateItem(tombstone "+it.ID+")", st.UpdateItem(testContext(t), it, it.Version))
}

// normItem makes items comparable after a round trip.
func normItem(it *domain.Item) *domain.Item {
	if it == nil {
		return nil
	}
	c := *it
	c.Meta = normMeta(c.Meta)
	c.DueAt = msPtr(c.DueAt)
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	return &c
}

// normLocation makes locations comparable after a round trip.
func normLocation(l *domain.Location) *domain.Location {
	if l == nil {
		return nil
	}
	c := *l
	c.Meta = normMeta(c.Meta)
	return &c
}

// normProduct makes products comparable after a round trip.
func normProduct(p *domain.Product) *domain.Product {
	if p == nil {
		return nil
	}
	c := *p
	c.Meta = normMeta(c.Meta)
	return &c
}

// normUser makes users comparable after a round trip.
func normUser(u *domain.User) *domain.User {
	if u == nil {
		return nil
	}
	c := *u
	c.Meta = normMeta(c.Meta)
	if len(c.Badges) == 0 {
		c.Badges = nil
	}
	if len(c.SiteIDs) == 0 {
		c.SiteIDs = nil
	}
	return &c
}
