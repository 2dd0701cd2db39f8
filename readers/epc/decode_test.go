package epc

import (
	"errors"
	"maps"
	"testing"
)

// TDS 2.3 Annex E.3 worked examples, as carried by dannyhaak/TagDataTranslation's
// TDS23Tests.cs, plus one SGTIN-198 from nedap/retail-epcpy's tests.
func TestDecodeWorkedExamples(t *testing.T) {
	tests := []struct {
		name, hex, uri, tagURI string
		gs1                    map[string]string
	}{
		{"SGTIN-96", "3066C4409047E140075BCD15", "urn:epc:id:sgtin:95060001343.05.123456789", "urn:epc:tag:sgtin-96:3.95060001343.05.123456789",
			map[string]string{"01": "09506000134352", "21": "123456789"}},
		{"SGTIN-198 escaped serial", "3666C4409047E159B2C2BF100000000000000000000000000000", "urn:epc:id:sgtin:95060001343.05.32a%2Fb", "urn:epc:tag:sgtin-198:3.95060001343.05.32a%2Fb",
			map[string]string{"01": "09506000134352", "21": "32a/b"}},
		{"SGTIN-198 letters", "36300001DB011169E5E5A70EC000000000000000000000000000", "urn:epc:id:sgtin:00000950.01093.Serial", "urn:epc:tag:sgtin-198:1.00000950.01093.Serial",
			map[string]string{"01": "00000095010939", "21": "Serial"}},
		{"SSCC-96", "311BA1B300CE0A6A83000000", "urn:epc:id:sscc:952012.03456789123", "urn:epc:tag:sscc-96:0.952012.03456789123",
			map[string]string{"00": "095201234567891235"}},
		{"GRAI-96", "3376451FD40C0E400000162E", "urn:epc:id:grai:9521141.12345.5678", "urn:epc:tag:grai-96:3.9521141.12345.5678",
			map[string]string{"8003": "095211411234545678"}},
		{"GRAI-170", "3776451FD40C0E59B2C2BF1000000000000000000000", "urn:epc:id:grai:9521141.12345.32a%2Fb", "urn:epc:tag:grai-170:3.9521141.12345.32a%2Fb",
			map[string]string{"8003": "0952114112345432a/b"}},
		{"GIAI-96", "3476451FD40000000000162E", "urn:epc:id:giai:9521141.5678", "urn:epc:tag:giai-96:3.9521141.5678",
			map[string]string{"8004": "95211415678"}},
		{"GIAI-202", "3876451FD59B2C2BF10000000000000000000000000000000000", "urn:epc:id:giai:9521141.32a%2Fb", "urn:epc:tag:giai-202:3.9521141.32a%2Fb",
			map[string]string{"8004": "952114132a/b"}},
		{"GID-96", "35FFFFFFFFFFFFFFFFFFFFFF", "urn:epc:id:gid:268435455.16777215.68719476735", "urn:epc:tag:gid-96:268435455.16777215.68719476735", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.hex)
			if err != nil {
				t.Fatalf("Decode(%q) error = %v", tt.hex, err)
			}
			if got.URI != tt.uri || got.TagURI != tt.tagURI {
				t.Errorf("Decode(%q) = %q / %q, want %q / %q", tt.hex, got.URI, got.TagURI, tt.uri, tt.tagURI)
			}
			if gs1 := got.GS1(); !maps.Equal(gs1, tt.gs1) {
				t.Errorf("Decode(%q).GS1() = %v, want %v", tt.hex, gs1, tt.gs1)
			}
		})
	}
}

func TestDecodeFields(t *testing.T) {
	got, err := Decode("3074257BF7194E4000001A85")
	if err != nil {
		t.Fatal(err)
	}
	want := EPC{
		Hex: "3074257BF7194E4000001A85", Header: 0x30, Scheme: SGTIN96,
		URI: "urn:epc:id:sgtin:0614141.812345.6789", TagURI: "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
		Filter: 3, Partition: 5, CompanyPrefix: "0614141", ItemReference: "812345", Serial: "6789",
		GTIN: "80614141123458",
	}
	if got != want {
		t.Errorf("Decode(SGTIN-96 example) =\n %+v\nwant\n %+v", got, want)
	}

	gid, err := Decode("35FFFFFFFFFFFFFFFFFFFFFF")
	if err != nil {
		t.Fatal(err)
	}
	if gid.Filter != -1 || gid.Partition != -1 || gid.Manager != "268435455" || gid.ObjectClass != "16777215" || gid.Serial != "68719476735" {
		t.Errorf("Decode(GID-96) = %+v, want filter/partition -1 and manager 268435455, class 16777215, serial 68719476735", gid)
	}
}

func TestDecodeInputSpellings(t *testing.T) {
	want := "urn:epc:id:sgtin:0614141.812345.6789"
	for _, in := range []string{"3074257bf7194e4000001a85", "0x3074257BF7194E4000001A85", "  3074257BF7194E4000001A85\n"} {
		got, err := Decode(in)
		if err != nil || got.URI != want {
			t.Errorf("Decode(%q) = %q, %v, want %q", in, got.URI, err, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, hex string
		want      error
	}{
		{"empty", "", ErrInvalidHex},
		{"blank", "   ", ErrInvalidHex},
		{"not hex", "3074257BF7194E4000001AZZ", ErrInvalidHex},
		{"embedded space", "3074257B F7194E4000001A85", ErrInvalidHex},
		{"one nibble", "3", ErrLength},
		{"all zeros", "000000000000000000000000", ErrUnprogrammed},
		{"header 00 with data", "00112233445566778899AABB", ErrUnprogrammed},
		{"unassigned header", "FF0000000000000000000000", ErrUnsupportedHeader},
		{"SGLN-96 not supported", "3276451FD46072000000162E", ErrUnsupportedHeader},
		{"SGTIN-96 too long", "3074257BF7194E4000001A8500", ErrLength},
		{"SGTIN-198 truncated", "3666C4409047E159B2C2BF10000000000000000000000000", ErrLength},
		{"SGTIN-198 beyond word padding", "3666C4409047E159B2C2BF1000000000000000000000000000000000", ErrLength},
		{"GIAI-96 partition 7", "341C00000000000000000000", ErrInvalidPartition},
		{"SSCC-96 partition 7", "311C00000000000000000000", ErrInvalidPartition},
		{"company prefix above 12 digits", "3003FFFFFFFFFC0000000000", ErrOutOfRange},
		{"SSCC-96 reserved bits set", "31003932449F003039000001", ErrOutOfRange},
		{"GRAI-96 partition 0 asset type bits set", "3300393243FF74C000000000", ErrOutOfRange},
		{"SGTIN-198 empty serial", "3666C4409047E140000000000000000000000000000000000000", ErrOutOfRange},
		{"SGTIN-198 char after end", "3666C4409047E17080C400000000000000000000000000000000", ErrInvalidCharacter},
		{"SGTIN-198 char outside set 82", "3666C4409047E160000000000000000000000000000000000000", ErrInvalidCharacter},
		{"GIAI-202 asset ref over 18 chars", "3800393243FF760C183060C183060C183060C183060C18200000", ErrOutOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.hex)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode(%q) = %q, %v, want errors.Is(%v)", tt.hex, got.URI, err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Detail == "" {
				t.Errorf("Decode(%q) error %v is not an *epc.Error with a detail", tt.hex, err)
			}
		})
	}
}
