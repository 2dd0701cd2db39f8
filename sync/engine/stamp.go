package engine

import (
	"strings"

	"github.com/custodyhq/custody/sync/hlc"
)

// stamp orders writes for the last-writer-wins registers: by HLC, ties broken by device id.
type stamp struct {
	ts     hlc.Timestamp
	device string
}

func (s stamp) String() string { return s.ts.String() + "@" + s.device }

func parseStamp(v string) stamp {
	t, d, _ := strings.Cut(v, "@")
	ts, err := hlc.Parse(t)
	if err != nil {
		return stamp{}
	}
	return stamp{ts: ts, device: d}
}

// after reports whether s orders after u.
func (s stamp) after(u stamp) bool {
	if c := s.ts.Compare(u.ts); c != 0 {
		return c > 0
	}
	return s.device > u.device
}
