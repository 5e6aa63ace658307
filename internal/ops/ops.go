// Package ops is what every long-running newsflow process exposes to the
// people who run it: a Prometheus registry with the Go and process
// collectors, and an HTTP server for /metrics, /healthz and /readyz.
//
// /healthz answers 200 while the process runs. /readyz answers 200 only when
// every readiness check passes and the process has not started to shut
// down, so a load balancer or Kubernetes stops sending work first.
package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Check is a readiness check: nil when the dependency answers.
type Check func(ctx context.Context) error

// Prober tracks readiness: named checks plus a shutting-down switch.
type Prober struct {
	mu       sync.Mutex
	checks   map[string]Check
	stopping atomic.Bool
}

// NewProber returns a Prober with no checks (ready).
func NewProber() *Prober { return &Prober{checks: map[string]Check{}} }

// AddCheck adds a named readiness check.
func (p *Prober) AddCheck(name string, c Check) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checks[name] = c
}

// NotReady marks the process as shutting down: /readyz fails from now on.
func (p *Prober) NotReady() { p.stopping.Store(true) }

// Ready runs the checks and returns the first failure.
func (p *Prober) Ready(ctx context.Context) error {
	if p.stopping.Load() {
		return errors.New("shutting down")
	}
	p.mu.Lock()
	checks := make(map[string]Check, len(p.checks))
	for k, v := range p.checks {
		checks[k] = v
	}
	p.mu.Unlock()
	for name, c := range checks {
		if err := c(ctx); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// Handler returns the mux serving /metrics, /healthz and /readyz (GET or
// HEAD; another method is a 405, another path a 404, both with a JSON
// message).
func Handler(reg *prometheus.Registry, p *Prober) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/metrics", getOnly(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
	mux.Handle("/healthz", getOnly(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})))
	mux.Handle("/readyz", getOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := p.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: %v\n", err)
			return
		}
		fmt.Fprintln(w, "ready")
	})))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, fmt.Sprintf("no such endpoint %q: this server answers GET /metrics, /healthz and /readyz", r.URL.Path))
	})
	return mux
}

// getOnly answers 405 to methods other than GET and HEAD.
func getOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			WriteError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: use GET", r.Method, r.URL.Path))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// MountPprof serves Go's profiler (net/http/pprof) under /debug/pprof/.
func MountPprof(mux *http.ServeMux) {
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
}

// Server is an HTTP server run as an actor: Run blocks until Stop. Every
// newsflow HTTP surface is one, built by Listen with the Limits that keep
// slow or many clients from exhausting goroutines and file descriptors.
type Server struct {
	srv    *http.Server
	ln     *limitListener
	guard  *guard
	logger *slog.Logger
	name   string
}

// Listen binds addr now, so a port conflict fails at start with a clear
// error, and serves h with the default Limits.
func Listen(name, addr string, h http.Handler, logger *slog.Logger) (*Server, error) {
	return ListenWith(name, addr, h, Limits{}, logger)
}

// ListenWith is Listen with other Limits (zero fields: the defaults).
func ListenWith(name, addr string, h http.Handler, lim Limits, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for %s on %s (is another process using the port?): %w", name, addr, err)
	}
	lim = lim.withDefaults()
	g := newGuard(name, h, lim, logger)
	return &Server{
		srv: &http.Server{
			Handler:           g,
			ReadHeaderTimeout: lim.ReadHeaderTimeout,
			MaxHeaderBytes:    lim.MaxHeaderBytes,
			IdleTimeout:       lim.IdleTimeout,
			WriteTimeout:      lim.WriteTimeout,
			// net/http's own complaints (TLS handshakes on a plain port,
			// broken connections) are logged, not printed.
			ErrorLog: slog.NewLogLogger(logger.With("server", name).Handler(), slog.LevelDebug),
		},
		ln:     newLimitListener(ln, lim.MaxConns, lim.RetryAfter),
		guard:  g,
		logger: logger,
		name:   name,
	}, nil
}

// Stats are what a Server refused: connections past MaxConns, requests
// past MaxInFlight; and the connections open now.
type Stats struct {
	Active, RefusedConns, RefusedRequests int
}

// Stats returns the server's counts.
func (s *Server) Stats() Stats {
	return Stats{Active: s.ln.Active(), RefusedConns: int(s.ln.rejected.Load()), RefusedRequests: int(s.guard.rejected.Load())}
}

// Addr is the bound address (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Run serves until Stop.
func (s *Server) Run() error {
	s.logger.Info("http server listening", "server", s.name, "addr", s.Addr())
	if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", s.name, err)
	}
	return nil
}

// Stop shuts the server down, waiting up to timeout for requests in flight.
func (s *Server) Stop(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.logger.Warn("http server shutdown", "server", s.name, "err", err)
	}
}
