package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
)

// readBody reads the whole request body. The body-limit middleware makes an oversized body
// fail here with *http.MaxBytesError, which the error handler answers with 413.
func readBody(c *echo.Context) ([]byte, error) {
	if c.Request().Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// decodeJSON reads the request body into dst strictly: one JSON object, no unknown fields,
// every value of the right type. Problems are EMALFORMED *domain.Errors naming the field.
func decodeJSON(c *echo.Context, dst any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return unmarshalStrict(body, dst)
}

// unmarshalStrict decodes body into dst as decodeJSON does.
func unmarshalStrict(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return domain.Errorf(domain.EMALFORMED, "the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(body, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.EMALFORMED, "unexpected data after the JSON object at byte %d", dec.InputOffset())
	}
	return nil
}

var unknownFieldRe = regexp.MustCompile(`unknown field "(.*)"`)

// jsonError explains a decoding error: where the syntax broke, which field has the wrong type,
// which field is unknown.
func jsonError(body []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(body, syn.Offset)
		return domain.Errorf(domain.EMALFORMED, "malformed JSON at line %d, column %d (byte %d): %s", line, col, syn.Offset, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := position(body, int64(len(body)))
		return domain.Errorf(domain.EMALFORMED, "malformed JSON: the body ends early at line %d, column %d", line, col)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return domain.Errorf(domain.EMALFORMED, "the request body must be a JSON object, not %s", typ.Value)
		}
		return domain.FieldErrorf(domain.EMALFORMED, typ.Field, "must be %s, not %s", jsonTypeName(typ.Type), typ.Value)
	}
	if m := unknownFieldRe.FindStringSubmatch(err.Error()); m != nil {
		return domain.FieldErrorf(domain.EMALFORMED, m[1], "unknown field")
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return de
	}
	return domain.Errorf(domain.EMALFORMED, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonTypeName names a Go type the way a JSON client thinks of it.
func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// position converts a byte offset into a 1-based line and column.
func position(body []byte, offset int64) (line, col int) {
	if offset > int64(len(body)) {
		offset = int64(len(body))
	}
	before := body[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// patchBody is a decoded PATCH: the typed values and the raw value of every field the body
// carried (a JSON null included), by JSON name.
type patchBody struct {
	present map[string]json.RawMessage
}

// decodePatch reads a PATCH body into dst (a struct of pointer fields, checked strictly) and
// returns which fields the body carried.
func decodePatch(c *echo.Context, dst any) (patchBody, error) {
	body, err := readBody(c)
	if err != nil {
		return patchBody{}, err
	}
	return unmarshalPatch(body, dst)
}

// unmarshalPatch decodes body as decodePatch does.
func unmarshalPatch(body []byte, dst any) (patchBody, error) {
	if err := unmarshalStrict(body, dst); err != nil {
		return patchBody{}, err
	}
	var present map[string]json.RawMessage
	if err := json.Unmarshal(body, &present); err != nil {
		return patchBody{}, jsonError(body, err)
	}
	return patchBody{present: present}, nil
}

// has reports whether the body carried field.
func (p patchBody) has(field string) bool {
	_, ok := p.present[field]
	return ok
}

// isNull reports whether the body set field to null.
func (p patchBody) isNull(field string) bool {
	return string(bytes.TrimSpace(p.present[field])) == "null"
}

// clears reports whether the body carried field as null or "".
func (p patchBody) clears(field string) bool {
	v := string(bytes.TrimSpace(p.present[field]))
	return v == "null" || v == `""`
}

// requireKept refuses clearing the fields that an entity cannot be without.
func (p patchBody) requireKept(fields ...string) error {
	var fe []domain.FieldError
	for _, f := range fields {
		if p.has(f) && p.clears(f) {
			fe = append(fe, domain.FieldError{Field: f, Message: "is required and cannot be cleared"})
		}
	}
	return domain.Invalid(fe)
}

// fieldSet collects the fields of an update op.
type fieldSet map[string]json.RawMessage

// set puts v, marshalled, under name.
func (f fieldSet) set(name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("api: marshal field %s: %v", name, err)) // only plain values reach here
	}
	f[name] = b
}

// copyFrom copies the raw values of the named fields the patch carried.
func (f fieldSet) copyFrom(p patchBody, names ...string) {
	for _, n := range names {
		if raw, ok := p.present[n]; ok {
			f[n] = raw
		}
	}
}
