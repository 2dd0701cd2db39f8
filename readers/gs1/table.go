package gs1

import (
	"fmt"
	"strconv"
	"strings"
)

// AI describes one GS1 Application Identifier.
type AI struct {
	Code                 string // "01", "3103", "8003"…
	Title                string // the data title of the General Specifications, e.g. "GTIN"
	PredefinedLength     bool   // fixed length, listed in the predefined-length table: no FNC1 needed after it
	FNC1Required         bool   // a GS (FNC1) must end the field unless it is the last one
	MinLength, MaxLength int    // length of the data field
	DigitalLinkKey       bool   // a GS1 Digital Link primary key
	DigitalLinkAttribute bool   // allowed as a Digital Link query attribute
}

// Lookup returns the definition of an Application Identifier.
func Lookup(code string) (AI, bool) {
	d, ok := table[code]
	if !ok {
		return AI{}, false
	}
	a := AI{
		Code: d.ai, Title: d.title, PredefinedLength: d.predefined, FNC1Required: !d.predefined,
		DigitalLinkKey: d.pk, DigitalLinkAttribute: d.dlAttr,
	}
	for _, c := range d.comps {
		if !c.optional {
			a.MinLength += c.min
		}
		a.MaxLength += c.max
	}
	return a, true
}

// component is one part of an AI's data field.
type component struct {
	set      byte // 'N' digits, 'X' set 82, 'Y' set 39, 'Z' base64url
	min, max int
	optional bool
	checks   []namedCheck
}

type namedCheck struct {
	name string
	fn   checkFunc
}

// aiDef is a parsed line of aiSpec.
type aiDef struct {
	ai         string
	title      string
	predefined bool
	dlAttr     bool
	comps      []component
	pk         bool
	qualifiers [][]string // ordered optional qualifier AIs, one slice per alternative
}

// fixedLen returns the total length of a predefined-length AI's data.
func (d *aiDef) fixedLen() int {
	n := 0
	for _, c := range d.comps {
		n += c.max
	}
	return n
}

// table holds every AI of aiSpec by code. It is built once and never changed.
var table = buildTable(aiSpec)

func buildTable(spec string) map[string]*aiDef {
	t := make(map[string]*aiDef)
	for n, line := range strings.Split(spec, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "|")
		if len(cols) != 5 {
			panic(fmt.Sprintf("gs1: AI table line %d: want 5 columns: %q", n, line))
		}
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		from, to := cols[0], cols[0]
		if a, b, ok := strings.Cut(cols[0], "-"); ok {
			from, to = a, b
		}
		lo, err1 := strconv.Atoi(from)
		hi, err2 := strconv.Atoi(to)
		if err1 != nil || err2 != nil || len(from) != len(to) || hi < lo {
			panic(fmt.Sprintf("gs1: AI table line %d: bad AI range %q", n, cols[0]))
		}
		base := aiDef{
			title:      cols[4],
			predefined: strings.Contains(cols[1], "F"),
			dlAttr:     strings.Contains(cols[1], "Q"),
			comps:      parseComponents(n, cols[2]),
		}
		if k := cols[3]; k != "-" {
			base.pk = true
			if q, ok := strings.CutPrefix(k, "pk="); ok {
				for _, alt := range strings.Split(q, "/") {
					base.qualifiers = append(base.qualifiers, strings.Split(alt, ","))
				}
			}
		}
		for v := lo; v <= hi; v++ {
			d := base
			d.ai = fmt.Sprintf("%0*d", len(from), v)
			if _, dup := t[d.ai]; dup {
				panic("gs1: AI table: duplicate AI " + d.ai)
			}
			t[d.ai] = &d
		}
	}
	return t
}

func parseComponents(line int, s string) []component {
	var comps []component
	for _, f := range strings.Fields(s) {
		var c component
		if strings.HasPrefix(f, "[") {
			c.optional = true
			f = strings.TrimSuffix(strings.TrimPrefix(f, "["), "]")
		}
		parts := strings.Split(f, "+")
		spec := parts[0]
		c.set = spec[0]
		if strings.IndexByte("NXYZ", c.set) < 0 {
			panic(fmt.Sprintf("gs1: AI table line %d: bad character set in %q", line, f))
		}
		if n, ok := strings.CutPrefix(spec[1:], ".."); ok {
			c.min, c.max = 1, mustAtoi(line, n)
		} else {
			c.min = mustAtoi(line, spec[1:])
			c.max = c.min
		}
		for _, name := range parts[1:] {
			fn, ok := checks[name]
			if !ok {
				panic(fmt.Sprintf("gs1: AI table line %d: unknown check %q", line, name))
			}
			c.checks = append(c.checks, namedCheck{name, fn})
		}
		comps = append(comps, c)
	}
	return comps
}

func mustAtoi(line int, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		panic(fmt.Sprintf("gs1: AI table line %d: bad length %q", line, s))
	}
	return n
}

// lookupPrefix finds the AI at the start of s: AIs are 2 to 4 digits and no AI is a prefix of
// another, so at most one length matches.
func lookupPrefix(s string) *aiDef {
	for n := 2; n <= 4 && n <= len(s); n++ {
		if d, ok := table[s[:n]]; ok {
			return d
		}
	}
	return nil
}
