package check

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/segmentio/kafka-go"
)

// Test servers, as scripts/testenv.sh prints them.
const (
	envKafka     = "NEWSFLOW_TEST_KAFKA"
	envES        = "NEWSFLOW_TEST_ES"
	envRedis     = "NEWSFLOW_TEST_REDIS"
	defaultKafka = "127.0.0.1:19092"
	defaultES    = "http://127.0.0.1:19200"
	defaultRedis = "127.0.0.1:16379"
)

// live is a running `newsflow produce` and `newsflow consume` against the test
// Kafka broker, Elasticsearch node and Redis server (the consumer's default
// dedup store), after the compose file's sample feeds, a broken feed and one
// pushed article went through: every metric that needs traffic to appear has
// appeared.
type live struct {
	kafka, es, redis     string
	topic, group         string
	alias, redisPrefix   string
	producerURL, consURL string
	logDir               string
	// series maps each series name on /metrics (histograms as _bucket, _sum,
	// _count) to its label names and the values seen for each.
	series map[string]map[string]map[string]bool
	// indexed is how many documents the consumer indexed.
	indexed float64

	procs []*proc
	feeds *httptest.Server
}

// proc is a started newsflow process; exited is closed when it ends.
type proc struct {
	name   string
	cmd    *exec.Cmd
	log    string
	exited chan struct{}
	err    error
}

var liveState struct {
	once sync.Once
	env  *live
	skip string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if liveState.env != nil {
		liveState.env.stop()
		if code == 0 {
			_ = os.RemoveAll(liveState.env.logDir)
		}
	}
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// liveEnv starts the processes once per test run; tests share them.
func liveEnv(t *testing.T) *live {
	t.Helper()
	liveState.once.Do(func() {
		liveState.env, liveState.skip, liveState.err = startLive(t)
	})
	if liveState.skip != "" {
		unavailable(t, "%s", liveState.skip)
	}
	if liveState.err != nil {
		t.Fatal(liveState.err)
	}
	return liveState.env
}

func startLive(t *testing.T) (*live, string, error) {
	kafkaAddr := envOr(envKafka, defaultKafka)
	esURL := strings.TrimRight(envOr(envES, defaultES), "/")
	redisAddr := envOr(envRedis, defaultRedis)
	if err := reachable(kafkaAddr, esURL, redisAddr); err != nil {
		return nil, fmt.Sprintf("the live metrics check needs the test Kafka broker, Elasticsearch node and Redis server (%s=%s, %s=%s, %s=%s): %v; %s",
			envKafka, kafkaAddr, envES, esURL, envRedis, redisAddr, err, startHint), nil
	}
	bin := newsflowBin(t)
	root := repoRoot(t)
	suffix := randomHex()
	dir, err := os.MkdirTemp("", "deploycheck-live-")
	if err != nil {
		return nil, "", err
	}
	l := &live{
		kafka: kafkaAddr, es: esURL, redis: redisAddr,
		topic: "deploycheck-" + suffix, group: "deploycheck-" + suffix,
		alias: "deploycheck-" + suffix, redisPrefix: "deploycheck-" + suffix,
		logDir: dir,
	}
	fail := func(err error) (*live, string, error) {
		var logs strings.Builder
		for _, p := range l.procs {
			b, _ := os.ReadFile(p.log)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) > 15 {
				lines = lines[len(lines)-15:]
			}
			fmt.Fprintf(&logs, "\n--- newsflow %s (last lines of %s):\n%s", p.name, p.log, strings.Join(lines, "\n"))
		}
		l.stop()
		return nil, "", fmt.Errorf("%w%s", err, logs.String())
	}

	// The compose stack's sample feeds, served from producers/samples/ as its feeds
	// service serves them, plus one feed that answers 404.
	l.feeds = httptest.NewServer(http.FileServer(http.Dir(filepath.Join(root, "producers", "samples"))))
	feedsEnv := composeService(t, "producer").Environment["NEWSFLOW_FEEDS"]
	if feedsEnv == nil || *feedsEnv == "" {
		return fail(fmt.Errorf("docker-compose.yml: the producer has no NEWSFLOW_FEEDS"))
	}
	feeds := strings.ReplaceAll(*feedsEnv, "http://feeds/", l.feeds.URL+"/") + ",broken=" + l.feeds.URL + "/no-such-feed.xml"

	token := "deploycheck-" + suffix
	tokenFile := filepath.Join(dir, "push-token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		return fail(err)
	}
	prodMetrics, push, consMetrics := freePort(), freePort(), freePort()
	l.producerURL, l.consURL = "http://"+prodMetrics, "http://"+consMetrics

	if err := l.start(bin, "producer", []string{"NEWSFLOW_FEEDS=" + feeds},
		"produce", "--kafka-brokers", kafkaAddr, "--topic", l.topic, "--topic-partitions", "2",
		"--data-dir", filepath.Join(dir, "data"), "--metrics-addr", prodMetrics,
		"--listen", push, "--token-file", tokenFile, "--poll-interval", "10m", "--batch-timeout", "5ms"); err != nil {
		return fail(err)
	}
	if err := l.waitFor(90*time.Second, "producer /readyz", func() error { return httpOK(l.producerURL + "/readyz") }); err != nil {
		return fail(err)
	}
	if err := l.start(bin, "consumer", nil,
		"consume", "--kafka-brokers", kafkaAddr, "--topic", l.topic, "--group", l.group,
		"--elasticsearch-url", esURL, "--index", l.alias,
		// The default store, Redis; its keys forget themselves within minutes.
		"--dedup-redis-addr", redisAddr, "--dedup-redis-prefix", l.redisPrefix, "--dedup-retention", "10m",
		// The test node has no analysis-common module (scripts/testenv.sh).
		"--text-analyzer", "standard",
		"--metrics-addr", consMetrics, "--lag-interval", "1s", "--flush-interval", "100ms"); err != nil {
		return fail(err)
	}
	if err := l.waitFor(90*time.Second, "consumer /readyz", func() error { return httpOK(l.consURL + "/readyz") }); err != nil {
		return fail(err)
	}

	// One pushed article, with a paragraph repeated (a duplicate) and figures.
	article := fmt.Sprintf(`{"source":"deploycheck","source_id":"%s","title":"Council approves bus plan",`+
		`"body":"The council approved $3.2 billion for 314 new buses on Tuesday.\n\nRidership rose 12%% last year, to about 5 million trips.\n\nThe council approved $3.2 billion for 314 new buses on Tuesday.",`+
		`"published":"%s"}`, suffix, time.Now().UTC().Format(time.RFC3339))
	if err := pushArticle("http://"+push+"/v1/articles", token, article); err != nil {
		return fail(err)
	}

	// Wait until the consumer indexed everything the producer sent, the lag
	// is measured and the broken feed has failed once.
	err = l.waitFor(120*time.Second, "all sent articles indexed", func() error {
		prod, err := scrape(l.producerURL)
		if err != nil {
			return err
		}
		cons, err := scrape(l.consURL)
		if err != nil {
			return err
		}
		sent := sum(prod, "newsflow_producer_articles_total", "result", "sent")
		indexed := sum(cons, "newsflow_consumer_messages_total", "result", "indexed") +
			sum(cons, "newsflow_consumer_messages_total", "result", "dead_lettered") +
			sum(cons, "newsflow_consumer_messages_total", "result", "skipped_older")
		switch {
		case sent < 2:
			return fmt.Errorf("producer sent %v articles", sent)
		case indexed < sent:
			return fmt.Errorf("consumer done with %v of %v articles", indexed, sent)
		case cons["newsflow_consumer_lag"] == nil:
			return fmt.Errorf("no newsflow_consumer_lag yet")
		case prod["newsflow_producer_feed_errors_total"] == nil:
			return fmt.Errorf("the broken feed has not failed yet")
		}
		l.indexed = sum(cons, "newsflow_consumer_messages_total", "result", "indexed")
		l.series = seriesOf(prod, cons)
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if _, err := esDo(http.MethodPost, l.es+"/"+l.alias+"/_refresh", ""); err != nil {
		return fail(err)
	}
	return l, "", nil
}

func (l *live) start(bin, name string, env []string, args ...string) error {
	logPath := filepath.Join(l.logDir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start newsflow %s: %w", args[0], err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.exited)
	}()
	l.procs = append(l.procs, p)
	return nil
}

// waitFor is waitFor that gives up as soon as a process exits.
func (l *live) waitFor(timeout time.Duration, what string, f func() error) error {
	return waitFor(timeout, what, func() error {
		for _, p := range l.procs {
			select {
			case <-p.exited:
				return stopWaiting{fmt.Errorf("newsflow %s exited: %v", p.name, p.err)}
			default:
			}
		}
		return f()
	})
}

// stopWaiting ends waitFor at once.
type stopWaiting struct{ error }

// stop ends the processes (SIGTERM, then SIGKILL after 20 s) and removes the
// topics, indices and template the run made.
func (l *live) stop() {
	for i := len(l.procs) - 1; i >= 0; i-- {
		p := l.procs[i]
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(20 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	l.procs = nil
	if l.feeds != nil {
		l.feeds.Close()
	}
	if l.es != "" {
		_, _ = esDo(http.MethodDelete, l.es+"/"+l.alias+"-*", "")
		_, _ = esDo(http.MethodDelete, l.es+"/_index_template/"+l.alias, "")
	}
	if l.kafka != "" {
		c := &kafka.Client{Addr: kafka.TCP(l.kafka), Timeout: 10 * time.Second}
		_, _ = c.DeleteTopics(context.Background(), &kafka.DeleteTopicsRequest{Topics: []string{l.topic, l.topic + ".dlq"}})
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func reachable(kafkaAddr, esURL, redisAddr string) error {
	conn, err := net.DialTimeout("tcp", kafkaAddr, 3*time.Second)
	if err != nil {
		return fmt.Errorf("kafka: %w", err)
	}
	_ = conn.Close()
	if conn, err = net.DialTimeout("tcp", redisAddr, 3*time.Second); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	_ = conn.Close()
	if _, err := esDo(http.MethodGet, esURL+"/_cluster/health", ""); err != nil {
		return fmt.Errorf("elasticsearch: %w", err)
	}
	return nil
}

func randomHex() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// freePort returns a loopback address with a port that was free a moment ago.
func freePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitFor(timeout time.Duration, what string, f func() error) error {
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = f(); err == nil {
			return nil
		}
		var s stopWaiting
		if errors.As(err, &s) {
			return fmt.Errorf("waiting for %s: %w", what, s.error)
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("waited %v for %s: %v", timeout, what, err)
}

func httpOK(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

func pushArticle(url, token, body string) error {
	return waitFor(30*time.Second, "push accepted", func() error {
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("POST %s: %s: %s", url, resp.Status, b)
		}
		return nil
	})
}

// esDo sends a request to Elasticsearch and returns the body of a 2xx answer.
func esDo(method, url, body string) ([]byte, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return b, fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, bytes.TrimSpace(b))
	}
	return b, nil
}

// scrape reads /metrics of base with Prometheus' text parser.
func scrape(base string) (map[string]*dto.MetricFamily, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/metrics: %s", base, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// sum adds the values of a counter or gauge family whose label has value.
func sum(fams map[string]*dto.MetricFamily, name, label, value string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
	var s float64
	for _, m := range f.GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label && lp.GetValue() == value {
				s += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return s
}

// seriesOf turns metric families into series names, as PromQL sees them,
// with their label names and values.
func seriesOf(scrapes ...map[string]*dto.MetricFamily) map[string]map[string]map[string]bool {
	out := map[string]map[string]map[string]bool{}
	add := func(name string, m *dto.Metric, extra ...string) {
		ls := out[name]
		if ls == nil {
			ls = map[string]map[string]bool{}
			out[name] = ls
		}
		for _, lp := range m.GetLabel() {
			if ls[lp.GetName()] == nil {
				ls[lp.GetName()] = map[string]bool{}
			}
			ls[lp.GetName()][lp.GetValue()] = true
		}
		for _, e := range extra {
			if ls[e] == nil {
				ls[e] = map[string]bool{}
			}
		}
	}
	for _, fams := range scrapes {
		for name, f := range fams {
			for _, m := range f.GetMetric() {
				switch f.GetType() {
				case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
					add(name+"_bucket", m, "le")
					add(name+"_sum", m)
					add(name+"_count", m)
				case dto.MetricType_SUMMARY:
					add(name, m, "quantile")
					add(name+"_sum", m)
					add(name+"_count", m)
				default:
					add(name, m)
				}
			}
		}
	}
	return out
}
