// Package elastic is the Elasticsearch wing of the index: everything
// newsflow says to Elasticsearch about articles goes through it.
//
//   - Write side (the consumer worker's last stage): the versioned index
//     template and write alias, installed idempotently at start (Install),
//     and the bulk Indexer, which classifies every item of a bulk answer
//     (done, older version, retry, reject) and implements consumers.Indexer.
//   - Read side (the search page): the Searcher, which runs the queries of
//     package search against the alias with the semantics of the bleve index
//     of `newsflow up`; figures are nested objects here, so a figure filter is
//     a nested query (kind, unit and value must hold for one figure).
//   - The one request helper both use, and the dedup store on Elasticsearch
//     (package esdedup) too: Do sends a request through the go-elasticsearch
//     client's Perform (authentication, TLS and node selection come from
//     internal/escfg), reads the whole answer, and returns connection errors,
//     429 and 5xx as *RetryableError; Ping is the readiness check.
//
// Request and response bodies are exactly what the Elasticsearch REST
// documentation shows.
package elastic

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
)

// Doer performs an HTTP request against the cluster; *elasticsearch.Client
// is one (its Perform adds the node address, auth and headers).
type Doer interface {
	Perform(*http.Request) (*http.Response, error)
}

// RetryableError is a failure that may pass: a connection error, a 429 or a
// 5xx answer. Callers retry it with backoff.
type RetryableError struct {
	// Status is the HTTP status, 0 for a connection error.
	Status int
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	Err        error
}

func (e *RetryableError) Error() string { return e.Err.Error() }
func (e *RetryableError) Unwrap() error { return e.Err }

// IsRetryable reports whether err is (or wraps) a RetryableError.
func IsRetryable(err error) bool {
	var re *RetryableError
	return errors.As(err, &re)
}

// Response is an answer read in full.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends one request and reads the whole answer. Connection errors, 429
// and 5xx come back as *RetryableError; other statuses are returned for the
// caller to judge.
func Do(ctx context.Context, es Doer, method, path string, body []byte, contentType string) (Response, error) {
	return DoPlain(ctx, es, method, path, body, contentType, false)
}

// DoPlain is Do; with plain set it asks for an uncompressed answer. Go's
// HTTP client otherwise asks for gzip, and Elasticsearch compresses every
// answer (http.compression, on by default without TLS): for the large mget
// answers of the dedup store that costs CPU on both sides (measured in
// bench/RESULTS.md) to save bandwidth that a cluster's network has.
func DoPlain(ctx context.Context, es Doer, method, path string, body []byte, contentType string, plain bool) (Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, rd)
	if err != nil {
		return Response{}, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	if body != nil {
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	if plain {
		req.Header.Set("Accept-Encoding", "identity")
	}
	res, err := es.Perform(req)
	if err != nil {
		if ctx.Err() != nil {
			return Response{}, fmt.Errorf("%s %s: %w", method, path, ctx.Err())
		}
		return Response{}, &RetryableError{Err: fmt.Errorf("%s %s (is Elasticsearch running and reachable?): %w", method, path, err)}
	}
	defer res.Body.Close()
	b, err := readBody(method, res)
	if err != nil {
		if ctx.Err() != nil {
			return Response{}, fmt.Errorf("read answer to %s %s: %w", method, path, ctx.Err())
		}
		return Response{}, &RetryableError{Err: fmt.Errorf("read answer to %s %s: %w", method, path, err)}
	}
	r := Response{Status: res.StatusCode, Header: res.Header, Body: b}
	if r.Status == http.StatusTooManyRequests || r.Status >= 500 {
		return r, &RetryableError{
			Status:     r.Status,
			RetryAfter: retryAfter(res.Header),
			Err:        fmt.Errorf("%s %s: %s", method, path, Describe(r)),
		}
	}
	return r, nil
}

// readBody reads an answer into one buffer of its announced length (an mget
// answer runs to megabytes; io.ReadAll would grow its buffer step by step,
// leaving garbage of about twice the size behind).
func readBody(method string, res *http.Response) ([]byte, error) {
	if n := res.ContentLength; n > 0 && n < 1<<30 && method != http.MethodHead {
		b := make([]byte, n)
		if _, err := io.ReadFull(res.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(res.Body)
}

func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// ErrorCause is Elasticsearch's error object.
type ErrorCause struct {
	Type     string      `json:"type"`
	Reason   string      `json:"reason"`
	CausedBy *ErrorCause `json:"caused_by,omitempty"`
}

// maxReason bounds each reason in String: Elasticsearch quotes the field
// value in some (a 32 KB "preview" of an immense term), and the cause
// behind it matters more.
const maxReason = 300

// String is "type: reason (caused by type: reason)", each reason cut at 300
// bytes.
func (e *ErrorCause) String() string {
	if e == nil {
		return ""
	}
	s := e.Type
	if e.Reason != "" {
		s += ": " + truncate(e.Reason, maxReason)
	}
	if e.CausedBy != nil && (e.CausedBy.Type != "" || e.CausedBy.Reason != "") {
		s += " (caused by " + e.CausedBy.String() + ")"
	}
	return s
}

// Describe summarises an error answer: status and Elasticsearch's error.
func Describe(r Response) string {
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	msg := ""
	if json.Unmarshal(r.Body, &env) == nil && len(env.Error) > 0 {
		var c ErrorCause
		if json.Unmarshal(env.Error, &c) == nil && c.Type != "" {
			msg = c.String()
		} else {
			msg = string(env.Error)
		}
	}
	if msg == "" {
		msg = truncate(strings.TrimSpace(string(r.Body)), 300)
	}
	return fmt.Sprintf("status %d: %s", r.Status, msg)
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// Ping asks the cluster for its health; nil means it answers and is not
// red. It is the readiness check of Elasticsearch.
func Ping(ctx context.Context, es Doer) error {
	r, err := Do(ctx, es, http.MethodGet, "/_cluster/health?filter_path=status", nil, "")
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("cluster health: %s", Describe(r))
	}
	var h struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(r.Body, &h); err != nil {
		return fmt.Errorf("cluster health: %w", err)
	}
	if h.Status == "red" {
		return errors.New("cluster health is red")
	}
	return nil
}

// AppendJSONString appends s as json.Marshal writes it: printable ASCII
// other than the quote, the backslash, < > and & as they are, anything
// else through json.Marshal.
func AppendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
