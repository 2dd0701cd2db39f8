package payload

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

const (
	zebraEvent1 = `{"type":"SIMPLE","timestamp":"2024-05-01T10:15:30.123+0000","data":{"eventNum":1,"format":"epc","idHex":"3074257bf7194e4000001a85","antenna":1,"peakRssi":-52,"reads":2,"channel":917.25,"phase":0,"hostName":"FX9600F0B1E4"}}`
	zebraEvent2 = `{"type":"SIMPLE","timestamp":"2024-05-01T12:15:31+0200","data":{"eventNum":2,"format":"epc","idHex":"3476451FD40000000000162E","antenna":3,"peakRssi":-60.5,"seenCount":4}}`

	impinjEvent1  = `{"timestamp":"2024-05-01T10:15:30.123456Z","hostname":"impinj-14-2b-3c","eventType":"tagInventory","tagInventoryEvent":{"epc":"MHQle/cZTkAAABqF","epcHex":"3074257BF7194E4000001A85","antennaPort":1,"antennaName":"Antenna 1","peakRssiCdbm":-5200,"frequency":915250,"transmitPowerCdbm":3000}}`
	impinjB64Only = `{"timestamp":"2024-05-01T10:15:31Z","hostname":"impinj-14-2b-3c","eventType":"tagInventory","tagInventoryEvent":{"epc":"NHZFH9QAAAAAABYu","antennaPort":2,"peakRssiCdbm":-6150,"lastSeenTime":"2024-05-01T10:15:30.900Z"}}`
	impinjStatus  = `{"timestamp":"2024-05-01T10:15:29Z","hostname":"impinj-14-2b-3c","eventType":"inventoryStatus","inventoryStatusEvent":{"inventoryStatus":"running"}}`
)

var (
	t0 = time.Date(2024, 5, 1, 10, 15, 30, 123e6, time.UTC)
	t1 = time.Date(2024, 5, 1, 10, 15, 31, 0, time.UTC)
)

func TestParseZebra(t *testing.T) {
	r1 := Read{EPC: "3074257BF7194E4000001A85", Antenna: 1, RSSI: -52, Count: 2, FirstSeen: t0, ReaderID: "FX9600F0B1E4"}
	r2 := Read{EPC: "3476451FD40000000000162E", Antenna: 3, RSSI: -60.5, Count: 4, FirstSeen: t1}
	tests := []struct {
		name, body string
		want       []Read
	}{
		{"one object", zebraEvent1, []Read{r1}},
		{"array", "[" + zebraEvent1 + ",\n" + zebraEvent2 + "]", []Read{r1, r2}},
		{"one object per line", zebraEvent1 + "\n" + zebraEvent2 + "\n", []Read{r1, r2}},
		{"CRLF and blank lines", "\r\n" + zebraEvent1 + "\r\n\r\n" + zebraEvent2 + "\r\n", []Read{r1, r2}},
		{"empty array", "[]", []Read{}},
		{"MAC when no host name", `{"type":"INVENTORY","timestamp":"2024-05-01T10:15:31Z","data":{"idHex":"3476451FD40000000000162E","peakRssi":-60.5,"MAC":"84:24:8D:11:22:33"}}`,
			[]Read{{EPC: "3476451FD40000000000162E", RSSI: -60.5, Count: 1, FirstSeen: t1, ReaderID: "84:24:8D:11:22:33"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseZebra([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseZebra error = %v", err)
			}
			if !readsEqual(got, tt.want) {
				t.Errorf("ParseZebra =\n %v\nwant\n %v", got, tt.want)
			}
		})
	}
}

// readsEqual compares reads, times by instant and location.
func readsEqual(a, b []Read) bool {
	return slices.EqualFunc(a, b, func(x, y Read) bool {
		return x.EPC == y.EPC && x.Antenna == y.Antenna && x.RSSI == y.RSSI && x.Count == y.Count &&
			x.FirstSeen.Equal(y.FirstSeen) && x.FirstSeen.Location() == time.UTC && x.ReaderID == y.ReaderID
	})
}

func TestParseZebraErrors(t *testing.T) {
	bad := func(data string) string {
		return "[" + zebraEvent1 + ",\n" + `{"type":"SIMPLE","timestamp":"2024-05-01T10:15:30.123+0000","data":{` + data + `}}]`
	}
	tests := []struct {
		name, body, code, field, msgHas string
	}{
		{"empty", " ", domain.EMALFORMED, "body", "empty"},
		{"not JSON", "hello", domain.EMALFORMED, "body", "expected a JSON object"},
		{"syntax error on line 2", zebraEvent1 + "\n{\"type\": }", domain.EMALFORMED, "[1]", "line 2"},
		{"truncated array", "[" + zebraEvent1, domain.EMALFORMED, "body", ""},
		{"garbage after array", "[" + zebraEvent1 + "] x", domain.EMALFORMED, "body", "after the array"},
		{"array of numbers", "[1,2]", domain.EINVALID, "[0]", "expected an object"},
		{"no data", `{"type":"SIMPLE","timestamp":"2024-05-01T10:15:30.123+0000"}`, domain.EINVALID, "[0].data", "not a Zebra"},
		{"no idHex", bad(`"peakRssi":-50`), domain.EINVALID, "[1].data.idHex", "line 2"},
		{"idHex not hex", bad(`"idHex":"hello","peakRssi":-50`), domain.EINVALID, "[1].data.idHex", "hex"},
		{"no peakRssi", bad(`"idHex":"3074257BF7194E4000001A85"`), domain.EINVALID, "[1].data.peakRssi", "required"},
		{"peakRssi a string", bad(`"idHex":"3074257BF7194E4000001A85","peakRssi":"-50"`), domain.EINVALID, "[1].data.peakRssi", "a number"},
		{"reads zero", bad(`"idHex":"3074257BF7194E4000001A85","peakRssi":-50,"reads":0`), domain.EINVALID, "[1].data.reads", "at least 1"},
		{"negative antenna", bad(`"idHex":"3074257BF7194E4000001A85","peakRssi":-50,"antenna":-2`), domain.EINVALID, "[1].data.antenna", "negative"},
		{"no timestamp", `{"type":"SIMPLE","data":{"idHex":"3074257BF7194E4000001A85","peakRssi":-50}}`, domain.EINVALID, "[0].timestamp", "required"},
		{"bad timestamp", `{"type":"SIMPLE","timestamp":"01/05/2024","data":{"idHex":"3074257BF7194E4000001A85","peakRssi":-50}}`, domain.EINVALID, "[0].timestamp", "RFC 3339"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseZebra([]byte(tt.body))
			if err == nil {
				t.Fatalf("ParseZebra(%s) = %v, want an error", tt.body, got)
			}
			wantDomainErr(t, "ParseZebra("+tt.name+")", err, tt.code, tt.field, tt.msgHas)
		})
	}
}

func TestParseImpinj(t *testing.T) {
	r1 := Read{EPC: "3074257BF7194E4000001A85", Antenna: 1, RSSI: -52, Count: 1, FirstSeen: time.Date(2024, 5, 1, 10, 15, 30, 123456e3, time.UTC), ReaderID: "impinj-14-2b-3c"}
	r2 := Read{EPC: "3476451FD40000000000162E", Antenna: 2, RSSI: -61.5, Count: 1, FirstSeen: time.Date(2024, 5, 1, 10, 15, 30, 900e6, time.UTC), ReaderID: "impinj-14-2b-3c"}
	tests := []struct {
		name, body string
		want       []Read
	}{
		{"one object", impinjEvent1, []Read{r1}},
		{"base64 epc only", impinjB64Only, []Read{r2}},
		{"webhook array with a status event", "[" + impinjStatus + "," + impinjEvent1 + "," + impinjB64Only + "]", []Read{r1, r2}},
		{"HTTP stream", impinjStatus + "\n" + impinjEvent1 + "\n" + impinjB64Only + "\n", []Read{r1, r2}},
		{"stream without final newline", impinjEvent1 + "\n" + impinjB64Only, []Read{r1, r2}},
		{"status only", impinjStatus, []Read{}},
		{"no eventType but a tag event", `{"timestamp":"2021-07-09T23:35:59.278427551Z","hostname":"impinj-13-f8-f5","tagInventoryEvent":{"epcHex":"E2801190A5021F80055817CA","antennaPort":1,"peakRssiCdbm":-2650}}`,
			[]Read{{EPC: "E2801190A5021F80055817CA", Antenna: 1, RSSI: -26.5, Count: 1, FirstSeen: time.Date(2021, 7, 9, 23, 35, 59, 278427551, time.UTC), ReaderID: "impinj-13-f8-f5"}}},
		{"firstSeenTime wins", `{"timestamp":"2024-05-01T10:15:40Z","eventType":"tagInventory","tagInventoryEvent":{"epcHex":"3074257BF7194E4000001A85","peakRssiCdbm":-5200,"firstSeenTime":"2024-05-01T10:15:31Z","lastSeenTime":"2024-05-01T10:15:39Z"}}`,
			[]Read{{EPC: "3074257BF7194E4000001A85", RSSI: -52, Count: 1, FirstSeen: t1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseImpinj([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseImpinj error = %v", err)
			}
			if !readsEqual(got, tt.want) {
				t.Errorf("ParseImpinj =\n %v\nwant\n %v", got, tt.want)
			}
		})
	}
}

func TestParseImpinjErrors(t *testing.T) {
	ev := func(tag string) string {
		return `{"timestamp":"2024-05-01T10:15:31Z","eventType":"tagInventory","tagInventoryEvent":{` + tag + `}}`
	}
	stream := func(bad string) string { return impinjStatus + "\n" + impinjEvent1 + "\n\n" + bad + "\n" }
	tests := []struct {
		name, body, code, field, msgHas string
	}{
		{"garbage line", stream("not json"), domain.EMALFORMED, "[2]", "line 4"},
		{"object that is no event", stream(`{"hello":"world"}`), domain.EINVALID, "[2].eventType", "line 4"},
		{"tagInventory without its event", stream(`{"eventType":"tagInventory"}`), domain.EINVALID, "[2].tagInventoryEvent", "required"},
		{"no epc at all", stream(ev(`"peakRssiCdbm":-5000`)), domain.EINVALID, "[2].tagInventoryEvent.epcHex", "required"},
		{"epc not base64", stream(ev(`"epc":"!!!","peakRssiCdbm":-5000`)), domain.EINVALID, "[2].tagInventoryEvent.epc", "base64"},
		{"base64 of half a word", stream(ev(`"epc":"MA==","peakRssiCdbm":-5000`)), domain.EINVALID, "[2].tagInventoryEvent.epc", "16-bit words"},
		{"epc and epcHex disagree", stream(ev(`"epc":"MHQle/cZTkAAABqF","epcHex":"3476451FD40000000000162E","peakRssiCdbm":-5000`)), domain.EINVALID, "[2].tagInventoryEvent.epcHex", "disagrees"},
		{"no RSSI", stream(ev(`"epcHex":"3476451FD40000000000162E"`)), domain.EINVALID, "[2].tagInventoryEvent.peakRssiCdbm", "required"},
		{"RSSI in dBm by mistake", stream(ev(`"epcHex":"3476451FD40000000000162E","peakRssiCdbm":-520000`)), domain.EINVALID, "[2].tagInventoryEvent.peakRssiCdbm", "plausible"},
		{"antenna a string", stream(ev(`"epcHex":"3476451FD40000000000162E","peakRssiCdbm":-5000,"antennaPort":"1"`)), domain.EINVALID, "[2].tagInventoryEvent.antennaPort", "an integer"},
		{"bad lastSeenTime", stream(ev(`"epcHex":"3476451FD40000000000162E","peakRssiCdbm":-5000,"lastSeenTime":"soon"`)), domain.EINVALID, "[2].tagInventoryEvent.lastSeenTime", "RFC 3339"},
		{"no time at all", `{"eventType":"tagInventory","tagInventoryEvent":{"epcHex":"3476451FD40000000000162E","peakRssiCdbm":-5000}}`, domain.EINVALID, "[0].timestamp", "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseImpinj([]byte(tt.body))
			if err == nil {
				t.Fatalf("ParseImpinj(%s) = %v, want an error", tt.body, got)
			}
			wantDomainErr(t, "ParseImpinj("+tt.name+")", err, tt.code, tt.field, tt.msgHas)
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, body string
		want       Format
	}{
		{"batch", `{"sweep_id":"s1","started_at":"2024-05-01T10:15:30Z","reads":[]}`, FormatBatch},
		{"batch led by reads", `  {"reads":[],"sweep_id":"s1"}`, FormatBatch},
		{"zebra object", zebraEvent1, FormatZebra},
		{"zebra array", "[" + zebraEvent1 + "]", FormatZebra},
		{"zebra stream", zebraEvent1 + "\n" + zebraEvent2, FormatZebra},
		{"impinj object", impinjEvent1, FormatImpinj},
		{"impinj array led by a status event", "[" + impinjStatus + "," + impinjEvent1 + "]", FormatImpinj},
		{"impinj stream", "\n" + impinjEvent1 + "\n" + impinjB64Only, FormatImpinj},
		{"impinj without eventType", `{"hostname":"impinj-13","tagInventoryEvent":{}}`, FormatImpinj},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect([]byte(tt.body))
			if err != nil || got != tt.want {
				t.Errorf("Detect(%s) = %q, %v, want %q", tt.name, got, err, tt.want)
			}
		})
	}
}

func TestDetectErrors(t *testing.T) {
	tests := []struct {
		name, body, code string
	}{
		{"empty", "", domain.EMALFORMED},
		{"blank", " \n ", domain.EMALFORMED},
		{"text", "EPC=3074", domain.EMALFORMED},
		{"broken object", `{"data":`, domain.EMALFORMED},
		{"empty array", "[ ]", domain.EINVALID},
		{"array of strings", `["a"]`, domain.EINVALID},
		{"unknown object", `{"epc":"3074257BF7194E4000001A85"}`, domain.EINVALID},
		{"data not an object", `{"data":"x"}`, domain.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect([]byte(tt.body))
			if err == nil {
				t.Fatalf("Detect(%q) = %q, want an error", tt.body, got)
			}
			wantDomainErr(t, "Detect("+tt.name+")", err, tt.code, "body", "")
		})
	}
}

func TestParseEvents(t *testing.T) {
	f, reads, err := ParseEvents([]byte("[" + zebraEvent1 + "," + zebraEvent2 + "]"))
	if err != nil || f != FormatZebra || len(reads) != 2 {
		t.Errorf("ParseEvents(zebra) = %q, %d reads, %v, want zebra, 2 reads", f, len(reads), err)
	}
	f, reads, err = ParseEvents([]byte(impinjStatus + "\n" + impinjEvent1))
	if err != nil || f != FormatImpinj || len(reads) != 1 {
		t.Errorf("ParseEvents(impinj) = %q, %d reads, %v, want impinj, 1 read", f, len(reads), err)
	}
	_, _, err = ParseEvents([]byte(`{"sweep_id":"s1","reads":[]}`))
	wantDomainErr(t, "ParseEvents(batch)", err, domain.EINVALID, "body", "sweeps endpoint")
	_, _, err = ParseEvents([]byte("[" + zebraEvent1 + `,{"type":"SIMPLE"}]`))
	wantDomainErr(t, "ParseEvents(bad zebra)", err, domain.EINVALID, "[1].data", "")
}

func TestNormalizeEPC(t *testing.T) {
	tests := []struct{ in, want string }{
		{"3074257bf7194e4000001a85", "3074257BF7194E4000001A85"},
		{"0x3074257BF7194E4000001A85", "3074257BF7194E4000001A85"},
		{" 3074 257B F719 4E40 0000 1A85 ", "3074257BF7194E4000001A85"},
		{"30:74:25:7B", "3074257B"},
		{"E280-1160", "E2801160"},
		{strings.Repeat("AB", 62), strings.Repeat("AB", 62)},
	}
	for _, tt := range tests {
		if got, err := NormalizeEPC(tt.in); err != nil || got != tt.want {
			t.Errorf("NormalizeEPC(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "0x", "30742", "3074257G", "3074\n257B", strings.Repeat("AB", 64)} {
		if got, err := NormalizeEPC(in); err == nil || domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("NormalizeEPC(%q) = %q, %v, want an EINVALID error", in, got, err)
		}
	}
}

func TestDedupe(t *testing.T) {
	a, b, c := "3074257BF7194E4000001A85", "3476451FD40000000000162E", "E2801190A5021F80055817CA"
	at := func(s int) time.Time { return time.Date(2024, 5, 1, 10, 0, s, 0, time.UTC) }
	in := []Read{
		{EPC: a, Antenna: 1, RSSI: -60, Count: 2, FirstSeen: at(5)},
		{EPC: b, Antenna: 2, RSSI: -70, Count: 1, FirstSeen: at(1), ReaderID: "r1"},
		{EPC: a, Antenna: 3, RSSI: -50, Count: 3, FirstSeen: at(7), ReaderID: "r2"},
		{EPC: c, Antenna: 1, RSSI: -40, Count: 1},
		{EPC: a, Antenna: 4, RSSI: -55, Count: 1, FirstSeen: at(2)},
		{EPC: c, Antenna: 2, RSSI: -45, Count: 5, FirstSeen: at(9)},
		{EPC: b, Antenna: 4, RSSI: -70, Count: 1, FirstSeen: time.Time{}, ReaderID: "r3"},
	}
	want := []Read{
		{EPC: a, Antenna: 3, RSSI: -50, Count: 6, FirstSeen: at(2), ReaderID: "r2"},
		{EPC: b, Antenna: 2, RSSI: -70, Count: 2, FirstSeen: at(1), ReaderID: "r1"},
		{EPC: c, Antenna: 1, RSSI: -40, Count: 6, FirstSeen: at(9)},
	}
	if got := Dedupe(in); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Dedupe =\n %v\nwant\n %v", got, want)
	}
	if in[0].Count != 2 || in[0].RSSI != -60 {
		t.Errorf("Dedupe changed its input: %+v", in[0])
	}
	if got := Dedupe(nil); len(got) != 0 {
		t.Errorf("Dedupe(nil) = %v, want empty", got)
	}
	// A tag's reads one after another, as a cabinet sends them, and a tag read again later.
	runs := []Read{
		{EPC: a, Antenna: 1, RSSI: -60, Count: 1, FirstSeen: at(3)},
		{EPC: a, Antenna: 2, RSSI: -52, Count: 1, FirstSeen: at(4)},
		{EPC: b, Antenna: 1, RSSI: -70, Count: 2, FirstSeen: at(5)},
		{EPC: b, Antenna: 2, RSSI: -75, Count: 1, FirstSeen: at(1)},
		{EPC: a, Antenna: 3, RSSI: -58, Count: 4, FirstSeen: at(2)},
		{EPC: a, Antenna: 4, RSSI: -51, Count: 1, FirstSeen: at(6)},
	}
	wantRuns := []Read{
		{EPC: a, Antenna: 4, RSSI: -51, Count: 7, FirstSeen: at(2)},
		{EPC: b, Antenna: 1, RSSI: -70, Count: 3, FirstSeen: at(1)},
	}
	if got := Dedupe(runs); fmt.Sprint(got) != fmt.Sprint(wantRuns) {
		t.Errorf("Dedupe(runs of reads) =\n %v\nwant\n %v", got, wantRuns)
	}
}

func TestFilterRSSI(t *testing.T) {
	in := []Read{{EPC: "A1", RSSI: -40}, {EPC: "B2", RSSI: -70}, {EPC: "C3", RSSI: -65}, {EPC: "D4", RSSI: -65.01}}
	tests := []struct {
		floor float64
		want  []string
	}{
		{-65, []string{"A1", "C3"}},
		{-100, []string{"A1", "B2", "C3", "D4"}},
		{-30, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range FilterRSSI(in, tt.floor) {
			got = append(got, r.EPC)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("FilterRSSI(floor %v) = %v, want %v", tt.floor, got, tt.want)
		}
	}
}
