package payload

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Impinj IoT device interface events (R700, R720, R660), as the reader's webhook (a JSON array)
// or HTTP stream (one object per line) delivers them:
//
//	{"timestamp": "2024-05-01T10:15:30.123456Z", "hostname": "impinj-14-2b-3c",
//	 "eventType": "tagInventory",
//	 "tagInventoryEvent": {"epc": "MHQle/cZTkAAABqF", "epcHex": "3074…", "antennaPort": 1,
//	                       "antennaName": "Antenna 1", "peakRssiCdbm": -5200, "frequency": 915250,
//	                       "transmitPowerCdbm": 3000, "lastSeenTime": "…"}}
//
// RSSI is in centi-dBm. epcHex appears only when hex reporting is on; epc (base64) always.
type impinjEvent struct {
	Timestamp         *string          `json:"timestamp"`
	Hostname          string           `json:"hostname"`
	EventType         string           `json:"eventType"`
	TagInventoryEvent *impinjTagInvent `json:"tagInventoryEvent"`
}

type impinjTagInvent struct {
	EPC           *string  `json:"epc"`
	EPCHex        *string  `json:"epcHex"`
	AntennaPort   *int     `json:"antennaPort"`
	PeakRSSICdbm  *float64 `json:"peakRssiCdbm"`
	FirstSeenTime *string  `json:"firstSeenTime"`
	LastSeenTime  *string  `json:"lastSeenTime"`
}

// ParseImpinj decodes Impinj IoT device interface events — one object, an array, or one
// object per line — into reads, in order and not deduplicated. Events of other types
// (inventoryStatus, antennaConnected, …) are skipped; an object that is no Impinj event at all
// is an error. A problem is reported with the event's index and line, such as
// "[7].tagInventoryEvent.epcHex".
func ParseImpinj(body []byte) ([]Read, error) {
	reads := []Read{}
	err := decodeEvents(body, func(el element, ev *impinjEvent) error {
		if ev.TagInventoryEvent == nil {
			switch ev.EventType {
			case "":
				return el.invalid("eventType", "missing: not an Impinj IoT device interface event")
			case "tagInventory":
				return el.invalid("tagInventoryEvent", "is required for eventType tagInventory")
			}
			return nil // another event type: inventoryStatus, antennaConnected, …
		}
		r, err := impinjRead(el, ev)
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

func impinjRead(el element, ev *impinjEvent) (Read, error) {
	t := ev.TagInventoryEvent
	r := Read{Count: 1, ReaderID: ev.Hostname}
	var fromB64 string
	if t.EPC != nil {
		raw, err := base64.StdEncoding.DecodeString(*t.EPC)
		if err != nil {
			return Read{}, el.invalid("tagInventoryEvent.epc", "is not base64: %v", err)
		}
		fromB64 = strings.ToUpper(hex.EncodeToString(raw))
	}
	switch {
	case t.EPCHex != nil:
		epc, err := NormalizeEPC(*t.EPCHex)
		if err != nil {
			return Read{}, el.invalid("tagInventoryEvent.epcHex", "%s", fieldMessage(err))
		}
		if t.EPC != nil && fromB64 != epc {
			return Read{}, el.invalid("tagInventoryEvent.epcHex", "%s disagrees with epc (base64 of %s)", epc, fromB64)
		}
		r.EPC = epc
	case t.EPC != nil:
		epc, err := NormalizeEPC(fromB64)
		if err != nil {
			return Read{}, el.invalid("tagInventoryEvent.epc", "%s", fieldMessage(err))
		}
		r.EPC = epc
	default:
		return Read{}, el.invalid("tagInventoryEvent.epcHex", "is required (or epc in base64)")
	}
	if t.PeakRSSICdbm == nil {
		return Read{}, el.invalid("tagInventoryEvent.peakRssiCdbm", "is required (enable peak RSSI in the reader's tag reporting)")
	}
	r.RSSI = *t.PeakRSSICdbm / 100
	if err := checkRSSI(r.RSSI); err != nil {
		return Read{}, el.invalid("tagInventoryEvent.peakRssiCdbm", "%v", err)
	}
	if t.AntennaPort != nil {
		if *t.AntennaPort < 0 {
			return Read{}, el.invalid("tagInventoryEvent.antennaPort", "must not be negative")
		}
		r.Antenna = *t.AntennaPort
	}
	ts, field := ev.Timestamp, "timestamp"
	if t.FirstSeenTime != nil {
		ts, field = t.FirstSeenTime, "tagInventoryEvent.firstSeenTime"
	} else if t.LastSeenTime != nil {
		ts, field = t.LastSeenTime, "tagInventoryEvent.lastSeenTime"
	}
	if ts == nil {
		return Read{}, el.invalid("timestamp", "is required")
	}
	var err error
	if r.FirstSeen, err = parseTime(*ts); err != nil {
		return Read{}, el.invalid(field, "%v", err)
	}
	return r, nil
}
