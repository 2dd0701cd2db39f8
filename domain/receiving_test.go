package domain

import (
	"fmt"
	"slices"
	"testing"
)

func orderedPO() *PurchaseOrder {
	return &PurchaseOrder{ID: "po", Status: POOpen, Lines: []POLine{
		{ProductID: "drill", Quantity: 2, Serials: []string{"D1", "D2"}},
		{ProductID: "gloves", Quantity: 40},
	}}
}

func TestFlagReceipt(t *testing.T) {
	po := orderedPO()
	po.Lines[0].Received, po.Lines[0].ReceivedSerials = 1, []string{"D1"}
	po.Lines[1].Received = 30
	tests := []struct {
		name string
		line ReceiptLine
		want ReceiptLine
	}{
		{"expected serial", ReceiptLine{ProductID: "drill", SerialNumber: "D2", Quantity: 1},
			ReceiptLine{ProductID: "drill", SerialNumber: "D2", Quantity: 1}},
		{"serial received before", ReceiptLine{ProductID: "drill", SerialNumber: "D1", Quantity: 1},
			ReceiptLine{ProductID: "drill", SerialNumber: "D1", Quantity: 1, Outcome: OutcomeDuplicate}},
		{"unexpected serial", ReceiptLine{ProductID: "drill", SerialNumber: "D9", Quantity: 1},
			ReceiptLine{ProductID: "drill", SerialNumber: "D9", Quantity: 1, UnexpectedSerial: true}},
		{"the rest of the gloves", ReceiptLine{ProductID: "gloves", Quantity: 10}, ReceiptLine{ProductID: "gloves", Quantity: 10}},
		{"more gloves than ordered", ReceiptLine{ProductID: "gloves", Quantity: 11}, ReceiptLine{ProductID: "gloves", Quantity: 11, OverReceipt: true}},
		{"not on the order", ReceiptLine{ProductID: "saw", Quantity: 1}, ReceiptLine{ProductID: "saw", Quantity: 1, NotOnOrder: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Receipt{Lines: []ReceiptLine{tt.line}}
			FlagReceipt(po, r)
			if r.Lines[0] != tt.want || r.OverReceipt != tt.want.OverReceipt {
				t.Errorf("FlagReceipt(%+v) = %+v (receipt over %v), want %+v", tt.line, r.Lines[0], r.OverReceipt, tt.want)
			}
		})
	}
	t.Run("the same serial twice in one free receipt", func(t *testing.T) {
		r := &Receipt{Lines: []ReceiptLine{{ProductID: "drill", SerialNumber: "X", Quantity: 1}, {ProductID: "drill", SerialNumber: "X", Quantity: 1}}}
		FlagReceipt(nil, r)
		if r.Lines[0].Outcome != "" || r.Lines[1].Outcome != OutcomeDuplicate || r.Lines[1].NotOnOrder {
			t.Errorf("FlagReceipt(nil, X twice) = %+v, want the second a duplicate and no order flags", r.Lines)
		}
	})
}

func TestTallyIsOrderIndependent(t *testing.T) {
	receipts := []*Receipt{
		{ID: "a", Lines: []ReceiptLine{{ProductID: "drill", SerialNumber: "D1", Quantity: 1}, {ProductID: "gloves", Quantity: 25}}},
		{ID: "b", Lines: []ReceiptLine{{ProductID: "drill", SerialNumber: "D1", Quantity: 1, Outcome: OutcomeDuplicate}, {ProductID: "saw", Quantity: 2}}},
		{ID: "c", Lines: []ReceiptLine{{ProductID: "gloves", Quantity: 20}, {ProductID: "drill", SerialNumber: "D2", Quantity: 1}}},
	}
	var first string
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		po := orderedPO()
		var rs []*Receipt
		for _, i := range order {
			rs = append(rs, receipts[i])
		}
		if !po.Tally(rs) {
			t.Errorf("Tally(order %v) reported no change", order)
		}
		got := fmt.Sprintf("%s %+v", po.Status, po.Lines)
		if first == "" {
			first = got
		} else if got != first {
			t.Errorf("Tally(order %v) = %s, want %s as in the first order", order, got, first)
		}
		if po.Tally(rs) {
			t.Errorf("Tally(order %v) twice reported a change", order)
		}
	}
	po := orderedPO()
	po.Tally(receipts)
	if po.Status != POReceived || po.Lines[0].Received != 2 || !slices.Equal(po.Lines[0].ReceivedSerials, []string{"D1", "D2"}) ||
		po.Lines[1].Received != 45 || !po.Lines[1].OverReceived || po.Lines[0].OverReceived {
		t.Errorf("Tally = %s %+v, want received: D1 and D2 once each, 45 gloves over-received", po.Status, po.Lines)
	}
	tests := []struct {
		name     string
		status   PurchaseOrderStatus
		receipts []*Receipt
		want     PurchaseOrderStatus
	}{
		{"nothing yet", POOpen, nil, POOpen},
		{"some", POOpen, receipts[:1], POPartiallyReceived},
		{"closed stays closed", POClosed, receipts, POClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			po := orderedPO()
			po.Status = tt.status
			po.Tally(tt.receipts)
			if po.Status != tt.want {
				t.Errorf("Tally(%d receipts) of a %s order = %s, want %s", len(tt.receipts), tt.status, po.Status, tt.want)
			}
		})
	}
}

func TestPickListMatching(t *testing.T) {
	pl := &PickList{Lines: []PickLine{
		{ProductID: "bits", Quantity: 10},
		{ProductID: "drill", Quantity: 1},
		{ProductID: "laser", ItemID: "L7", Quantity: 1},
	}}
	pl.Picks = []Pick{{ID: "p1", Line: 0, ProductID: "bits", Quantity: 6}, {ID: "p2", Line: 1, ProductID: "drill", ItemID: "D1", Quantity: 1}}
	pl.Tally()
	items := []struct {
		name, item, product string
		line                int
		why                 PickRefusal
	}{
		{"the named laser", "L7", "laser", 2, ""},
		{"another laser", "L8", "laser", -1, RefuseNotOnList},
		{"a second drill", "D2", "drill", -1, RefuseTooMany},
		{"the drill again", "D1", "drill", -1, RefuseAlreadyPicked},
		{"a saw", "S1", "saw", -1, RefuseNotOnList},
	}
	for _, tt := range items {
		t.Run(tt.name, func(t *testing.T) {
			line, why := pl.MatchItem(tt.item, tt.product)
			if line != tt.line || why != tt.why {
				t.Errorf("MatchItem(%s, %s) = %d, %q; want %d, %q", tt.item, tt.product, line, why, tt.line, tt.why)
			}
		})
	}
	quantities := []struct {
		name, product string
		qty           int64
		why           PickRefusal
	}{
		{"the last four bits", "bits", 4, ""},
		{"five bits", "bits", 5, RefuseTooMany},
		{"gloves", "gloves", 1, RefuseNotOnList},
		{"the laser by count", "laser", 1, RefuseNotOnList},
	}
	for _, tt := range quantities {
		t.Run(tt.name, func(t *testing.T) {
			if _, why := pl.MatchQuantity(tt.product, tt.qty); why != tt.why {
				t.Errorf("MatchQuantity(%s, %d) refusal = %q, want %q", tt.product, tt.qty, why, tt.why)
			}
		})
	}
	if pl.Status != PickPicking || pl.Lines[0].Remaining() != 4 {
		t.Errorf("after two picks: %s, bits remaining %d; want picking, 4", pl.Status, pl.Lines[0].Remaining())
	}
	pl.Complete("u-pat", pl.Picks[0].At)
	shorts := []bool{pl.Lines[0].Short, pl.Lines[1].Short, pl.Lines[2].Short}
	if pl.Status != PickCompleted || !slices.Equal(shorts, []bool{true, false, true}) {
		t.Errorf("Complete: %s, short %v; want completed, bits and laser short", pl.Status, shorts)
	}
}
