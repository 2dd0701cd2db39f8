package sweep

import (
	"reflect"
	"testing"

	"github.com/custodyhq/custody/readers/payload"
)

const (
	epcDrill  = "3074257BF7194E4000001A85"
	epcDrill2 = "3074257BF7194E4000001A86" // a second tag on the drill
	epcSaw    = "3476451FD40000000000162E"
	epcMeter  = "3374257BF40C0E400000162E"
	epcLadder = "E2801190A5021F80055817CA" // home: another cabinet
	epcStray  = "E28011606000020528F904FA" // on no item
)

// items maps every known EPC to its item.
var items = map[string]string{
	epcDrill: "drill", epcDrill2: "drill", epcSaw: "saw", epcMeter: "meter", epcLadder: "ladder",
}

func resolve(epc string) (string, bool) { id, ok := items[epc]; return id, ok }

func reads(epcs ...string) []payload.Read {
	var out []payload.Read
	for _, e := range epcs {
		out = append(out, payload.Read{EPC: e, Count: 1, RSSI: -50})
	}
	return out
}

func TestDiff(t *testing.T) {
	cabinet := []Expected{{"drill", epcDrill}, {"saw", epcSaw}, {"meter", epcMeter}}
	none := []string{}
	tests := []struct {
		name string
		in   Input
		want Result
	}{
		{"all present", Input{cabinet, reads(epcMeter, epcDrill, epcSaw), true, resolve},
			Result{[]string{"drill", "meter", "saw"}, none, none, none}},
		{"one missing from a complete sweep", Input{cabinet, reads(epcDrill, epcSaw), true, resolve},
			Result{[]string{"drill", "saw"}, []string{"meter"}, none, none}},
		{"incomplete sweep declares nothing missing", Input{cabinet, reads(epcDrill), false, resolve},
			Result{[]string{"drill"}, none, none, none}},
		{"empty complete sweep: everything missing", Input{cabinet, nil, true, resolve},
			Result{none, []string{"drill", "meter", "saw"}, none, none}},
		{"item from another cabinet is unexpected", Input{cabinet, reads(epcDrill, epcSaw, epcMeter, epcLadder), true, resolve},
			Result{[]string{"drill", "meter", "saw"}, none, []string{"ladder"}, none}},
		{"tag on no item is unknown", Input{cabinet, reads(epcDrill, epcSaw, epcMeter, epcStray), true, resolve},
			Result{[]string{"drill", "meter", "saw"}, none, none, []string{epcStray}}},
		{"second tag of an expected item counts as present", Input{cabinet, reads(epcDrill2, epcSaw, epcMeter), true, resolve},
			Result{[]string{"drill", "meter", "saw"}, none, none, none}},
		{"item with two expected tags, one read", Input{append(cabinet, Expected{"drill", epcDrill2}), reads(epcDrill2, epcSaw, epcMeter), true, resolve},
			Result{[]string{"drill", "meter", "saw"}, none, none, none}},
		{"no resolver: strangers are unknown", Input{cabinet, reads(epcDrill, epcLadder), false, nil},
			Result{[]string{"drill"}, none, none, []string{epcLadder}}},
		{"case-insensitive EPCs", Input{[]Expected{{"drill", "3074257bf7194e4000001a85"}}, reads(epcDrill), true, resolve},
			Result{[]string{"drill"}, none, none, none}},
		{"repeated reads reported once", Input{cabinet, reads(epcLadder, epcStray, epcLadder, epcStray, epcDrill, epcDrill), false, resolve},
			Result{[]string{"drill"}, none, []string{"ladder"}, []string{epcStray}}},
		{"empty cabinet, nothing read", Input{nil, nil, true, resolve}, Result{none, none, none, none}},
		{"empty cabinet, something read", Input{nil, reads(epcSaw), true, resolve}, Result{none, none, []string{"saw"}, none}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Diff(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff(%s) =\n %+v\nwant\n %+v", tt.name, got, tt.want)
			}
		})
	}
}
