package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"testing"
)

// TestSyncAnswersAreGzippedWhenAsked: a phone that accepts gzip (Go's HTTP client, and so the
// SDK, asks by default) gets a large pull compressed — the same answer, in far fewer bytes;
// a small poll, and a client that does not ask, get it plain.
func TestSyncAnswersAreGzippedWhenAsked(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()
	for i := range 60 {
		e.mustDo(req{Method: "POST", Path: "/v1/locations", Token: tok, Body: map[string]any{"name": fmt.Sprintf("Storeroom %d", i), "kind": "storeroom"}}, 201, nil)
	}
	pull := func(cursor string, header map[string]string) (response, map[string]any) {
		t.Helper()
		r := e.mustDo(req{Method: "POST", Path: "/v1/sync", Token: tok, Header: header,
			Body: map[string]any{"device_id": "gzip-phone", "cursor": cursor, "ops": []any{}}}, 200, nil)
		body := r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("the answer says gzip but is not: %v", err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		var out map[string]any
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("decoding the answer: %v", err)
		}
		return r, out
	}
	gz := map[string]string{"Accept-Encoding": "gzip"}

	plain, plainOut := pull("", nil)
	zipped, zippedOut := pull("", gz)
	if plain.Header.Get("Content-Encoding") != "" {
		t.Errorf("without Accept-Encoding the answer is %q-encoded, want plain", plain.Header.Get("Content-Encoding"))
	}
	if zipped.Header.Get("Content-Encoding") != "gzip" || len(zipped.Body)*3 > len(plain.Body) {
		t.Errorf("a pull of 60 locations with gzip accepted: %q-encoded, %d bytes against %d plain; want gzip, a third or less",
			zipped.Header.Get("Content-Encoding"), len(zipped.Body), len(plain.Body))
	}
	if len(zippedOut["changes"].([]any)) != len(plainOut["changes"].([]any)) {
		t.Errorf("the gzipped pull has %d changes, the plain one %d", len(zippedOut["changes"].([]any)), len(plainOut["changes"].([]any)))
	}

	poll, _ := pull(zippedOut["cursor"].(string), gz)
	if poll.Header.Get("Content-Encoding") != "" {
		t.Errorf("an up-to-date poll (%d bytes) came %q-encoded, want plain", len(poll.Body), poll.Header.Get("Content-Encoding"))
	}
}
