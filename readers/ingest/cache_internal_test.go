package ingest

import "testing"

// TestCabinetCacheBounded: the cache keeps at most its size of locations, forgetting the one
// used least recently, and never replaces a location's contents with an older position.
func TestCabinetCacheBounded(t *testing.T) {
	cc := newCabinetCache(2)
	at := func(loc string, seq int64) *contents { c := newContents(loc, 0); c.seq = seq; return c }
	cc.put(at("a", 1))
	cc.put(at("b", 1))
	if cc.get("a") == nil { // a is now used more recently than b
		t.Fatalf("get(a) = nil after put(a)")
	}
	cc.put(at("c", 1))
	if got := cc.get("b"); got != nil {
		t.Errorf("get(b) = %+v after a third location, want b (least recently used) forgotten", got)
	}
	if cc.get("a") == nil || cc.get("c") == nil {
		t.Errorf("get(a), get(c) = nil, want both kept")
	}
	cc.put(at("a", 5))
	cc.put(at("a", 3)) // a sweep that started earlier finished later
	if got := cc.get("a"); got == nil || got.seq != 5 {
		t.Errorf("get(a) after put at 5 then 3 = %+v, want the contents at 5", got)
	}
}
