package domain

// TagKind is the technology of a tag attached to an item, a badge or a location.
type TagKind string

// Tag kinds.
const (
	TagEPC     TagKind = "epc"     // UHF RFID, the EPC as uppercase hex
	TagNFC     TagKind = "nfc"     // NFC/HF, the UID as uppercase hex
	TagBarcode TagKind = "barcode" // a printed code, as scanned (normalized)
)

// Valid reports whether k is a known tag kind.
func (k TagKind) Valid() bool { return k == TagEPC || k == TagNFC || k == TagBarcode }

// Tag identifies an item physically: its kind and its normalized value. A value is unique per kind.
type Tag struct {
	Kind  TagKind `json:"kind"`
	Value string  `json:"value"`
}
