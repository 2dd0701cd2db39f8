package domain

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestNamesField(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", Invalid([]FieldError{{Field: "cursor", Message: "bad"}, {Field: "limit", Message: "bad"}}))
	if !NamesField(err, "limit") || !NamesField(err, "id", "cursor") {
		t.Errorf("NamesField(%v) misses a field it names", err)
	}
	if NamesField(err, "version") || NamesField(errors.New("plain"), "cursor") || NamesField(nil, "cursor") {
		t.Errorf("NamesField reports a field nobody named")
	}
}

func TestEachPage(t *testing.T) {
	var cursors []string
	err := EachPage(func(p Page) (string, error) {
		if p.Limit != MaxPageLimit {
			t.Errorf("page limit %d, want %d", p.Limit, MaxPageLimit)
		}
		cursors = append(cursors, p.Cursor)
		if len(cursors) == 3 {
			return "", nil
		}
		return fmt.Sprint("c", len(cursors)), nil
	})
	if err != nil || !slices.Equal(cursors, []string{"", "c1", "c2"}) {
		t.Errorf("EachPage visited %q, %v; want three pages", cursors, err)
	}
	boom := errors.New("boom")
	calls := 0
	if err := EachPage(func(Page) (string, error) { calls++; return "more", boom }); err != boom || calls != 1 {
		t.Errorf("EachPage after an error = %v after %d calls, want boom after 1", err, calls)
	}
}
