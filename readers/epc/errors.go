package epc

import (
	"errors"
	"fmt"

	"github.com/custodyhq/custody/domain"
)

// Sentinel errors tell callers what kind of problem an EPC has; test for them with errors.Is.
// Every error returned by this package is an *Error that wraps one of them and also a
// *domain.Error (code EINVALID, field "epc"), so the API can turn it into a 422 problem.
var (
	// ErrInvalidHex: the input is empty or has a character that is not a hex digit.
	ErrInvalidHex = errors.New("invalid hex")
	// ErrLength: the number of bits does not fit the scheme announced by the header.
	ErrLength = errors.New("wrong length for header")
	// ErrUnprogrammed: header 0x00, the state of a tag nobody has written an EPC to.
	ErrUnprogrammed = errors.New("unprogrammed tag")
	// ErrUnsupportedHeader: the header names no scheme this package decodes (unassigned, or
	// a TDS scheme outside the supported set).
	ErrUnsupportedHeader = errors.New("unsupported header")
	// ErrInvalidPartition: the partition value is 7, which no TDS partition table defines.
	ErrInvalidPartition = errors.New("invalid partition")
	// ErrOutOfRange: a field's value does not fit its decimal width or its bit width, or
	// reserved bits are not zero.
	ErrOutOfRange = errors.New("value out of range")
	// ErrInvalidCharacter: a 7-bit string field holds a character outside the GS1 AI
	// encodable character set 82, or characters after its terminating zero.
	ErrInvalidCharacter = errors.New("invalid character")
)

// Error describes why an EPC could not be decoded or encoded.
type Error struct {
	Kind   error  // one of the sentinel errors above
	Scheme Scheme // the scheme being decoded, "" when the header was not reached
	Field  string // the EPC field at fault, such as "partition" or "item reference"
	Detail string // what is wrong, for people
}

func (e *Error) Error() string {
	msg := "epc: "
	if e.Scheme != "" {
		msg += string(e.Scheme) + ": "
	}
	if e.Field != "" {
		msg += e.Field + ": "
	}
	return msg + e.Detail
}

// Unwrap exposes the sentinel kind and an equivalent *domain.Error to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	return []error{e.Kind, domain.FieldErrorf(domain.EINVALID, "epc", "%s", e.message())}
}

func (e *Error) message() string {
	m := e.Error()
	return m[len("epc: "):]
}

func errf(kind error, s Scheme, field, format string, args ...any) *Error {
	return &Error{Kind: kind, Scheme: s, Field: field, Detail: fmt.Sprintf(format, args...)}
}
