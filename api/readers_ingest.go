package api

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/ingest"
	"github.com/custodyhq/custody/readers/payload"
)

// Reader routes with their own body limit (readerBodyLimit): a full cabinet's sweep.
const (
	routeReaderSweeps = "/v1/readers/:id/sweeps"
	routeReaderEvents = "/v1/readers/:id/events"
	readerBodyLimit   = ingest.MaxBody
)

// Ingester takes reader payloads in: the readers/ingest service. Sweep keeps nothing of
// b.Reads once it returns (the service copies out the reads it keeps): postSweep parses the
// next sweep into the same list.
type Ingester interface {
	Sweep(ctx context.Context, readerID string, b payload.Batch) (domain.SweepResult, error)
	Events(ctx context.Context, readerID string, body []byte) (ingest.EventsResult, error)
}

// readerIngestRoutes registers what readers post — sweeps and tag events, each only by the
// reader's own key — and code resolution. The ingest service is built over the server's store
// and engine; a store that keeps no sweeps answers 500 on those two routes.
func (s *Server) readerIngestRoutes(e *echo.Echo) {
	auth, can := s.authenticate, require
	var in Ingester = noIngest{}
	if st, ok := s.deps.Store.(ingest.Store); ok {
		in = ingest.New(st, s.deps.Engine, ingest.Options{Now: s.now, Logger: s.log, Applied: s.deps.SweepApplied})
	}
	e.POST(routeReaderSweeps, postSweep(in), auth, can(domain.PermIngestReads), ownReader)
	e.POST(routeReaderEvents, postReaderEvents(in), auth, can(domain.PermIngestReads), ownReader)

	resolve := func(*echo.Context) error { return domain.Errorf(domain.EINTERNAL, "this store cannot resolve codes") }
	if st, ok := s.deps.Store.(ResolveStore); ok {
		resolve = resolveCode(st, s.checker)
	}
	e.POST("/v1/resolve", resolve, auth, can(domain.PermReadRegister))
}

// ownReader lets a reader's key post only to that reader's own path.
func ownReader(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		a := actorOf(c)
		if a.ReaderID == "" || a.ReaderID != c.Param("id") {
			return domain.Errorf(domain.EFORBIDDEN, "a reader posts only to its own path: this key is not reader %s's", c.Param("id"))
		}
		return next(c)
	}
}

// postSweep handles POST /v1/readers/{id}/sweeps: a cabinet's sweep in Custody's batch
// format. A malformed body is a 400 and an invalid one a 422, both saying why, and nothing is
// applied; a sweep posted again answers its stored result.
func postSweep(in Ingester) echo.HandlerFunc {
	// The buffers bodies are read into, used again: ParseBatch copies out all it keeps, so a
	// buffer is free once the body is parsed, and a cabinet's 300 KB a sweep is not left to the
	// garbage collector every time.
	var bodies sync.Pool
	// The same for the list the reads are parsed into: the service copies out the reads it
	// keeps, so the list is free again once the sweep is taken in.
	var readLists sync.Pool
	return func(c *echo.Context) error {
		buf, _ := bodies.Get().(*[]byte)
		if buf == nil {
			buf = new([]byte)
		}
		body, err := readReaderBodyInto(c, *buf)
		if err != nil {
			return err
		}
		list, _ := readLists.Get().(*[]payload.Read)
		if list == nil {
			list = new([]payload.Read)
		}
		b, err := payload.ParseBatchInto(*list, body)
		if cap(body) <= maxPooledBody {
			*buf = body[:0]
			bodies.Put(buf)
		}
		if err != nil {
			return err
		}
		defer func() { // once the answer is sent
			if cap(b.Reads) <= maxPooledReads {
				clear(b.Reads) // let go of the EPCs
				*list = b.Reads[:0]
				readLists.Put(list)
			}
		}()
		res, err := in.Sweep(c.Request().Context(), c.Param("id"), b)
		if err != nil {
			return err
		}
		// A cabinet's result lists up to thousands of ids: encoded with json/v2, which does it in
		// a fraction of encoding/json's time (the same JSON: plain ASCII ids, no nil lists).
		out, err := jsonv2.Marshal(res)
		if err != nil {
			return err
		}
		// Its length is known: sent with it, the result goes out in one piece instead of the
		// chunked encoding net/http falls back to for a body larger than its 2 KB buffer.
		c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(out)))
		return c.JSONBlob(http.StatusOK, out)
	}
}

// postReaderEvents handles POST /v1/readers/{id}/events: Zebra IoT Connector or Impinj IoT
// interface events, one object, an array or one object per line, taken in as a sweep that
// declares nothing missing.
func postReaderEvents(in Ingester) echo.HandlerFunc {
	return func(c *echo.Context) error {
		body, err := readReaderBody(c)
		if err != nil {
			return err
		}
		res, err := in.Events(c.Request().Context(), c.Param("id"), body)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, res)
	}
}

// maxPooledBody and maxPooledReads are the largest body buffer and list of reads postSweep
// keeps for the next sweep.
const (
	maxPooledBody  = 1 << 20
	maxPooledReads = 1 << 14
)

// readReaderBody reads a reader's payload — often hundreds of kilobytes — into one buffer of
// the size its Content-Length announces, instead of growing one as it goes.
func readReaderBody(c *echo.Context) ([]byte, error) {
	return readReaderBodyInto(c, nil)
}

// readReaderBodyInto is readReaderBody reading into buf when it has room.
func readReaderBodyInto(c *echo.Context, buf []byte) ([]byte, error) {
	r := c.Request()
	n := r.ContentLength
	if r.Body == nil || n <= 0 || n > readerBodyLimit { // unknown length: limitBody still caps it
		return readBody(c)
	}
	body := buf[:0]
	if int64(cap(body)) < n {
		body = make([]byte, n)
	}
	body = body[:n]
	if _, err := io.ReadFull(r.Body, body); err != nil {
		return nil, err
	}
	return body, nil
}

// noIngest answers for a store that keeps no sweeps.
type noIngest struct{}

var errNoSweeps = domain.Errorf(domain.EINTERNAL, "this store keeps no reader sweeps")

func (noIngest) Sweep(context.Context, string, payload.Batch) (domain.SweepResult, error) {
	return domain.SweepResult{}, errNoSweeps
}

func (noIngest) Events(context.Context, string, []byte) (ingest.EventsResult, error) {
	return ingest.EventsResult{}, errNoSweeps
}
