package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"sort"
	"time"

	"github.com/custodyhq/custody/domain"
)

// fieldDeleted is the register that tombstones an entity. Once set it is never cleared.
const fieldDeleted = "deleted"

// maxCASAttempts bounds the optimistic-concurrency retries of one merge.
const maxCASAttempts = 16

// kind describes one entity kind to the generic last-writer-wins merge.
type kind[T any] struct {
	name   string
	fields map[string]bool // the fields an op may set, by JSON name
	get    func(ctx context.Context, id string) (*T, error)
	create func(ctx context.Context, v *T) error
	update func(ctx context.Context, v *T, expectVersion int64) error
	meta   func(v *T) *domain.Meta
	setID  func(v *T, id string)
	// check validates and normalizes next; old is nil when next is being created.
	check func(ctx context.Context, w write, old, next *T) error
}

// merge applies a set of field writes, all stamped w.stamp, to the entity id of kind k: each
// field takes the written value only if the write is newer than the field's own clock. The
// result does not depend on the order in which writes arrive, and applying a write twice
// changes nothing.
func merge[T any](ctx context.Context, k kind[T], id string, fields map[string]json.RawMessage, create bool, w write) error {
	if err := k.checkFields(fields); err != nil {
		return err
	}
	// A create by an op never seen before almost always makes a new entity: try the insert
	// first and read only if the id turns out to be taken.
	guessNew := create && w.fresh
	for range maxCASAttempts {
		var cur *T
		var err error = domain.Errorf(domain.ENOTFOUND, "%s %s not found", k.name, id)
		if !guessNew {
			cur, err = k.get(ctx, id)
		}
		guessNew = false
		exists := err == nil
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		switch {
		case !exists && !create:
			return domain.Errorf(domain.ENOTFOUND, "%s %s not found", k.name, id)
		case exists && w.ifVersion > 0 && k.meta(cur).Version != w.ifVersion:
			return domain.Errorf(domain.EPRECONDITION, "%s %s is at version %d, not %d: reload it and try again", k.name, id, k.meta(cur).Version, w.ifVersion)
		case exists && k.meta(cur).Deleted && !create:
			if _, ok := fields[fieldDeleted]; ok {
				return nil // deleting twice is a no-op
			}
			return domain.Errorf(domain.ENOTFOUND, "%s %s was deleted", k.name, id)
		}
		next, changed, err := k.apply(cur, fields, w.stamp)
		if err != nil || !changed {
			return err
		}
		if !exists {
			k.setID(next, id)
		}
		var old *T
		if exists {
			old = cur
		}
		if !k.meta(next).Deleted {
			if err := k.check(ctx, w, old, next); err != nil {
				return err
			}
		}
		m := k.meta(next)
		m.UpdatedAt = w.at
		if exists {
			err = k.update(ctx, next, k.meta(cur).Version)
		} else {
			m.CreatedAt = w.at
			err = k.create(ctx, next)
		}
		if err == nil {
			return recordAudit(ctx, k.name, id, old, next, w)
		}
		if !isRace(err) {
			return err
		}
		// Another writer got there first: read again and merge on top of what it wrote.
	}
	return domain.Errorf(domain.ECONFLICT, "%s %s is being changed by many writers at once; try again", k.name, id)
}

// isRace reports whether err is a lost optimistic-concurrency race (a stale version, or a
// create that found the id taken) rather than a real conflict.
func isRace(err error) bool {
	return domain.ErrorCode(err) == domain.ECONFLICT && domain.NamesField(err, "version", "id")
}

// checkFields refuses fields an op may not set.
func (k kind[T]) checkFields(fields map[string]json.RawMessage) error {
	var bad []domain.FieldError
	for f := range fields {
		if !k.fields[f] && f != fieldDeleted {
			bad = append(bad, domain.FieldError{Field: f, Message: "is not a field of a " + k.name + " that can be set"})
		}
	}
	sort.Slice(bad, func(i, j int) bool { return bad[i].Field < bad[j].Field })
	return domain.Invalid(bad)
}

// apply returns cur with the newer of fields written over it, and whether anything changed.
// cur nil means the entity does not exist yet.
func (k kind[T]) apply(cur *T, fields map[string]json.RawMessage, s stamp) (*T, bool, error) {
	doc := map[string]json.RawMessage{}
	clocks := map[string]string{}
	if cur != nil {
		raw, err := json.Marshal(cur)
		if err != nil {
			return nil, false, err
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, false, err
		}
		maps.Copy(clocks, k.meta(cur).Clocks)
	}
	changed := false
	for f, v := range fields {
		if prev, ok := clocks[f]; ok && !s.after(parseStamp(prev)) {
			continue
		}
		if cur != nil && bytes.Equal(doc[f], v) {
			clocks[f] = s.String()
			changed = true
			continue
		}
		doc[f] = v
		clocks[f] = s.String()
		changed = true
	}
	if !changed {
		return cur, false, nil
	}
	next, err := k.decode(doc, fields)
	if err != nil {
		return nil, false, err
	}
	m := k.meta(next)
	m.Clocks = clocks
	if cur != nil {
		m.Seq = k.meta(cur).Seq
		m.Deleted = m.Deleted || k.meta(cur).Deleted
	}
	return next, true, nil
}

// decode builds a T from its JSON fields; a value of the wrong type is an EINVALID naming the
// field.
func (k kind[T]) decode(doc, written map[string]json.RawMessage) (*T, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, domain.FieldErrorf(domain.EINVALID, "payload", "is not valid JSON")
	}
	next := new(T)
	if err := json.Unmarshal(raw, next); err == nil {
		return next, nil
	}
	// Find the field at fault so that the message names it.
	names := make([]string, 0, len(written))
	for f := range written {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		one, _ := json.Marshal(map[string]json.RawMessage{f: written[f]})
		if err := json.Unmarshal(one, new(T)); err != nil {
			return nil, domain.FieldErrorf(domain.EINVALID, f, "%s", fieldProblem(err))
		}
	}
	return nil, domain.FieldErrorf(domain.EINVALID, "payload", "%s", fieldProblem(err))
}

// fieldProblem says what is wrong with one field's value.
func fieldProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "must be " + jsonTypeName(te.Type.Kind().String()) + ", not " + te.Value
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return "must be an RFC 3339 time such as 2026-05-01T17:00:00Z"
	}
	return "has an invalid value"
}
