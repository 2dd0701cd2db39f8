package payload

// Zebra IoT Connector tag data events (FX7500, FX9600, ATR7000), as the reader posts them over
// HTTP or MQTT, one object or an array:
//
//	{"type": "SIMPLE", "timestamp": "2024-05-01T10:15:30.123+0000",
//	 "data": {"eventNum": 1, "format": "epc", "idHex": "3074…", "antenna": 1, "peakRssi": -52,
//	          "reads": 1, "channel": 917.25, "phase": 0, "hostName": "FX9600F0B1E4"}}
//
// The other operating modes (INVENTORY, PORTAL, CONVEYOR…) carry the same data members.
type zebraEvent struct {
	Type      string     `json:"type"`
	Timestamp *string    `json:"timestamp"`
	Data      *zebraData `json:"data"`
}

type zebraData struct {
	IDHex     *string  `json:"idHex"`
	Antenna   *int     `json:"antenna"`
	PeakRSSI  *float64 `json:"peakRssi"`
	Reads     *int     `json:"reads"`
	SeenCount *int     `json:"seenCount"`
	HostName  string   `json:"hostName"`
	MAC       string   `json:"MAC"`
}

// ParseZebra decodes Zebra IoT Connector tag data events — one object, an array, or one
// object per line — into reads, in order and not deduplicated. Every event must carry
// data.idHex, data.peakRssi and a timestamp; a problem is reported with the event's index and
// line, such as "[2].data.idHex".
func ParseZebra(body []byte) ([]Read, error) {
	reads := []Read{}
	err := decodeEvents(body, func(el element, ev *zebraEvent) error {
		r, err := zebraRead(el, ev)
		if err != nil {
			return err
		}
		reads = append(reads, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return reads, nil
}

func zebraRead(el element, ev *zebraEvent) (Read, error) {
	d := ev.Data
	if d == nil {
		return Read{}, el.invalid("data", "missing: not a Zebra tag data event")
	}
	if d.IDHex == nil {
		return Read{}, el.invalid("data.idHex", "is required")
	}
	epc, err := NormalizeEPC(*d.IDHex)
	if err != nil {
		return Read{}, el.invalid("data.idHex", "%s", fieldMessage(err))
	}
	r := Read{EPC: epc, Count: 1, ReaderID: d.HostName}
	if r.ReaderID == "" {
		r.ReaderID = d.MAC
	}
	if d.PeakRSSI == nil {
		return Read{}, el.invalid("data.peakRssi", "is required (enable RSSI in the reader's tag metadata)")
	}
	if err := checkRSSI(*d.PeakRSSI); err != nil {
		return Read{}, el.invalid("data.peakRssi", "%v", err)
	}
	r.RSSI = *d.PeakRSSI
	if d.Antenna != nil {
		if *d.Antenna < 0 {
			return Read{}, el.invalid("data.antenna", "must not be negative")
		}
		r.Antenna = *d.Antenna
	}
	switch {
	case d.Reads != nil:
		r.Count = *d.Reads
	case d.SeenCount != nil:
		r.Count = *d.SeenCount
	}
	if r.Count < 1 {
		return Read{}, el.invalid("data.reads", "must be at least 1")
	}
	if ev.Timestamp == nil {
		return Read{}, el.invalid("timestamp", "is required")
	}
	if r.FirstSeen, err = parseTime(*ev.Timestamp); err != nil {
		return Read{}, el.invalid("timestamp", "%v", err)
	}
	return r, nil
}
