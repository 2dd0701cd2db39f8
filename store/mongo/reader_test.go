package mongo

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodyhq/custody/domain"
)

// TestReaderWithoutVersionFerretDB: a reader stored before readers had versions (no version
// field) reads as version 1 and can be updated from it; an update from any other version is a
// conflict and changes nothing.
func TestReaderWithoutVersionFerretDB(t *testing.T) {
	db := openAt(t, ferretURI)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	created := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	old := bson.D{{Key: "_id", Value: "rdr-old"}, {Key: "name", Value: "Cabinet reader"}, {Key: "location_id", Value: "cab"},
		{Key: "key_hash", Value: "h"}, {Key: "rssi_floor", Value: 0.0}, {Key: "created_at", Value: created}, {Key: "disabled", Value: false}}
	if _, err := db.readers.InsertOne(ctx, old); err != nil {
		t.Fatal(err)
	}
	r, err := db.GetReader(ctx, "rdr-old")
	if err != nil || r.Version != 1 {
		t.Fatalf("GetReader(a reader stored without a version) = %+v, %v; want version 1", r, err)
	}
	stale := *r
	stale.RSSIFloor = -40
	if err := db.UpdateReader(ctx, &stale, 2); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("UpdateReader(expect 2) of a reader at version 1 = %v, want ECONFLICT", err)
	}
	r.RSSIFloor = -60
	if err := db.UpdateReader(ctx, r, 1); err != nil || r.Version != 2 {
		t.Fatalf("UpdateReader(expect 1) = %v, version %d; want nil and version 2", err, r.Version)
	}
	got, err := db.GetReader(ctx, "rdr-old")
	if err != nil || got.RSSIFloor != -60 || got.Version != 2 || got.Name != "Cabinet reader" || got.KeyHash != "h" {
		t.Errorf("GetReader after the update = %+v, %v; want floor -60 at version 2, name and key kept", got, err)
	}
	if err := db.UpdateReader(ctx, r, 1); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("UpdateReader(expect 1) again after it moved to 2 = %v, want ECONFLICT", err)
	}
}
