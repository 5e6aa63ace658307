package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/internal/itest/ktest"
)

// buildNewsflow builds the binary under test into a temporary directory.
func buildNewsflow(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "newsflow")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

var runningRE = regexp.MustCompile(`producers running.* push_addr=(\S+)`)

// TestIntegrationProduceSIGTERMDuringBurst pushes 10,000 articles from
// concurrent clients to the built binary, sends SIGTERM in the middle of
// the burst, and checks that Kafka holds exactly as many messages as the
// 2xx/4xx/5xx answers said were accepted: nothing acknowledged is lost and
// nothing refused slips through.
func TestIntegrationProduceSIGTERMDuringBurst(t *testing.T) {
	addr := itest.Kafka(t)
	topic := itest.NewTopic(t, addr, 3)
	bin := buildNewsflow(t)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("burst-token\n"), 0o600))

	cmd := exec.Command(bin, "produce",
		"--kafka-brokers", addr, "--topic", topic,
		"--listen", "127.0.0.1:0", "--token-file", tokenFile,
		"--metrics-addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
		"--batch-timeout", "5ms")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// The push address is in the log once the producers run (topic checked).
	addrCh := make(chan string, 1)
	var logMu sync.Mutex
	var logs strings.Builder
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			logs.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := runningRE.FindStringSubmatch(sc.Text()); m != nil {
				addrCh <- m[1]
			}
		}
	}()
	var pushAddr string
	select {
	case pushAddr = <-addrCh:
	case <-time.After(30 * time.Second):
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("producer did not start listening:\n%s", logs.String())
	}
	url := "http://" + pushAddr + "/v1/articles"

	const (
		clients   = 16
		total     = 10_000
		perReq    = 10
		perClient = total / clients
	)
	var accepted, answered, refused, sent atomic.Int64
	codes := sync.Map{}
	var wg sync.WaitGroup
	burstStart := time.Now()
	sigAt := make(chan struct{})
	var sigOnce sync.Once
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Timeout: 60 * time.Second}
			for i := 0; i < perClient; i += perReq {
				var body strings.Builder
				for j := i; j < min(i+perReq, perClient); j++ {
					fmt.Fprintf(&body, `{"source":"burst","source_id":"c%d-%d","title":"Article %d","body":"Burst article %d of client %d."}`+"\n", c, j, j, j, c)
				}
				req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body.String()))
				req.Header.Set("Authorization", "Bearer burst-token")
				sent.Add(perReq)
				res, err := hc.Do(req)
				if err != nil {
					refused.Add(1) // the server is gone: no answer, nothing claimed
					return
				}
				b, _ := io.ReadAll(res.Body)
				_ = res.Body.Close()
				n, _ := codes.LoadOrStore(res.StatusCode, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
				var resp struct {
					Accepted *int `json:"accepted"`
				}
				if json.Unmarshal(b, &resp) == nil && resp.Accepted != nil {
					accepted.Add(int64(*resp.Accepted))
				}
				answered.Add(1)
				if accepted.Load() >= total/3 {
					sigOnce.Do(func() { close(sigAt) })
				}
				if res.StatusCode == http.StatusServiceUnavailable {
					return
				}
			}
		}()
	}

	select {
	case <-sigAt:
	case <-time.After(60 * time.Second):
		t.Fatal("burst did not reach a third of the articles")
	}
	sigTime := time.Now()
	acceptedAtSignal := accepted.Load()
	rate := float64(acceptedAtSignal) / sigTime.Sub(burstStart).Seconds()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		require.NoError(t, err, "exit status after SIGTERM")
	case <-time.After(60 * time.Second):
		t.Fatal("producer did not exit within 60s of SIGTERM")
	}
	exitAfter := time.Since(sigTime)
	wg.Wait()
	<-logDone

	inKafka := ktest.Count(t, addr, topic)
	var byCode []string
	codes.Range(func(k, v any) bool {
		byCode = append(byCode, fmt.Sprintf("%v:%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	t.Logf("articles offered %d, accepted %d (%d when SIGTERM was sent, %.0f/s before it), in Kafka %d; answers %d by code %v; requests without an answer %d; exit %s after SIGTERM",
		sent.Load(), accepted.Load(), acceptedAtSignal, rate, inKafka, answered.Load(), byCode, refused.Load(), exitAfter.Round(time.Millisecond))
	require.Equal(t, accepted.Load(), inKafka, "messages in Kafka equal the articles the endpoint accepted")
	require.Less(t, accepted.Load(), int64(total), "SIGTERM came during the burst")

	msgs := ktest.ReadAll(t, addr, topic)
	seen := map[string]bool{}
	for _, m := range msgs {
		require.False(t, seen[string(m.Key)], "key %s twice", m.Key)
		seen[string(m.Key)] = true
	}
	logMu.Lock()
	defer logMu.Unlock()
	require.Contains(t, logs.String(), "kafka writer flushed and closed")

}
