// Package feed polls feed URLs (RSS, Atom, ninjs, NewsML-G2: the format is
// recognised by content, see producers/format) and hands their items to a
// Sink, which skips the unchanged ones and publishes the rest.
//
// Each feed is polled on its own schedule with conditional GET: the ETag and
// Last-Modified of the last complete poll are sent back, and 304 Not
// Modified costs no parsing. The validators are kept only when every item of
// the response reached Kafka (or was unchanged), so items that failed to
// publish are fetched and offered again on the next poll instead of hiding
// behind a 304. They live in memory: after a restart the first poll is a
// full GET, and the seen record keeps it from re-sending anything.
//
// A failed poll (network error, timeout, HTTP error status, a body over the
// size limit, a document that cannot be decoded, or a Kafka failure) is
// logged and counted with its reason, and the feed backs off: the k-th
// consecutive failure waits Interval × 2^(k-1), at most BackoffMax, or
// longer when the server sent Retry-After; jitter of up to 10% keeps feeds
// that failed together from retrying together. Feeds do not wait for each
// other: one hanging feed holds only its own goroutine, bounded by Timeout.
package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/pkg/wire"
	"github.com/newsflow/newsflow/producers/format"
	"github.com/newsflow/newsflow/producers/publish"
)

// Defaults of Config.
const (
	DefaultInterval   = time.Minute
	DefaultTimeout    = 30 * time.Second
	DefaultBackoffMax = 30 * time.Minute
	DefaultMaxBytes   = 32 << 20
	DefaultUserAgent  = "newsflow-producer/1 (+https://github.com/newsflow/newsflow)"
)

// Reasons of newsflow_producer_feed_errors_total.
const (
	ReasonTimeout  = "timeout"   // no complete response within Timeout
	ReasonNetwork  = "network"   // DNS, connection refused or reset, TLS
	ReasonStatus   = "status"    // an HTTP status other than 200 and 304
	ReasonTooLarge = "too_large" // the body exceeds MaxBytes
	ReasonCharset  = "charset"   // not UTF-8 and the declared charset is unknown
	ReasonParse    = "parse"     // malformed, or not a feed at all
	ReasonPublish  = "publish"   // Kafka did not take every item
)

// Feed is one feed to poll.
type Feed struct {
	// Name is the source of its articles and the feed label of metrics.
	Name string
	// URL is fetched with GET (http or https).
	URL string
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ParseFeed reads the --feed syntax: "name=URL", or a bare URL whose host
// becomes the name ("https://www.example.com/rss" → "www.example.com").
// The name is [A-Za-z0-9._-], up to 64 characters, starting with a letter
// or digit.
func ParseFeed(s string) (Feed, error) {
	s = strings.TrimSpace(s)
	name, rest, ok := strings.Cut(s, "=")
	if ok && nameRE.MatchString(name) && !strings.Contains(name, "://") && strings.Contains(rest, "://") {
		s = rest
	} else {
		name = ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Feed{}, fmt.Errorf("feed %q: want name=URL or URL, with an http or https URL", s)
	}
	if name == "" {
		name = u.Hostname()
	}
	return Feed{Name: name, URL: u.String()}, nil
}

// Config configures a Poller.
type Config struct {
	// Feeds to poll; names must be unique.
	Feeds []Feed
	// Interval between polls of one feed. Default: 1m.
	Interval time.Duration
	// Timeout bounds one poll's HTTP request, body included. Default: 30s.
	Timeout time.Duration
	// BackoffMax caps the wait after consecutive failures. Default: 30m.
	BackoffMax time.Duration
	// MaxBytes is the largest body read; larger fails. Default: 32 MiB.
	MaxBytes int64
	// UserAgent is sent with every request.
	UserAgent string
	// Client makes the requests. Default: a client with Timeout.
	Client *http.Client
}

func (c Config) withDefaults() Config {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = DefaultBackoffMax
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: c.Timeout}
	}
	return c
}

// Validate names the settings that cannot work.
func (c Config) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for _, f := range c.Feeds {
		if _, err := ParseFeed(f.URL); err != nil {
			errs = append(errs, err)
		}
		if !nameRE.MatchString(f.Name) {
			errs = append(errs, fmt.Errorf("feed name %q: want letters, digits, '.', '_' or '-'", f.Name))
		}
		if seen[f.Name] {
			errs = append(errs, fmt.Errorf("feed name %q used twice: name feeds of one host with name=URL", f.Name))
		}
		seen[f.Name] = true
	}
	if c.Interval < time.Second {
		errs = append(errs, fmt.Errorf("poll interval %s: want at least 1s", c.Interval))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("feed timeout %s: want more than 0", c.Timeout))
	}
	if c.BackoffMax < c.Interval {
		errs = append(errs, fmt.Errorf("feed backoff max %s is shorter than the poll interval %s", c.BackoffMax, c.Interval))
	}
	if c.MaxBytes < 1024 {
		errs = append(errs, fmt.Errorf("feed max bytes %d: want at least 1024", c.MaxBytes))
	}
	return errors.Join(errs...)
}

// Sink takes the items of one poll. Send skips items already sent unchanged
// and publishes the rest; it returns an error when some item did not reach
// Kafka, which publish.Retryable classifies. Reject counts and logs an entry
// that is not an article.
type Sink interface {
	Send(ctx context.Context, items []publish.Item) error
	Reject(source string, reason error)
}

// Poller polls the feeds.
type Poller struct {
	cfg     Config
	sink    Sink
	logger  *slog.Logger
	now     func() time.Time
	metrics *metrics
	states  map[string]*state
}

// state is one feed's conditional-GET validators and failure count.
type state struct {
	mu           sync.Mutex
	feed         Feed
	etag         string
	lastModified string
	failures     int
	retryAfter   time.Duration
}

// New returns a Poller; it fetches nothing until Run or Poll.
func New(cfg Config, sink Sink, logger *slog.Logger, reg prometheus.Registerer, now func() time.Time) (*Poller, error) {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Poller{cfg: cfg, sink: sink, logger: logger, now: now, metrics: newMetrics(reg), states: map[string]*state{}}
	for _, f := range cfg.Feeds {
		p.states[f.Name] = &state{feed: f}
		p.metrics.init(f.Name)
	}
	return p, nil
}

// Run polls every feed until ctx ends, then waits for polls in flight: a
// fetch is abandoned at once, but items already handed to the sink are
// published before Run returns.
func (p *Poller) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, f := range p.cfg.Feeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.loop(ctx, f.Name)
		}()
	}
	wg.Wait()
	return nil
}

func (p *Poller) loop(ctx context.Context, name string) {
	for {
		wait := p.cfg.Interval
		if err := p.Poll(ctx, name); err != nil {
			if ctx.Err() != nil {
				return
			}
			wait = p.backoff(name)
		}
		wait += time.Duration(rand.Int64N(int64(wait)/10 + 1))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// backoff is the wait after the feed's latest failure.
func (p *Poller) backoff(name string) time.Duration {
	st := p.states[name]
	st.mu.Lock()
	defer st.mu.Unlock()
	d := p.cfg.Interval
	for i := 1; i < st.failures && d < p.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = max(d, st.retryAfter)
	return min(d, p.cfg.BackoffMax)
}

// pollError is a failed poll with its metric reason.
type pollError struct {
	reason string
	err    error
}

func (e *pollError) Error() string { return e.err.Error() }
func (e *pollError) Unwrap() error { return e.err }

// Poll fetches one feed once and sends its items. It returns the error the
// poll failed with (already logged and counted).
func (p *Poller) Poll(ctx context.Context, name string) error {
	st, ok := p.states[name]
	if !ok {
		return fmt.Errorf("no feed named %q", name)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	start := p.now()
	result, err := p.poll(ctx, st)
	p.metrics.duration.WithLabelValues(name).Observe(p.now().Sub(start).Seconds())
	if err != nil {
		var pe *pollError
		if !errors.As(err, &pe) {
			pe = &pollError{reason: ReasonNetwork, err: err}
		}
		if ctx.Err() != nil && pe.reason != ReasonPublish {
			return err // shutting down: an abandoned fetch is not a feed error
		}
		st.failures++
		p.metrics.polls.WithLabelValues(name, "error").Inc()
		p.metrics.errors.WithLabelValues(name, pe.reason).Inc()
		p.logger.Warn("feed poll failed", "feed", name, "url", st.feed.URL, "reason", pe.reason, "consecutive_failures", st.failures, "err", pe.err)
		return err
	}
	st.failures, st.retryAfter = 0, 0
	p.metrics.polls.WithLabelValues(name, result).Inc()
	p.metrics.lastSuccess.WithLabelValues(name).Set(float64(p.now().UnixNano()) / 1e9)
	return nil
}

// poll does the work of Poll; st is locked. It returns "ok" or
// "not_modified".
func (p *Poller) poll(ctx context.Context, st *state) (string, error) {
	st.retryAfter = 0
	reqCtx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, st.feed.URL, nil)
	if err != nil {
		return "", &pollError{ReasonNetwork, err}
	}
	req.Header.Set("User-Agent", p.cfg.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/vnd.iptc.g2.newsmessage+xml, application/ninjs+json;q=0.9, application/xml;q=0.9, application/json;q=0.8, text/xml;q=0.8, */*;q=0.5")
	if st.etag != "" {
		req.Header.Set("If-None-Match", st.etag)
	}
	if st.lastModified != "" {
		req.Header.Set("If-Modified-Since", st.lastModified)
	}
	resp, err := p.cfg.Client.Do(req)
	if err != nil {
		return "", classify(err, p.cfg.Timeout)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		p.logger.Debug("feed not modified", "feed", st.feed.Name)
		return "not_modified", nil
	case http.StatusOK:
	default:
		st.retryAfter = retryAfter(resp.Header.Get("Retry-After"), p.now())
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return "", &pollError{ReasonStatus, fmt.Errorf("GET %s: HTTP %s", st.feed.URL, resp.Status)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, p.cfg.MaxBytes+1))
	if err != nil {
		return "", classify(fmt.Errorf("read body: %w", err), p.cfg.Timeout)
	}
	if int64(len(body)) > p.cfg.MaxBytes {
		return "", &pollError{ReasonTooLarge, fmt.Errorf("GET %s: body larger than %d bytes (--feed-max-bytes)", st.feed.URL, p.cfg.MaxBytes)}
	}
	doc, err := format.Parse(body, format.Options{
		Source:  st.feed.Name,
		Origin:  publish.OriginFeed,
		Charset: wire.CharsetOf(resp.Header.Get("Content-Type")),
		BaseURL: st.feed.URL,
		Now:     p.now(),
	})
	switch {
	case errors.Is(err, format.ErrNoItem):
		p.logger.Info("feed document holds no news item", "feed", st.feed.Name, "err", err)
	case errors.Is(err, format.ErrCharset):
		return "", &pollError{ReasonCharset, err}
	case err != nil:
		return "", &pollError{ReasonParse, err}
	}
	for _, r := range doc.Rejected {
		p.sink.Reject(st.feed.Name, r)
	}
	if err := p.sink.Send(ctx, doc.Items); err != nil {
		if publish.Retryable(err) {
			return "", &pollError{ReasonPublish, err}
		}
		// Items that can never be written (too large) are counted and
		// logged by the sink; failing the poll for them would only make
		// the feed back off and hide its other items behind old validators.
	}
	st.etag = resp.Header.Get("ETag")
	st.lastModified = resp.Header.Get("Last-Modified")
	p.logger.Debug("feed polled", "feed", st.feed.Name, "format", doc.Format, "items", len(doc.Items), "rejected", len(doc.Rejected))
	return "ok", nil
}

// classify gives a transport error its reason.
func classify(err error, timeout time.Duration) error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &pollError{ReasonTimeout, fmt.Errorf("no complete response within %s (--feed-timeout): %w", timeout, err)}
	}
	return &pollError{ReasonNetwork, err}
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
