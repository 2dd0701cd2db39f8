package api

// The reader-ingest and resolve operations as the spec tests call them (TestOpenAPIServer runs
// specReaderIngest and specResolve), and the guessing of a code's kind.

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/custodyhq/custody/domain"
)

// ndjsonOnce teaches the request checks that application/x-ndjson is text, as the document
// describes it.
var ndjsonOnce sync.Once

// specReaderIngest checks the sweeps and events a reader posts with its own key.
func (e *specEnv) specReaderIngest(t *testing.T) {
	ndjsonOnce.Do(func() { openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.PlainBodyDecoder) })
	admin := e.tokens[domain.RoleAdmin]
	cab := e.mustJSON(t, specCall{name: "a cabinet", method: "POST", path: "/v1/locations", token: admin,
		body: map[string]any{"name": "Cabinet S", "kind": "cabinet"}, want: http.StatusCreated})
	prod := e.mustJSON(t, specCall{name: "a product", method: "POST", path: "/v1/products", token: admin,
		body: map[string]any{"name": "Impact driver", "tracking": "serial"}, want: http.StatusCreated})
	const tagged, elsewhere = "3034257BF400B7800000AAA1", "3034257BF400B7800000AAA2"
	e.mustJSON(t, specCall{name: "an item in it", method: "POST", path: "/v1/items", token: admin,
		body: map[string]any{"product_id": prod["id"], "serial_number": "ID-1", "location_id": cab["id"],
			"tags": []map[string]string{{"kind": "epc", "value": tagged}}}, want: http.StatusCreated})
	e.mustJSON(t, specCall{name: "an item elsewhere", method: "POST", path: "/v1/items", token: admin,
		body: map[string]any{"product_id": prod["id"], "serial_number": "ID-2",
			"tags": []map[string]string{{"kind": "epc", "value": elsewhere}}}, want: http.StatusCreated})
	r := e.mustJSON(t, specCall{name: "its reader", method: "POST", path: "/v1/readers", token: admin,
		body: map[string]any{"name": "Cabinet S reader", "location_id": cab["id"]}, want: http.StatusCreated})
	other := e.mustJSON(t, specCall{name: "another reader", method: "POST", path: "/v1/readers", token: admin,
		body: map[string]any{"name": "Gate", "location_id": cab["id"]}, want: http.StatusCreated})
	key, id := r["api_key"].(string), r["id"].(string)
	sweeps, events := "/v1/readers/"+id+"/sweeps", "/v1/readers/"+id+"/events"

	now := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	sweep := map[string]any{"sweep_id": "spec-1", "started_at": now.Format(time.RFC3339), "completed": true, "overflow": false,
		"door_badge": "04:71:22:9a:3b:5c:81", "reads": []map[string]any{
			{"epc": tagged, "antenna": 1, "rssi": -51.5, "count": 2, "first_seen": now.Format(time.RFC3339Nano)},
			{"epc": tagged, "antenna": 2, "rssi": -58, "count": 1},
			{"epc": "E28011606000020528F904FA", "rssi": -61},
		}}
	res := e.mustJSON(t, specCall{name: "a sweep", method: "POST", path: sweeps, token: key, body: sweep, want: http.StatusOK})
	if fmt.Sprint(res["unknown"]) != "[E28011606000020528F904FA]" || len(res["present"].([]any)) != 1 {
		t.Errorf("POST %s = %v, want the item present and the factory tag unknown", sweeps, res)
	}
	at := now.Format("2006-01-02T15:04:05.000-0700")
	zebra := `[{"type":"SIMPLE","timestamp":"` + at + `","data":{"idHex":"` + elsewhere + `","peakRssi":-52,"antenna":1}}]`
	raw, _ := hex.DecodeString(elsewhere)
	impinj := `{"timestamp":"` + now.Format(time.RFC3339) + `","hostname":"impinj-1","eventType":"inventoryStatus","inventoryStatusEvent":{"inventoryStatus":"running"}}` + "\n" +
		`{"timestamp":"` + now.Format(time.RFC3339) + `","hostname":"impinj-1","eventType":"tagInventory","tagInventoryEvent":{"epc":"` +
		base64.StdEncoding.EncodeToString(raw) + `","antennaPort":1,"peakRssiCdbm":-5400}}` + "\n"
	e.run(t, []specCall{
		{name: "the same sweep again", method: "POST", path: sweeps, token: key, body: sweep, want: http.StatusOK},
		{name: "a sweep of an empty cabinet", method: "POST", path: sweeps, token: key,
			body: map[string]any{"sweep_id": "spec-2", "started_at": now.Format(time.RFC3339), "completed": false, "reads": []any{}}, want: http.StatusOK},
		{name: "a malformed sweep", method: "POST", path: sweeps, token: key, body: `{"sweep_id": "x", "reads": [`, want: http.StatusBadRequest, specRejects: true},
		{name: "a sweep with a bad EPC", method: "POST", path: sweeps, token: key,
			body: map[string]any{"sweep_id": "spec-3", "started_at": now.Format(time.RFC3339), "reads": []map[string]any{{"epc": "xyz", "rssi": -50}}},
			want: http.StatusUnprocessableEntity, wantField: "reads[0].epc"},
		{name: "a sweep without started_at", method: "POST", path: sweeps, token: key,
			body: map[string]any{"sweep_id": "spec-4", "reads": []any{}}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "started_at"},
		{name: "a sweep from the future", method: "POST", path: sweeps, token: key,
			body: map[string]any{"sweep_id": "spec-5", "started_at": now.Add(time.Hour).Format(time.RFC3339), "reads": []any{}},
			want: http.StatusUnprocessableEntity, wantField: "started_at"},
		{name: "a sweep with a user's token", method: "POST", path: sweeps, token: admin, body: sweep, want: http.StatusForbidden},
		{name: "a sweep with another reader's key", method: "POST", path: sweeps, token: other["api_key"].(string), body: sweep, want: http.StatusForbidden},
		{name: "a sweep without a key", method: "POST", path: sweeps, body: sweep, want: http.StatusUnauthorized, specRejects: true},
		{name: "Zebra events", method: "POST", path: events, token: key, body: zebra, want: http.StatusOK},
		{name: "an Impinj stream", method: "POST", path: events, token: key, body: impinj, contentType: "application/x-ndjson", want: http.StatusOK},
		{name: "events that are garbage", method: "POST", path: events, token: key, body: "no events here", contentType: "application/x-ndjson", want: http.StatusBadRequest},
		{name: "events of no known vendor", method: "POST", path: events, token: key, body: `[{"tag": "x"}]`, want: http.StatusUnprocessableEntity, wantField: "body"},
		{name: "events with another reader's key", method: "POST", path: events, token: other["api_key"].(string), body: zebra, want: http.StatusForbidden},
	})
}

// specResolve checks POST /v1/resolve: every kind of code, what each matches, and the 422 of a
// code that is not what its kind says.
func (e *specEnv) specResolve(t *testing.T) {
	admin := e.tokens[domain.RoleAdmin]
	loc := e.mustJSON(t, specCall{name: "a site", method: "POST", path: "/v1/locations", token: admin,
		body: map[string]any{"name": "Resolve yard", "kind": "site"}, want: http.StatusCreated})
	prod := e.mustJSON(t, specCall{name: "a product with a GTIN", method: "POST", path: "/v1/products", token: admin,
		body: map[string]any{"name": "Laser level", "tracking": "serial", "gtin": "80614141123458"}, want: http.StatusCreated})
	byGTIN := e.mustJSON(t, specCall{name: "its item 6789", method: "POST", path: "/v1/items", token: admin,
		body: map[string]any{"product_id": prod["id"], "serial_number": "6789", "location_id": loc["id"]}, want: http.StatusCreated})
	tool := e.mustJSON(t, specCall{name: "an item with an asset tag", method: "POST", path: "/v1/items", token: admin,
		body: map[string]any{"product_id": prod["id"], "serial_number": "LL-2", "asset_tag": "777001", "external_id": "ERP-LL-2",
			"tags": []map[string]string{{"kind": "barcode", "value": "TOOL-0042"}, {"kind": "nfc", "value": "04:a1:b2:c3:d4:e5:f6"},
				{"kind": "epc", "value": "E2801160600002052800AAAA"}}}, want: http.StatusCreated})
	u := e.mustJSON(t, specCall{name: "a user with a badge", method: "POST", path: "/v1/users", token: admin,
		body: map[string]any{"email": "badge@example.com", "name": "Bea", "role": "field", "password": specPassword,
			"badges": []string{"04:71:22:9A:3B:5C:80"}}, want: http.StatusCreated})
	item, user, product, location := fmt.Sprint(byGTIN["id"]), fmt.Sprint(u["id"]), fmt.Sprint(prod["id"]), fmt.Sprint(loc["id"])
	toolID := fmt.Sprint(tool["id"])

	tests := []struct {
		name, code, kind string
		wantKind         string
		wantNormalized   string
		wantURI          string
		wantGS1          string // fmt of the map, "" for none
		wantMatch        string // "type:id", "" for none
	}{
		{"SGTIN EPC names its item by GTIN and serial", "3074257bf7194e4000001a85", "epc", "epc", "3074257BF7194E4000001A85",
			"urn:epc:id:sgtin:0614141.812345.6789", "map[01:80614141123458 21:6789]", "item:" + item},
		{"SGTIN of another serial names the product", "3034257BF7194E4000067932", "", "epc", "3034257BF7194E4000067932",
			"urn:epc:id:sgtin:0614141.812345.424242", "map[01:80614141123458 21:424242]", "product:" + product},
		{"GIAI names the item by asset reference", "3414257BF4000000000BDB29", "", "epc", "3414257BF4000000000BDB29",
			"urn:epc:id:giai:0614141.777001", "map[8004:0614141777001]", "item:" + toolID},
		{"a raw EPC names the item tagged with it", "E2801160600002052800AAAA", "epc", "epc", "E2801160600002052800AAAA",
			"urn:epc:raw:96.xE2801160600002052800AAAA", "", "item:" + toolID},
		{"an unknown raw EPC", "E28011606000020528F904FA", "", "epc", "E28011606000020528F904FA", "urn:epc:raw:96.xE28011606000020528F904FA", "", ""},
		{"a badge names its user", "04-71-22-9a-3b-5c-80", "", "nfc", "0471229A3B5C80", "", "", "user:" + user},
		{"an NFC tag names its item", "04:A1:B2:C3:D4:E5:F6", "nfc", "nfc", "04A1B2C3D4E5F6", "", "", "item:" + toolID},
		{"GS1 DataMatrix with GTIN and serial", "]d20180614141123458" + "21" + "6789", "", "barcode", "(01)80614141123458(21)6789", "",
			"map[01:80614141123458 21:6789]", "item:" + item},
		{"bracketed GTIN names the product", "(01)80614141123458", "barcode", "barcode", "(01)80614141123458", "", "map[01:80614141123458]", "product:" + product},
		{"Digital Link", "https://id.gs1.org/01/80614141123458/21/6789", "", "barcode", "(01)80614141123458(21)6789", "",
			"map[01:80614141123458 21:6789]", "item:" + item},
		{"a plain GTIN names the product", "80614141123458", "", "barcode", "80614141123458", "", "", "product:" + product},
		{"a barcode tag", " TOOL-0042 ", "", "barcode", "TOOL-0042", "", "", "item:" + toolID},
		{"an asset tag", "777001", "barcode", "barcode", "777001", "", "", "item:" + toolID},
		{"an external id", "ERP-LL-2", "", "barcode", "ERP-LL-2", "", "", "item:" + toolID},
		{"a location's id", location, "", "barcode", location, "", "", "location:" + location},
		{"nothing known", "NO-SUCH-CODE", "", "barcode", "NO-SUCH-CODE", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"code": tt.code}
			if tt.kind != "" {
				body["kind"] = tt.kind
			}
			got := e.mustJSON(t, specCall{method: "POST", path: "/v1/resolve", token: e.tokens[domain.RoleField], body: body, want: http.StatusOK})
			match := ""
			if m, ok := got["match"].(map[string]any); ok {
				match = fmt.Sprint(m["type"]) + ":" + fmt.Sprint(m["id"])
			}
			gs1 := ""
			if g, ok := got["gs1"]; ok {
				gs1 = fmt.Sprint(g)
			}
			uri, _ := got["epc_uri"].(string)
			if got["kind"] != tt.wantKind || got["normalized"] != tt.wantNormalized || uri != tt.wantURI || gs1 != tt.wantGS1 || match != tt.wantMatch {
				t.Errorf("resolve(%q, kind %q) = %v,\nwant kind %s, normalized %s, epc_uri %q, gs1 %q, match %q",
					tt.code, tt.kind, got, tt.wantKind, tt.wantNormalized, tt.wantURI, tt.wantGS1, tt.wantMatch)
			}
		})
	}

	reader := e.mustJSON(t, specCall{name: "a reader", method: "POST", path: "/v1/readers", token: admin,
		body: map[string]any{"name": "R", "location_id": location}, want: http.StatusCreated})
	e.run(t, []specCall{
		{name: "an EPC that is not hex", method: "POST", path: "/v1/resolve", token: admin, body: map[string]any{"code": "hello", "kind": "epc"},
			want: http.StatusUnprocessableEntity, wantField: "code"},
		{name: "an EPC with partition 7", method: "POST", path: "/v1/resolve", token: admin, body: map[string]any{"code": "301C00000000000000000000", "kind": "epc"},
			want: http.StatusUnprocessableEntity, wantField: "code"},
		{name: "a random NFC ID", method: "POST", path: "/v1/resolve", token: admin, body: map[string]any{"code": "08:12:34:56", "kind": "nfc"},
			want: http.StatusUnprocessableEntity, wantField: "code"},
		{name: "GS1 with a wrong check digit", method: "POST", path: "/v1/resolve", token: admin, body: map[string]any{"code": "(01)80614141123459", "kind": "barcode"},
			want: http.StatusUnprocessableEntity, wantField: "code"},
		{name: "no code", method: "POST", path: "/v1/resolve", token: admin, body: map[string]any{"kind": "epc"},
			want: http.StatusUnprocessableEntity, specRejects: true, wantField: "code"},
		{name: "an unknown kind", method: "POST", path: "/v1/resolve", token: admin, body: map[string]any{"code": "x", "kind": "qr"},
			want: http.StatusUnprocessableEntity, specRejects: true, wantField: "kind"},
		{name: "malformed", method: "POST", path: "/v1/resolve", token: admin, body: `{"code": `, want: http.StatusBadRequest, specRejects: true},
		{name: "a reader's key", method: "POST", path: "/v1/resolve", token: reader["api_key"].(string), body: map[string]any{"code": "x"}, want: http.StatusForbidden},
		{name: "no token", method: "POST", path: "/v1/resolve", body: map[string]any{"code": "x"}, want: http.StatusUnauthorized, specRejects: true},
	})
}

// TestResolveGuesses checks the readings tried for a code without a kind, likeliest first.
func TestResolveGuesses(t *testing.T) {
	tests := []struct {
		name, code string
		want       string // the readings' kinds
	}{
		{"a GS1 EPC", "3074257BF7194E4000001A85", "epc barcode"},
		{"a 7-byte UID", "04:E1:41:12:4C:28:80", "nfc barcode"},
		{"a 4-byte UID, also 32 bits of hex", "DEADBEEF", "nfc barcode"},
		{"a raw 96-bit EPC", "E28011606000020528F904FA", "epc barcode"},
		{"GS1 element string", "]C10109506000134352" + "10ABC", "barcode"},
		{"a bracketed code that is not GS1", "(not gs1)", "barcode"},
		{"a URL", "https://example.com/tools/42", "barcode"},
		{"text", "Hilti TE 30 #4", "barcode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var kinds []string
			for _, r := range guessReadings(tt.code) {
				kinds = append(kinds, string(r.Kind))
			}
			if got := strings.Join(kinds, " "); got != tt.want {
				t.Errorf("guessReadings(%q) kinds = %q, want %q", tt.code, got, tt.want)
			}
		})
	}
}
