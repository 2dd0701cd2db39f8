package engine

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// Tag bindings are an add-wins set per item, and one tag is held by one item at a time.
//
// Every op that puts a tag on an item — item.tag.add, a tags list in item.create or
// item.update — adds a dot (its op id and clock) to the claim of that tag on that item
// (domain.TagClaim). item.tag.remove takes away the dots it names as seen, or, naming none,
// every dot before its clock; a tags list takes away, on its item, every dot before its own
// clock (the list is the item's "tags" register, last writer wins). A dot nothing took away is
// live. An add the remover could not have seen therefore survives the remove: add wins.
//
// When live claims of one tag are on several items — two phones bound it offline — the item
// whose earliest live dot is oldest holds it (ties by item id), the others are saved without it,
// and a tag_bound_twice conflict is recorded for a supervisor. Claims only grow and the holder is
// a function of them, so every order of delivery ends in the same bindings; when the holder's
// claim dies, the next claimant gets the tag. A REST call binding a tag another item holds is
// refused (409) instead.

// TagClaims is the claim store: claims merge by union, never lose a dot.
type TagClaims interface {
	// MergeTagClaim joins c into the stored claim of its tag and item (creating it).
	MergeTagClaim(ctx context.Context, c *domain.TagClaim) error
	// ListTagClaims returns the claims of one tag, on every item.
	ListTagClaims(ctx context.Context, kind domain.TagKind, value string) ([]*domain.TagClaim, error)
	// ListItemTagClaims returns the claims on one item, of every tag.
	ListItemTagClaims(ctx context.Context, itemID string) ([]*domain.TagClaim, error)
}

// legacyDot names the dot given to a binding made before claims were kept.
const legacyDot = "legacy"

// mergeItem writes item fields. A tags list is the item's "tags" register: merged like any
// field, then turned into claims, after which the holders of every tag it touches are worked
// out again. A REST call that binds a tag another item holds is refused (409); an offline op
// applies (the phone saw the tag on this tool) and the claims decide.
func (e *Engine) mergeItem(ctx context.Context, id string, fields map[string]json.RawMessage, create bool, w write) error {
	raw, hasTags := fields["tags"]
	_, deleting := fields[fieldDeleted]
	if !hasTags && !deleting {
		return merge(ctx, e.itemKind(), id, fields, create, w)
	}
	var listed []domain.Tag
	if hasTags {
		listed = parseTagList(raw)
	}
	// The tags the item shows now are touched too: a list can drop them, a delete frees them.
	var before []domain.Tag
	if !(create && w.fresh) {
		if cur, err := e.st.GetItem(ctx, id); err == nil {
			before = cur.Tags
		} else if domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
	}
	err := merge(ctx, e.itemKind(), id, fields, create, w)
	if !w.online && isTagConflict(err) {
		// Another item shows one of the tags: write the list without the tags others show now;
		// the claims below decide who holds them.
		err = e.mergeWithoutTaken(ctx, id, fields, listed, create, w)
	}
	if err != nil {
		return err
	}
	for _, t := range listed {
		if err := e.tags.MergeTagClaim(ctx, &domain.TagClaim{Kind: t.Kind, Value: t.Value, ItemID: id,
			Adds: map[string]string{w.opID: w.stamp.String()}}); err != nil {
			return err
		}
	}
	touched := append(slices.Clone(listed), before...)
	if !(create && w.fresh) {
		claims, err := e.tags.ListItemTagClaims(ctx, id)
		if err != nil {
			return err
		}
		for _, c := range claims {
			touched = append(touched, domain.Tag{Kind: c.Kind, Value: c.Value})
		}
	}
	return e.settleTags(ctx, touched, w)
}

// mergeWithoutTaken merges fields with a tags list that leaves out the tags another item shows.
func (e *Engine) mergeWithoutTaken(ctx context.Context, id string, fields map[string]json.RawMessage, listed []domain.Tag, create bool, w write) error {
	keep := make([]domain.Tag, 0, len(listed))
	for _, t := range listed {
		other, err := e.st.GetItemByTag(ctx, t.Kind, t.Value)
		if err == nil && other.ID != id {
			continue
		}
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		keep = append(keep, t)
	}
	rest := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		rest[k] = v
	}
	var err error
	if rest["tags"], err = json.Marshal(keep); err != nil {
		return err
	}
	return merge(ctx, e.itemKind(), id, rest, create, w)
}

// tagOp applies item.tag.add and item.tag.remove.
func (e *Engine) tagOp(ctx context.Context, op wire.Op, w write) error {
	var kind, value string
	var observed []string
	if op.Type == wire.OpItemTagAdd {
		var p wire.TagAdd
		if err := decodeStrict(op.Payload, &p); err != nil {
			return err
		}
		kind, value = p.Kind, p.Value
	} else {
		var p wire.TagRemove
		if err := decodeStrict(op.Payload, &p); err != nil {
			return err
		}
		kind, value, observed = p.Kind, p.Value, p.Observed
	}
	t := domain.Tag{Kind: domain.TagKind(kind), Value: value}
	if !t.Kind.Valid() {
		return domain.FieldErrorf(domain.EINVALID, "payload.kind", "must be epc, nfc or barcode")
	}
	v, err := normalizeTag(t.Kind, t.Value)
	if err != nil {
		return domain.FieldErrorf(domain.EINVALID, "payload.value", "%v", err)
	}
	t.Value = v
	if _, err := e.liveItem(ctx, op.EntityID); err != nil {
		return err
	}
	c := &domain.TagClaim{Kind: t.Kind, Value: t.Value, ItemID: op.EntityID}
	switch {
	case op.Type == wire.OpItemTagAdd:
		if w.online {
			other, err := e.st.GetItemByTag(ctx, t.Kind, t.Value)
			if err == nil && other.ID != op.EntityID {
				return domain.FieldErrorf(domain.ECONFLICT, "value", "%s tag %s is bound to item %s", t.Kind, t.Value, other.ID)
			}
		}
		c.Adds = map[string]string{w.opID: w.stamp.String()}
	case observed != nil:
		c.Removed = observed
	default:
		c.Befores = []string{w.stamp.String()}
	}
	if err := e.tags.MergeTagClaim(ctx, c); err != nil {
		return err
	}
	return e.settleTags(ctx, []domain.Tag{t}, w)
}

// settleTags works out the holder of each tag again and shows each on its holder only.
func (e *Engine) settleTags(ctx context.Context, tags []domain.Tag, w write) error {
	sort.Slice(tags, func(i, j int) bool {
		if tags[i].Kind != tags[j].Kind {
			return tags[i].Kind < tags[j].Kind
		}
		return tags[i].Value < tags[j].Value
	})
	for i, t := range tags {
		if i > 0 && t == tags[i-1] {
			continue
		}
		if err := e.settleTag(ctx, t, w); err != nil {
			return err
		}
	}
	return nil
}

// claimant is an item with a live claim on a tag and the clock of its earliest live dot.
type claimant struct {
	itemID string
	first  stamp
}

// Settling a tag without transactions. On SQLite an op's reads and writes are one transaction
// and writes are serialized, so the first read of a tag is exact. On MongoDB several writers
// (several server processes) may settle one tag at once, each from reads the others change
// under it. The inputs of the decision are the tag's claims and, for each claimant, its tags
// clock (the floor of its dots) and its tombstone. A writer changes them only before settling
// the tag itself: tagOp merges its dot, then settles; mergeItem writes the item, merges its
// dots, then settles every tag it lists, showed, or has a claim on. settleTag then loops: read
// the view (the item showing the tag, the claims, the claimant items), decide, and if the store
// does not show the decision, write it and read again; it returns only after a read that finds
// nothing to write. Claims only grow and a decision is a function of the view, so two writers
// reading the same view decide the same holder. The interleavings this answers:
//
//   - W1 lists the claims before W2 merges its dot: W2 lists after its merge, so it sees both
//     dots. W1, deciding from a stale list, may show the tag on its own item after W2 read the
//     items; if W2 then fails to show the tag on the true holder (the tag's unique key is taken),
//     it reads again rather than failing, and W1's next read, after its write, sees W2's dot
//     and undoes its own write. Whoever reads last finds the store as the full claims decide.
//   - W1 decides from items read before W2 raised a claimant's floor or deleted it (a tags list
//     or a delete, which adds no dot): W1's write is stale, but its next read sees the new floor,
//     and W2 settles the tag after its item write anyway.
//   - W1 writes after W2 returned: W1 reads again after its write, so the store is set back to
//     what the current view decides before W1 returns.
//   - Consider the read that starts last among every settle of the tag. Every write to the
//     view is followed by a read by its writer, so every write ended before that read began: it
//     sees a store nobody is changing, its decision is the decision of the final claims, and it
//     finds nothing to write (or it would read again, later). So when every writer returns
//     without error, exactly the holder the final claims decide shows the tag. A writer that
//     gives up after maxCASAttempts reads returns a conflict to retry; a crash between write and
//     read leaves its op pending, and its retry settles the tag again.
//
// The tag_bound_twice conflict is recorded from the read that needed no write, so a stale view
// does not record a set of claimants the final view does not have.

// tagView is what the holder of a tag is decided from, as one pass of settleTag read it.
type tagView struct {
	claims []*domain.TagClaim
	ids    []string // the claimants and the item that shows the tag, sorted
	byID   map[string]*domain.Item
}

// settleTag decides which item holds t and makes it the only item that shows t, reading again
// after every write until a read finds the store as it decides (see above).
func (e *Engine) settleTag(ctx context.Context, t domain.Tag, w write) error {
	for range maxCASAttempts {
		v, err := e.readTag(ctx, t)
		if err != nil {
			return err
		}
		holder, live := v.decide()
		var strip []string
		for _, id := range v.ids {
			if it := v.byID[id]; it != nil && id != holder && hasTag(it, t) {
				strip = append(strip, id)
			}
		}
		show := holder != "" && !hasTag(v.byID[holder], t)
		if len(strip) == 0 && !show {
			if len(live) > 1 {
				return e.boundTwice(ctx, t, live, w)
			}
			return nil
		}
		// Take the tag off the others before putting it on the holder: one tag, one item, always.
		for _, id := range strip {
			if err := e.showTag(ctx, id, t, false, w); err != nil {
				return err
			}
		}
		if show {
			// Another item shows the tag after all: a writer is changing it now. Read again.
			if err := e.showTag(ctx, holder, t, true, w); err != nil && !isTagConflict(err) {
				return err
			}
		}
	}
	return domain.Errorf(domain.ECONFLICT, "%s tag %s is being bound by many writers at once; try again", t.Kind, t.Value)
}

// readTag reads the view of t: the item showing it first, then the claims, so that an item a
// settle showed it on is among the claims (its dot was merged before it was shown).
func (e *Engine) readTag(ctx context.Context, t domain.Tag) (*tagView, error) {
	shown, err := e.st.GetItemByTag(ctx, t.Kind, t.Value)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return nil, err
	}
	claims, err := e.tags.ListTagClaims(ctx, t.Kind, t.Value)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(claims)+1)
	for _, c := range claims {
		ids = append(ids, c.ItemID)
	}
	if shown != nil && !slices.Contains(ids, shown.ID) {
		// Bound before claims were kept: the binding dates from the item's last tags list.
		legacy := &domain.TagClaim{Kind: t.Kind, Value: t.Value, ItemID: shown.ID,
			Adds: map[string]string{legacyDot: shown.Clocks["tags"]}}
		if err := e.tags.MergeTagClaim(ctx, legacy); err != nil {
			return nil, err
		}
		claims, ids = append(claims, legacy), append(ids, shown.ID)
	}
	items, err := e.st.GetItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	v := &tagView{claims: claims, ids: ids, byID: make(map[string]*domain.Item, len(items))}
	for _, it := range items {
		v.byID[it.ID] = it
	}
	slices.Sort(v.ids)
	return v, nil
}

// decide returns the holder of the tag in v ("" when no claim is live) and the live claimants,
// holder first: the item whose earliest live dot is oldest, ties by item id.
func (v *tagView) decide() (string, []claimant) {
	var live []claimant
	for _, c := range v.claims {
		it := v.byID[c.ItemID]
		if it == nil || it.Deleted {
			continue
		}
		if first, ok := earliestLive(c, parseStamp(it.Clocks["tags"])); ok {
			live = append(live, claimant{itemID: c.ItemID, first: first})
		}
	}
	sort.Slice(live, func(i, j int) bool {
		if live[i].first != live[j].first {
			return live[j].first.after(live[i].first)
		}
		return live[i].itemID < live[j].itemID
	})
	if len(live) == 0 {
		return "", nil
	}
	return live[0].itemID, live
}

// earliestLive returns the clock of c's earliest live dot: not named by a remove, not before a
// remove that named none, and not before the item's tags list (floor).
func earliestLive(c *domain.TagClaim, floor stamp) (stamp, bool) {
	for _, b := range c.Befores {
		if s := parseStamp(b); s.after(floor) {
			floor = s
		}
	}
	var first stamp
	found := false
	for op, clock := range c.Adds {
		s := parseStamp(clock)
		if slices.Contains(c.Removed, op) || floor.after(s) {
			continue
		}
		if !found || first.after(s) {
			first, found = s, true
		}
	}
	return first, found
}

func hasTag(it *domain.Item, t domain.Tag) bool { return slices.Contains(it.Tags, t) }

// showTag adds t to or removes it from the tags an item shows, keeping the item's clocks: the
// claims, not this write, are the record of who bound what.
func (e *Engine) showTag(ctx context.Context, id string, t domain.Tag, on bool, w write) error {
	for range maxCASAttempts {
		cur, err := e.st.GetItem(ctx, id)
		if err != nil {
			return err
		}
		if hasTag(cur, t) == on || (on && cur.Deleted) {
			// Already as wanted, or deleted since it was read: the settle's next read sees it.
			return nil
		}
		next := *cur
		next.Tags = slices.DeleteFunc(slices.Clone(cur.Tags), func(x domain.Tag) bool { return x == t })
		if on {
			next.Tags = append(next.Tags, t)
		}
		next.UpdatedAt = w.at
		err = e.st.UpdateItem(ctx, &next, cur.Version)
		if err == nil {
			return recordAudit(ctx, "item", id, cur, &next, w)
		}
		if !isRace(err) {
			return err
		}
	}
	return domain.Errorf(domain.ECONFLICT, "item %s is being changed by many writers at once; try again", id)
}

// boundTwice records that live claims of t are on several items: one conflict per tag and set
// of items, whichever of them holds it.
func (e *Engine) boundTwice(ctx context.Context, t domain.Tag, live []claimant, w write) error {
	ids := make([]string, len(live))
	for i, c := range live {
		ids[i] = c.itemID
	}
	set := slices.Sorted(slices.Values(ids))
	sum := sha256.Sum256([]byte("tag|" + string(t.Kind) + ":" + t.Value + "|" + strings.Join(set, ",")))
	cid, _ := uuid.FromBytes(sum[:16])
	_, err := e.led.CreateConflict(ctx, &domain.Conflict{
		ID: cid.String(), Kind: domain.ConflictTagBoundTwice, EntityID: string(t.Kind) + ":" + t.Value, CreatedAt: w.at,
		EventIDs: []string{w.opID},
		Detail: fmt.Sprintf("%s tag %s was bound to items %s; item %s, bound first, holds it and the others are saved without it",
			t.Kind, t.Value, strings.Join(ids, ", "), ids[0]),
	})
	return err
}

// parseTagList reads a tags list normalized, as the item merge validates it; a list the merge
// refuses is left to it to explain (nil here).
func parseTagList(raw json.RawMessage) []domain.Tag {
	var tags []domain.Tag
	if json.Unmarshal(raw, &tags) != nil {
		return nil
	}
	out := make([]domain.Tag, 0, len(tags))
	for _, t := range tags {
		v, err := normalizeTag(t.Kind, t.Value)
		if err != nil || !t.Kind.Valid() {
			return nil
		}
		out = append(out, domain.Tag{Kind: t.Kind, Value: v})
	}
	return out
}

// isTagConflict reports whether err is a unique-key conflict on an item's tags.
func isTagConflict(err error) bool {
	if domain.ErrorCode(err) != domain.ECONFLICT {
		return false
	}
	for _, f := range domain.ErrorFields(err) {
		if strings.HasPrefix(f.Field, "tags") {
			return true
		}
	}
	return false
}
