package api_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/custodyhq/custody/domain"
)

type importReport struct {
	Created  int `json:"created"`
	Updated  int `json:"updated"`
	Rejected []struct {
		Line   int    `json:"line"`
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"rejected"`
}

func (e *env) itemCount(tok string) int {
	e.t.Helper()
	var list struct{ Data []domain.Item }
	e.mustDo(req{Method: "GET", Path: "/v1/items?limit=500", Token: tok}, 200, &list)
	return len(list.Data)
}

func TestImportReportsBadLines(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()
	_, cabinet, _ := e.register(tok)

	body := "product_external_id,serial_number,location_id,status,purchase_cost_cents,external_id,notes,nfc\n" +
		"SKU-TE30,D-1,," + "available,1000,ERP-1,\"first\nof two lines\",04:a2:2b:1a\n" + // lines 2-3
		"SKU-TE30,D-2," + cabinet + ",broken,,ERP-2,,\n" + // line 4: bad status
		"SKU-NOPE,D-3,,,,ERP-3,,\n" + // line 5: unknown product
		"SKU-TE30,D-4,,,12.50,ERP-4,,\n" + // line 6: money not in cents
		"SKU-TE30,D-1,,,,ERP-5,,\n" + // line 7: serial of line 2
		"SKU-TE30,D-6,,,,ERP-6,,04A22B1A\n" + // line 8: tag of line 2
		"SKU-TE30,D-7," + cabinet + ",,,ERP-7,,\n" // line 9: fine
	var rep importReport
	e.mustDo(req{Method: "POST", Path: "/v1/import/items", Token: tok, Body: body, Header: map[string]string{"Content-Type": "text/csv"}}, 200, &rep)
	if rep.Created != 2 || rep.Updated != 0 {
		t.Errorf("import created %d, updated %d; want 2 created", rep.Created, rep.Updated)
	}
	want := map[int]string{4: "status", 5: "product_external_id", 6: "purchase_cost_cents", 7: "serial_number", 8: "nfc"}
	got := map[int]string{}
	for _, r := range rep.Rejected {
		got[r.Line] = r.Field
		if r.Reason == "" {
			t.Errorf("rejection of line %d has no reason", r.Line)
		}
	}
	for line, field := range want {
		if got[line] != field {
			t.Errorf("line %d rejected for %q, want %q (report %+v)", line, got[line], field, rep.Rejected)
		}
	}
	if len(got) != len(want) {
		t.Errorf("rejected lines %v, want %v", got, want)
	}
	if n := e.itemCount(tok); n != 2 {
		t.Errorf("after the import there are %d items, want 2", n)
	}

	// The same file again updates the rows with a known external id.
	update := "external_id,notes\nERP-1,checked\nERP-7,checked\n"
	e.mustDo(req{Method: "POST", Path: "/v1/import/items", Token: tok, Body: update}, 200, &rep)
	if rep.Created != 0 || rep.Updated != 2 || len(rep.Rejected) != 0 {
		t.Errorf("update import = %+v, want 2 updated", rep)
	}
	var it domain.Item
	var list struct{ Data []domain.Item }
	e.mustDo(req{Method: "GET", Path: "/v1/items?q=D-1", Token: tok}, 200, &list)
	for _, x := range list.Data {
		if x.ExternalID == "ERP-1" {
			it = x
		}
	}
	if it.Notes != "checked" || it.SerialNumber != "D-1" || len(it.Tags) != 1 {
		t.Errorf("item ERP-1 after the update import = %+v, want notes checked, serial and tag kept", it)
	}
}

func TestImportAtomic(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()
	_, _, product := e.register(tok)

	bad := "product_id,serial_number,status\n" + product + ",A-1,\n" + product + ",A-2,gone\n"
	resp := e.do(req{Method: "POST", Path: "/v1/import/items?atomic=true", Token: tok, Body: bad})
	if resp.Status != 422 {
		t.Fatalf("atomic import with a bad row = %d %s, want 422", resp.Status, resp.Body)
	}
	p := resp.problem(t)
	var rep importReport
	if err := json.Unmarshal(resp.Body, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Created != 0 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 3 || rep.Rejected[0].Field != "status" {
		t.Errorf("atomic import report = %+v, want line 3 status rejected and nothing created", rep)
	}
	if !p.hasField("status") {
		t.Errorf("atomic import problem %+v does not name status", p)
	}
	if n := e.itemCount(tok); n != 0 {
		t.Errorf("after a refused atomic import there are %d items, want 0", n)
	}

	good := "product_id,serial_number\n" + product + ",A-1\n" + product + ",A-2\n" + product + ",A-3\n"
	e.mustDo(req{Method: "POST", Path: "/v1/import/items?atomic=true", Token: tok, Body: good}, 200, &rep)
	if rep.Created != 3 {
		t.Errorf("atomic import of 3 good rows created %d", rep.Created)
	}
}

func TestImportRefusesBadFiles(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()
	tests := []struct {
		name, body string
		wantField  string
	}{
		{"empty", "", ""},
		{"unknown column", "product_id,colour\nx,red\n", "colour"},
		{"repeated column", "product_id,product_id\nx,y\n", "product_id"},
		{"broken quoting", "product_id,notes\nx,\"never closed\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.do(req{Method: "POST", Path: "/v1/import/items", Token: tok, Body: tt.body})
			if resp.Status != 400 {
				t.Fatalf("import of %q = %d %s, want 400", tt.body, resp.Status, resp.Body)
			}
			if p := resp.problem(t); tt.wantField != "" && !p.hasField(tt.wantField) {
				t.Errorf("problem %+v does not name %q", p, tt.wantField)
			}
		})
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()
	_, cabinet, product := e.register(tok)
	for i, serial := range []string{"R-1", "R-2", "R-3"} {
		body := map[string]any{"product_id": product, "serial_number": serial, "location_id": cabinet, "notes": "has, a comma\nand a line", "purchase_cost_cents": 100 * (i + 1)}
		if i == 0 {
			body["tags"] = []map[string]string{{"kind": "nfc", "value": "04A22B1A"}, {"kind": "barcode", "value": "R1"}}
		}
		e.mustDo(req{Method: "POST", Path: "/v1/items", Token: tok, Body: body}, 201, nil)
	}
	exp := e.mustDo(req{Method: "GET", Path: "/v1/export/items", Token: tok}, 200, nil)
	if ct := exp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("export Content-Type = %q, want text/csv", ct)
	}
	recs, err := csv.NewReader(strings.NewReader(string(exp.Body))).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, exp.Body)
	}
	if len(recs) != 4 || recs[0][0] != "id" {
		t.Fatalf("export has %d records, want a header and 3 items:\n%s", len(recs), exp.Body)
	}
	var before struct{ Data []domain.Item }
	e.mustDo(req{Method: "GET", Path: "/v1/items", Token: tok}, 200, &before)

	var rep importReport
	e.mustDo(req{Method: "POST", Path: "/v1/import/items?atomic=true", Token: tok, Body: exp.Body}, 200, &rep)
	if rep.Created != 0 || rep.Updated != 3 || len(rep.Rejected) != 0 {
		t.Fatalf("re-importing the export = %+v, want 3 updated", rep)
	}
	var after struct{ Data []domain.Item }
	e.mustDo(req{Method: "GET", Path: "/v1/items", Token: tok}, 200, &after)
	if len(after.Data) != len(before.Data) {
		t.Fatalf("after the round trip %d items, want %d", len(after.Data), len(before.Data))
	}
	for i := range before.Data {
		b, a := before.Data[i], after.Data[i]
		a.Version, b.Version = 0, 0
		a.UpdatedAt = b.UpdatedAt
		bj, _ := json.Marshal(b)
		aj, _ := json.Marshal(a)
		if string(aj) != string(bj) {
			t.Errorf("item changed by the round trip:\n before %s\n after  %s", bj, aj)
		}
	}
}
