// Package push is the HTTP endpoint clients push articles to:
// POST /v1/articles with a RawArticle JSON object, or JSON lines of them.
//
// A 202 means every article of the request is in Kafka (acks=all): the
// handler answers only after the publisher returned. So "accepted" in any
// response counts exactly the articles of that request now in Kafka, and a
// client that sums it over its requests knows how many it delivered.
//
// Responses (all JSON):
//
//	202 {"accepted": n}
//	    every line is in Kafka.
//	400 {"accepted": n, "errors": [{"line": l, "error": "…"}, …]}
//	    the lines listed were rejected; the n others are in Kafka. Do not
//	    resend them; fix and resend the listed lines. A line is refused
//	    for what the consumer would dead-letter or change (the same rules,
//	    normalize.Check): bad JSON, bytes that are not UTF-8 or escapes
//	    that are not characters (article.DecodeRaw), no source, no body or
//	    no text left once cleaned, an unknown content type, a ninjs or
//	    NewsML-G2 body that does not decode, a published, updated or
//	    received_at that is not a date; and an article over the limit of
//	    one Kafka message (1 MiB by default). Also for an empty body
//	    (line 0) or a JSON array (send JSON lines).
//	401 {"error": "…"} no or wrong bearer token (WWW-Authenticate: Bearer).
//	405 {"error": "…"} not POST.
//	408 {"error": "…"} the body did not arrive in time (the server's
//	    limits: it must start within seconds and keep a minimum rate);
//	    nothing was sent.
//	413 {"error": "…"} body over the size limit; nothing was read or sent.
//	415 {"error": "…"} a Content-Type that is not JSON or text (XML, a
//	    form upload, …); nothing was read or sent. No Content-Type, JSON,
//	    JSON lines, text/plain and curl's default of --data are fine.
//	503 {"accepted": n, "errors": [{"line": l, "error": "…", "retry": true}, …]}
//	    Kafka did not take the lines marked retry (resend just those, after
//	    Retry-After seconds); n lines are in Kafka.
//	503 {"accepted": 0, "error": "shutting down"} the producer is stopping
//	    and took nothing; send it elsewhere or later. Likewise
//	    {"accepted": 0, "error": "starting: waiting for Kafka"} before Open.
//
// Lines are numbered from 1 as in the body; blank lines are skipped. A body
// that is a single JSON value (an object, possibly spread over several
// lines) is line 1. Lines pushed are not checked against the seen record:
// a client that pushes an article twice gets it published twice, and the
// index stores it once (its id is stable).
package push

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/newsflow/newsflow/internal/creds"
	"github.com/newsflow/newsflow/internal/ops"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/normalize"
	"github.com/newsflow/newsflow/producers/format"
	"github.com/newsflow/newsflow/producers/publish"
)

// Path is the endpoint's path.
const Path = "/v1/articles"

// DefaultMaxBytes is the default body limit.
const DefaultMaxBytes = 8 << 20

// Config configures the handler.
type Config struct {
	// Token is the bearer token required; compared in constant time.
	Token string
	// AllowAnonymous accepts requests without a token when Token is empty
	// (for a loopback-only `newsflow up`); without it an empty Token is a
	// configuration error.
	AllowAnonymous bool
	// MaxBytes is the largest request body. Default: 8 MiB.
	MaxBytes int64
}

// Validate names the settings that cannot work.
func (c Config) Validate() error {
	if c.Token == "" && !c.AllowAnonymous {
		return errors.New("push endpoint: no token (set --token-file; an endpoint anyone can write to must be asked for explicitly)")
	}
	if c.MaxBytes < 0 {
		return fmt.Errorf("push max bytes %d: want more than 0", c.MaxBytes)
	}
	return nil
}

// Publisher is what the handler needs of publish.Publisher.
type Publisher interface {
	Publish(ctx context.Context, items []publish.Item) error
	Count(source, result string, n int)
}

// Handler serves POST /v1/articles.
type Handler struct {
	cfg    Config
	token  creds.Token
	pub    Publisher
	logger *slog.Logger
	now    func() time.Time

	mu       sync.RWMutex
	open     bool // Open was called: Kafka is ready
	draining bool // Drain was called
	inflight sync.WaitGroup

	requests *prometheus.CounterVec
	duration prometheus.Histogram
}

// New returns the handler.
func New(cfg Config, pub Publisher, logger *slog.Logger, reg prometheus.Registerer, now func() time.Time) (*Handler, error) {
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	f := promauto.With(reg)
	h := &Handler{
		cfg: cfg, token: creds.NewToken(cfg.Token), pub: pub, logger: logger, now: now,
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_producer_push_requests_total",
			Help: "Push requests by HTTP status code.",
		}, []string{"code"}),
		duration: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_producer_push_duration_seconds",
			Help:    "Push request duration, from the first byte to the answer (Kafka acknowledgement included).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
	}
	return h, nil
}

// LineError is one rejected line of a push request.
type LineError struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
	// Retry marks lines Kafka did not take: resending them may work.
	Retry bool `json:"retry,omitempty"`
}

// Response is the JSON body of every answer.
type Response struct {
	Accepted *int        `json:"accepted,omitempty"`
	Errors   []LineError `json:"errors,omitempty"`
	Error    string      `json:"error,omitempty"`
}

// Open lets requests through. Until then (Kafka not ready yet) the handler
// answers 503 {"accepted":0,"error":"starting: waiting for Kafka"} at once,
// rather than letting clients wait for a writer that cannot write.
func (h *Handler) Open() {
	h.mu.Lock()
	h.open = true
	h.mu.Unlock()
}

// Drain makes the handler answer 503 to new requests and waits, until ctx
// ends, for the requests in flight to finish (their articles published).
func (h *Handler) Drain(ctx context.Context) error {
	h.mu.Lock()
	h.draining = true
	h.mu.Unlock()
	done := make(chan struct{})
	go func() { h.inflight.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("push requests still in flight: %w", ctx.Err())
	}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	code := h.serve(w, r)
	h.requests.WithLabelValues(strconv.Itoa(code)).Inc()
	h.duration.Observe(time.Since(start).Seconds())
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) int {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return reply(w, http.StatusMethodNotAllowed, Response{Error: "use POST"})
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="newsflow"`)
		return reply(w, http.StatusUnauthorized, Response{Error: "missing or wrong bearer token (Authorization: Bearer <token>)"})
	}
	if msg := badContentType(r.Header.Get("Content-Type")); msg != "" {
		w.Header().Set("Connection", "close")
		return reply(w, http.StatusUnsupportedMediaType, Response{Error: msg})
	}
	h.mu.RLock()
	if h.draining || !h.open {
		msg := "starting: waiting for Kafka"
		if h.draining {
			msg = "shutting down"
			w.Header().Set("Connection", "close")
		}
		h.mu.RUnlock()
		w.Header().Set("Retry-After", "5")
		return reply(w, http.StatusServiceUnavailable, Response{Accepted: new(int), Error: msg})
	}
	h.inflight.Add(1)
	h.mu.RUnlock()
	defer h.inflight.Done()

	tooLarge := Response{Error: fmt.Sprintf("body larger than %s, the limit of one push request (--push-max-bytes): split it into several requests", publish.Size(h.cfg.MaxBytes))}
	if r.ContentLength > h.cfg.MaxBytes {
		w.Header().Set("Connection", "close")
		return reply(w, http.StatusRequestEntityTooLarge, tooLarge)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return reply(w, http.StatusRequestEntityTooLarge, tooLarge)
		}
		if ops.IsBodyTimeout(err) {
			w.Header().Set("Connection", "close")
			return reply(w, http.StatusRequestTimeout, Response{Accepted: new(int), Error: ops.BodyTimeoutMessage()})
		}
		return reply(w, http.StatusBadRequest, Response{Accepted: new(int), Error: "read body: " + err.Error()})
	}

	items, lines, errs := h.parse(body)
	for _, e := range errs {
		h.pub.Count(e.source, publish.ResultRejected, 1)
	}
	var out []LineError
	for _, e := range errs {
		out = append(out, e.LineError)
	}
	accepted := len(items)
	retry := false
	// The request's context is not passed on: once the body is read the
	// articles are published even if the client goes away, so that what
	// Kafka holds never differs from what a complete answer would say.
	if err := h.pub.Publish(context.WithoutCancel(r.Context()), items); err != nil {
		var perrs publish.Errors
		if !errors.As(err, &perrs) || len(perrs) != len(items) {
			perrs = make(publish.Errors, len(items))
			for i := range perrs {
				perrs[i] = err
			}
		}
		for i, e := range perrs {
			if e == nil {
				continue
			}
			accepted--
			le := LineError{Line: lines[i], Error: e.Error()}
			if !errors.Is(e, publish.ErrTooLarge) {
				le.Retry, retry = true, true
			}
			out = append(out, le)
		}
		h.logger.Warn("push: articles not published", "remote", r.RemoteAddr, "failed", perrs.Failed(), "err", err)
	}
	sortLines(out)
	resp := Response{Accepted: &accepted, Errors: out}
	switch {
	case retry:
		w.Header().Set("Retry-After", "5")
		return reply(w, http.StatusServiceUnavailable, resp)
	case len(out) > 0:
		return reply(w, http.StatusBadRequest, resp)
	}
	return reply(w, http.StatusAccepted, resp)
}

// authorized checks the bearer token (creds.Token: constant time; the
// token as a Basic password also passes).
func (h *Handler) authorized(r *http.Request) bool {
	if h.cfg.Token == "" {
		return h.cfg.AllowAnonymous
	}
	return h.token.Allows(r)
}

type lineErr struct {
	LineError
	source string
}

// parse splits the body into articles (with their line numbers) and
// rejected lines.
func (h *Handler) parse(body []byte) ([]publish.Item, []int, []lineErr) {
	now := h.now().UTC().Format(format.TimeLayout)
	var items []publish.Item
	var lines []int
	var errs []lineErr
	add := func(n int, raw []byte) {
		if bytes.HasPrefix(raw, []byte("[")) {
			errs = append(errs, lineErr{LineError{Line: n, Error: "a JSON array: send one JSON object per line (JSON lines) instead"}, "unknown"})
			return
		}
		a, err := article.DecodeRaw(raw)
		if err != nil {
			errs = append(errs, lineErr{LineError{Line: n, Error: err.Error()}, "unknown"})
			return
		}
		// The worker's own rules, so that 202 means it will index it.
		if err := normalize.Check(a); err != nil {
			src := a.Source
			if src == "" {
				src = "unknown"
			}
			errs = append(errs, lineErr{LineError{Line: n, Error: err.Error()}, src})
			return
		}
		if a.ReceivedAt == "" {
			a.ReceivedAt = now
		}
		items = append(items, publish.Item{Article: a, Origin: publish.OriginPush})
		lines = append(lines, n)
	}
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		errs = append(errs, lineErr{LineError{Line: 0, Error: "empty body: send a RawArticle JSON object or JSON lines of them"}, "unknown"})
	case json.Valid(trimmed):
		lead := len(body) - len(bytes.TrimLeft(body, " \t\r\n"))
		add(1+bytes.Count(body[:lead], []byte("\n")), trimmed)
	default:
		for i, l := range bytes.Split(body, []byte("\n")) {
			if l = bytes.TrimSpace(l); len(l) > 0 {
				add(i+1, l)
			}
		}
	}
	return items, lines, errs
}

// badContentType explains why a request's Content-Type cannot be a push
// ("" when it can). The body is read as JSON whatever the header says, so
// only types that announce something else (XML, HTML, a form upload, an
// image) are refused; curl's default for --data is let through.
func badContentType(ct string) string {
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Sprintf("Content-Type %q does not parse: send application/json or application/x-ndjson", ct)
	}
	switch {
	case mt == "application/json", mt == "application/x-ndjson", mt == "application/jsonl", mt == "application/x-jsonlines",
		mt == "application/json-seq", mt == "text/plain", mt == "application/octet-stream", mt == "application/x-www-form-urlencoded",
		strings.HasSuffix(mt, "+json"):
		return ""
	case strings.Contains(mt, "xml"):
		return fmt.Sprintf("Content-Type %s: the push endpoint takes RawArticle JSON (application/json, or JSON lines as application/x-ndjson); NewsML-G2 and feeds go in a RawArticle's body with its content_type, or through --watch or --feed", mt)
	}
	return fmt.Sprintf("Content-Type %s: the push endpoint takes RawArticle JSON (application/json, or JSON lines as application/x-ndjson)", mt)
}

func sortLines(errs []LineError) {
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Line < errs[j-1].Line; j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

func reply(w http.ResponseWriter, code int, resp Response) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(resp)
	return code
}
