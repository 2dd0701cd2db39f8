// Package domain holds Custody's nouns and their rules: items, products, locations, users,
// tags, statuses and the one error type. It does no I/O and imports no framework or driver.
package domain

import (
	"errors"
	"fmt"
	"slices"
)

// Error codes. Each maps to one HTTP status in the api package's table.
const (
	EINVALID      = "invalid"         // valid JSON, invalid content (422) or malformed input (400 with EMALFORMED)
	EMALFORMED    = "malformed"       // the request could not be parsed (400)
	EUNAUTHORIZED = "unauthorized"    // no or bad credentials (401)
	EFORBIDDEN    = "forbidden"       // the role may not do this (403)
	ENOTFOUND     = "not_found"       // (404)
	ECONFLICT     = "conflict"        // state or unique constraint (409)
	EPRECONDITION = "precondition"    // a stale If-Match (412)
	EGONE         = "resync_required" // a sync cursor older than the tombstone horizon (410)
	ETOOLARGE     = "too_large"       // body or batch too large (413)
	ERATELIMIT    = "rate_limited"    // (429)
	EINTERNAL     = "internal"        // anything else (500)
)

// FieldError names one field of a request and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type of Custody. Code selects the HTTP status; Message is safe to show
// to the caller; Fields lists per-field problems.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s (%s: %s)", e.Code, e.Message, e.Fields[0].Field, e.Fields[0].Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an *Error with one field problem.
func FieldErrorf(code, field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: code, Message: field + ": " + msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

// Invalid returns an EINVALID error listing the given field problems, or nil when there are none.
func Invalid(fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "the request has invalid fields", Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other error
// and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err: an *Error's Message, or a generic text
// for anything else so that internal details never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the field problems of the first *Error in err's chain.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// NamesField reports whether the first *Error in err's chain has a problem with one of the
// named fields.
func NamesField(err error, names ...string) bool {
	for _, f := range ErrorFields(err) {
		if slices.Contains(names, f.Field) {
			return true
		}
	}
	return false
}

// Wrap adds call context to *errp at a package boundary, keeping the chain for errors.As:
//
//	defer domain.Wrap(&err, "Store.GetItem(%q)", id)
func Wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}
