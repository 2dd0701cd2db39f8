// Package client is the typed HTTP client of the Custody API that the mobile SDK uses: login,
// refresh and password change, POST /v1/sync, and the few reads a phone needs beside it
// (conflicts, stock). It is stateless — the caller passes the access token to every call — and
// links no server code.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
)

// problemTypePrefix starts the type URI of the server's problems; the domain error code follows.
const problemTypePrefix = "urn:custody:problem:"

// maxBody bounds how much of a response the client reads.
const maxBody = 64 << 20

// Client calls one Custody server.
type Client struct {
	base string
	hc   *http.Client
}

// New returns a client of the server at baseURL (such as "https://custody.example.com"),
// sending requests through hc (a client with a 30-second timeout when nil).
func New(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), hc: hc}
}

// Problem is an error answer of the server (application/problem+json). It unwraps to the
// equivalent *domain.Error, so callers test it with domain.ErrorCode.
type Problem struct {
	Status int                 `json:"status"`
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Detail string              `json:"detail"`
	Errors []domain.FieldError `json:"errors"`
	// RetryAfter is the server's Retry-After, zero when it sent none.
	RetryAfter time.Duration `json:"-"`
}

func (p *Problem) Error() string {
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	if len(p.Errors) > 0 {
		msg += fmt.Sprintf(" (%s: %s)", p.Errors[0].Field, p.Errors[0].Message)
	}
	return fmt.Sprintf("server answered %d: %s", p.Status, msg)
}

// Code returns the domain error code of the problem: from its type URI when it has one, else
// from its status.
func (p *Problem) Code() string {
	if c, ok := strings.CutPrefix(p.Type, problemTypePrefix); ok && c != "" {
		return c
	}
	switch p.Status {
	case http.StatusBadRequest:
		return domain.EMALFORMED
	case http.StatusUnauthorized:
		return domain.EUNAUTHORIZED
	case http.StatusForbidden:
		return domain.EFORBIDDEN
	case http.StatusNotFound:
		return domain.ENOTFOUND
	case http.StatusConflict:
		return domain.ECONFLICT
	case http.StatusGone:
		return domain.EGONE
	case http.StatusRequestEntityTooLarge:
		return domain.ETOOLARGE
	case http.StatusUnprocessableEntity:
		return domain.EINVALID
	case http.StatusTooManyRequests:
		return domain.ERATELIMIT
	}
	return domain.EINTERNAL
}

// Unwrap returns the problem as a *domain.Error.
func (p *Problem) Unwrap() error {
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	return &domain.Error{Code: p.Code(), Message: msg, Fields: p.Errors}
}

// StatusOf returns the HTTP status of a *Problem in err's chain, 0 when there is none (a
// network error, for example).
func StatusOf(err error) int {
	var p *Problem
	if errors.As(err, &p) {
		return p.Status
	}
	return 0
}

// do sends one request with a JSON body (none when in is nil) and decodes a 2xx answer into
// out. Any other answer is a *Problem; a transport failure is returned as it is.
func (c *Client) do(ctx context.Context, method, path, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return problemOf(resp, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the expected JSON: %w", method, path, err)
	}
	return nil
}

// problemOf reads an error answer; a body that is not a problem still gives its status.
func problemOf(resp *http.Response, data []byte) *Problem {
	p := &Problem{}
	if err := json.Unmarshal(data, p); err != nil || p.Status == 0 {
		p = &Problem{Title: http.StatusText(resp.StatusCode), Detail: strings.TrimSpace(string(data))}
		if len(p.Detail) > 200 {
			p.Detail = p.Detail[:200]
		}
	}
	p.Status = resp.StatusCode
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			p.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return p
}
