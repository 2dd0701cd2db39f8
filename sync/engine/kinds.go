package engine

import (
	"context"
	"encoding/json"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// userDoc is a user as the engine merges it: the password hash is a field like any other here,
// though domain.User never serializes it.
type userDoc struct {
	domain.User
	PasswordHash string `json:"password_hash,omitempty"`
}

func fieldSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// mergeEntity routes a create, update or delete op to the merge of its entity kind.
func (e *Engine) mergeEntity(ctx context.Context, opType, id string, fields map[string]json.RawMessage, create bool, w write) error {
	switch opType {
	case wire.OpLocationCreate, wire.OpLocationUpdate:
		if err := merge(ctx, e.locationKind(), id, fields, create, w); err != nil {
			return err
		}
		if _, moves := fields["parent_id"]; moves && !create {
			return e.rescope(ctx, id) // what is under it goes along in every device's view
		}
		return nil
	case wire.OpProductCreate, wire.OpProductUpdate:
		return merge(ctx, e.productKind(), id, fields, create, w)
	case wire.OpItemCreate, wire.OpItemUpdate, wire.OpItemDelete:
		return e.mergeItem(ctx, id, fields, create, w)
	case wire.OpUserCreate, wire.OpUserUpdate:
		return merge(ctx, e.userKind(), id, fields, create, w)
	}
	return domain.FieldErrorf(domain.EINVALID, "type", "unknown op type %q", opType)
}

func (e *Engine) locationKind() kind[domain.Location] {
	return kind[domain.Location]{
		name:   "location",
		fields: fieldSet("name", "kind", "parent_id"),
		get:    e.st.GetLocation,
		create: e.st.CreateLocation,
		update: e.st.UpdateLocation,
		meta:   func(v *domain.Location) *domain.Meta { return &v.Meta },
		setID:  func(v *domain.Location, id string) { v.ID = id },
		check:  e.checkLocation,
	}
}

func (e *Engine) productKind() kind[domain.Product] {
	return kind[domain.Product]{
		name:   "product",
		fields: fieldSet("name", "make", "model", "tracking", "unit_cost_cents", "gtin", "external_id"),
		get:    e.st.GetProduct,
		create: e.st.CreateProduct,
		update: e.st.UpdateProduct,
		meta:   func(v *domain.Product) *domain.Meta { return &v.Meta },
		setID:  func(v *domain.Product, id string) { v.ID = id },
		check:  e.checkProduct,
	}
}

func (e *Engine) itemKind() kind[domain.Item] {
	return kind[domain.Item]{
		name: "item",
		fields: fieldSet("product_id", "serial_number", "asset_tag", "location_id", "status", "holder_id",
			"due_at", "purchase_date", "purchase_cost_cents", "external_id", "notes", "tags"),
		get:    e.st.GetItem,
		create: e.st.CreateItem,
		update: e.st.UpdateItem,
		meta:   func(v *domain.Item) *domain.Meta { return &v.Meta },
		setID:  func(v *domain.Item, id string) { v.ID = id },
		check:  e.checkItem,
	}
}

func (e *Engine) userKind() kind[userDoc] {
	return kind[userDoc]{
		name:   "user",
		fields: fieldSet("email", "name", "role", "password_hash", "badges", "site_ids", "disabled"),
		get: func(ctx context.Context, id string) (*userDoc, error) {
			u, err := e.st.GetUser(ctx, id)
			if err != nil {
				return nil, err
			}
			return &userDoc{User: *u, PasswordHash: u.PasswordHash}, nil
		},
		create: func(ctx context.Context, v *userDoc) error {
			v.User.PasswordHash = v.PasswordHash
			return e.st.CreateUser(ctx, &v.User)
		},
		update: func(ctx context.Context, v *userDoc, expect int64) error {
			v.User.PasswordHash = v.PasswordHash
			return e.st.UpdateUser(ctx, &v.User, expect)
		},
		meta:  func(v *userDoc) *domain.Meta { return &v.Meta },
		setID: func(v *userDoc, id string) { v.ID = id },
		check: e.checkUser,
	}
}
