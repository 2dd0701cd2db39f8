package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/epc"
	"github.com/custodyhq/custody/sync/wire"
)

// demoPassword is the password of every demo user; --demo is for trying Custody out.
const demoPassword = "custody-demo"

// demoProduct is a catalog line of the demo data set: real makers' tools and instruments.
type demoProduct struct {
	make, model, name string
	tracking          domain.Tracking
	costCents         int64
	units             int    // serialized units to create
	serialPrefix      string // how the maker's serials start
}

var demoProducts = []demoProduct{
	{"Hilti", "TE 30-A36", "Cordless rotary hammer", domain.TrackSerial, 98900, 13, "TE30-"},
	{"Hilti", "SF 6H-A22", "Cordless hammer drill driver", domain.TrackSerial, 45900, 15, "SF6H-"},
	{"Hilti", "DD 150-U", "Diamond core drill", domain.TrackSerial, 389000, 4, "DD150-"},
	{"Hilti", "PD-E", "Laser range meter", domain.TrackSerial, 39900, 8, "PDE-"},
	{"Hilti", "PM 40-MG", "Multi-line laser", domain.TrackSerial, 119000, 5, "PM40-"},
	{"Hilti", "AG 125-A22", "Cordless angle grinder", domain.TrackSerial, 36900, 10, "AG125-"},
	{"Makita", "DHP486Z", "18V LXT combi drill", domain.TrackSerial, 21900, 18, "DHP486-"},
	{"Makita", "DGA519Z", "18V angle grinder", domain.TrackSerial, 23900, 11, "DGA519-"},
	{"Makita", "DHR243Z", "18V SDS-plus rotary hammer", domain.TrackSerial, 26900, 13, "DHR243-"},
	{"Makita", "DCS553Z", "18V metal cutting saw", domain.TrackSerial, 31900, 5, "DCS553-"},
	{"Makita", "EK7651H", "Petrol power cutter", domain.TrackSerial, 119900, 4, "EK7651-"},
	{"Milwaukee", "M18 FPD3-0X", "M18 FUEL percussion drill", domain.TrackSerial, 24900, 15, "4933479859-"},
	{"Milwaukee", "M18 FHIWF12-0X", "M18 FUEL 1/2in impact wrench", domain.TrackSerial, 32900, 10, "4933459695-"},
	{"Milwaukee", "M18 FCS66-0C", "M18 FUEL circular saw", domain.TrackSerial, 34900, 8, "4933464725-"},
	{"Milwaukee", "MXF COR2-601", "MX FUEL core rig", domain.TrackSerial, 419900, 3, "MXFCOR2-"},
	{"DeWalt", "DCD996N", "18V XR hammer drill", domain.TrackSerial, 22900, 15, "DCD996-"},
	{"DeWalt", "DCS570N", "18V XR circular saw", domain.TrackSerial, 19900, 8, "DCS570-"},
	{"DeWalt", "DCG405N", "18V XR angle grinder", domain.TrackSerial, 15900, 10, "DCG405-"},
	{"DeWalt", "DW089LG", "3-beam green line laser", domain.TrackSerial, 54900, 5, "DW089-"},
	{"Bosch", "GBH 18V-26 F", "Cordless rotary hammer", domain.TrackSerial, 39900, 13, "3611910001-"},
	{"Bosch", "GSR 18V-110 C", "Cordless drill driver", domain.TrackSerial, 28900, 13, "06019G0109-"},
	{"Bosch", "GLM 50-27 CG", "Laser measure", domain.TrackSerial, 17900, 8, "0601072U01-"},
	{"Bosch", "GCL 2-50 CG", "Combi laser", domain.TrackSerial, 44900, 5, "0601066H00-"},
	{"Festool", "TS 55 FEBQ-Plus", "Plunge-cut saw", domain.TrackSerial, 69900, 5, "TS55-"},
	{"Festool", "CTM 36 E AC", "Mobile dust extractor", domain.TrackSerial, 99900, 6, "CTM36-"},
	{"Fluke", "87V", "True-RMS industrial multimeter", domain.TrackSerial, 54900, 10, "87V-"},
	{"Fluke", "1587 FC", "Insulation multimeter", domain.TrackSerial, 119900, 6, "1587FC-"},
	{"Fluke", "376 FC", "True-RMS clamp meter", domain.TrackSerial, 59900, 8, "376FC-"},
	{"Fluke", "1664 FC", "Multifunction installation tester", domain.TrackSerial, 189900, 5, "1664FC-"},
	{"Megger", "MFT1741+", "Multifunction tester", domain.TrackSerial, 149900, 4, "MFT1741-"},
	{"Leica", "DISTO D2", "Laser distance meter", domain.TrackSerial, 14900, 8, "D2-"},
	{"Leica", "Rugby 680", "Rotating laser level", domain.TrackSerial, 249900, 4, "R680-"},
	{"Honda", "EU22i", "Inverter generator 2.2 kVA", domain.TrackSerial, 189900, 5, "EAAJ-"},
	{"Honda", "EU70is", "Inverter generator 7 kVA", domain.TrackSerial, 549900, 3, "EBMJ-"},
	{"Stihl", "TS 420", "Cut-off saw", domain.TrackSerial, 109900, 5, "TS420-"},
	{"Stihl", "MS 261 C-M", "Chainsaw", domain.TrackSerial, 89900, 4, "MS261-"},
	{"Norbar", "TTi 60", "Torque wrench 12-60 Nm", domain.TrackSerial, 24900, 10, "TTI60-"},
	{"FLIR", "E8-XT", "Thermal imaging camera", domain.TrackSerial, 299900, 3, "E8XT-"},
	{"Bosch", "2608615012", "Diamond cutting disc 125 mm (box of 10)", domain.TrackQuantity, 8900, 0, ""},
	{"Hilti", "TE-CX 10/17", "SDS-plus drill bit 10 mm", domain.TrackQuantity, 790, 0, ""},
	{"3M", "6051", "A1 organic vapour cartridges (pair)", domain.TrackQuantity, 1290, 0, ""},
	{"Uvex", "60597", "Cut-resistant gloves (pair)", domain.TrackQuantity, 990, 0, ""},
}

// demoUser is a person of the demo data set.
type demoUser struct {
	email, name string
	role        domain.Role
	// riverside users work only at the Riverside Tower project: they see that site alone.
	riverside bool
}

var demoUsers = []demoUser{
	{"admin@demo.custody.dev", "Alex Admin", domain.RoleAdmin, false},
	{"sam.supervisor@demo.custody.dev", "Sam Okafor", domain.RoleSupervisor, false},
	{"priya.supervisor@demo.custody.dev", "Priya Raman", domain.RoleSupervisor, false},
	{"jo.field@demo.custody.dev", "Jo Brennan", domain.RoleField, false},
	{"lee.field@demo.custody.dev", "Lee Kowalski", domain.RoleField, false},
	{"maria.field@demo.custody.dev", "Maria Santos", domain.RoleField, false},
	{"tom.field@demo.custody.dev", "Tom Eriksen", domain.RoleField, false},
	{"aisha.field@demo.custody.dev", "Aisha Diallo", domain.RoleField, false},
	{"ken.field@demo.custody.dev", "Ken Watanabe", domain.RoleField, true},
	{"pat.picker@demo.custody.dev", "Pat Murphy", domain.RolePicker, false},
	{"rui.picker@demo.custody.dev", "Rui Costa", domain.RolePicker, false},
	{"nina.picker@demo.custody.dev", "Nina Larsen", domain.RolePicker, false},
}

// seedDemo fills an empty store with two sites, a storeroom, two RFID cabinets, three vans, a
// job site, the demo catalog, its serialized items with serials, asset tags, NFC and EPC tags,
// and users of every role with badges. A store that has items already is left alone.
func seedDemo(ctx context.Context, st appStore, eng submitter, stdout io.Writer) error {
	if n, err := st.CountItems(ctx); err != nil || n > 0 {
		if err == nil {
			fmt.Fprintln(stdout, "demo: the store already has items; not seeding")
		}
		return err
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	newID := func() string { return uuid.Must(uuid.NewV7()).String() }
	s := &seeder{ctx: ctx, eng: eng}

	north, river := newID(), newID()
	s.add(wire.OpLocationCreate, north, map[string]any{"name": "Northgate Depot", "kind": "site"})
	s.add(wire.OpLocationCreate, river, map[string]any{"name": "Riverside Tower project", "kind": "site"})
	store := newID()
	s.add(wire.OpLocationCreate, store, map[string]any{"name": "Northgate main storeroom", "kind": "storeroom", "parent_id": north})
	cabA, cabB := newID(), newID()
	s.add(wire.OpLocationCreate, cabA, map[string]any{"name": "Cabinet A - power tools (RFID)", "kind": "cabinet", "parent_id": store})
	s.add(wire.OpLocationCreate, cabB, map[string]any{"name": "Cabinet B - test instruments (RFID)", "kind": "cabinet", "parent_id": store})
	vans := []string{newID(), newID(), newID()}
	for i, name := range []string{"Van 12 - VW Crafter", "Van 14 - Ford Transit", "Van 21 - Mercedes Sprinter"} {
		s.add(wire.OpLocationCreate, vans[i], map[string]any{"name": name, "kind": "vehicle", "parent_id": north})
	}
	job := newID()
	s.add(wire.OpLocationCreate, job, map[string]any{"name": "Riverside Tower level 3", "kind": "jobsite", "parent_id": river})

	userIDs := make([]string, len(demoUsers))
	var fieldIDs []string
	for i, u := range demoUsers {
		userIDs[i] = newID()
		badge := fmt.Sprintf("04%012X", rng.Uint64()&0xFFFFFFFFFFFF)
		var sites []string
		if u.riverside {
			sites = []string{river}
		}
		if s.err == nil {
			s.err = createUser(ctx, eng, userIDs[i], u.email, u.name, u.role, demoPassword, []string{badge}, sites)
		}
		if u.role == domain.RoleField {
			fieldIDs = append(fieldIDs, userIDs[i])
		}
	}

	homes := []string{store, store, store, cabA, cabA, cabB, vans[0], vans[1], vans[2], job}
	now := time.Now().UTC()
	assetNo, items := 1000, 0
	for i, p := range demoProducts {
		pid := newID()
		s.add(wire.OpProductCreate, pid, map[string]any{"name": p.name, "make": p.make, "model": p.model,
			"tracking": p.tracking, "unit_cost_cents": p.costCents, "gtin": demoGTIN(i)})
		for range p.units {
			assetNo++
			items++
			fields := map[string]any{
				"product_id":          pid,
				"serial_number":       fmt.Sprintf("%s%07d", p.serialPrefix, rng.IntN(10_000_000)),
				"asset_tag":           fmt.Sprintf("NG-%05d", assetNo),
				"location_id":         homes[rng.IntN(len(homes))],
				"purchase_date":       now.AddDate(0, -rng.IntN(60)-1, -rng.IntN(28)).Format(time.DateOnly),
				"purchase_cost_cents": p.costCents,
				"tags": []map[string]string{
					{"kind": "nfc", "value": fmt.Sprintf("04%012X", rng.Uint64()&0xFFFFFFFFFFFF)},
					{"kind": "epc", "value": demoEPC(assetNo)},
				},
			}
			if rng.IntN(10) == 0 { // about one in ten is out with someone, some overdue
				fields["status"] = domain.StatusCheckedOut
				fields["holder_id"] = fieldIDs[rng.IntN(len(fieldIDs))]
				fields["due_at"] = now.Add(time.Duration(rng.IntN(14*24)-3*24) * time.Hour).Truncate(time.Hour)
			}
			s.add(wire.OpItemCreate, newID(), fields)
		}
	}
	if s.err != nil {
		return s.err
	}
	fmt.Fprintf(stdout, "demo: seeded 2 sites, a storeroom, 2 RFID cabinets, 3 vans, a job site, %d products, %d items and %d users\n",
		len(demoProducts), items, len(demoUsers))
	fmt.Fprintf(stdout, "demo: log in with POST /v1/auth/login {\"email\": \"admin@demo.custody.dev\", \"password\": %q}\n", demoPassword)
	fmt.Fprintf(stdout, "demo: every demo user has that password: supervisors sam.supervisor@…, field staff jo.field@…, pickers pat.picker@… (all @demo.custody.dev)\n")
	fmt.Fprintf(stdout, "demo: ken.field@… works only at the Riverside Tower project and sees that site alone\n")
	return nil
}

// demoEPC returns the GIAI-96 EPC of an asset of the demo company (GS1 company prefix
// 0614141), the kind of tag an RFID cabinet reads.
func demoEPC(assetRef int) string {
	hex, err := epc.EncodeGIAI96("0614141", strconv.Itoa(assetRef), 0)
	if err != nil {
		panic(err) // the demo's asset references are always encodable
	}
	return hex
}

// demoGTIN returns a GTIN-14 under the demo company prefix 0614141 (GS1's own example prefix)
// for the i-th demo product, so that receiving by GS1 scan works on the demo data.
func demoGTIN(i int) string {
	body := fmt.Sprintf("00614141%05d", 10000+i)
	return body + string(domain.CheckDigit(body))
}

// submitter is the engine as the seeder uses it.
type submitter interface {
	Submit(ctx context.Context, actor domain.Actor, op wire.Op, ifVersion int64) error
}

// seeder submits ops until the first error, which it keeps.
type seeder struct {
	ctx context.Context
	eng submitter
	err error
}

func (s *seeder) add(typ, id string, payload map[string]any) {
	if s.err != nil {
		return
	}
	s.err = submit(s.ctx, s.eng, typ, id, payload)
	if s.err != nil {
		s.err = fmt.Errorf("%s %s: %w", typ, id, s.err)
	}
}

func submit(ctx context.Context, eng submitter, typ, id string, payload map[string]any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	return eng.Submit(ctx, systemActor, wire.Op{Type: typ, EntityID: id, Payload: b}, 0)
}
