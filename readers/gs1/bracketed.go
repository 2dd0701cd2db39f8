package gs1

import "strings"

// ParseBracketed parses the human-readable form "(01)09506000134352(17)201225(10)ABC". A "("
// that belongs to a value may be written "\(", and a bare "(" is taken as data too unless it
// looks like an AI: two to four digits in parentheses, such as "(10)".
func ParseBracketed(s string) (Elements, error) {
	if s == "" {
		return nil, errAt("", -1, "empty input")
	}
	return parseBracketed(s, 0)
}

func parseBracketed(s string, off int) (Elements, error) {
	var out Elements
	i := 0
	for i < len(s) {
		if s[i] != '(' {
			return nil, errAt("", off+i, "expected \"(\" to open an Application Identifier, got %q", clip(s[i:]))
		}
		end := strings.IndexByte(s[i:], ')')
		if end < 0 {
			return nil, errAt("", off+i, "unclosed \"(\"")
		}
		ai := s[i+1 : i+end]
		d, ok := table[ai]
		if !ok {
			return nil, errAt("", off+i, "(%s) is not a known Application Identifier", ai)
		}
		valueAt := i + end + 1
		j := valueAt
		var v strings.Builder
		for j < len(s) {
			if s[j] == '\\' && j+1 < len(s) && s[j+1] == '(' {
				v.WriteByte('(')
				j += 2
				continue
			}
			if s[j] == '(' && opensAI(s[j:]) {
				break
			}
			v.WriteByte(s[j])
			j++
		}
		value := v.String()
		if err := check(d, value, off+valueAt); err != nil {
			return nil, err
		}
		var err error
		if out, err = addElement(out, ai, value, off+i); err != nil {
			return nil, err
		}
		i = j
	}
	return out, nil
}

// opensAI reports whether s starts with two to four digits in parentheses.
func opensAI(s string) bool {
	end := strings.IndexByte(s, ')')
	return end >= 3 && end <= 5 && badChar('N', s[1:end]) < 0
}
