package payload

import (
	"bytes"
	"encoding/json"

	"github.com/custodyhq/custody/domain"
)

// Format names a reader payload format.
type Format string

// Payload formats.
const (
	FormatBatch  Format = "batch"  // Custody's sweep batch
	FormatZebra  Format = "zebra"  // Zebra IoT Connector tag data events
	FormatImpinj Format = "impinj" // Impinj IoT device interface events
)

// Detect tells the payload formats apart by the shape of the first event: a batch has
// sweep_id or reads; an Impinj event has eventType, tagInventoryEvent or hostname; a Zebra
// event has a data object. It reads no further than that first event.
func Detect(body []byte) (Format, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	switch firstByte(body) {
	case 0:
		return "", domain.FieldErrorf(domain.EMALFORMED, "body", "empty body")
	case '[':
		if _, err := dec.Token(); err != nil {
			return "", decodeErr(err, "body", body, 0, "")
		}
		if !dec.More() {
			return "", domain.FieldErrorf(domain.EINVALID, "body", "an empty array has no event to tell the format by")
		}
	case '{':
	default:
		return "", domain.FieldErrorf(domain.EMALFORMED, "body", "expected a JSON object or array")
	}
	var first map[string]json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return "", decodeErr(err, "body", body, 0, "")
	}
	has := func(k string) bool { _, ok := first[k]; return ok }
	switch {
	case has("sweep_id") || has("reads"):
		return FormatBatch, nil
	case has("tagInventoryEvent") || has("eventType") || has("hostname"):
		return FormatImpinj, nil
	case firstByte(first["data"]) == '{':
		return FormatZebra, nil
	}
	return "", domain.FieldErrorf(domain.EINVALID, "body", "unrecognized payload: expected Zebra IoT Connector events (with \"data\"), Impinj IoT device interface events (with \"eventType\") or a sweep batch (with \"sweep_id\")")
}

// ParseEvents detects a vendor event payload (Zebra or Impinj) and decodes its reads, for
// POST /v1/readers/{id}/events. A sweep batch is refused here: it has its own endpoint.
func ParseEvents(body []byte) (Format, []Read, error) {
	f, err := Detect(body)
	if err != nil {
		return "", nil, err
	}
	var reads []Read
	switch f {
	case FormatZebra:
		reads, err = ParseZebra(body)
	case FormatImpinj:
		reads, err = ParseImpinj(body)
	default:
		return f, nil, domain.FieldErrorf(domain.EINVALID, "body", "a sweep batch goes to the sweeps endpoint, not events")
	}
	if err != nil {
		return f, nil, err
	}
	return f, reads, nil
}
