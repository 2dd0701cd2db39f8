package api

import (
	"fmt"
	"strings"

	"github.com/custodyhq/custody/domain"
)

// normalizeBadges normalizes each badge (an NFC UID in any common spelling) and drops repeats,
// naming the field on failure.
func normalizeBadges(field string, badges []string) ([]string, error) {
	out := make([]string, 0, len(badges))
	seen := map[string]bool{}
	var fe []domain.FieldError
	for i, b := range badges {
		u, err := domain.NormalizeTag(domain.TagNFC, b)
		if err != nil {
			fe = append(fe, domain.FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Message: err.Error()})
			continue
		}
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	if err := domain.Invalid(fe); err != nil {
		return nil, err
	}
	return out, nil
}

// normalizeTags normalizes every tag and drops repeats, naming the field on failure.
func normalizeTags(field string, tags []domain.Tag) ([]domain.Tag, error) {
	out := make([]domain.Tag, 0, len(tags))
	seen := map[domain.Tag]bool{}
	var fe []domain.FieldError
	for i, t := range tags {
		v, err := domain.NormalizeTag(t.Kind, t.Value)
		n := domain.Tag{Kind: t.Kind, Value: v}
		if err != nil {
			fe = append(fe, domain.FieldError{Field: fmt.Sprintf("%s[%d].value", field, i), Message: err.Error()})
			continue
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if err := domain.Invalid(fe); err != nil {
		return nil, err
	}
	return out, nil
}

// normalizeEmail lowercases and trims an email address; logins compare it that way.
func normalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}
