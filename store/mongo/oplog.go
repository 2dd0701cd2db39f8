package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodyhq/custody/domain"
)

// opDoc is the stored form of domain.OpRecord, keyed by the op's id.
type opDoc struct {
	OpID       string    `bson:"_id"`
	DeviceID   string    `bson:"device_id"`
	UserID     string    `bson:"user_id"`
	Type       string    `bson:"type"`
	EntityID   string    `bson:"entity_id"`
	HLC        string    `bson:"hlc"`
	Payload    []byte    `bson:"payload"`
	Status     string    `bson:"status"`
	Error      string    `bson:"error"`
	ReceivedAt time.Time `bson:"received_at"`
}

func (d *opDoc) domain() *domain.OpRecord {
	return &domain.OpRecord{OpID: d.OpID, DeviceID: d.DeviceID, UserID: d.UserID, Type: d.Type, EntityID: d.EntityID,
		HLC: d.HLC, Payload: d.Payload, Status: d.Status, Error: d.Error, ReceivedAt: d.ReceivedAt.UTC()}
}

// BeginOp records op as pending. If an op with that OpID exists, it returns the stored record
// and writes nothing; otherwise it returns nil.
func (db *DB) BeginOp(ctx context.Context, op *domain.OpRecord) (_ *domain.OpRecord, err error) {
	defer wrap(&err, "DB.BeginOp(%q)", op.OpID)
	if op.OpID == "" {
		return nil, domain.FieldErrorf(domain.EINVALID, "op_id", "is required")
	}
	status := op.Status
	if status == "" {
		status = domain.OpPending
	}
	d := opDoc{OpID: op.OpID, DeviceID: op.DeviceID, UserID: op.UserID, Type: op.Type, EntityID: op.EntityID,
		HLC: op.HLC, Payload: op.Payload, Status: status, Error: op.Error, ReceivedAt: op.ReceivedAt}
	_, err = db.ops.InsertOne(ctx, d)
	if err == nil {
		return nil, nil
	}
	if !isDup(err) {
		return nil, driverErr("insert op", err)
	}
	var stored opDoc
	if err := db.ops.FindOne(ctx, byID(op.OpID)).Decode(&stored); err != nil {
		return nil, driverErr("read op", err)
	}
	return stored.domain(), nil
}

// FinishOp sets the op's final status (applied or rejected) and error text.
func (db *DB) FinishOp(ctx context.Context, opID, status, errText string) (err error) {
	defer wrap(&err, "DB.FinishOp(%q)", opID)
	res, err := db.ops.UpdateOne(ctx, byID(opID), bson.D{{Key: "$set", Value: bson.D{
		{Key: "status", Value: status}, {Key: "error", Value: errText},
	}}})
	if err != nil {
		return driverErr("update op", err)
	}
	if res.MatchedCount == 0 {
		return domain.Errorf(domain.ENOTFOUND, "op %s not found", opID)
	}
	return nil
}
