package api

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/go-playground/validator/v10"

	"github.com/custodyhq/custody/domain"
)

// newChecker returns a checker whose validator names fields by their JSON names and knows
// Custody's enumerations.
func newChecker() checker { return checker{v: newValidator()} }

// newValidator returns a validator that names fields by their JSON names and knows Custody's
// enumerations.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	enums := map[string]func(string) bool{
		"itemstatus":   func(s string) bool { return domain.ItemStatus(s).Valid() },
		"locationkind": func(s string) bool { return domain.LocationKind(s).Valid() },
		"tracking":     func(s string) bool { return domain.Tracking(s).Valid() },
		"role":         func(s string) bool { return domain.Role(s).Valid() },
		"tagkind":      func(s string) bool { return domain.TagKind(s).Valid() },
		"date": func(s string) bool {
			_, err := time.Parse(time.DateOnly, s)
			return err == nil
		},
		"timestamp": func(s string) bool {
			_, err := time.Parse(time.RFC3339, s)
			return err == nil
		},
	}
	for tag, ok := range enums {
		ok := ok
		if err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool { return ok(fl.Field().String()) }); err != nil {
			panic(err) // a programming error in the table above
		}
	}
	return v
}

// checker validates request structs.
type checker struct{ v *validator.Validate }

// check validates v and returns an EINVALID *domain.Error naming each bad field by its JSON path.
func (ch checker) check(v any) error {
	err := ch.v.Struct(v)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return domain.Errorf(domain.EINVALID, "the request is invalid")
	}
	fields := make([]domain.FieldError, 0, len(ves))
	for _, fe := range ves {
		fields = append(fields, domain.FieldError{Field: jsonPath(fe.Namespace()), Message: fieldMessage(fe)})
	}
	return domain.Invalid(fields)
}

// jsonPath drops the struct name from a validator namespace: "req.tags[0].kind" → "tags[0].kind".
func jsonPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

// fieldMessage says in words what a failed validation tag requires.
func fieldMessage(fe validator.FieldError) string {
	p := fe.Param()
	switch fe.Tag() {
	case "required":
		return "is required"
	case "max":
		if fe.Kind() == reflect.String {
			return fmt.Sprintf("must be at most %s characters", p)
		}
		if fe.Kind() == reflect.Slice {
			return fmt.Sprintf("must have at most %s entries", p)
		}
		return "must be at most " + p
	case "min":
		if fe.Kind() == reflect.String {
			return fmt.Sprintf("must be at least %s characters", p)
		}
		return "must be at least " + p
	case "gte":
		return "must be at least " + p
	case "lte":
		return "must be at most " + p
	case "email":
		return "must be an email address"
	case "itemstatus":
		return "must be one of " + joinStrings(domain.ItemStatuses)
	case "locationkind":
		return "must be one of site, storeroom, cabinet, vehicle, jobsite"
	case "tracking":
		return "must be serial or quantity"
	case "role":
		return "must be one of admin, supervisor, field, picker"
	case "tagkind":
		return "must be one of epc, nfc, barcode"
	case "date":
		return "must be a date YYYY-MM-DD"
	case "timestamp":
		return "must be an RFC 3339 time such as 2024-05-01T10:15:30Z"
	case "printascii":
		return "must be printable ASCII"
	case "oneof":
		return "must be one of " + strings.ReplaceAll(p, " ", ", ")
	case "required_without":
		return "is required unless " + snakeCase(p) + " is given"
	}
	return "is invalid (" + fe.Tag() + ")"
}

// snakeCase turns a Go field name as validator parameters give it ("HolderID") into its JSON
// name ("holder_id").
func snakeCase(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		upper := unicode.IsUpper(r)
		if upper && i > 0 && (!unicode.IsUpper(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func joinStrings[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
