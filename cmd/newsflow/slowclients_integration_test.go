package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/internal/ops"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// procFDs counts the open file descriptors of a process.
func procFDs(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Skipf("cannot count the file descriptors of the process: %v", err)
	}
	return len(ents)
}

var goroutinesRE = regexp.MustCompile(`(?m)^go_goroutines (\d+)`)

// goroutines reads go_goroutines from a /metrics URL.
func goroutines(t *testing.T, metricsURL string) int {
	t.Helper()
	res, err := http.Get(metricsURL)
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	m := goroutinesRE.FindSubmatch(b)
	require.NotNil(t, m, "go_goroutines in %s", metricsURL)
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// settled samples a process's file descriptors and goroutines until they
// hold still for a second (at most 20 s) and returns them.
func settled(t *testing.T, pid int, metricsURL string) (fds, gs int) {
	t.Helper()
	fds, gs = procFDs(t, pid), goroutines(t, metricsURL)
	same := 0
	for end := time.Now().Add(20 * time.Second); same < 4 && time.Now().Before(end); {
		time.Sleep(250 * time.Millisecond)
		f, g := procFDs(t, pid), goroutines(t, metricsURL)
		if f == fds && g == gs {
			same++
			continue
		}
		fds, gs, same = f, g, 0
	}
	return fds, gs
}

// portSockets counts the connected sockets (not the listener) a process
// holds on a local TCP port, from /proc/PID/fd and /proc/net/tcp{,6}.
func portSockets(t *testing.T, pid int, port string) int {
	t.Helper()
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	require.NoError(t, err)
	inodes := map[string]bool{}
	for _, e := range ents {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name()))
		if err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	local := fmt.Sprintf(":%04X", p)
	n := 0
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(line)
			const listen = "0A"
			if len(fs) > 9 && strings.HasSuffix(fs[1], local) && fs[3] != listen && inodes[fs[9]] {
				n++
			}
		}
	}
	return n
}

// startBinary runs the binary and returns it with a channel of its log
// lines.
func startBinary(t *testing.T, bin string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cmd.Environ(), "NEWSFLOW_CONFIG=")
	out := &syncBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			_, _ = out.Write([]byte(sc.Text() + "\n"))
		}
	}()
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = pw.Close()
	})
	return cmd, out
}

// silentBodies opens n connections to addr that announce a push body of
// 1 MB and never send it; a real client pushes meanwhile and must be
// answered 202 or 503. It checks the process's file descriptors and
// goroutines while they are open and after the body grace.
func silentBodies(t *testing.T, pid int, addr, metricsURL string) {
	t.Helper()
	const n = 1000
	// The baseline is taken once the process has settled: a process that
	// has just become ready may still be opening files (the CI run that
	// measured 27 descriptors here saw 37 once up had settled, and waited
	// for 35 that never came).
	fd0, g0 := settled(t, pid, metricsURL)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	start := time.Now()
	for range n {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		_, err = fmt.Fprintf(c, "POST /v1/articles HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000000\r\n\r\n", addr)
		require.NoError(t, err)
		conns = append(conns, c)
	}
	time.Sleep(time.Second)
	fd1, g1 := procFDs(t, pid), goroutines(t, metricsURL)

	hc := &http.Client{Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	res, err := hc.Post("http://"+addr+"/v1/articles", "application/x-ndjson", strings.NewReader(`{"source":"slow-test","source_id":"1","body":"A real client."}`+"\n"))
	require.NoError(t, err, "a real client gets an answer")
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Contains(t, []int{http.StatusAccepted, http.StatusServiceUnavailable}, res.StatusCode, string(b))
	t.Logf("%d silent bodies: fds %d → %d, goroutines %d → %d (%v after the first); a real client got %d %s",
		n, fd0, fd1, g0, g1, time.Since(start).Round(time.Millisecond), res.StatusCode, strings.TrimSpace(string(b)))
	bound := ops.DefaultMaxConns + 256 + 32 // held connections, refusals being answered, slack
	require.LessOrEqual(t, fd1-fd0, bound, "file descriptors stay bounded")
	require.LessOrEqual(t, g1-g0, bound, "goroutines stay bounded")

	// Past the body grace the held connections are cut; the process is
	// back where it was and a real client is served.
	// Past the body grace the held connections are cut. Counted as the
	// process's sockets on the port: its totals of descriptors and
	// goroutines also move with what else it runs (up's embedded Kafka
	// opens connections as it goes, three goroutines and two descriptors
	// each), which once failed this test with no HTTP connection held.
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	held := func() int { return portSockets(t, pid, port) }
	require.Positive(t, held(), "the process holds connections on %s while the bodies are silent", addr)
	deadline := time.Now().Add(ops.DefaultBodyGrace + 15*time.Second)
	for held() > 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	require.Zero(t, held(), "the held connections are cut after the body grace (%v)", ops.DefaultBodyGrace)
	fd2, g2 := procFDs(t, pid), goroutines(t, metricsURL)
	require.LessOrEqual(t, fd2-fd0, 32, "file descriptors back near the baseline")
	require.LessOrEqual(t, g2-g0, 48, "goroutines back near the baseline")
	t.Logf("fds %d, goroutines %d after the cut", fd2, g2)
	t.Logf("released %v after the first connection", time.Since(start).Round(time.Millisecond))
	res, err = hc.Post("http://"+addr+"/v1/articles", "application/x-ndjson", strings.NewReader(`{"source":"slow-test","source_id":"2","body":"Another real client."}`+"\n"))
	require.NoError(t, err)
	b, _ = io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Equal(t, http.StatusAccepted, res.StatusCode, string(b))
}

// TestIntegrationProducePushSlowClients: 1,000 connections that announce
// a push body and never send it, against `newsflow produce --listen`.
func TestIntegrationProducePushSlowClients(t *testing.T) {
	addr := itest.Kafka(t)
	topic := itest.NewTopic(t, addr, 1)
	bin := buildNewsflow(t)
	metrics := freeAddr(t)
	cmd, out := startBinary(t, bin, "produce", "--kafka-brokers", addr, "--topic", topic,
		"--listen", "127.0.0.1:0", "--push-allow-anonymous", "--metrics-addr", metrics,
		"--data-dir", filepath.Join(t.TempDir(), "data"), "--batch-timeout", "5ms")
	var pushAddr string
	require.Eventually(t, func() bool {
		m := runningRE.FindStringSubmatch(out.String())
		if m != nil {
			pushAddr = m[1]
		}
		return m != nil
	}, 30*time.Second, 50*time.Millisecond, "the producer runs: %s", out)
	silentBodies(t, cmd.Process.Pid, pushAddr, "http://"+metrics+"/metrics")
}

// TestIntegrationUpPageSlowClients: the same against `newsflow up`'s page
// server (page, API and push on one port), its metrics on --metrics-addr.
func TestIntegrationUpPageSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	bin := buildNewsflow(t)
	metrics := freeAddr(t)
	cmd, out := startBinary(t, bin, "up", "--listen", "127.0.0.1:0", "--metrics-addr", metrics,
		"--data-dir", t.TempDir(), "--samples=false", "--log-level", "warn")
	var page string
	require.Eventually(t, func() bool {
		m := pageRE.FindStringSubmatch(out.String())
		if m != nil {
			page = strings.TrimSuffix(strings.TrimPrefix(m[1], "http://"), "/")
		}
		return m != nil
	}, 30*time.Second, 50*time.Millisecond, "up prints its page: %s", out)
	require.Eventually(t, func() bool {
		res, err := http.Get("http://" + metrics + "/readyz")
		if err != nil {
			return false
		}
		_ = res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 30*time.Second, 100*time.Millisecond, "up is ready: %s", out)
	silentBodies(t, cmd.Process.Pid, page, "http://"+metrics+"/metrics")
}
