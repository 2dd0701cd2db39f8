package mongo

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// clockNow is the fixed time of the store's clock in these tests.
var clockNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func uid(t *testing.T) string {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatalf("uuid.NewV7() = %v", err)
	}
	return id.String()
}

// testClock is a clock that tests move by hand.
type testClock struct{ at atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Unix(0, c.at.Load()).UTC() }
func (c *testClock) Advance(d time.Duration) { c.at.Add(int64(d)) }

// openFerret opens a store on the embedded FerretDB whose clock starts at clockNow, and closes
// it at the end.
func openFerret(t *testing.T) *DB {
	t.Helper()
	db, _ := openFerretClock(t)
	return db
}

// openFerretClock is openFerret that also returns the store's clock.
func openFerretClock(t *testing.T) (*DB, *testClock) {
	t.Helper()
	clock := &testClock{}
	clock.at.Store(clockNow.UnixNano())
	db := openAt(t, ferretURI, WithClock(clock.Now))
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return db, clock
}

func newTestItem(t *testing.T, productID string, tags ...domain.Tag) *domain.Item {
	t.Helper()
	return &domain.Item{ID: uid(t), ProductID: productID, Status: domain.StatusAvailable, Tags: tags,
		Meta: domain.Meta{CreatedAt: clockNow, UpdatedAt: clockNow}}
}

// TestLeftoverClaims checks what happens to a claim that a failed write left behind: a claim
// whose holder does not hold the key blocks the key while a write may still be in flight, and
// is taken over once it is older than that.
func TestLeftoverClaims(t *testing.T) {
	tests := []struct {
		name    string
		age     time.Duration
		holder  string // "missing": no such entity; "without": an item without the key; "with": an item with it
		wantErr bool
	}{
		{"holder missing, write may be in flight", 10 * time.Second, "missing", true},
		{"holder missing, stale", 2 * time.Minute, "missing", false},
		{"holder dropped the key, stale", 2 * time.Minute, "without", false},
		{"holder has the key", time.Hour, "with", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			db := openFerret(t)
			product := uid(t)
			tag := domain.Tag{Kind: domain.TagEPC, Value: "3034257BF7194E4000000001"}
			holderID := uid(t)
			switch tc.holder {
			case "without", "with":
				h := newTestItem(t, product)
				h.ID = holderID
				if tc.holder == "with" {
					h.Tags = []domain.Tag{tag}
				}
				if err := db.CreateItem(ctx, h); err != nil {
					t.Fatalf("CreateItem(holder) = %v", err)
				}
			}
			// The claim as a crashed write leaves it, dated age before now.
			_, err := db.claims.ReplaceOne(ctx, byID(tagKey(tag.Kind, tag.Value)), claimDoc{
				ID: tagKey(tag.Kind, tag.Value), Owner: holderID, Entity: domain.EntityItem, Field: "tags", At: clockNow.Add(-tc.age),
			}, options.Replace().SetUpsert(true))
			if err != nil {
				t.Fatalf("write claim: %v", err)
			}
			if tc.holder != "with" {
				if got, err := db.GetItemByTag(ctx, tag.Kind, tag.Value); domain.ErrorCode(err) != domain.ENOTFOUND {
					t.Errorf("GetItemByTag(leftover claim) = %v, %v, want ENOTFOUND", got, err)
				}
			}

			it := newTestItem(t, product, tag)
			err = db.CreateItem(ctx, it)
			if tc.wantErr {
				if domain.ErrorCode(err) != domain.ECONFLICT || len(domain.ErrorFields(err)) == 0 || domain.ErrorFields(err)[0].Field != "tags" {
					t.Errorf("CreateItem(tag of %s claim) = %v, want ECONFLICT naming tags", tc.name, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateItem(tag of %s claim) = %v, want nil", tc.name, err)
			}
			got, err := db.GetItemByTag(ctx, tag.Kind, tag.Value)
			if err != nil || got.ID != it.ID {
				t.Errorf("GetItemByTag after takeover = %v, %v, want item %s", got, err, it.ID)
			}
		})
	}
}

// TestCreateExistingIDKeepsKeys checks that a create refused for its id leaves the keys of the
// entity that has that id where they were.
func TestCreateExistingIDKeepsKeys(t *testing.T) {
	ctx := testCtx(t)
	db := openFerret(t)
	first := newTestItem(t, uid(t), domain.Tag{Kind: domain.TagNFC, Value: "04A1"})
	first.AssetTag, first.SerialNumber = "AT-1", "SN-1"
	if err := db.CreateItem(ctx, first); err != nil {
		t.Fatalf("CreateItem(first) = %v", err)
	}
	again := *first
	again.Notes = "a retry"
	err := db.CreateItem(ctx, &again)
	if f := domain.ErrorFields(err); domain.ErrorCode(err) != domain.ECONFLICT || len(f) != 1 || f[0].Field != "id" {
		t.Fatalf("CreateItem(same id and keys) = %v, want ECONFLICT naming id", err)
	}
	lookups := []struct {
		name string
		get  func() (*domain.Item, error)
	}{
		{"GetItemByAssetTag(AT-1)", func() (*domain.Item, error) { return db.GetItemByAssetTag(ctx, "AT-1") }},
		{"GetItemBySerial(SN-1)", func() (*domain.Item, error) { return db.GetItemBySerial(ctx, first.ProductID, "SN-1") }},
		{"GetItemByTag(nfc, 04A1)", func() (*domain.Item, error) { return db.GetItemByTag(ctx, domain.TagNFC, "04A1") }},
	}
	for _, l := range lookups {
		got, err := l.get()
		if err != nil || got.ID != first.ID || got.Notes != "" {
			t.Errorf("%s after a refused create = %+v, %v, want the first item", l.name, got, err)
		}
	}
}

// TestKeysNeverCollide checks that keys whose parts contain the separator stay distinct.
func TestKeysNeverCollide(t *testing.T) {
	ctx := testCtx(t)
	db := openFerret(t)
	a := newTestItem(t, "p:1")
	a.SerialNumber = "x"
	b := newTestItem(t, "p")
	b.SerialNumber = "1:x"
	for _, it := range []*domain.Item{a, b} {
		if err := db.CreateItem(ctx, it); err != nil {
			t.Errorf("CreateItem(product %q, serial %q) = %v, want nil", it.ProductID, it.SerialNumber, err)
		}
	}
	got, err := db.GetItemBySerial(ctx, "p", "1:x")
	if err != nil || got.ID != b.ID {
		t.Errorf("GetItemBySerial(p, 1:x) = %v, %v, want item %s", got, err, b.ID)
	}
}

// TestChangeEntryKeepsLatest checks that a slower writer of an earlier sequence number does not
// move an entity's change-feed entry back.
func TestChangeEntryKeepsLatest(t *testing.T) {
	ctx := testCtx(t)
	db := openFerret(t)
	id := uid(t)
	steps := []struct {
		seq     int64
		deleted bool
		want    int64
	}{
		{seq: 10, deleted: true, want: 10},
		{seq: 7, want: 10},
		{seq: 12, want: 12},
	}
	for _, s := range steps {
		if err := db.recordChange(ctx, domain.EntityItem, id, s.seq, s.deleted); err != nil {
			t.Fatalf("recordChange(%d) = %v", s.seq, err)
		}
		var got changeDoc
		err := db.changes.FindOne(ctx, byID(domain.EntityItem+":"+id)).Decode(&got)
		if err != nil || got.Seq != s.want || got.Deleted != (s.want == 10) {
			t.Errorf("change entry after recordChange(%d) = %+v, %v, want seq %d", s.seq, got, err, s.want)
		}
	}
}

// TestRevokeLargeFamily revokes more refresh tokens than one bulk update may touch on FerretDB.
func TestRevokeLargeFamily(t *testing.T) {
	ctx := testCtx(t)
	db := openFerret(t)
	family, user := uid(t), uid(t)
	const n = revokeChunk + 51
	docs := make([]any, n)
	for i := range docs {
		docs[i] = refreshTokenDoc{Hash: fmt.Sprintf("h-%03d", i), FamilyID: family, UserID: user, CreatedAt: clockNow, ExpiresAt: clockNow.Add(time.Hour)}
	}
	if _, err := db.refreshTokens.InsertMany(ctx, docs); err != nil {
		t.Fatalf("insert tokens: %v", err)
	}
	if err := db.RevokeTokenFamily(ctx, family); err != nil {
		t.Fatalf("RevokeTokenFamily = %v", err)
	}
	left, err := db.refreshTokens.CountDocuments(ctx, bson.D{{Key: "family_id", Value: family}, {Key: "revoked", Value: false}})
	if err != nil || left != 0 {
		t.Errorf("tokens left unrevoked after RevokeTokenFamily of %d = %d, %v, want 0", n, left, err)
	}
}

// TestDuplicateKeyRecognized checks isDup on what FerretDB raises for a duplicate key made by
// an update (not E11000) and by an insert, and that a duplicate API token hash is a conflict.
func TestDuplicateKeyRecognized(t *testing.T) {
	ctx := testCtx(t)
	db := openFerret(t)
	c := db.db.Collection("dups")
	if _, err := c.Indexes().CreateOne(ctx, mongodrv.IndexModel{Keys: bson.D{{Key: "k", Value: 1}}, Options: options.Index().SetUnique(true)}); err != nil {
		t.Fatalf("create index: %v", err)
	}
	if _, err := c.InsertMany(ctx, []any{bson.D{{Key: "_id", Value: "a"}, {Key: "k", Value: 1}}, bson.D{{Key: "_id", Value: "b"}, {Key: "k", Value: 2}}}); err != nil {
		t.Fatalf("insert: %v", err)
	}
	_, insErr := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "c"}, {Key: "k", Value: 1}})
	_, updErr := c.UpdateOne(ctx, byID("b"), bson.D{{Key: "$set", Value: bson.D{{Key: "k", Value: 1}}}})
	for name, err := range map[string]error{"insert": insErr, "update": updErr} {
		if !isDup(err) {
			t.Errorf("isDup(duplicate by %s: %v) = false, want true", name, err)
		}
	}
	if isDup(errors.New("UNIQUE constraint failed")) || isDup(nil) {
		t.Errorf("isDup of a plain error or nil = true, want false")
	}

	tok := &domain.APIToken{ID: uid(t), Name: "ERP", Hash: "same", Role: domain.RoleAdmin, CreatedAt: clockNow}
	if err := db.CreateAPIToken(ctx, tok); err != nil {
		t.Fatalf("CreateAPIToken = %v", err)
	}
	other := *tok
	other.ID = uid(t)
	if err := db.CreateAPIToken(ctx, &other); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("CreateAPIToken(same hash) = %v, want ECONFLICT", err)
	}
}

// TestOpenRefuses checks that Open reports a bad database name or an unreachable server.
func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name, uri, database string
	}{
		{"no database name", ferretURI, ""},
		{"nothing listening", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300", "custody"},
		{"not a mongodb uri", "http://127.0.0.1/", "custody"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(testCtx(t), tc.uri, tc.database)
			if err == nil {
				_ = db.Close()
				t.Errorf("Open(%q, %q) = nil error, want one", tc.uri, tc.database)
			}
		})
	}
}

// TestChangeFeedWaitsForWritesInFlight checks the high-water mark: a change committed after a
// write that took an earlier position and has not finished is held back until that write ends,
// or until it is old enough to be taken as dead.
func TestChangeFeedWaitsForWritesInFlight(t *testing.T) {
	ctx := testCtx(t)
	db, clock := openFerretClock(t)
	product := uid(t)
	create := func(name string) *domain.Item {
		t.Helper()
		it := newTestItem(t, product)
		it.Notes = name
		if err := db.CreateItem(ctx, it); err != nil {
			t.Fatalf("CreateItem(%s) = %v", name, err)
		}
		return it
	}
	feed := func() []int64 {
		t.Helper()
		changes, err := db.ListChanges(ctx, 0, 100)
		if err != nil {
			t.Fatalf("ListChanges(0, 100) = %v", err)
		}
		var seqs []int64
		for _, c := range changes {
			seqs = append(seqs, c.Seq)
		}
		return seqs
	}
	want := func(what string, seqs ...int64) {
		t.Helper()
		if got := feed(); fmt.Sprint(got) != fmt.Sprint(seqs) {
			t.Errorf("ListChanges %s = seqs %v, want %v", what, got, seqs)
		}
	}

	a := create("a")
	slowSeq, slowDone, err := db.beginSeq(ctx) // a write that took its position and is still running
	if err != nil {
		t.Fatalf("beginSeq = %v", err)
	}
	b := create("b")
	want("while an earlier write is in flight", a.Seq)
	// A first pull that starts now leaves out what its user may not see up to the head: the
	// write in flight may still move an entity it sent, so the head is below that write.
	if head, err := db.ChangesHead(ctx); err != nil || head >= slowSeq {
		t.Errorf("ChangesHead() = %d, %v while the write at %d is in flight, want below it", head, err, slowSeq)
	}
	slowDone()
	want("after it ended", a.Seq, b.Seq)

	if _, _, err := db.beginSeq(ctx); err != nil { // a write whose process died
		t.Fatalf("beginSeq = %v", err)
	}
	c := create("c")
	want("while a dead write looks in flight", a.Seq, b.Seq)
	clock.Advance(inFlightLimit + time.Second)
	want("once the dead write is stale", a.Seq, b.Seq, c.Seq)
	var counter counterDoc
	if err := db.counters.FindOne(ctx, byID(changeCounter)).Decode(&counter); err != nil || len(counter.Pending) != 0 {
		t.Errorf("in-flight writes after the feed skipped the dead one = %+v, %v, want none", counter.Pending, err)
	}
}
