package systest

// The harness: the built binary, its processes, the servers of
// scripts/testenv.sh, a push client that keeps the 202 promise's books, and
// the end-of-scenario checks.

import (
	"bufio"
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
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/consumers/lag"
	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/internal/promtext"
	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
)

// Environment of the cluster mode, as `scripts/testenv.sh env` prints it.
const (
	envKafkaCluster = "NEWSFLOW_TEST_KAFKA_CLUSTER"
	envESCluster    = "NEWSFLOW_TEST_ES_CLUSTER"
	envControl      = "NEWSFLOW_TEST_CLUSTER_CONTROL"
	// envArticles lowers the number of articles per scenario for a quick
	// local run; CI insists on 10,000.
	envArticles = "NEWSFLOW_TEST_ARTICLES"
	// envConsumeFlags adds flags to every `newsflow consume` of the cluster
	// scenarios, for measurements.
	envConsumeFlags = "NEWSFLOW_TEST_CONSUME_FLAGS"
)

const clusterHint = "start it with `scripts/testenv.sh up --cluster` and `set -a; eval \"$(scripts/testenv.sh env)\"; set +a` (or run `make test`)"

var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	kafka.DefaultTransport.(*kafka.Transport).CloseIdleConnections()
	os.Exit(code)
}

// unavailable skips t, or fails it under CI=true.
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: integration tests fail instead of skipping)")
	}
	t.Skip(msg)
}

func articlesN(t *testing.T) int {
	n := 10000
	if v := os.Getenv(envArticles); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err, envArticles)
	}
	if os.Getenv("CI") == "true" && n < 10000 {
		t.Fatalf("%s=%d: CI runs the full 10,000", envArticles, n)
	}
	return n
}

// corpus returns the first n articles of the shared corpora (Reuters, then
// BBC), and the set of their document ids.
func corpus(t *testing.T, n int) ([]article.RawArticle, map[string]bool) {
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
	ids := make(map[string]bool, n)
	for _, r := range out {
		ids[r.DeriveID()] = true
	}
	return out, ids
}

// cluster is the cluster mode of scripts/testenv.sh.
type cluster struct {
	brokers []string
	esURLs  []string
	control string
}

func needCluster(t *testing.T) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	c := &cluster{
		brokers: splitList(os.Getenv(envKafkaCluster)),
		esURLs:  splitList(os.Getenv(envESCluster)),
		control: os.Getenv(envControl),
	}
	if len(c.brokers) == 0 || len(c.esURLs) == 0 || c.control == "" {
		unavailable(t, fmt.Sprintf("%s, %s and %s unset: no test cluster; %s", envKafkaCluster, envESCluster, envControl, clusterHint))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.admin().ApiVersions(ctx, &kafka.ApiVersionsRequest{}); err != nil {
		unavailable(t, fmt.Sprintf("Kafka cluster %v not reachable: %v; %s", c.brokers, err, clusterHint))
	}
	if err := itest.ESDo(ctx, c.esURLs[0], http.MethodGet, "/_cluster/health", "", nil); err != nil {
		unavailable(t, fmt.Sprintf("Elasticsearch cluster %v not reachable: %v; %s", c.esURLs, err, clusterHint))
	}
	return c
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c *cluster) admin() *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(c.brokers...), Timeout: 10 * time.Second}
}

// do runs `scripts/testenv.sh ACTION NODE` (kill, pause, resume, restart, pid).
func (c *cluster) do(t *testing.T, action, node string) string {
	t.Helper()
	cmd := exec.Command(c.control, action, node)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "%s %s %s: %s", c.control, action, node, stderr.String())
	t.Logf("testenv %s %s: %s", action, node, strings.TrimSpace(stderr.String()))
	return strings.TrimSpace(string(out))
}

// heal resumes and restarts every node a scenario may have left down, so a
// failed scenario does not break the next one.
func (c *cluster) heal(t *testing.T, nodes ...string) {
	for _, n := range nodes {
		if out, err := exec.Command(c.control, "pid", n).Output(); err == nil && len(out) > 0 {
			_ = exec.Command(c.control, "resume", n).Run()
			continue
		}
		if out, err := exec.Command(c.control, "restart", n).CombinedOutput(); err != nil {
			t.Logf("heal: restart %s: %v: %s", n, err, out)
		}
	}
}

// esDo sends a request to the first Elasticsearch node that answers.
func (c *cluster) esDo(ctx context.Context, method, path, body string, out io.Writer) error {
	var err error
	for _, u := range c.esURLs {
		var b bytes.Buffer
		if err = itest.ESDo(ctx, u, method, path, body, &b); err == nil {
			if out != nil {
				_, err = out.Write(b.Bytes())
			}
			return err
		}
		if !isConnErr(err) {
			return err
		}
	}
	return err
}

// isConnErr: the node did not answer (down or paused), so another may.
func isConnErr(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection refused") || strings.Contains(s, "connection reset") || strings.Contains(s, "EOF") ||
		strings.Contains(s, "timeout") || strings.Contains(s, "deadline exceeded")
}

// newTopic creates a topic with the cluster's default replication (3) and
// deletes it, and its dead-letter topic, at the end.
func (c *cluster) newTopic(t *testing.T, partitions int) string {
	t.Helper()
	topic := itest.UniqueName(t, "systest.")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl := c.admin()
	res, err := cl.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: partitions, ReplicationFactor: -1}}})
	require.NoError(t, err)
	require.NoError(t, res.Errors[topic])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, _ = cl.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic, topic + kafkaDLQSuffix}})
	})
	for _, b := range c.brokers {
		require.NoError(t, itest.WaitForLeaders(ctx, b, topic, partitions))
	}
	return topic
}

const kafkaDLQSuffix = ".dlq"

// newIndex returns an alias name and deletes its indices and its template
// at the end.
func (c *cluster) newIndex(t *testing.T) (alias string) {
	t.Helper()
	alias = itest.UniqueName(t, "systest-")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.esDo(ctx, http.MethodDelete, "/"+alias+"*?allow_no_indices=true&ignore_unavailable=true", "", nil)
		_ = c.esDo(ctx, http.MethodDelete, "/_index_template/"+alias, "", nil)
	})
	return alias
}

// dedupFlags are the consume flags of a dedup memory of the test's own on
// the Redis server at addr (newsflow consume's default store): a key prefix
// whose keys are deleted when the test ends.
func dedupFlags(t *testing.T, addr string) []string {
	t.Helper()
	return []string{"--dedup-store", "redis", "--dedup-redis-addr", addr, "--dedup-redis-prefix", itest.NewRedisPrefix(t, addr)}
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
		binDir, binErr = os.MkdirTemp("", "newsflow-systest-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "newsflow")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/newsflow/newsflow/cmd/newsflow").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	require.NoError(t, binErr)
	return binPath
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// proc is a child process of the built binary.
type proc struct {
	name    string
	cmd     *exec.Cmd
	metrics string // base URL of /metrics, /healthz, /readyz
	done    chan struct{}
	err     error
	log     *lockedWriter
}

// start runs the binary with args; metricsAddr is its --metrics-addr.
func start(t *testing.T, name, metricsAddr string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(append(os.Environ(), "NEWSFLOW_CONFIG="), env...)
	p := &proc{name: name, cmd: cmd, metrics: "http://" + metricsAddr, done: make(chan struct{}), log: &lockedWriter{}}
	cmd.Stdout = p.log
	cmd.Stderr = p.log
	require.NoError(t, cmd.Start())
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if !p.exited() {
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() || os.Getenv("NEWSFLOW_TEST_LOGS") == "1" {
			t.Logf("%s log (last 60 lines):\n%s", name, tail(p.log.String(), 60))
		}
	})
	return p
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// running fails t when the process ended.
func (p *proc) running(t *testing.T) {
	t.Helper()
	if p.exited() {
		t.Fatalf("%s exited: %v\n%s", p.name, p.err, tail(p.log.String(), 40))
	}
}

func (p *proc) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	<-p.done
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if p.exited() {
		return
	}
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.done:
		require.NoError(t, p.err, "%s exit status", p.name)
	case <-time.After(90 * time.Second):
		t.Fatalf("%s did not stop within 90 s of SIGTERM", p.name)
	}
}

// waitReady waits until /readyz answers 200.
func (p *proc) waitReady(t *testing.T, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p.running(t)
		resp, err := http.Get(p.metrics + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: /readyz not 200 within %v\n%s", p.name, timeout, tail(p.log.String(), 40))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// scrape returns the process's /metrics, or nil when it does not answer.
func (p *proc) scrape() promtext.Set {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := promtext.Scrape(ctx, p.metrics+"/metrics")
	if err != nil {
		return nil
	}
	return m
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

// pipeline is one scenario's topic, group, index and processes.
type pipeline struct {
	c               *cluster
	brokers, esURLs []string
	topic, group    string
	alias           string
	dedup           []string // the consume flags of the dedup store
	producer        *proc
	pushURL         string
	workers         []*proc
	departed        float64 // fetched by workers killed, as last scraped
	sessionTimeout  time.Duration
}

func newPipeline(t *testing.T, c *cluster, partitions int) *pipeline {
	t.Helper()
	p := &pipeline{c: c, brokers: c.brokers, esURLs: c.esURLs, sessionTimeout: 6 * time.Second}
	p.topic = c.newTopic(t, partitions)
	p.group = itest.UniqueName(t, "systest-group-")
	p.alias = c.newIndex(t)
	p.dedup = dedupFlags(t, itest.Redis(t))
	return p
}

// startProducer runs `newsflow produce` with the push endpoint.
func (p *pipeline) startProducer(t *testing.T) {
	t.Helper()
	listen, metrics := freePort(t), freePort(t)
	p.producer = start(t, "producer", metrics, nil, "produce",
		"--kafka-brokers", strings.Join(p.brokers, ","), "--topic", p.topic,
		"--listen", listen, "--push-allow-anonymous", "--metrics-addr", metrics,
		"--data-dir", t.TempDir(), "--batch-timeout", "5ms")
	p.pushURL = "http://" + listen + "/v1/articles"
	p.producer.waitReady(t, 60*time.Second)
}

// startWorker runs one more `newsflow consume`.
func (p *pipeline) startWorker(t *testing.T, name string) *proc {
	t.Helper()
	metrics := freePort(t)
	args := append([]string{"consume",
		"--kafka-brokers", strings.Join(p.brokers, ","), "--topic", p.topic, "--group", p.group,
		"--elasticsearch-url", strings.Join(p.esURLs, ","), "--index", p.alias,
		"--metrics-addr", metrics,
		"--flush-interval", "200ms", "--commit-interval", "500ms", "--backoff-max", "2s",
		"--kafka-session-timeout", p.sessionTimeout.String(), "--kafka-heartbeat-interval", "1s",
		"--kafka-rebalance-timeout", "10s", "--lag-interval", "1s", "--shutdown-timeout", "20s",
	}, p.dedup...)
	// For measurements only (e.g. the refetch cost of --prefetch): extra flags
	// for every worker, space-separated.
	args = append(args, strings.Fields(os.Getenv(envConsumeFlags))...)
	w := start(t, name, metrics, nil, args...)
	p.workers = append(p.workers, w)
	return w
}

func (p *pipeline) live() []*proc {
	var out []*proc
	for _, w := range p.workers {
		if !w.exited() {
			out = append(out, w)
		}
	}
	return out
}

// waitMembers waits until the group is stable with n members.
func (p *pipeline) waitMembers(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	cl := p.c.admin()
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := cl.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{p.group}})
		if err != nil || len(res.Groups) != 1 {
			return false
		}
		g := res.Groups[0]
		return g.Error == nil && g.GroupState == "Stable" && len(g.Members) == n
	}, timeout, 250*time.Millisecond, "group %s with %d stable members", p.group, n)
}

// groupState returns the group's state ("" when unknown).
func (p *pipeline) groupState() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := p.c.admin().DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{p.group}})
	if err != nil || len(res.Groups) != 1 {
		return ""
	}
	return res.Groups[0].GroupState
}

// injectPoison writes n messages no worker can decode straight to the raw
// topic (acks=all), keyed so that they spread over the partitions.
func (p *pipeline) injectPoison(t *testing.T, n int) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(p.brokers...), Topic: p.topic, Balancer: &kafka.Murmur2Balancer{}, RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
	defer w.Close()
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprintf("poison:%d", i)), Value: []byte(fmt.Sprintf(`{"source":"poison","body": %d`, i))}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, w.WriteMessages(ctx, msgs...))
}

// count returns the documents behind the alias (after a refresh), -1 when
// Elasticsearch does not answer.
func (p *pipeline) count() int {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.c.esDo(ctx, http.MethodPost, "/"+p.alias+"/_refresh", "", nil); err != nil {
		return -1
	}
	var b bytes.Buffer
	if err := p.c.esDo(ctx, http.MethodGet, "/"+p.alias+"/_count", "", &b); err != nil {
		return -1
	}
	var c struct {
		Count int `json:"count"`
	}
	if json.Unmarshal(b.Bytes(), &c) != nil {
		return -1
	}
	return c.Count
}

// lag returns the group's total lag, -1 when Kafka does not answer.
func (p *pipeline) lag() int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	parts, err := lag.Read(ctx, p.c.admin(), p.group, p.topic)
	if err != nil {
		return -1
	}
	var total int64
	for _, pt := range parts {
		total += pt.Lag()
	}
	return total
}

// deadLetters reads the dead-letter topic once and returns its messages.
// Right after a broker fault a read can fail (a leader moving back to the
// restarted broker); the error is returned so that the caller retries
// instead of counting a failed read as an empty topic.
func (p *pipeline) deadLetters(ctx context.Context) ([]kafka.Message, error) {
	parts, err := lag.Read(ctx, p.c.admin(), "none", p.topic+kafkaDLQSuffix)
	if err != nil {
		return nil, fmt.Errorf("offsets of the dead-letter topic: %w", err)
	}
	var out []kafka.Message
	for _, pt := range parts {
		if pt.End == pt.First {
			continue
		}
		msgs, err := p.readPartition(ctx, p.topic+kafkaDLQSuffix, pt.Partition, pt.First, pt.End)
		if err != nil {
			return nil, err
		}
		out = append(out, msgs...)
	}
	return out, nil
}

// readPartition reads the messages of topic's partition from first up to
// (not including) end.
func (p *pipeline) readPartition(ctx context.Context, topic string, partition int, first, end int64) ([]kafka.Message, error) {
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: p.brokers, Topic: topic, Partition: partition, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(first); err != nil {
		return nil, fmt.Errorf("partition %d of %s: %w", partition, topic, err)
	}
	var out []kafka.Message
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return nil, fmt.Errorf("partition %d of %s at offset %d: %w", partition, topic, first+int64(len(out)), err)
		}
		out = append(out, m)
		if m.Offset+1 >= end {
			return out, nil
		}
	}
}

// deadLetterOrigins counts the distinct raw messages (partition/offset)
// behind the dead letters, and the letters. A failed read is retried for
// up to a minute, then fails the test: it is never taken for 0 letters.
func (p *pipeline) deadLetterOrigins(t *testing.T) (origins, letters int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		msgs, err := p.deadLetters(ctx)
		cancel()
		if err == nil {
			seen := map[string]bool{}
			for _, m := range msgs {
				part, _ := dlq.Header(m, dlq.HeaderPartition)
				off, _ := dlq.Header(m, dlq.HeaderOffset)
				seen[part+"/"+off] = true
			}
			return len(seen), len(msgs)
		}
		if time.Now().After(deadline) {
			t.Fatalf("reading the dead-letter topic: %v", err)
		}
		t.Logf("reading the dead-letter topic (retrying): %v", err)
		time.Sleep(time.Second)
	}
}

// waitDrained waits until the index holds want documents and the lag is 0,
// failing when a worker in mustRun exits; it returns when that happened.
func (p *pipeline) waitDrained(t *testing.T, want int, timeout time.Duration, mustRun ...*proc) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := time.Now()
	for {
		c, l := p.count(), p.lag()
		if c == want && l == 0 {
			return time.Now()
		}
		for _, w := range mustRun {
			w.running(t)
		}
		if time.Since(last) > 15*time.Second {
			t.Logf("waiting: %d of %d documents, lag %d", c, want, l)
			last = time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %d documents (want %d), lag %d", timeout, c, want, l)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// indexedIDs returns every document id behind the alias with how often it
// occurs, from whichever node answers.
func (p *pipeline) indexedIDs(t *testing.T) map[string]int {
	t.Helper()
	return itest.IndexedIDs(t, p.c.esDo, p.alias)
}

// requireExactly checks that the index holds exactly the ids of want, each
// once.
func (p *pipeline) requireExactly(t *testing.T, want map[string]bool) {
	t.Helper()
	itest.RequireExactIDs(t, p.indexedIDs(t), want)
}

// fetched sums newsflow_consumer_fetched_messages_total over the live
// workers and, as last scraped, those killed.
func (p *pipeline) fetched() float64 {
	sum := p.departed
	for _, w := range p.live() {
		if m := w.scrape(); m != nil {
			sum += m.Sum("newsflow_consumer_fetched_messages_total")
		}
	}
	return sum
}

// pusher pushes articles to the push endpoint as a careful client does:
// lines a 202 (or the accepted part of a 400/503) covers are done; lines
// marked retry, and whole requests that failed without an answer, are sent
// again. acked holds the ids of everything the endpoint accepted.
type pusher struct {
	url   string
	mu    sync.Mutex
	acked map[string]bool
	codes map[int]int
	fails int // requests without an answer
}

func newPusher(url string) *pusher {
	return &pusher{url: url, acked: map[string]bool{}, codes: map[int]int{}}
}

func (p *pusher) ackedN() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.acked)
}

func (p *pusher) summary() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	codes := make([]string, 0, len(p.codes))
	for c, n := range p.codes {
		codes = append(codes, fmt.Sprintf("%d×%d", n, c))
	}
	sort.Strings(codes)
	return fmt.Sprintf("%d articles acknowledged; answers %s; %d requests without an answer", len(p.acked), strings.Join(codes, " "), p.fails)
}

// pushAll sends raws in requests of batch lines, at most rate articles a
// second, until every one is acknowledged or ctx ends.
func (p *pusher) pushAll(ctx context.Context, raws []article.RawArticle, batch int, rate float64) error {
	client := &http.Client{Timeout: 60 * time.Second}
	start := time.Now()
	sent := 0
	for i := 0; i < len(raws); i += batch {
		group := raws[i:min(i+batch, len(raws))]
		if err := p.pushBatch(ctx, client, group); err != nil {
			return err
		}
		sent += len(group)
		if ahead := time.Duration(float64(sent)/rate*float64(time.Second)) - time.Since(start); ahead > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(ahead):
			}
		}
	}
	return nil
}

func (p *pusher) pushBatch(ctx context.Context, client *http.Client, group []article.RawArticle) error {
	pending := group
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
		var body bytes.Buffer
		for _, r := range pending {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			body.Write(b)
			body.WriteByte('\n')
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, &body)
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			p.mu.Lock()
			p.fails++
			p.mu.Unlock()
			continue // unknown: send everything again (a duplicate is absorbed by the document id)
		}
		var res struct {
			Accepted *int `json:"accepted"`
			Errors   []struct {
				Line  int    `json:"line"`
				Error string `json:"error"`
				Retry bool   `json:"retry"`
			} `json:"errors"`
			Error string `json:"error"`
		}
		raw, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		_ = json.Unmarshal(raw, &res)
		p.mu.Lock()
		p.codes[resp.StatusCode]++
		p.mu.Unlock()
		switch {
		case resp.StatusCode == http.StatusAccepted:
			p.ack(pending)
			pending = nil
		case len(res.Errors) > 0:
			failed := map[int]bool{}
			var again []article.RawArticle
			for _, e := range res.Errors {
				if !e.Retry {
					return fmt.Errorf("push: line %d refused for good (%d): %s", e.Line, resp.StatusCode, e.Error)
				}
				failed[e.Line] = true
			}
			var ok []article.RawArticle
			for i, r := range pending {
				if failed[i+1] {
					again = append(again, r)
				} else {
					ok = append(ok, r)
				}
			}
			p.ack(ok)
			pending = again
		case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests:
			// Nothing taken ("starting", "shutting down", overloaded): again.
		default:
			return fmt.Errorf("push: %s: %s", resp.Status, bytes.TrimSpace(raw))
		}
	}
	return nil
}

func (p *pusher) ack(raws []article.RawArticle) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range raws {
		p.acked[r.DeriveID()] = true
	}
}
