package payload

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// wantDomainErr checks that err is a *domain.Error with the code and, when field is not "",
// a field problem on that field whose message contains msgHas.
func wantDomainErr(t *testing.T, call string, err error, code, field, msgHas string) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("%s error = %v (%T), want a *domain.Error", call, err, err)
	}
	if de.Code != code {
		t.Errorf("%s error code = %q, want %q (%v)", call, de.Code, code, err)
	}
	if field == "" {
		return
	}
	for _, f := range de.Fields {
		if f.Field == field && strings.Contains(f.Message, msgHas) {
			return
		}
	}
	t.Errorf("%s error fields = %+v, want %q with a message containing %q", call, de.Fields, field, msgHas)
}

func TestParseBatch(t *testing.T) {
	body := `{"sweep_id": "cab-7/2024-05-01T10:15", "started_at": "2024-05-01T12:15:30+02:00",
		"completed": true, "overflow": false, "door_badge": "04:e1:41:12:4c:28:80",
		"reads": [
			{"epc": "3074257bf7194e4000001a85", "antenna": 2, "rssi": -52.5, "count": 3, "first_seen": "2024-05-01T10:15:31.250Z"},
			{"epc": "3476451FD40000000000162E", "rssi": -61}
		]}`
	got, err := ParseBatch([]byte(body))
	if err != nil {
		t.Fatalf("ParseBatch error = %v", err)
	}
	start := time.Date(2024, 5, 1, 10, 15, 30, 0, time.UTC)
	want := Batch{
		SweepID: "cab-7/2024-05-01T10:15", StartedAt: start, Completed: true, DoorBadge: "04E141124C2880",
		Reads: []Read{
			{EPC: "3074257BF7194E4000001A85", Antenna: 2, RSSI: -52.5, Count: 3, FirstSeen: time.Date(2024, 5, 1, 10, 15, 31, 250e6, time.UTC)},
			{EPC: "3476451FD40000000000162E", RSSI: -61, Count: 1, FirstSeen: start},
		},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ParseBatch =\n %+v\nwant\n %+v", got, want)
	}
	if !got.StartedAt.Equal(start) || got.StartedAt.Location() != time.UTC {
		t.Errorf("ParseBatch StartedAt = %v, want %v in UTC", got.StartedAt, start)
	}
}

func TestParseBatchEmptyReadsAndNoBadge(t *testing.T) {
	got, err := ParseBatch([]byte(`{"sweep_id":"s1","started_at":"2024-05-01T10:15:30Z","completed":true,"door_badge":null,"reads":[]}`))
	if err != nil || got.DoorBadge != "" || got.Reads == nil || len(got.Reads) != 0 || !got.Complete() {
		t.Errorf("ParseBatch(empty cabinet) = %+v, %v, want an empty, complete sweep", got, err)
	}
}

func TestBatchComplete(t *testing.T) {
	tests := []struct {
		completed, overflow, want bool
	}{
		{true, false, true},
		{true, true, false},
		{false, false, false},
		{false, true, false},
	}
	for _, tt := range tests {
		b := Batch{Completed: tt.completed, Overflow: tt.overflow}
		if got := b.Complete(); got != tt.want {
			t.Errorf("Batch{Completed: %v, Overflow: %v}.Complete() = %v, want %v", tt.completed, tt.overflow, got, tt.want)
		}
	}
}

func TestParseBatchErrors(t *testing.T) {
	const ok = `"sweep_id":"s1","started_at":"2024-05-01T10:15:30Z"`
	read := func(r string) string {
		return `{` + ok + `,"reads":[{"epc":"3074257BF7194E4000001A85","rssi":-50},` + r + `]}`
	}
	tests := []struct {
		name, body  string
		code, field string
		msgHas      string
	}{
		{"empty body", "", domain.EMALFORMED, "body", "empty"},
		{"array instead of object", `[]`, domain.EMALFORMED, "body", "object"},
		{"truncated", `{"sweep_id":"s1",`, domain.EMALFORMED, "body", "line 1"},
		{"syntax error on line 3", "{\n\"sweep_id\":\"s1\",\n\"reads\": [}\n", domain.EMALFORMED, "body", "line 3"},
		{"trailing garbage", `{` + ok + `,"reads":[]} x`, domain.EMALFORMED, "body", "invalid JSON"},
		{"missing sweep_id", `{"started_at":"2024-05-01T10:15:30Z","reads":[]}`, domain.EINVALID, "sweep_id", "required"},
		{"control character in sweep_id", `{"sweep_id":"a\u0007","started_at":"2024-05-01T10:15:30Z","reads":[]}`, domain.EINVALID, "sweep_id", "printable"},
		{"long sweep_id", `{"sweep_id":"` + strings.Repeat("x", 129) + `","started_at":"2024-05-01T10:15:30Z","reads":[]}`, domain.EINVALID, "sweep_id", "128"},
		{"missing started_at", `{"sweep_id":"s1","reads":[]}`, domain.EINVALID, "started_at", "required"},
		{"bad started_at", `{"sweep_id":"s1","started_at":"yesterday","reads":[]}`, domain.EINVALID, "started_at", "RFC 3339"},
		{"completed as string", `{` + ok + `,"completed":"yes","reads":[]}`, domain.EINVALID, "completed", "true or false"},
		{"random-ID door badge", `{` + ok + `,"door_badge":"08A1B2C3","reads":[]}`, domain.EINVALID, "door_badge", "random"},
		{"missing reads", `{` + ok + `}`, domain.EINVALID, "reads", "required"},
		{"reads not an array", `{` + ok + `,"reads":{}}`, domain.EINVALID, "reads", "array"},
		{"read not an object", read(`5`), domain.EINVALID, "reads[1]", "object"},
		{"epc missing", read(`{"rssi":-50}`), domain.EINVALID, "reads[1].epc", "required"},
		{"epc a number", read(`{"epc":5,"rssi":-50}`), domain.EINVALID, "reads[1].epc", "a string"},
		{"epc not hex", read(`{"epc":"ZZ74257BF7194E4000001A85","rssi":-50}`), domain.EINVALID, "reads[1].epc", "hex"},
		{"epc half a word", read(`{"epc":"3074257BF7194E4000001A","rssi":-50}`), domain.EINVALID, "reads[1].epc", "16-bit words"},
		{"rssi missing", read(`{"epc":"3074257BF7194E4000001A85"}`), domain.EINVALID, "reads[1].rssi", "required"},
		{"rssi implausible", read(`{"epc":"3074257BF7194E4000001A85","rssi":-5200}`), domain.EINVALID, "reads[1].rssi", "plausible"},
		{"count zero", read(`{"epc":"3074257BF7194E4000001A85","rssi":-50,"count":0}`), domain.EINVALID, "reads[1].count", "at least 1"},
		{"count fractional", read(`{"epc":"3074257BF7194E4000001A85","rssi":-50,"count":1.5}`), domain.EINVALID, "reads[1].count", "integer"},
		{"negative antenna", read(`{"epc":"3074257BF7194E4000001A85","rssi":-50,"antenna":-1}`), domain.EINVALID, "reads[1].antenna", "negative"},
		{"bad first_seen", read(`{"epc":"3074257BF7194E4000001A85","rssi":-50,"first_seen":"10:15"}`), domain.EINVALID, "reads[1].first_seen", "RFC 3339"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBatch([]byte(tt.body))
			if err == nil {
				t.Fatalf("ParseBatch(%s) = %+v, want an error", tt.body, got)
			}
			wantDomainErr(t, "ParseBatch("+tt.name+")", err, tt.code, tt.field, tt.msgHas)
		})
	}
}

func TestParseBatchListsEveryBadFieldUpToALimit(t *testing.T) {
	var reads []string
	for range 30 {
		reads = append(reads, `{"epc":"X"}`) // two problems each
	}
	body := `{"sweep_id":"s1","started_at":"2024-05-01T10:15:30Z","reads":[` + strings.Join(reads, ",") + `]}`
	_, err := ParseBatch([]byte(body))
	fields := domain.ErrorFields(err)
	if len(fields) != maxFieldErrors || !strings.Contains(domain.ErrorMessage(err), "40 more problems") {
		t.Errorf("ParseBatch(30 bad reads) = %d fields, message %q; want %d fields and 40 more counted", len(fields), domain.ErrorMessage(err), maxFieldErrors)
	}
}

func TestParseBatchMoreErrors(t *testing.T) {
	const ok = `"sweep_id":"s1","started_at":"2024-05-01T10:15:30Z"`
	tests := []struct {
		name, body  string
		code, field string
		msgHas      string
	}{
		{"name given twice", `{` + ok + `,"reads":[],"reads":[]}`, domain.EMALFORMED, "body", "duplicate"},
		{"name given twice in another case", `{` + ok + `,"reads":[],"READS":[]}`, domain.EMALFORMED, "body", "duplicate"},
		{"read's name given twice", `{` + ok + `,"reads":[{"epc":"3074257BF7194E4000001A85","rssi":-50,"rssi":-40}]}`, domain.EMALFORMED, "body", "column 108"},
		{"invalid UTF-8", "{\"sweep_id\":\"s\xff\",\"started_at\":\"2024-05-01T10:15:30Z\",\"reads\":[]}", domain.EMALFORMED, "body", "UTF-8"},
		{"second value after the object", `{` + ok + `,"reads":[]} {}`, domain.EMALFORMED, "body", "column 66"},
		{"null read", `{` + ok + `,"reads":[null]}`, domain.EINVALID, "reads[0].rssi", "required"},
		{"null epc", `{` + ok + `,"reads":[{"epc":null,"rssi":-50}]}`, domain.EINVALID, "reads[0].epc", "required"},
		{"rssi a string", `{` + ok + `,"reads":[{"epc":"3074257BF7194E4000001A85","rssi":"-50"}]}`, domain.EINVALID, "reads[0].rssi", "a number"},
		{"rssi out of range", `{` + ok + `,"reads":[{"epc":"3074257BF7194E4000001A85","rssi":1e999}]}`, domain.EINVALID, "reads[0].rssi", "out of range"},
		{"first_seen a number", `{` + ok + `,"reads":[{"epc":"3074257BF7194E4000001A85","rssi":-50,"first_seen":5}]}`, domain.EINVALID, "reads[0].first_seen", "a string"},
		{"sweep_id a number", `{"sweep_id":5,"started_at":"2024-05-01T10:15:30Z","reads":[]}`, domain.EINVALID, "sweep_id", "a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBatch([]byte(tt.body))
			if err == nil {
				t.Fatalf("ParseBatch(%s) = %+v, want an error", tt.body, got)
			}
			wantDomainErr(t, "ParseBatch("+tt.name+")", err, tt.code, tt.field, tt.msgHas)
		})
	}
}

// TestParseBatchReportsEachProblemOnce: a field of the wrong type is not also reported as
// missing, and every bad field is listed, not only the first.
func TestParseBatchReportsEachProblemOnce(t *testing.T) {
	_, err := ParseBatch([]byte(`{"sweep_id":5,"started_at":true,"completed":"yes","reads":{}}`))
	var got []string
	for _, f := range domain.ErrorFields(err) {
		got = append(got, f.Field)
	}
	want := []string{"sweep_id", "started_at", "completed", "reads"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ParseBatch(four fields of the wrong type) fields = %v, want %v (%v)", got, want, err)
	}
}

// TestParseBatchRepeatedEPCProblem: reads that share a bad EPC each report it.
func TestParseBatchRepeatedEPCProblem(t *testing.T) {
	_, err := ParseBatch([]byte(`{"sweep_id":"s1","started_at":"2024-05-01T10:15:30Z","reads":[{"epc":"ZZ","rssi":-50},{"epc":"ZZ","rssi":-51}]}`))
	fields := domain.ErrorFields(err)
	if len(fields) != 2 || fields[0].Field != "reads[0].epc" || fields[1].Field != "reads[1].epc" {
		t.Errorf("ParseBatch(two reads of one bad EPC) fields = %+v, want reads[0].epc and reads[1].epc", fields)
	}
}

// TestParseBatchSpellings: names in another case (as encoding/json matched them), escapes in
// strings, unknown members (even given twice) and a started_at given after the reads all decode.
func TestParseBatchSpellings(t *testing.T) {
	body := `{"Reads": [{"EPC": "30742\u00357bf7194e4000001a85", "rssi": -52.5, "vendor": {"x": [1, 2]}},
		{"epc": "3074257BF7194E4000001A85", "rssi": -50, "first_seen": "2024-05-01T10:15:31.5+0000", "count": 2}],
		"Sweep_ID": "cab\/7", "started_at": "2024-05-01T10:15:30Z", "extra": null, "extra": 2}`
	got, err := ParseBatch([]byte(body))
	if err != nil {
		t.Fatalf("ParseBatch error = %v", err)
	}
	start := time.Date(2024, 5, 1, 10, 15, 30, 0, time.UTC)
	want := Batch{SweepID: "cab/7", StartedAt: start, Reads: []Read{
		{EPC: "3074257BF7194E4000001A85", RSSI: -52.5, Count: 1, FirstSeen: start},
		{EPC: "3074257BF7194E4000001A85", RSSI: -50, Count: 2, FirstSeen: start.Add(1500 * time.Millisecond)},
	}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ParseBatch =\n %+v\nwant\n %+v", got, want)
	}
}

// TestParseBatchIntoUsesTheList: a list with room takes the reads — the same as ParseBatch
// finds — and one used before is overwritten, not appended to.
func TestParseBatchIntoUsesTheList(t *testing.T) {
	body := batchBody(10)
	want, err := ParseBatch(body)
	if err != nil {
		t.Fatal(err)
	}
	list := make([]Read, 5, 1000)
	for range 2 {
		got, err := ParseBatchInto(list, body)
		if err != nil {
			t.Fatalf("ParseBatchInto(10 tags) = %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ParseBatchInto(10 tags) =\n %+v\nwant what ParseBatch finds\n %+v", got, want)
		}
		if &got.Reads[0] != &list[:1][0] {
			t.Errorf("ParseBatchInto(a list of capacity 1000) put 30 reads elsewhere")
		}
		list = got.Reads
	}
	if got, err := ParseBatchInto(make([]Read, 0, 2), body); err != nil || len(got.Reads) != 30 {
		t.Errorf("ParseBatchInto(a list of capacity 2) = %d reads, %v; want 30", len(got.Reads), err)
	}
}
