package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/custodyhq/custody/domain"
)

// pulled is what one pull brought of purchase orders and pick lists, by id.
type pulled struct {
	orders map[string]domain.PurchaseOrder
	lists  map[string]domain.PickList
	cursor string
}

// pullDocuments syncs a device with no ops from cursor to the end of the feed.
func (e *env) pullDocuments(token, device, cursor string) pulled {
	e.t.Helper()
	got := pulled{orders: map[string]domain.PurchaseOrder{}, lists: map[string]domain.PickList{}, cursor: cursor}
	for range 100 {
		var resp struct {
			Changes []struct {
				Entity string          `json:"entity"`
				ID     string          `json:"id"`
				Data   json.RawMessage `json:"data"`
			} `json:"changes"`
			Cursor  string `json:"cursor"`
			HasMore bool   `json:"has_more"`
		}
		e.mustDo(req{Method: "POST", Path: "/v1/sync", Token: token, Body: map[string]any{"device_id": device, "cursor": got.cursor, "ops": []any{}}},
			http.StatusOK, &resp)
		for _, c := range resp.Changes {
			var err error
			switch c.Entity {
			case domain.EntityPurchaseOrder:
				var po domain.PurchaseOrder
				err = json.Unmarshal(c.Data, &po)
				got.orders[c.ID] = po
			case domain.EntityPickList:
				var pl domain.PickList
				err = json.Unmarshal(c.Data, &pl)
				got.lists[c.ID] = pl
			}
			if err != nil {
				e.t.Fatalf("change %s %s: %v in %s", c.Entity, c.ID, err, c.Data)
			}
		}
		got.cursor = resp.Cursor
		if !resp.HasMore {
			return got
		}
	}
	e.t.Fatal("the pull did not end")
	return got
}

// TestPickListsAndOrdersReachPhonesInThePull: a picker's scanner gets the purchase orders and
// pick lists in its sync pull, and their later changes, so it can receive and pick offline; a
// picker working at another site gets only the list they were given, in the pull and over REST.
func TestPickListsAndOrdersReachPhonesInThePull(t *testing.T) {
	e := newEnv(t)
	f := newRcvFixtures(t, e)
	admin := e.login("admin@example.com", "correct horse battery").AccessToken
	var south struct{ ID string }
	e.mustDo(req{Method: "POST", Path: "/v1/locations", Token: admin, Body: map[string]any{"name": "South yard", "kind": "site"}}, http.StatusCreated, &south)
	var nina struct{ ID string }
	e.mustDo(req{Method: "POST", Path: "/v1/users", Token: admin, Body: map[string]any{"email": "nina@example.com", "name": "Nina",
		"role": "picker", "password": "south site only", "site_ids": []string{south.ID}}}, http.StatusCreated, &nina)
	ninaTok := e.login("nina@example.com", "south site only").AccessToken

	var po domain.PurchaseOrder
	e.mustDo(req{Method: "POST", Path: "/v1/purchase-orders", Token: f.sup, Body: f.poBody()}, http.StatusCreated, &po)
	var forPat, forNina domain.PickList
	e.mustDo(req{Method: "POST", Path: "/v1/pick-lists", Token: f.sup, Body: map[string]any{"reference": "JOB-88", "source_location_id": f.store,
		"job_location_id": f.job, "picker_id": f.pickerID, "lines": []any{map[string]any{"product_id": f.bits, "quantity": 10}}}},
		http.StatusCreated, &forPat)
	e.mustDo(req{Method: "POST", Path: "/v1/pick-lists", Token: f.sup, Body: map[string]any{"reference": "JOB-89", "source_location_id": f.store,
		"job_location_id": f.job, "picker_id": nina.ID, "lines": []any{map[string]any{"product_id": f.bits, "quantity": 2}}}},
		http.StatusCreated, &forNina)

	pat := e.pullDocuments(f.picker, "scanner-7", "")
	if got, ok := pat.orders[po.ID]; !ok || got.Supplier != "Hilti GB" || len(got.Lines) != 2 {
		t.Errorf("Pat's first pull has purchase order %s = %+v (present %v), want Hilti GB's with 2 lines", po.ID, got, ok)
	}
	if got, ok := pat.lists[forPat.ID]; !ok || got.Reference != "JOB-88" || got.PickerID != f.pickerID || got.Status != domain.PickOpen {
		t.Errorf("Pat's first pull has pick list %s = %+v (present %v), want JOB-88, open, his", forPat.ID, got, ok)
	}
	if len(pat.lists) != 2 {
		t.Errorf("Pat (no sites) pulled %d pick lists, want both", len(pat.lists))
	}

	ninas := e.pullDocuments(ninaTok, "scanner-9", "")
	if len(ninas.orders) != 0 {
		t.Errorf("Nina (south site) pulled purchase orders %v, want none: they are received at the north storeroom", ninas.orders)
	}
	if _, ok := ninas.lists[forNina.ID]; !ok || len(ninas.lists) != 1 {
		t.Errorf("Nina pulled pick lists %v, want only hers, %s", ninas.lists, forNina.ID)
	}

	// Over REST the same rule holds.
	var lists, orders struct {
		Data []struct{ ID string } `json:"data"`
	}
	e.mustDo(req{Method: "GET", Path: "/v1/pick-lists", Token: ninaTok}, http.StatusOK, &lists)
	if len(lists.Data) != 1 || lists.Data[0].ID != forNina.ID {
		t.Errorf("GET /v1/pick-lists as Nina = %+v, want only hers, %s", lists.Data, forNina.ID)
	}
	e.mustDo(req{Method: "GET", Path: "/v1/purchase-orders", Token: ninaTok}, http.StatusOK, &orders)
	if len(orders.Data) != 0 {
		t.Errorf("GET /v1/purchase-orders as Nina = %+v, want none", orders.Data)
	}
	for _, path := range []string{"/v1/pick-lists/" + forPat.ID, "/v1/purchase-orders/" + po.ID} {
		if r := e.do(req{Method: "GET", Path: path, Token: ninaTok}); r.Status != http.StatusNotFound {
			t.Errorf("GET %s as Nina = %d, want 404", path, r.Status)
		}
	}
	e.mustDo(req{Method: "GET", Path: "/v1/pick-lists/" + forNina.ID, Token: ninaTok}, http.StatusOK, nil)
	e.mustDo(req{Method: "GET", Path: "/v1/pick-lists", Token: f.picker}, http.StatusOK, &lists)
	if len(lists.Data) != 2 {
		t.Errorf("GET /v1/pick-lists as Pat (no sites) = %d lists, want 2", len(lists.Data))
	}

	// Pat picks 4 bits; his next pull brings the list again with the pick, and nothing else.
	e.mustDo(req{Method: "POST", Path: "/v1/pick-lists/" + forPat.ID + "/picks", Token: f.picker,
		Body: map[string]any{"product_id": f.bits, "quantity": 4}}, http.StatusOK, nil)
	next := e.pullDocuments(f.picker, "scanner-7", pat.cursor)
	got, ok := next.lists[forPat.ID]
	if !ok || len(got.Picks) != 1 || got.Picks[0].Quantity != 4 {
		t.Errorf("Pat's next pull has pick list %s = %+v (present %v), want it with the pick of 4", forPat.ID, got, ok)
	}
	if len(next.orders) != 0 || len(next.lists) != 1 {
		t.Errorf("Pat's next pull brought orders %v and lists %v, want only the changed list", next.orders, next.lists)
	}
}
