package gs1

import (
	"net/url"
	"slices"
	"strings"
)

// ParseDigitalLink parses a GS1 Digital Link URI on any domain, such as
// https://id.gs1.org/01/09506000134352/10/ABC?17=201225. The path may start with other
// segments (https://example.com/products/01/…); it must end with a primary key and its
// qualifiers in the prescribed order. Query parameters named by an AI add data attributes;
// other parameters (linkType, context…) are ignored. Values are percent-decoded and validated
// like element strings; a GTIN must have all 14 digits. Short names of Digital Link 1.1, such
// as /gtin/, are accepted for the path keys.
func ParseDigitalLink(uri string) (Elements, error) {
	if uri == "" {
		return nil, errAt("", -1, "empty input")
	}
	return parseDigitalLink(uri, 0)
}

// isDigitalLink reports whether s looks like an http(s) URI.
func isDigitalLink(s string) bool {
	return hasPrefixFold(s, "https://") || hasPrefixFold(s, "http://")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func parseDigitalLink(s string, off int) (Elements, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errAt("", off, "not a valid URI: %v", unwrapURLError(err))
	}
	if u.Host == "" {
		return nil, errAt("", off, "Digital Link URI has no host")
	}
	pos := func(part string) int {
		if i := strings.Index(s, part); i >= 0 {
			return off + i
		}
		return -1
	}

	// Path: walk (AI, value) pairs back from the end up to the primary key.
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	type pair struct{ ai, raw, key string }
	var pairs []pair
	var pk *aiDef
	for i := len(segs) - 2; i >= 0; i -= 2 {
		ai := keyAI(segs[i])
		if ai == "" {
			break
		}
		pairs = append(pairs, pair{ai, segs[i+1], segs[i]})
		if d := table[ai]; d.pk {
			pk = d
			break
		}
	}
	if pk == nil {
		return nil, errAt("", pos(u.EscapedPath()), "no GS1 primary key (such as /01/ for a GTIN) in the URI path")
	}
	slices.Reverse(pairs)
	var quals []string
	for _, p := range pairs[1:] {
		quals = append(quals, p.ai)
	}
	if !qualifiersAllowed(pk, quals) {
		return nil, errAt(pk.ai, pos(u.EscapedPath()), "qualifiers %v are not allowed after this key, or not in order (allowed: %v)", quals, pk.qualifiers)
	}
	var out Elements
	for _, p := range pairs {
		value, err := url.PathUnescape(p.raw)
		at := pos("/" + p.key + "/" + p.raw)
		if at >= 0 {
			at += len(p.key) + 2
		}
		if err != nil {
			return nil, errAt(p.ai, at, "bad percent-encoding in %q", p.raw)
		}
		if err := check(table[p.ai], value, at); err != nil {
			return nil, err
		}
		if out, err = addElement(out, p.ai, value, at); err != nil {
			return nil, err
		}
	}

	// Query: data attributes.
	for _, param := range strings.Split(u.RawQuery, "&") {
		if param == "" {
			continue
		}
		rawKey, raw, _ := strings.Cut(param, "=")
		at := pos(param)
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, errAt("", at, "bad percent-encoding in query key %q", rawKey)
		}
		ai := keyAI(key)
		if ai == "" {
			if key != "" && badChar('N', key) < 0 {
				return nil, errAt("", at, "(%s) in the query is not a known Application Identifier", key)
			}
			continue // not GS1 data: linkType, context and the like
		}
		d := table[ai]
		if !d.dlAttr {
			return nil, errAt(ai, at, "%s is not allowed as a Digital Link query attribute", d.title)
		}
		value, err := url.PathUnescape(raw)
		if err != nil {
			return nil, errAt(ai, at, "bad percent-encoding in %q", raw)
		}
		if err := check(d, value, at+len(rawKey)+1); err != nil {
			return nil, err
		}
		if out, err = addElement(out, ai, value, at); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// keyAI returns the AI a path segment or query key names (numerically or by Digital Link 1.1
// short name), or "".
func keyAI(key string) string {
	if _, ok := table[key]; ok {
		return key
	}
	return dlAliases[key]
}

// qualifiersAllowed reports whether quals follow, in order, one of the key's qualifier lists.
func qualifiersAllowed(pk *aiDef, quals []string) bool {
	if len(quals) == 0 {
		return true
	}
	for _, alt := range pk.qualifiers {
		i := 0
		for _, q := range alt {
			if i < len(quals) && quals[i] == q {
				i++
			}
		}
		if i == len(quals) {
			return true
		}
	}
	return false
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
