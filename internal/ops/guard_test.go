package ops

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// serve runs h on a Server with lim on a free port until the test ends.
func serve(t *testing.T, h http.Handler, lim Limits) *Server {
	t.Helper()
	s, err := ListenWith("test", "127.0.0.1:0", h, lim, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Run() }()
	t.Cleanup(func() {
		s.Stop(5 * time.Second)
		require.NoError(t, <-done)
	})
	return s
}

// pushLike reads the whole body, as the push endpoint does, and answers
// 202, or 408 when the server's limits cut the body.
func pushLike(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	switch {
	case IsBodyTimeout(err):
		WriteError(w, http.StatusRequestTimeout, BodyTimeoutMessage())
	case err != nil:
		WriteError(w, http.StatusBadRequest, err.Error())
	default:
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"accepted":%d}`, len(b))
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	return len(ents)
}

// errorBody decodes a JSON error answer.
func errorBody(t *testing.T, b []byte) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(b, &e), "a JSON error: %s", b)
	require.NotEmpty(t, e.Error, string(b))
	return e.Error
}

// TestThousandSilentBodiesAreBounded opens 1,000 connections that announce
// a push body and never send it. The server holds at most MaxConns of them
// (file descriptors and goroutines counted), answers the rest 503 at once,
// cuts the held ones at BodyGrace, and a real client is answered 202 or 503
// throughout; afterwards everything is released.
func TestThousandSilentBodiesAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 connections and a few seconds: not under -short")
	}
	for _, tc := range []struct {
		name string
		lim  Limits
	}{
		{"the default limits: requests in flight bind first", Limits{BodyGrace: 2 * time.Second}},
		{"connections bind first", Limits{BodyGrace: 2 * time.Second, MaxInFlight: 2000}},
	} {
		t.Run(tc.name, func(t *testing.T) { silentBodies(t, tc.lim.withDefaults()) })
	}
}

func silentBodies(t *testing.T, lim Limits) {
	const clients = 1000
	s := serve(t, http.HandlerFunc(pushLike), lim)
	addr := s.Addr()
	time.Sleep(50 * time.Millisecond)
	g0, f0 := runtime.NumGoroutine(), openFDs(t)

	conns := make([]net.Conn, 0, clients)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range clients {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		_, err = fmt.Fprintf(c, "POST /v1/articles HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000000\r\n\r\n", addr)
		require.NoError(t, err)
		conns = append(conns, c)
	}
	time.Sleep(500 * time.Millisecond)
	st := s.Stats()
	g1, f1 := runtime.NumGoroutine(), openFDs(t)
	serverFDs := f1 - f0 - clients // the test's own 1,000 sockets are in this process too
	t.Logf("1,000 silent bodies: %d connections held, %d refused, %d requests refused; server fds +%d, goroutines +%d", st.Active, st.RefusedConns, st.RefusedRequests, serverFDs, g1-g0)
	require.LessOrEqual(t, st.Active, lim.MaxConns)
	// Past MaxInFlight handlers the guard answers 503 at once and closes;
	// past MaxConns the listener does.
	require.GreaterOrEqual(t, st.RefusedConns+st.RefusedRequests, clients-min(lim.MaxInFlight, lim.MaxConns))
	require.LessOrEqual(t, serverFDs, lim.MaxConns+refusers+8, "file descriptors stay bounded")
	require.LessOrEqual(t, g1-g0, lim.MaxConns+refusers+16, "goroutines stay bounded")

	// A real client meanwhile: answered, 202 or 503 with a JSON reason.
	hc := &http.Client{Timeout: 10 * time.Second}
	res, err := hc.Post("http://"+addr+"/v1/articles", "application/x-ndjson", strings.NewReader(`{"source":"s","body":"b"}`+"\n"))
	require.NoError(t, err, "a real client gets an answer")
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Contains(t, []int{http.StatusAccepted, http.StatusServiceUnavailable}, res.StatusCode, string(b))
	if res.StatusCode == http.StatusServiceUnavailable {
		require.Contains(t, errorBody(t, b), "overloaded")
		require.Equal(t, "1", res.Header.Get("Retry-After"))
	}

	// The held bodies are cut at BodyGrace: their connections close, and a
	// real client gets 202.
	require.Eventually(t, func() bool { return s.Stats().Active == 0 }, lim.BodyGrace+5*time.Second, 50*time.Millisecond,
		"held connections released after the body grace (%d still open)", s.Stats().Active)
	res, err = hc.Post("http://"+addr+"/v1/articles", "application/x-ndjson", strings.NewReader(`{"source":"s","body":"b"}`+"\n"))
	require.NoError(t, err)
	b, _ = io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Equal(t, http.StatusAccepted, res.StatusCode, string(b))
	for _, c := range conns {
		_ = c.Close()
	}
	conns = nil
	hc.CloseIdleConnections()
	require.Eventually(t, func() bool {
		return runtime.NumGoroutine() <= g0+4 && openFDs(t) <= f0+4
	}, 10*time.Second, 50*time.Millisecond, "goroutines and fds back to where they were (now %d and %d, were %d and %d)",
		runtime.NumGoroutine(), openFDs(t), g0, f0)
}

// rawRequest writes req on a new connection and returns what the server
// answered before closing, and how long that took.
func rawRequest(t *testing.T, addr string, write func(c net.Conn)) (string, time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	start := time.Now()
	write(c)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(20*time.Second)))
	b, _ := io.ReadAll(bufio.NewReader(c))
	return string(b), time.Since(start)
}

func TestServerLimits(t *testing.T) {
	lim := Limits{ReadHeaderTimeout: 500 * time.Millisecond, BodyGrace: 500 * time.Millisecond, BodyMinRate: 4 << 10, MaxInFlight: 2}
	block := make(chan struct{})
	var entered sync.WaitGroup
	mux := http.NewServeMux()
	mux.HandleFunc("/push", pushLike)
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("a bug") })
	mux.HandleFunc("/block", func(w http.ResponseWriter, r *http.Request) {
		entered.Done()
		<-block
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	s := serve(t, mux, lim)
	addr := s.Addr()

	t.Run("a panic is a 500 with a message, not a stack trace", func(t *testing.T) {
		res, err := http.Get("http://" + addr + "/panic")
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		require.Equal(t, http.StatusInternalServerError, res.StatusCode)
		require.Contains(t, errorBody(t, b), "internal error")
		require.NotContains(t, string(b), "goroutine")
	})
	t.Run("headers larger than 64 KiB are refused with 431", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/healthz", nil)
		// net/http allows 4 KiB over MaxHeaderBytes, and on a reused
		// connection another 4 KiB it has buffered already.
		req.Header.Set("X-Big", strings.Repeat("x", 80<<10))
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = res.Body.Close()
		require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, res.StatusCode)
	})
	t.Run("headers that never end are cut at ReadHeaderTimeout", func(t *testing.T) {
		_, took := rawRequest(t, addr, func(c net.Conn) { fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n") })
		require.Less(t, took, lim.ReadHeaderTimeout+3*time.Second)
	})
	t.Run("a body that stalls is cut at the grace", func(t *testing.T) {
		out, took := rawRequest(t, addr, func(c net.Conn) {
			fmt.Fprintf(c, "POST /push HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"source\":")
		})
		require.Contains(t, out, "408 Request Timeout")
		require.Contains(t, out, "request body too slow")
		require.Less(t, took, lim.BodyGrace+3*time.Second)
	})
	t.Run("a body that trickles below the minimum rate is cut", func(t *testing.T) {
		out, took := rawRequest(t, addr, func(c net.Conn) {
			fmt.Fprintf(c, "POST /push HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
			// 100 bytes every 100 ms: 1 KB/s, a quarter of the minimum.
			for i := 0; i < 60; i++ {
				if _, err := c.Write([]byte(strings.Repeat("x", 100))); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
		require.Contains(t, out, "408 Request Timeout")
		require.Less(t, took, 6*time.Second+2*time.Second)
	})
	t.Run("a body above the minimum rate passes", func(t *testing.T) {
		out, _ := rawRequest(t, addr, func(c net.Conn) {
			fmt.Fprintf(c, "POST /push HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 8000\r\n\r\n")
			// 1,000 bytes every 100 ms: 10 KB/s, with a pause of 300 ms.
			for i := 0; i < 8; i++ {
				_, _ = c.Write([]byte(strings.Repeat("x", 1000)))
				time.Sleep(100 * time.Millisecond)
				if i == 4 {
					time.Sleep(300 * time.Millisecond)
				}
			}
		})
		require.Contains(t, out, "202 Accepted")
		require.Contains(t, out, `{"accepted":8000}`)
	})
	t.Run("past MaxInFlight requests get 503 with Retry-After, probes still answer", func(t *testing.T) {
		entered.Add(lim.MaxInFlight)
		var wg sync.WaitGroup
		for range lim.MaxInFlight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := http.Get("http://" + addr + "/block")
				if err == nil {
					_ = res.Body.Close()
				}
			}()
		}
		entered.Wait()
		res, err := http.Get("http://" + addr + "/push")
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
		require.Equal(t, "1", res.Header.Get("Retry-After"))
		require.Contains(t, errorBody(t, b), "overloaded: 2 requests in progress")
		res, err = http.Get("http://" + addr + "/healthz")
		require.NoError(t, err)
		_ = res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, "probes are not counted")
		close(block)
		wg.Wait()
		require.Equal(t, 1, s.Stats().RefusedRequests)
	})
}

func TestConnectionsPastTheLimitAreAnswered503(t *testing.T) {
	lim := Limits{MaxConns: 3, BodyGrace: 5 * time.Second}
	s := serve(t, http.HandlerFunc(pushLike), lim)
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", s.Addr())
		require.NoError(t, err)
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			_ = c.Close()
		}
	}()
	require.Eventually(t, func() bool { return s.Stats().Active == 3 }, 5*time.Second, 10*time.Millisecond)
	res, err := http.Post("http://"+s.Addr()+"/", "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	require.Equal(t, "1", res.Header.Get("Retry-After"))
	require.Contains(t, errorBody(t, b), "overloaded: 3 connections open")
	for _, c := range held {
		_ = c.Close()
	}
	held = nil
	require.Eventually(t, func() bool { return s.Stats().Active == 0 }, 5*time.Second, 10*time.Millisecond)
	res, err = http.Post("http://"+s.Addr()+"/", "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusAccepted, res.StatusCode, "served again once connections close")
}
