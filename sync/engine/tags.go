package engine

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
)

// mergeItem writes item fields. A REST call that binds a tag already bound to another item is
// refused (409). An offline op is not: the phone saw the tag on this tool, so the op applies
// without that tag, the other binding stays, and a tag_bound_twice conflict is recorded for a
// supervisor — one tag never ends up on two items, and the disagreement is never dropped.
func (e *Engine) mergeItem(ctx context.Context, id string, fields map[string]json.RawMessage, create bool, w write) error {
	err := merge(ctx, e.itemKind(), id, fields, create, w)
	raw, hasTags := fields["tags"]
	if w.online || !hasTags || !isTagConflict(err) {
		return err
	}
	var tags []domain.Tag
	if json.Unmarshal(raw, &tags) != nil {
		return err
	}
	keep := make([]domain.Tag, 0, len(tags))
	for _, t := range tags {
		v, nerr := normalizeTag(t.Kind, t.Value)
		if nerr != nil {
			return err
		}
		other, gerr := e.st.GetItemByTag(ctx, t.Kind, v)
		if gerr != nil || other.ID == id {
			keep = append(keep, t)
			continue
		}
		if cerr := e.tagConflict(ctx, t.Kind, v, other.ID, id, w); cerr != nil {
			return cerr
		}
	}
	if len(keep) == len(tags) {
		return err
	}
	rest := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		rest[k] = v
	}
	if rest["tags"], err = json.Marshal(keep); err != nil {
		return err
	}
	return merge(ctx, e.itemKind(), id, rest, create, w)
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

// tagConflict records that an op tried to bind a tag that another item holds.
func (e *Engine) tagConflict(ctx context.Context, kind domain.TagKind, value, holder, wanted string, w write) error {
	sum := sha256.Sum256([]byte("tag|" + string(kind) + ":" + value + "|" + w.opID))
	cid, _ := uuid.FromBytes(sum[:16])
	_, err := e.led.CreateConflict(ctx, &domain.Conflict{
		ID: cid.String(), Kind: domain.ConflictTagBoundTwice, EntityID: string(kind) + ":" + value, CreatedAt: w.at,
		EventIDs: []string{w.opID},
		Detail: fmt.Sprintf("%s tag %s is bound to item %s; device %s (op %s) bound it to item %s, which was saved without it",
			kind, value, holder, w.actor.DeviceID, w.opID, wanted),
	})
	return err
}
