package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	blevesearch "github.com/blevesearch/bleve/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/embedded"
	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/search"
)

func TestUpBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"a public address without a token", []string{"--listen", "0.0.0.0:8080"}, "not a loopback address: set --token-file"},
		{"no address", []string{"--listen", ""}, "--listen is empty"},
		{"an address without a port", []string{"--listen", "localhost"}, `--listen "localhost": want host:port`},
		{"no partitions", []string{"--topic-partitions", "0"}, "--topic-partitions 0"},
		{"a topic setting without a value", []string{"--topic-config", "retention.ms"}, `--topic-config "retention.ms": want key=value`},
		{"a metrics address without a port", []string{"--metrics-addr", "localhost"}, `--metrics-addr "localhost": want host:port`},
		{"an analyzer bleve does not have", []string{"--text-analyzer", "french"}, `--text-analyzer "french"`},
		{"TLS for the embedded broker", []string{"--kafka-tls"}, "need --kafka-brokers"},
		{"a feed that is not a URL", []string{"--feed", "news=ftp://x"}, "--feed"},
		{"an Elasticsearch URL without a scheme", []string{"--elasticsearch-url", "es:9200"}, "want http://host:port"},
		{"a negative progress interval", []string{"--progress-interval", "-1s"}, "--progress-interval"},
		{"no push body allowed", []string{"--push-max-bytes", "0"}, "--push-max-bytes 0"},
		{"no file allowed", []string{"--watch-max-bytes", "-1"}, "--watch-max-bytes -1"},
		{"a fingerprint index inside the article pattern", []string{"--elasticsearch-url", "http://127.0.0.1:1", "--dedup-store", "elasticsearch", "--dedup-index", "newsflow-articles-fp"}, "--dedup-index"},
		{"the fingerprint index without Elasticsearch", []string{"--dedup-store", "elasticsearch"}, "--dedup-store elasticsearch needs --elasticsearch-url"},
		{"an unknown dedup store", []string{"--dedup-store", "memcached"}, `--dedup-store "memcached": want bolt, redis or elasticsearch`},
		{"a redis address without a port", []string{"--dedup-store", "redis", "--dedup-redis-addr", "redis"}, `--dedup-redis-addr "redis": want host:port`},
		{"an unknown flag", []string{"--nope"}, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"up", "--data-dir", t.TempDir()}, tc.args...)
			code, _, errs := runCLI(t, "", args...)
			require.Equal(t, 1, code)
			require.Contains(t, errs, tc.want)
		})
	}
}

func TestUpHelp(t *testing.T) {
	code, out, _ := runCLI(t, "", "up", "--help")
	require.Equal(t, 0, code)
	for _, want := range []string{
		"--data-dir, $NEWSFLOW_DATA_DIR", `"newsflow-data")`,
		"--listen, $NEWSFLOW_LISTEN", `(default "127.0.0.1:8080")`,
		"--kafka-brokers", "empty: the embedded broker",
		"--elasticsearch-url", "empty: the embedded bleve index",
		"--feed", "--watch", "--samples", "--token-file",
		"/api/search", "POST /v1/articles", "/metrics", "second Ctrl-C",
		"--push-max-bytes", "--watch-max-bytes", "--feed-max-bytes", "--feed-timeout", "an article is at most 1 MiB", "never by their name",
		"the page, /api/* and the push all need its token",
	} {
		require.Contains(t, out, want)
	}
}

// syncBuffer is an io.Writer safe for the process's goroutines and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// upProcess is `newsflow up` running in this test process.
type upProcess struct {
	url            string
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan error
}

var pageRE = regexp.MustCompile(`search page (http://\S+/)`)

// startUp runs `newsflow up` with args until the test ends or stop is
// called, and waits for its page address.
func startUp(t *testing.T, args ...string) *upProcess {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &upProcess{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	args = append([]string{"--listen", "127.0.0.1:0", "--log-level", "warn", "--progress-interval", "1s"}, args...)
	go func() { p.done <- runUp(ctx, streams{strings.NewReader(""), p.stdout, p.stderr}, args) }()
	t.Cleanup(func() { p.stop(t) })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := pageRE.FindStringSubmatch(p.stdout.String()); m != nil {
			p.url = m[1]
			return p
		}
		select {
		case err := <-p.done:
			t.Fatalf("newsflow up exited: %v\nstdout:\n%s\nstderr:\n%s", err, p.stdout, p.stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("newsflow up printed no page address in 30s\nstdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
	return nil
}

// stop interrupts the process as Ctrl-C does and waits for it.
func (p *upProcess) stop(t *testing.T) {
	t.Helper()
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	select {
	case err := <-p.done:
		require.NoError(t, err, "stderr:\n%s", p.stderr)
	case <-time.After(60 * time.Second):
		t.Fatalf("newsflow up did not stop within 60s\nstderr:\n%s", p.stderr)
	}
}

func (p *upProcess) get(t *testing.T, path string, out any) {
	t.Helper()
	res, err := http.Get(p.url + strings.TrimPrefix(path, "/"))
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", path, b)
	require.NoError(t, json.Unmarshal(b, out), string(b))
}

func (p *upProcess) search(t *testing.T, params string) search.Result {
	t.Helper()
	var r search.Result
	p.get(t, "/api/search?"+params, &r)
	return r
}

func (p *upProcess) stats(t *testing.T) search.Snapshot {
	t.Helper()
	var s search.Snapshot
	p.get(t, "/api/stats", &s)
	return s
}

// waitTotal waits until the search params has want hits.
func (p *upProcess) waitTotal(t *testing.T, params string, want int) search.Result {
	t.Helper()
	var r search.Result
	require.Eventually(t, func() bool {
		r = p.search(t, params)
		return r.Total == want
	}, 60*time.Second, 100*time.Millisecond, "search %q: want %d hits, last had %d\nstdout:\n%s\nstderr:\n%s", params, want, r.Total, p.stdout, p.stderr)
	return r
}

// push posts body to the push endpoint, retrying the 503 it answers while
// the producers wait for Kafka at start.
func (p *upProcess) push(t *testing.T, body string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Post(p.url+"v1/articles", "application/x-ndjson", strings.NewReader(body))
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		require.Equal(t, http.StatusAccepted, res.StatusCode, string(b))
		return
	}
}

// dropSeed writes the seed article into dir the way a careful writer does
// (a temporary name, then a rename).
func dropSeed(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(shared.Path(t, "seed/article.txt"))
	require.NoError(t, err)
	tmp := filepath.Join(dir, ".seed.tmp")
	require.NoError(t, os.WriteFile(tmp, b, 0o644))
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "seed.txt")))
}

// sampleCount is the number of articles the shipped samples make.
const sampleCount = 12

func upArgs(dataDir, watchDir string) []string {
	return []string{"--data-dir", dataDir, "--watch", watchDir, "--watch-interval", "100ms", "--watch-settle", "100ms"}
}

func brokerTotals(t *testing.T, kafkaDir, topic, group string) (end, committed int64) {
	t.Helper()
	b, err := embedded.Start(embedded.Config{DataDir: kafkaDir})
	require.NoError(t, err)
	defer b.Close()
	for _, n := range b.EndOffsets(topic) {
		end += n
	}
	for _, n := range b.Committed(group, topic) {
		committed += n
	}
	return end, committed
}

// TestIntegrationUpRestartIngestsNothingTwice runs the same inputs (the
// samples, the seed article in the watched directory) through two starts of
// `newsflow up` on one data directory: the second start finds the index,
// the broker's messages and the committed offsets as the first left them,
// and neither publishes nor indexes anything again.
func TestIntegrationUpRestartIngestsNothingTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	dir := t.TempDir()
	data, watchDir := filepath.Join(dir, "data"), filepath.Join(dir, "watch")
	require.NoError(t, os.MkdirAll(watchDir, 0o755))
	pushed := `{"source":"desk","source_id":"p1","title":"Harbour reopens","body":"The harbour reopened after 3 days.\n\nMore than 2,000 ships wait outside."}`

	up := startUp(t, upArgs(data, watchDir)...)
	dropSeed(t, watchDir)
	up.push(t, pushed)
	all := up.waitTotal(t, "", sampleCount+2)
	// A document is searchable a moment before its batch is on disk and
	// counted as indexed.
	var first search.Snapshot
	require.Eventually(t, func() bool {
		first = up.stats(t)
		return first.Indexed == sampleCount+2
	}, 10*time.Second, 50*time.Millisecond, "indexed %v", &first.Indexed)
	require.Equal(t, float64(sampleCount+2), first.Produced)
	up.waitTotal(t, `q="unlikely+agreement"`, 1)
	require.Eventually(t, func() bool { return strings.Contains(up.stdout.String(), "first articles searchable after") },
		5*time.Second, 50*time.Millisecond, "the progress line with the page address")
	up.stop(t)
	require.Contains(t, up.stdout.String(), "newsflow up: stopped after")

	end, committed := brokerTotals(t, filepath.Join(data, upKafkaDir), "news.raw", "newsflow")
	require.EqualValues(t, sampleCount+2, end, "messages in the broker after the first run")
	require.EqualValues(t, sampleCount+2, committed, "offsets committed by the first run")

	// The same inputs again: the samples (the same feed documents) and the
	// seed article, dropped a second time.
	up = startUp(t, upArgs(data, watchDir)...)
	dropSeed(t, watchDir)
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(watchDir, "seed.txt"))
		return os.IsNotExist(err)
	}, 30*time.Second, 50*time.Millisecond, "the watcher takes the file")
	require.Eventually(t, func() bool {
		return up.stats(t).Unchanged >= sampleCount+1
	}, 30*time.Second, 100*time.Millisecond, "the samples were polled and the file read")
	time.Sleep(2 * time.Second) // time enough for anything sent to be indexed
	again := up.search(t, "")
	require.Equal(t, all.Total, again.Total, "documents before and after the restart")
	require.Equal(t, ids(all), ids(again))
	second := up.stats(t)
	require.Equal(t, 0.0, second.Produced, "nothing published again")
	require.Equal(t, 0.0, second.Indexed, "nothing indexed again")
	require.Equal(t, float64(sampleCount+1), second.Unchanged, "samples and the file were recognised as sent")
	up.waitTotal(t, `q="unlikely+agreement"`, 1)
	up.stop(t)

	end, committed = brokerTotals(t, filepath.Join(data, upKafkaDir), "news.raw", "newsflow")
	require.EqualValues(t, sampleCount+2, end, "no new message in the broker")
	require.EqualValues(t, sampleCount+2, committed)
}

// TestIntegrationUpRebuildsAnOutdatedIndex: an index built by another
// version of newsflow (another mapping) is moved aside and rebuilt from the
// embedded broker's messages, without publishing anything again.
func TestIntegrationUpRebuildsAnOutdatedIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	data := filepath.Join(t.TempDir(), "data")
	up := startUp(t, "--data-dir", data)
	before := up.waitTotal(t, "", sampleCount)
	up.stop(t)

	// What an index of newsflow-bleve-1 looks like to this version.
	idx, err := blevesearch.Open(filepath.Join(data, upIndexDir))
	require.NoError(t, err)
	require.NoError(t, idx.SetInternal([]byte("newsflow_mapping"), []byte("newsflow-bleve-1")))
	require.NoError(t, idx.Close())

	up = startUp(t, "--data-dir", data)
	after := up.waitTotal(t, "", sampleCount)
	require.Equal(t, ids(before), ids(after))
	require.Contains(t, up.stderr.String(), "rebuilding it from the embedded broker's messages")
	old, err := filepath.Glob(filepath.Join(data, upIndexDir+".old-*"))
	require.NoError(t, err)
	require.Len(t, old, 1, "the old index is kept aside")
	require.Eventually(t, func() bool { return up.stats(t).Indexed == sampleCount }, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, 0.0, up.stats(t).Produced, "nothing published again")
	require.Equal(t, sampleCount, up.search(t, "q=the").Total, "the new analyzer drops stop words")
}

func ids(r search.Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}

// TestIntegrationUpSecondInstanceOnTheSameDataDirFails: two processes on one
// data directory would corrupt it.
func TestIntegrationUpSecondInstanceOnTheSameDataDirFails(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	data := t.TempDir()
	startUp(t, "--data-dir", data, "--samples=false")
	code, _, errs := runCLI(t, "", "up", "--data-dir", data, "--listen", "127.0.0.1:0", "--samples=false")
	require.Equal(t, 1, code)
	require.Contains(t, errs, "another newsflow up uses this --data-dir")
}

func TestUpTotals(t *testing.T) {
	require.Equal(t, "3 produced, 2 indexed, 1 dead-lettered, lag 4",
		totals(search.Snapshot{Produced: 3, Indexed: 2, DeadLettered: 1, Lag: 4}))
	require.Equal(t, "0 produced (12 already sent), 0 indexed, 0 dead-lettered, lag 0",
		totals(search.Snapshot{Unchanged: 12}))
}

// TestIntegrationUpOnKafkaAndElasticsearch switches every part to the real
// servers: the producers and the worker use the test broker, the index is
// the alias of the index/elastic template, the page's API reads it through
// the Elasticsearch backend, and the dedup memory is the Redis store that
// newsflow consume workers share.
func TestIntegrationUpOnKafkaAndElasticsearch(t *testing.T) {
	kafkaAddr := itest.Kafka(t)
	esURL := itest.Elasticsearch(t)
	redisAddr := itest.Redis(t)
	prefix := itest.NewRedisPrefix(t, redisAddr)
	topic := itest.NewTopic(t, kafkaAddr, 3)
	alias := itest.NewIndexName(t, esURL)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = itest.ESDo(ctx, esURL, http.MethodDelete, "/_index_template/"+alias, "", nil)
		_ = itest.ESDo(ctx, esURL, http.MethodDelete, "/"+alias+"fp*?allow_no_indices=true&ignore_unavailable=true", "", nil)
	})
	up := startUp(t,
		"--data-dir", t.TempDir(),
		"--kafka-brokers", kafkaAddr, "--topic", topic, "--group", itest.NewGroup(t),
		"--elasticsearch-url", esURL, "--index", alias,
		"--dedup-store", "redis", "--dedup-redis-addr", redisAddr, "--dedup-redis-prefix", prefix,
	)
	require.Contains(t, up.stdout.String(), "Kafka "+kafkaAddr)
	require.Contains(t, up.stdout.String(), "index Elasticsearch")
	require.Contains(t, up.stdout.String(), "dedup memory redis addrs="+redisAddr)
	up.push(t, `{"source":"desk","source_id":"es1","title":"Harbour reopens","body":"The harbour reopened after 3 days.\n\nMore than 2,000 ships wait outside the harbour."}`)
	up.waitTotal(t, "", sampleCount+1)
	r := up.waitTotal(t, "q=%222%2C000+ships%22&kind=count&min=1000", 1)
	require.Equal(t, "Harbour reopens", r.Hits[0].Title)
	require.Contains(t, strings.Join(r.Hits[0].Highlight, " "), "<mark>ships</mark>")
	var doc map[string]any
	up.get(t, "/api/articles/"+r.Hits[0].ID, &doc)
	require.Equal(t, "desk", doc["source"])
	require.NotEmpty(t, doc["figures"])

	// The paragraphs' fingerprints are in Redis, under the prefix, with the
	// retention as their TTL.
	rc := redis.NewClient(&redis.Options{Addr: redisAddr, Protocol: 2, DisableIdentity: true})
	defer rc.Close()
	keys, _, err := rc.Scan(context.Background(), 0, prefix+":*", 10000).Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys, "fingerprints under %s", prefix)
	ttl, err := rc.TTL(context.Background(), keys[0]).Result()
	require.NoError(t, err)
	require.InDelta(t, (30 * 24 * time.Hour).Seconds(), ttl.Seconds(), 3600, "the default retention")
}

// TestIntegrationUpCtrlC runs the built binary: one interrupt stops it in
// order (exit 0, the final line printed), a second one at once (exit 130).
func TestIntegrationUpCtrlC(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	bin := buildNewsflow(t)
	start := func(t *testing.T) (*exec.Cmd, *syncBuffer) {
		t.Helper()
		out := &syncBuffer{}
		cmd := exec.Command(bin, "up", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--log-level", "warn")
		cmd.Stdout, cmd.Stderr = out, out
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		require.Eventually(t, func() bool { return strings.Contains(out.String(), "first articles searchable") },
			30*time.Second, 50*time.Millisecond, "the samples are indexed: %s", out)
		return cmd, out
	}
	wait := func(t *testing.T, cmd *exec.Cmd) int {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
			return cmd.ProcessState.ExitCode()
		case <-time.After(30 * time.Second):
			t.Fatal("newsflow up did not exit")
			return -1
		}
	}

	t.Run("one interrupt stops in order", func(t *testing.T) {
		cmd, out := start(t)
		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		require.Equal(t, 0, wait(t, cmd), out.String())
		require.Contains(t, out.String(), "interrupt received, shutting down (again to exit at once)")
		require.Regexp(t, `newsflow up: stopped after \S+: 12 produced, \d+ indexed, 0 dead-lettered`, out.String())
	})
	t.Run("a second interrupt exits at once", func(t *testing.T) {
		cmd, out := start(t)
		// A push whose body never ends holds the shutdown (the endpoint
		// waits up to --shutdown-timeout for requests in flight).
		addr := regexp.MustCompile(`search page http://(\S+)/`).FindStringSubmatch(out.String())[1]
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		_, err = fmt.Fprintf(conn, "POST /v1/articles HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000\r\n\r\n{", addr)
		require.NoError(t, err)
		time.Sleep(200 * time.Millisecond)

		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		require.Eventually(t, func() bool { return strings.Contains(out.String(), "interrupt received") },
			10*time.Second, 20*time.Millisecond)
		time.Sleep(200 * time.Millisecond)
		require.NotContains(t, out.String(), "newsflow up: stopped after", "the shutdown waits for the push")
		stopped := time.Now()
		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		require.Equal(t, 130, wait(t, cmd), out.String())
		require.Less(t, time.Since(stopped), 5*time.Second)
		require.Contains(t, out.String(), "second signal, exiting now")
	})
}

// TestIntegrationMakeUpCtrlC runs `make up` on a terminal (script(1) gives
// it one) and types Ctrl-C: newsflow stops in order and make exits 0, with
// no interrupt error of its own.
func TestIntegrationMakeUpCtrlC(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	for _, tool := range []string{"make", "script"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := t.TempDir()
	makeCmd := fmt.Sprintf("make -s -C %s up BIN=%s UP_FLAGS='--listen 127.0.0.1:0 --data-dir %s --samples=false --log-level warn'",
		root, filepath.Join(dir, "newsflow"), filepath.Join(dir, "data"))
	cmd := exec.Command("script", "-qefc", makeCmd, "/dev/null")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "search page http://") },
		3*time.Minute, 100*time.Millisecond, "make up builds and starts: %s", out)
	_, err = stdin.Write([]byte{3}) // Ctrl-C, as typed
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "make up exits 0 after Ctrl-C: %s", out)
	case <-time.After(60 * time.Second):
		t.Fatalf("make up did not stop: %s", out)
	}
	require.Contains(t, out.String(), "newsflow up: stopped after")
	require.NotContains(t, out.String(), "make: ***")
	_ = stdin.Close()
}

// TestIntegrationUpMetricsAddr: `up --metrics-addr` serves /metrics,
// /healthz and /readyz on that address (and no longer on the page's);
// without it they are on --listen.
func TestIntegrationUpMetricsAddr(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	getStatus := func(t *testing.T, url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(b)
	}
	t.Run("another address gets its own ops server", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		metricsAddr := ln.Addr().String()
		require.NoError(t, ln.Close())
		up := startUp(t, "--data-dir", t.TempDir(), "--samples=false", "--metrics-addr", metricsAddr)
		require.Contains(t, up.stdout.String(), "metrics: http://"+metricsAddr+"/metrics")
		code, body := getStatus(t, "http://"+metricsAddr+"/metrics")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "newsflow_consumer_messages_total")
		require.Contains(t, body, "go_goroutines")
		code, _ = getStatus(t, "http://"+metricsAddr+"/healthz")
		require.Equal(t, http.StatusOK, code)
		require.Eventually(t, func() bool { c, _ := getStatus(t, "http://"+metricsAddr+"/readyz"); return c == http.StatusOK }, 30*time.Second, 50*time.Millisecond)
		code, body = getStatus(t, up.url+"metrics")
		require.NotEqual(t, http.StatusOK, code, "not on the page's address: %s", body)
		code, body = getStatus(t, "http://"+metricsAddr+"/api/search?q=x")
		require.Equal(t, http.StatusNotFound, code, "the ops server serves nothing of the page")
		require.Contains(t, body, `"error"`)
	})
	t.Run("by default on the page's address", func(t *testing.T) {
		up := startUp(t, "--data-dir", t.TempDir(), "--samples=false")
		require.Contains(t, up.stdout.String(), "metrics: "+up.url+"metrics")
		code, body := getStatus(t, up.url+"metrics")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "newsflow_consumer_messages_total")
	})
	t.Run("the same address as --listen is the default", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		up := startUp(t, "--data-dir", t.TempDir(), "--samples=false", "--listen", addr, "--metrics-addr", addr)
		code, _ := getStatus(t, up.url+"metrics")
		require.Equal(t, http.StatusOK, code)
	})
}
