package ops

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Limits bound what clients, authenticated or not, can hold of a server:
// every newsflow HTTP surface (the push endpoint of produce, the page, API
// and push of up, every /metrics server) is built with them by Listen.
// Zero fields take the defaults.
type Limits struct {
	// ReadHeaderTimeout bounds the request line and headers. Default: 5s.
	ReadHeaderTimeout time.Duration
	// MaxHeaderBytes bounds their size (larger: 431). Default: 64 KiB.
	MaxHeaderBytes int
	// BodyGrace is how long a request body may keep the server waiting
	// for its first bytes, and for the next ones at any pause. Default: 5s.
	BodyGrace time.Duration
	// BodyMinRate is the slowest a body may arrive on average, in bytes a
	// second, after BodyGrace: an 8 MiB push at the default takes at most
	// 4 min 21 s. A body that falls behind is cut (the handler's read fails
	// with os.ErrDeadlineExceeded). Default: 32 KiB/s.
	BodyMinRate int
	// IdleTimeout closes a keep-alive connection without a request.
	// Default: 60s.
	IdleTimeout time.Duration
	// WriteTimeout bounds a request from its headers to the end of the
	// answer, so a client that does not read cannot hold a goroutine.
	// Default: 5 min (a push waits for Kafka's acknowledgement).
	WriteTimeout time.Duration
	// MaxConns is the most connections open at once; past it a new one is
	// answered 503 (Retry-After) and closed. Default: 256.
	MaxConns int
	// MaxInFlight is the most requests in handlers at once; past it a
	// request is answered 503 with Retry-After. The paths in Exempt
	// (probes, metrics: cheap, and a probe must not fail under load) are
	// not counted. Default: 64.
	MaxInFlight int
	// RetryAfter is the Retry-After of those 503s. Default: 1s.
	RetryAfter time.Duration
	// Exempt are paths outside MaxInFlight. Default: /healthz, /readyz,
	// /metrics.
	Exempt []string
}

// Defaults of Limits.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultBodyGrace         = 5 * time.Second
	DefaultBodyMinRate       = 32 << 10
	DefaultIdleTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 5 * time.Minute
	DefaultMaxConns          = 256
	DefaultMaxInFlight       = 64
	DefaultRetryAfter        = time.Second
)

func (l Limits) withDefaults() Limits {
	setD := func(p *time.Duration, d time.Duration) {
		if *p <= 0 {
			*p = d
		}
	}
	setI := func(p *int, d int) {
		if *p <= 0 {
			*p = d
		}
	}
	setD(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setI(&l.MaxHeaderBytes, DefaultMaxHeaderBytes)
	setD(&l.BodyGrace, DefaultBodyGrace)
	setI(&l.BodyMinRate, DefaultBodyMinRate)
	setD(&l.IdleTimeout, DefaultIdleTimeout)
	setD(&l.WriteTimeout, DefaultWriteTimeout)
	setI(&l.MaxConns, DefaultMaxConns)
	setI(&l.MaxInFlight, DefaultMaxInFlight)
	setD(&l.RetryAfter, DefaultRetryAfter)
	if l.Exempt == nil {
		l.Exempt = []string{"/healthz", "/readyz", "/metrics"}
	}
	return l
}

// WriteError answers code with {"error": msg}: every error of newsflow's
// HTTP surfaces is JSON with a message a person can act on.
func WriteError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Error string `json:"error"`
	}{msg})
}

// IsBodyTimeout reports whether err is a request body read cut by the
// Limits of the server (too slow, or stalled).
func IsBodyTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// BodyTimeoutMessage is the answer to a body cut by the limits.
func BodyTimeoutMessage() string {
	return fmt.Sprintf("request body too slow: it must start within %v and arrive at %d KiB/s or faster; send it again", DefaultBodyGrace, DefaultBodyMinRate>>10)
}

// guard is the handler every server runs first: a panic becomes a 500
// with a message and a log line (never a stack trace to the client), a
// request body gets its deadline, and requests past MaxInFlight get 503.
type guard struct {
	next     http.Handler
	lim      Limits
	slots    chan struct{}
	exempt   map[string]bool
	logger   *slog.Logger
	name     string
	rejected atomic.Int64
}

func newGuard(name string, next http.Handler, lim Limits, logger *slog.Logger) *guard {
	g := &guard{next: next, lim: lim, slots: make(chan struct{}, lim.MaxInFlight), exempt: map[string]bool{}, logger: logger, name: name}
	for _, p := range lim.Exempt {
		g.exempt[p] = true
	}
	return g
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			g.logger.Error("http handler panicked", "server", g.name, "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
			WriteError(w, http.StatusInternalServerError, "internal error: the server logged it; try again or report it")
		}
	}()
	if r.Body != nil && r.Body != http.NoBody {
		rc := http.NewResponseController(w)
		start := time.Now()
		if err := rc.SetReadDeadline(start.Add(g.lim.BodyGrace)); err == nil {
			r.Body = &pacedBody{ReadCloser: r.Body, rc: rc, start: start, grace: g.lim.BodyGrace, rate: g.lim.BodyMinRate}
		}
	}
	if !g.exempt[r.URL.Path] {
		select {
		case g.slots <- struct{}{}:
			defer func() { <-g.slots }()
		default:
			g.rejected.Add(1)
			w.Header().Set("Retry-After", strconv.Itoa(int(g.lim.RetryAfter.Round(time.Second)/time.Second)))
			w.Header().Set("Connection", "close")
			WriteError(w, http.StatusServiceUnavailable, fmt.Sprintf("overloaded: %d requests in progress; retry after %v", g.lim.MaxInFlight, g.lim.RetryAfter))
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// pacedBody moves the connection's read deadline as the body arrives: at
// most grace after the last bytes, and never beyond grace plus what the
// bytes received so far earn at rate. A body that stalls or trickles below
// rate fails with os.ErrDeadlineExceeded.
type pacedBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	rate  int
	total int64
	last  time.Time
}

func (b *pacedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.total += int64(n)
		now := time.Now()
		d := now.Add(b.grace)
		if earned := b.start.Add(b.grace + time.Duration(float64(b.total)/float64(b.rate)*float64(time.Second))); earned.Before(d) {
			d = earned
		}
		// A deadline call per read is cheap, but there is no need for one
		// per packet.
		if d.Sub(b.last) > 50*time.Millisecond || d.Before(b.last) {
			_ = b.rc.SetReadDeadline(d)
			b.last = d
		}
	}
	return n, err
}

// refusers bounds the goroutines answering refused connections (each for
// at most refuseLinger plus a second to write); past them a refused
// connection is closed without an answer.
const (
	refusers     = 256
	refuseLinger = 250 * time.Millisecond
)

// limitListener accepts at most max connections at once; past it, a new
// connection is answered 503 (Retry-After) and closed.
type limitListener struct {
	net.Listener
	max      int
	active   atomic.Int64
	rejected atomic.Int64
	// refusing bounds the goroutines that answer refused connections.
	refusing chan struct{}
	retry    time.Duration
}

func newLimitListener(ln net.Listener, max int, retry time.Duration) *limitListener {
	return &limitListener{Listener: ln, max: max, refusing: make(chan struct{}, refusers), retry: retry}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.active.Add(1) <= int64(l.max) {
			return &limitConn{Conn: c, l: l}, nil
		}
		l.active.Add(-1)
		l.rejected.Add(1)
		select {
		case l.refusing <- struct{}{}:
			go func() {
				defer func() { <-l.refusing }()
				l.refuse(c)
			}()
		default:
			_ = c.Close() // refusing as fast as they come is all that is left
		}
	}
}

// refuse answers 503 without reading the request (within a second), then
// reads what the client sent for a moment (refuseLinger, or until the
// client closes), so that closing does not reset the connection before the
// client has read the answer.
func (l *limitListener) refuse(c net.Conn) {
	defer c.Close()
	body := fmt.Sprintf(`{"error":"overloaded: %d connections open; retry after %v"}`+"\n", l.max, l.retry)
	_ = c.SetDeadline(time.Now().Add(time.Second))
	_, err := fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: %d\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		int(l.retry.Round(time.Second)/time.Second), len(body), body)
	if err != nil {
		return
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_ = c.SetReadDeadline(time.Now().Add(refuseLinger))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

// Active is the number of connections open.
func (l *limitListener) Active() int { return int(l.active.Load()) }

type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.active.Add(-1) })
	return err
}
