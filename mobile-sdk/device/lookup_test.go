package device

import (
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/epc"
)

func TestLookUpOffline(t *testing.T) {
	f := newFixture(t)
	d := f.open("pat@example.com")
	f.srv.srv.Close() // everything below works without the network
	giai, _ := epc.EncodeGIAI96("0614141", "1001", 0)
	sgtin, err := epc.EncodeSGTIN96("9506000", "013435", "12345", 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, code, kind, matchType, matchID string
	}{
		{"item id", item1, KindBarcode, domain.EntityItem, item1},
		{"location id", vanID, KindBarcode, domain.EntityLocation, vanID},
		{"NFC tool tag with colons", "04:a1:b2:c3:d4:e5:f6", KindNFC, domain.EntityItem, item1},
		{"NFC badge", "04-AA-BB-CC-DD-EE-FF", KindNFC, domain.EntityUser, joID},
		{"GIAI EPC tag", giai, KindEPC, domain.EntityItem, item1},
		{"EPC with 0x prefix, lower case", "0x" + lower(giai), KindEPC, domain.EntityItem, item1},
		{"SGTIN EPC names GTIN and serial", sgtin, KindEPC, domain.EntityItem, item2},
		{"asset tag, lower case", "ng-01001", KindBarcode, domain.EntityItem, item1},
		{"GS1 bracketed GTIN + serial", "(01)" + drillGTIN + "(21)12345", KindBarcode, domain.EntityItem, item2},
		{"GS1 DataMatrix element string", "]d201" + drillGTIN + "21D-1", KindBarcode, domain.EntityItem, item1},
		{"GS1 Digital Link", "https://id.gs1.org/01/" + drillGTIN + "/21/12345", KindBarcode, domain.EntityItem, item2},
		{"GTIN-14 alone", glovesGTIN, KindBarcode, domain.EntityProduct, glovesID},
		{"GTIN-13 alone", glovesGTIN[1:], KindBarcode, domain.EntityProduct, glovesID},
		{"unknown NFC UID", "04112233445566", KindNFC, "", ""},
		{"unknown text", "hello", KindBarcode, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := d.LookUp(tt.code)
			if err != nil {
				t.Fatalf("LookUp(%q) = %v", tt.code, err)
			}
			var gotType, gotID string
			if r.Match != nil {
				gotType, gotID = r.Match.Type, r.Match.ID
			}
			if r.Kind != tt.kind || gotType != tt.matchType || gotID != tt.matchID {
				t.Errorf("LookUp(%q) = kind %s match %s/%s, want %s %s/%s", tt.code, r.Kind, gotType, gotID, tt.kind, tt.matchType, tt.matchID)
			}
		})
	}
	r, _ := d.LookUp(sgtin)
	if r.EPCURI != "urn:epc:id:sgtin:9506000.013435.12345" || r.GS1["01"] != drillGTIN || r.GS1["21"] != "12345" {
		t.Errorf("LookUp(SGTIN) = uri %s gs1 %v, want its pure identity and (01)/(21)", r.EPCURI, r.GS1)
	}
	if _, err := d.LookUp("  "); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("LookUp(blank) = %v, want %s", err, domain.EINVALID)
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestScansAtReceivingAndPicking(t *testing.T) {
	f := newFixture(t)
	d := f.open("pat@example.com")
	steps := []struct {
		name    string
		do      func() (*Receipt, error)
		kind    string
		wantQty int64
		status  domain.ItemStatus
	}{
		{"receive a carton of 24 by GS1 (37)", func() (*Receipt, error) {
			return d.ReceiveByScan("]C101"+glovesGTIN+"3724", siteID, 0)
		}, domain.EntityStock, 24, ""},
		{"receive 6 more by GTIN and quantity", func() (*Receipt, error) { return d.ReceiveByScan(glovesGTIN, siteID, 6) }, domain.EntityStock, 30, ""},
		{"pick 4 by GS1 (30)", func() (*Receipt, error) { return d.PickByScan("(01)"+glovesGTIN+"(30)4", siteID, 0) }, domain.EntityStock, 26, ""},
		{"pick a serialized drill", func() (*Receipt, error) { return d.PickByScan("(01)"+drillGTIN+"(21)12345", vanID, 0) }, domain.EntityItem, 0, domain.StatusCheckedOut},
		{"receive it back", func() (*Receipt, error) { return d.ReceiveByScan(item2, siteID, 0) }, domain.EntityItem, 0, domain.StatusAvailable},
	}
	for _, s := range steps {
		r, err := s.do()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if r.Kind != s.kind {
			t.Fatalf("%s: receipt kind %s, want %s", s.name, r.Kind, s.kind)
		}
		if s.kind == domain.EntityStock && r.Stock.Quantity != s.wantQty {
			t.Errorf("%s: stock %d, want %d", s.name, r.Stock.Quantity, s.wantQty)
		}
		if s.kind == domain.EntityItem && r.Item.Status != s.status {
			t.Errorf("%s: item %s, want %s", s.name, r.Item.Status, s.status)
		}
	}
	if v, _ := d.Count(glovesGTIN, siteID, 20); v.Quantity != 20 {
		t.Errorf("Count(20) view = %d, want 20", v.Quantity)
	}
	if v, _ := d.Adjust(glovesID, siteID, -25, domain.ReasonConsume); v.Quantity != -5 || !v.Negative {
		t.Errorf("taking 25 of 20 = %d negative %v, want -5 flagged negative (not refused)", v.Quantity, v.Negative)
	}
	mustSync(t, d)
	if lv := f.srv.stock(glovesID + "@" + siteID); lv.Quantity != -5 {
		t.Errorf("server stock = %d, want -5", lv.Quantity)
	}
	errs := []struct {
		name string
		err  func() error
		code string
	}{
		{"no quantity", func() error { _, err := d.ReceiveByScan(glovesGTIN, siteID, 0); return err }, domain.EINVALID},
		{"unknown GTIN+serial", func() error { _, err := d.ReceiveByScan("(01)"+drillGTIN+"(21)NOPE", siteID, 0); return err }, domain.ENOTFOUND},
		{"unknown location", func() error { _, err := d.ReceiveByScan(glovesGTIN, "loc-nowhere", 3); return err }, domain.EINVALID},
		{"count a serial product", func() error { _, err := d.Count(drillGTIN, siteID, 3); return err }, domain.EINVALID},
		{"negative count", func() error { _, err := d.Count(glovesGTIN, siteID, -1); return err }, domain.EINVALID},
		{"bad badge", func() error { _, err := d.CheckOut(item1, "08123456", time.Time{}); return err }, domain.EINVALID},
		{"due date in the past", func() error { _, err := d.CheckOut(item1, "", time.Now().Add(-time.Hour)); return err }, domain.EINVALID},
		{"bad condition", func() error { _, err := d.CheckIn(item1, siteID, "wet"); return err }, domain.EINVALID},
		{"check-in without location", func() error { _, err := d.CheckIn(item1, "", ""); return err }, domain.EINVALID},
	}
	for _, e := range errs {
		if err := e.err(); domain.ErrorCode(err) != e.code {
			t.Errorf("%s: %v, want %s", e.name, err, e.code)
		}
	}
	if n := pending(t, d); n != 0 {
		t.Errorf("%d ops queued by refused calls, want 0", n)
	}
}
