// Package webhook signs and sends Custody's webhook requests, and verifies them for receivers.
//
// Every request carries the header
//
//	Custody-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the secret>
//
// A receiver recomputes the HMAC over the raw body, compares it in constant time, and refuses a
// timestamp more than DefaultTolerance away from its own clock: a captured request cannot be
// replayed later. Deliveries are at least once: a receiver that must act once per event keys
// on the Custody-Delivery header (one id per event and webhook) or the event's id.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Headers of a webhook request.
const (
	HeaderSignature = "Custody-Signature"
	HeaderEvent     = "Custody-Event"
	HeaderDelivery  = "Custody-Delivery"
)

// DefaultTolerance is the replay window: how far a request's timestamp may be from the
// receiver's clock.
const DefaultTolerance = 5 * time.Minute

// Sign returns the Custody-Signature value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

// mac is the hex HMAC-SHA256 of "<ts>.<body>".
func mac(secret, ts string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte("."))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Errors Verify returns.
var (
	ErrMalformed = errors.New("webhook: the Custody-Signature header is malformed")
	ErrExpired   = errors.New("webhook: the signature's timestamp is outside the replay window")
	ErrMismatch  = errors.New("webhook: no signature matches the body")
)

// Verify checks a Custody-Signature header against the raw body: one of its v1 signatures must
// be the HMAC of "<t>.<body>" with secret, and t within tolerance of now (DefaultTolerance when
// tolerance is 0).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrMalformed
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrMalformed
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrExpired
	}
	want := []byte(mac(secret, ts, body))
	for _, s := range sigs {
		if hmac.Equal([]byte(s), want) {
			return nil
		}
	}
	return ErrMismatch
}
