package fcm

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Headers the guard adds to the answers it rewrites, for classify to read.
const (
	// headerStatus holds the status FCM really answered (0: no answer at all).
	headerStatus = "X-Custody-Fcm-Status"
	// headerTransport marks an answer made up for a request that got no answer.
	headerTransport = "X-Custody-Transport-Error"
)

// guard keeps retries in the outbox. The Admin SDK retries a 503 or a failed connection inside
// Send up to four times, sleeping for Retry-After (up to two minutes) in between: a claimed
// delivery would be held that long, the attempts would be invisible to the outbox, and a
// Retry-After could not be honoured across a restart. guard turns those answers into ones the
// SDK does not retry — a 503 becomes a 500, a transport error a made-up 502 — and records what
// really happened in headers, so the dispatcher's own backoff decides.
type guard struct {
	base http.RoundTripper
}

// RoundTrip sends req and rewrites the answers the SDK would retry by itself.
func (g guard) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.base.RoundTrip(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, err // cancelled: the SDK gives up at once
		}
		msg, _ := json.Marshal(err.Error())
		body := `{"error":{"code":502,"status":"UNAVAILABLE","message":` + string(msg) + `}}`
		return &http.Response{
			StatusCode: http.StatusBadGateway, Status: "502 Bad Gateway", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:        http.Header{"Content-Type": {"application/json"}, headerStatus: {"0"}, headerTransport: {"1"}},
			Body:          io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)),
			Request:       req,
		}, nil
	}
	if resp.StatusCode == http.StatusServiceUnavailable {
		resp.Header.Set(headerStatus, strconv.Itoa(resp.StatusCode))
		resp.StatusCode, resp.Status = http.StatusInternalServerError, "500 Internal Server Error"
	}
	return resp, nil
}
