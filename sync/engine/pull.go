package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// Pull limits and the tombstone horizon.
const (
	DefaultPullLimit = 500
	MaxPullLimit     = 5000
	MaxOpsPerSync    = 1000
	// TombstoneHorizon is how long deletes are kept; a cursor older than that must resync.
	TombstoneHorizon = 90 * 24 * time.Hour
)

// cursor is a device's position in the change feed: the last sequence it saw, when the cursor
// was issued (for the tombstone horizon) and a digest of the scope it was issued for (a changed
// scope restarts the pull, which brings a snapshot of what was gained).
//
// fresh is set while a device pulls its first snapshot: it was the feed's head when that pull
// began, and an entity whose entry is at or below it has not been sent to the device before,
// so one the user may not see is simply left out. Above it, and on every later pull, such an
// entity is sent as deleted: the device may hold it from when the user could see it.
type cursor struct {
	seq    int64
	issued time.Time
	scope  string
	fresh  int64
}

func (c cursor) String() string {
	s := fmt.Sprintf("%d.%d.%s", c.seq, c.issued.UnixMilli(), c.scope)
	if c.fresh > c.seq {
		s += "." + strconv.FormatInt(c.fresh, 10)
	}
	return s
}

func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	bad := domain.FieldErrorf(domain.EINVALID, "cursor", "is not a cursor this server issued")
	parts := strings.Split(s, ".")
	if len(parts) != 3 && len(parts) != 4 {
		return cursor{}, bad
	}
	seq, err1 := strconv.ParseInt(parts[0], 10, 64)
	ms, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || seq < 0 || ms < 0 {
		return cursor{}, bad
	}
	c := cursor{seq: seq, issued: time.UnixMilli(ms), scope: parts[2]}
	if len(parts) == 4 {
		fresh, err := strconv.ParseInt(parts[3], 10, 64)
		if err != nil || fresh <= seq {
			return cursor{}, bad
		}
		c.fresh = fresh
	}
	return c, nil
}

// scope is what one user may see: every location when sites is nil, else the locations under
// their sites, and always what they hold.
type scope struct {
	userID string
	sites  map[string]bool // nil: everything
	digest string
	// seen caches, per location, whether it is under one of the sites.
	seen map[string]bool
}

func (e *Engine) scopeOf(ctx context.Context, st Store, actor domain.Actor) (*scope, error) {
	sc := &scope{userID: actor.UserID, seen: map[string]bool{}, digest: "all"}
	if actor.Role == domain.RoleAdmin || actor.UserID == "" {
		return sc, nil
	}
	u, err := st.GetUser(ctx, actor.UserID)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return sc, nil // an API token acting with a role has no user record
		}
		return nil, err
	}
	if len(u.SiteIDs) == 0 {
		return sc, nil
	}
	ids := slices.Clone(u.SiteIDs)
	slices.Sort(ids)
	sum := sha256.Sum256([]byte(strings.Join(ids, ",")))
	sc.digest = hex.EncodeToString(sum[:6])
	sc.sites = map[string]bool{}
	for _, id := range ids {
		sc.sites[id] = true
	}
	return sc, nil
}

// seesLocation reports whether a location is one of the user's sites or below one: it walks
// up the tree from the location, caching the answer.
func (sc *scope) seesLocation(ctx context.Context, st Store, id string) (bool, error) {
	if sc.sites == nil {
		return true, nil
	}
	if sees, ok := sc.seen[id]; ok {
		return sees, nil
	}
	sees, cur := false, id
	for range maxLocationDepth {
		if sc.sites[cur] {
			sees = true
			break
		}
		l, err := st.GetLocation(ctx, cur)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			break
		}
		if err != nil {
			return false, err
		}
		if l.ParentID == "" {
			break
		}
		cur = l.ParentID
	}
	sc.seen[id] = sees
	return sees, nil
}

// pull returns the changes after cur that the scope may see, and the entities it may no longer
// see as deleted (see cursor), at most limit of them, the cursor to continue from and whether
// more remain.
func (e *Engine) pull(ctx context.Context, st Store, sc *scope, cur cursor, limit int) ([]wire.Change, cursor, bool, error) {
	out := make([]wire.Change, 0, min(limit, 64))
	next := cursor{seq: cur.seq, issued: e.now().UTC(), scope: sc.digest, fresh: cur.fresh}
	for len(out) < limit {
		batch, err := st.ListChanges(ctx, next.seq, limit-len(out)+1)
		if err != nil {
			return nil, cur, false, err
		}
		if len(batch) == 0 {
			return out, next, false, nil
		}
		items, err := e.loadItems(ctx, st, batch)
		if err != nil {
			return nil, cur, false, err
		}
		for _, ch := range batch {
			if len(out) == limit {
				return out, next, true, nil
			}
			next.seq = ch.Seq
			wc, v, err := e.changeFor(ctx, st, sc, ch, items)
			if err != nil {
				return nil, cur, false, err
			}
			switch v {
			case send:
				out = append(out, wc)
			case outOfScope:
				if ch.Seq > cur.fresh {
					out = append(out, wire.Change{Entity: ch.Entity, ID: ch.ID, Seq: ch.Seq, Deleted: true})
				}
			}
		}
	}
	more, err := st.ListChanges(ctx, next.seq, 1)
	if err != nil {
		return nil, cur, false, err
	}
	return out, next, len(more) > 0, nil
}

// verdict is what a pull does with one feed entry.
type verdict int

const (
	skip       verdict = iota // nothing to send: an entity the feed does not carry, or one gone since
	send                      // the entity, or its tombstone
	outOfScope                // the user may not see it (now): a device that holds it drops it
)

// changeFor loads the entity of one feed entry and decides whether the scope sees it.
func (e *Engine) changeFor(ctx context.Context, st Store, sc *scope, ch domain.Change, items map[string]*domain.Item) (wire.Change, verdict, error) {
	wc := wire.Change{Entity: ch.Entity, ID: ch.ID, Seq: ch.Seq, Deleted: ch.Deleted}
	if ch.Deleted {
		return wc, send, nil
	}
	var (
		v       any
		visible = true
		err     error
	)
	switch ch.Entity {
	case domain.EntityLocation:
		var l *domain.Location
		if l, err = st.GetLocation(ctx, ch.ID); err == nil {
			v = l
			visible, err = sc.seesLocation(ctx, st, l.ID)
		}
	case domain.EntityProduct:
		v, err = st.GetProduct(ctx, ch.ID)
	case domain.EntityItem:
		it, ok := items[ch.ID]
		if !ok {
			err = domain.Errorf(domain.ENOTFOUND, "item %s not found", ch.ID)
		} else {
			v = it
			if it.HolderID != sc.userID && it.LocationID != "" {
				visible, err = sc.seesLocation(ctx, st, it.LocationID)
			}
		}
	case domain.EntityUser:
		v, err = st.GetUser(ctx, ch.ID)
	case domain.EntityStock:
		var lv *domain.StockLevel
		if lv, err = st.GetStockLevel(ctx, stockKey(ch.ID)); err == nil {
			v = lv
			visible, err = sc.seesLocation(ctx, st, lv.LocationID)
		}
	case domain.EntityPurchaseOrder, domain.EntityPickList:
		v, visible, err = e.documentFor(ctx, st, sc, ch)
	default:
		return wc, skip, nil
	}
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return wc, skip, nil // written to the feed but gone since: the next entry says so
	}
	if err != nil {
		return wc, skip, err
	}
	if !visible {
		return wc, outOfScope, nil
	}
	wc.Data, err = json.Marshal(v)
	return wc, send, err
}

// documentFor loads a purchase order or pick list of the feed and decides whether the scope
// sees it: a purchase order by where its goods are received, a pick list by where it is
// picked from or delivered to, or because the user is its picker.
func (e *Engine) documentFor(ctx context.Context, st Store, sc *scope, ch domain.Change) (any, bool, error) {
	rs, err := e.receivingStore()
	if err != nil {
		return nil, false, err
	}
	sees := func(loc string) (bool, error) {
		if loc == "" {
			return false, nil
		}
		return sc.seesLocation(ctx, st, loc)
	}
	if ch.Entity == domain.EntityPurchaseOrder {
		po, err := rs.GetPurchaseOrder(ctx, ch.ID)
		if err != nil {
			return nil, false, err
		}
		ok, err := sees(po.LocationID)
		return po, ok || po.LocationID == "", err
	}
	pl, err := rs.GetPickList(ctx, ch.ID)
	if err != nil {
		return nil, false, err
	}
	if pl.PickerID != "" && pl.PickerID == sc.userID {
		return pl, true, nil
	}
	for _, loc := range []string{pl.SourceLocationID, pl.JobLocationID} {
		if ok, err := sees(loc); ok || err != nil {
			return pl, ok, err
		}
	}
	return pl, sc.sites == nil, nil
}

// loadItems reads, in one store call, the items a page of changes names.
func (e *Engine) loadItems(ctx context.Context, st Store, changes []domain.Change) (map[string]*domain.Item, error) {
	var ids []string
	for _, ch := range changes {
		if ch.Entity == domain.EntityItem && !ch.Deleted {
			ids = append(ids, ch.ID)
		}
	}
	items := make(map[string]*domain.Item, len(ids))
	if len(ids) == 0 {
		return items, nil
	}
	list, err := st.GetItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, it := range list {
		it.Clocks = nil
		items[it.ID] = it
	}
	return items, nil
}

// stockKey parses "<product_id>@<location_id>".
func stockKey(id string) domain.StockKey {
	p, l, _ := strings.Cut(id, "@")
	return domain.StockKey{ProductID: p, LocationID: l}
}
