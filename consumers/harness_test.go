package consumers_test

// The harness of the integration tests: a topic, a group, an alias and a
// Redis key prefix (the dedup store) per test on the servers of
// scripts/testenv.sh; workers run in this process (each with its own group member,
// clients, dedup store and registry, as separate processes would) or as child
// processes of the built binary.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/consumers/lag"
	"github.com/newsflow/newsflow/index/elastic"
	"github.com/newsflow/newsflow/index/redisdedup"
	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/newsflow/newsflow/internal/ops"
	"github.com/newsflow/newsflow/internal/promtext"
	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// EnvArticles sets the number of corpus articles of the scenarios (10,000
// by default, as the issue asks; smaller for a quick local run).
const EnvArticles = "NEWSFLOW_TEST_ARTICLES"

func articlesN(t *testing.T) int {
	n := 10000
	if v := os.Getenv(EnvArticles); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err, EnvArticles)
	}
	if os.Getenv("CI") == "true" && n < 10000 {
		t.Fatalf("%s=%d: CI runs the full 10,000", EnvArticles, n)
	}
	return n
}

// testAnalyzer is the shipped one: the test node registers Lucene's
// EnglishAnalyzer as "english" (testenv/elasticsearch), as analysis-common does.
const testAnalyzer = elastic.DefaultAnalyzer

// env is one scenario's resources.
type env struct {
	kafka, esURL  string
	topic, dlq    string
	group, alias  string
	redis         string // the dedup store's server (host:port)
	prefix        string // its key prefix, unique to the test
	es            *elasticsearch.Client
	client        *kafka.Client
	partitions    int
	sessionTimout time.Duration
}

func newEnv(t *testing.T, partitions int) *env {
	t.Helper()
	e := &env{kafka: itest.Kafka(t), esURL: itest.Elasticsearch(t), redis: itest.Redis(t), partitions: partitions, sessionTimout: 6 * time.Second}
	e.topic = itest.NewTopic(t, e.kafka, partitions)
	e.dlq = e.topic + ".dlq"
	e.group = itest.NewGroup(t)
	e.alias = itest.NewIndexName(t, e.esURL)
	e.prefix = itest.NewRedisPrefix(t, e.redis)
	e.client = &kafka.Client{Addr: kafka.TCP(e.kafka), Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, dlq.EnsureTopic(ctx, e.client, e.topic, e.dlq, nil))
	require.NoError(t, itest.WaitForLeaders(ctx, e.kafka, e.dlq, partitions))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = e.client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{e.dlq}})
		_ = itest.ESDo(ctx, e.esURL, http.MethodDelete, "/_index_template/"+e.alias, "", nil)
	})
	var err error
	e.es, err = elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{e.esURL}, DisableRetry: true})
	require.NoError(t, err)
	require.NoError(t, elastic.Install(ctx, e.es, e.alias, testAnalyzer, slog.New(slog.DiscardHandler)))
	return e
}

// corpus returns the first n articles of the shared corpora (Reuters, then
// BBC) as RawArticles.
func corpus(t *testing.T, n int) []article.RawArticle {
	t.Helper()
	var out []article.RawArticle
	for _, f := range []string{"corpus/reuters-21578.jsonl", "corpus/bbc-news.jsonl"} {
		fh, err := os.Open(shared.Path(t, f))
		require.NoError(t, err)
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for len(out) < n && sc.Scan() {
			var r article.RawArticle
			require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
			out = append(out, r)
		}
		require.NoError(t, sc.Err())
		require.NoError(t, fh.Close())
	}
	require.Len(t, out, n, "the corpora hold 21,268 articles")
	return out
}

func ids(raws []article.RawArticle) map[string]bool {
	m := make(map[string]bool, len(raws))
	for _, r := range raws {
		m[r.DeriveID()] = true
	}
	return m
}

// produce writes raws to the topic keyed as producers key them, stamping
// received_at.
func (e *env) produce(t *testing.T, raws []article.RawArticle) {
	t.Helper()
	e.produceMessages(t, messages(t, raws))
}

// messages encodes raws as producers do, stamping received_at.
func messages(t *testing.T, raws []article.RawArticle) []kafka.Message {
	t.Helper()
	msgs := make([]kafka.Message, len(raws))
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for i, r := range raws {
		r.ReceivedAt = now
		v, err := json.Marshal(r)
		require.NoError(t, err)
		msgs[i] = kafka.Message{Key: []byte(r.Key()), Value: v}
	}
	return msgs
}

func (e *env) produceMessages(t *testing.T, msgs []kafka.Message) {
	t.Helper()
	w := &kafka.Writer{
		Addr: kafka.TCP(e.kafka), Topic: e.topic, Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchSize: 500, BatchBytes: 8 << 20, BatchTimeout: 5 * time.Millisecond,
	}
	defer func() { require.NoError(t, w.Close()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for len(msgs) > 0 {
		n := min(len(msgs), 2000)
		require.NoError(t, w.WriteMessages(ctx, msgs[:n]...))
		msgs = msgs[n:]
	}
}

// workerConfig is the worker configuration of the scenarios: the defaults
// but for a faster flush, commit and backoff cap.
func workerConfig(e *env) consumers.Config {
	return consumers.Config{
		Topic: e.topic, BatchSize: 500, FlushInterval: 200 * time.Millisecond, MaxInFlight: 2,
		CommitInterval: 500 * time.Millisecond, ShutdownTimeout: 20 * time.Second,
		Backoff: backoff.Policy{Min: 100 * time.Millisecond, Max: 2 * time.Second},
	}
}

// inproc is a worker running in this process.
type inproc struct {
	name    string
	cancel  context.CancelFunc
	done    chan error
	reg     *prometheus.Registry
	srv     *httptest.Server
	group   *consumers.Group
	kafka   *kafkacfg.Clients
	writer  *kafka.Writer
	store   *redisdedup.Store
	stopped bool
}

// startWorker starts a worker wired as `newsflow consume` wires it,
// against esURL (the node, or a proxy in front of it) and the test's Redis.
func (e *env) startWorker(t *testing.T, name, esURL string, cfg consumers.Config) *inproc {
	t.Helper()
	return e.startWorkerOn(t, name, esURL, e.redis, cfg)
}

// startWorkerOn is startWorker with the dedup store's Redis at redisAddr
// (another server, or a proxy in front of one).
func (e *env) startWorkerOn(t *testing.T, name, esURL, redisAddr string, cfg consumers.Config) *inproc {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(testWriter{t, name}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	reg := prometheus.NewRegistry()
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{esURL}, DisableRetry: true})
	require.NoError(t, err)
	// The group member as Assembly builds it for newsflow consume.
	settings := kafkacfg.Settings{Brokers: []string{e.kafka}}
	kc, err := settings.Clients("newsflow-test")
	require.NoError(t, err)
	rc := kafkacfg.ReaderConfig{
		Group: e.group, SessionTimeout: e.sessionTimout, HeartbeatInterval: time.Second, RebalanceTimeout: 10 * time.Second,
		FetchMaxBytes: 10 << 20, FetchMaxWait: 250 * time.Millisecond, Prefetch: 1000,
	}
	group, err := consumers.NewGroup(consumers.GroupConfig{Topic: e.topic, DrainTimeout: rc.DrainTimeout(), Logger: logger}, consumers.GroupParts{
		NewGroup: func(b []kafka.GroupBalancer) (*kafka.ConsumerGroup, error) {
			return kc.ConsumerGroup(e.topic, rc, b, logger, slog.LevelDebug)
		},
		NewReader: func(partition int, offset int64, queue int) *kafka.Reader {
			return kc.PartitionReader(e.topic, partition, offset, queue, rc, logger, slog.LevelDebug)
		},
		Prefetch: rc.Prefetch,
	})
	require.NoError(t, err)
	writer := &kafka.Writer{Addr: kafka.TCP(e.kafka), Topic: e.dlq, Balancer: &kafka.Murmur2Balancer{}, RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
	// The store as newsflow consume makes it (default settings), with a
	// request bound short enough for an outage scenario to see failures
	// within seconds; its Ping is the /readyz check "dedup-store".
	redisdedup.LogClient(slog.New(slog.DiscardHandler))
	store, err := redisdedup.New(redisdedup.Config{Addrs: []string{redisAddr}, KeyPrefix: e.prefix, RequestTimeout: 5 * time.Second, Registerer: reg})
	require.NoError(t, err)
	ctx0, cancel0 := context.WithTimeout(context.Background(), 30*time.Second)
	require.NoError(t, store.Setup(ctx0))
	cancel0()
	prober := ops.NewProber()
	prober.AddCheck("dedup-store", store.Ping)
	w, err := consumers.New(cfg, consumers.Options{
		Fetcher:     group,
		Processor:   pipeline.New(dedup.New(store, dedup.Options{}), time.Now, reg),
		Indexer:     elastic.NewIndexer(es, elastic.IndexerConfig{Alias: e.alias, Backoff: cfg.Backoff, RequestTimeout: 30 * time.Second, Logger: logger, Registerer: reg}),
		DeadLetters: dlq.NewProducer(writer, e.dlq, reg),
		Logger:      logger,
		Registerer:  reg,
	})
	require.NoError(t, err)
	mon := lag.NewMonitor(e.client, e.group, e.topic, 500*time.Millisecond, reg, logger)
	ctx, cancel := context.WithCancel(context.Background())
	p := &inproc{name: name, cancel: cancel, done: make(chan error, 1), reg: reg, group: group, kafka: kc, writer: writer, store: store}
	p.srv = httptest.NewServer(ops.Handler(reg, prober))
	monDone := make(chan struct{})
	go func() { defer close(monDone); _ = mon.Run(ctx) }()
	go func() {
		err := w.Run(ctx)
		<-monDone
		p.done <- err
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop shuts the worker down as SIGTERM would and closes its clients.
func (p *inproc) stop(t *testing.T) {
	if p.stopped {
		return
	}
	p.stopped = true
	p.cancel()
	select {
	case err := <-p.done:
		require.NoError(t, err, p.name)
	case <-time.After(60 * time.Second):
		t.Errorf("%s did not stop within 60 s", p.name)
	}
	require.NoError(t, p.group.Close())
	p.kafka.Close()
	require.NoError(t, p.writer.Close())
	require.NoError(t, p.store.Close())
	p.srv.Close()
}

// running fails t when the worker returned.
func (p *inproc) running(t *testing.T) {
	select {
	case err := <-p.done:
		t.Fatalf("%s stopped on its own: %v", p.name, err)
	default:
	}
}

// metrics scrapes /metrics and returns the sum per metric name of the
// samples whose labels include all of match (label=value pairs).
func (p *inproc) metrics(t *testing.T) metricSet {
	t.Helper()
	return scrape(t, p.srv.URL)
}

type metricSet = promtext.Set

func scrape(t *testing.T, base string) metricSet {
	t.Helper()
	m, err := promtext.Scrape(context.Background(), base+"/metrics")
	require.NoError(t, err)
	return m
}

// waitGroupMembers waits until the group is stable with n members.
func (e *env) waitGroupMembers(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := e.client.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{e.group}})
		if err != nil || len(res.Groups) != 1 {
			return false
		}
		g := res.Groups[0]
		return g.Error == nil && g.GroupState == "Stable" && len(g.Members) == n
	}, 60*time.Second, 200*time.Millisecond, "group %s with %d stable members", e.group, n)
}

// lagNow returns the group's total lag.
func (e *env) lagNow(t *testing.T) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	parts, err := lag.Read(ctx, e.client, e.group, e.topic)
	if err != nil {
		return -1
	}
	var total int64
	for _, p := range parts {
		total += p.Lag()
	}
	return total
}

// committed returns the group's committed messages summed over the
// partitions (-1 when it cannot be read).
func (e *env) committed(t *testing.T) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	parts, err := lag.Read(ctx, e.client, e.group, e.topic)
	if err != nil {
		return -1
	}
	var total int64
	for _, p := range parts {
		if p.Committed > p.First {
			total += p.Committed - p.First
		}
	}
	return total
}

// count returns the number of documents behind the alias (after a refresh).
func (e *env) count(t *testing.T) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := itest.ESDo(ctx, e.esURL, http.MethodPost, "/"+e.alias+"/_refresh", "", nil); err != nil {
		return -1
	}
	var b bytes.Buffer
	if err := itest.ESDo(ctx, e.esURL, http.MethodGet, "/"+e.alias+"/_count", "", &b); err != nil {
		return -1
	}
	var c struct {
		Count int `json:"count"`
	}
	_ = json.Unmarshal(b.Bytes(), &c)
	return c.Count
}

// waitDone waits until the index holds want documents and the group has
// committed everything (lag 0), logging progress.
func (e *env) waitDone(t *testing.T, want int, timeout time.Duration, workers ...*inproc) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := time.Now()
	for {
		c, l := e.count(t), e.lagNow(t)
		if c == want && l == 0 {
			return
		}
		for _, w := range workers {
			w.running(t)
		}
		if time.Since(last) > 10*time.Second {
			t.Logf("waiting: %d of %d documents, lag %d", c, want, l)
			last = time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %d documents (want %d), lag %d", timeout, c, want, l)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// indexedIDs returns every document id behind the alias with how often it
// occurs.
func (e *env) indexedIDs(t *testing.T) map[string]int {
	t.Helper()
	return itest.IndexedIDs(t, func(ctx context.Context, method, path, body string, out io.Writer) error {
		return itest.ESDo(ctx, e.esURL, method, path, body, out)
	}, e.alias)
}

// requireExactly checks that the index holds exactly the ids of want, each
// once.
func (e *env) requireExactly(t *testing.T, want map[string]bool) {
	t.Helper()
	itest.RequireExactIDs(t, e.indexedIDs(t), want)
}

// doc fetches one document.
func (e *env) doc(t *testing.T, id string) article.Article {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, itest.ESDo(context.Background(), e.esURL, http.MethodGet, "/"+e.alias+"/_doc/"+id, "", &b))
	var d struct {
		Source article.Article `json:"_source"`
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &d))
	return d.Source
}

// readDLQ reads every message of the dead-letter topic.
func (e *env) readDLQ(t *testing.T) []kafka.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	parts, err := lag.Read(ctx, e.client, "none", e.dlq)
	require.NoError(t, err)
	var out []kafka.Message
	for _, p := range parts {
		if p.End == p.First {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{e.kafka}, Topic: e.dlq, Partition: p.Partition, MaxWait: 100 * time.Millisecond})
		require.NoError(t, r.SetOffset(p.First))
		for {
			m, err := r.FetchMessage(ctx)
			require.NoError(t, err)
			out = append(out, m)
			if m.Offset+1 >= p.End {
				break
			}
		}
		require.NoError(t, r.Close())
	}
	return out
}

// readRaw reads one message of the raw topic.
func (e *env) readRaw(t *testing.T, partition int, offset int64) kafka.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{e.kafka}, Topic: e.topic, Partition: partition, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	require.NoError(t, r.SetOffset(offset))
	m, err := r.FetchMessage(ctx)
	require.NoError(t, err)
	return m
}

// testWriter sends a worker's log lines to t.Log (only shown on failure or
// with -v).
type testWriter struct {
	t    *testing.T
	name string
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(w.name + ": " + strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// binary builds cmd/newsflow once per test run.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "newsflow-consumers-test-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "newsflow")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/newsflow/newsflow/cmd/newsflow").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %w: %s", err, out)
		}
	})
	require.NoError(t, binErr)
	return binPath
}

// proc is a `newsflow consume` child process.
type proc struct {
	name    string
	cmd     *exec.Cmd
	metrics string
	done    chan error
	log     *lockedWriter
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// startProcess runs `newsflow consume` with the scenario's settings.
func (e *env) startProcess(t *testing.T, name string, extra ...string) *proc {
	t.Helper()
	addr := freePort(t)
	args := append([]string{"consume",
		"--kafka-brokers", e.kafka, "--topic", e.topic, "--group", e.group,
		"--elasticsearch-url", e.esURL, "--index", e.alias, "--text-analyzer", testAnalyzer,
		"--dedup-redis-addr", e.redis, "--dedup-redis-prefix", e.prefix, "--metrics-addr", addr,
		"--flush-interval", "200ms", "--commit-interval", "500ms", "--backoff-max", "2s",
		"--kafka-session-timeout", e.sessionTimout.String(), "--kafka-heartbeat-interval", "1s",
		"--kafka-rebalance-timeout", "10s", "--lag-interval", "1s", "--shutdown-timeout", "20s",
	}, extra...)
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "NEWSFLOW_CONFIG=")
	p := &proc{name: name, cmd: cmd, metrics: "http://" + addr, done: make(chan error, 1), log: &lockedWriter{}}
	cmd.Stdout = io.Discard
	cmd.Stderr = p.log
	require.NoError(t, cmd.Start())
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", name, p.log.String())
		}
	})
	return p
}

// kill sends SIGKILL and waits for the process to end.
func (p *proc) kill(t *testing.T) {
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	<-p.done
}

// lockedWriter is a bytes.Buffer safe for a writer and a reader.
type lockedWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(b)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
