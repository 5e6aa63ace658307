package systest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
)

// TestIntegrationAlertsFire runs `newsflow produce` (push endpoint and a
// feed that answers 500) and `newsflow consume` (behind a TCP proxy to
// Elasticsearch) on the single-node servers, scraped by a real Prometheus
// with the shipped rules (durations scaled, see scaledRules):
//   - NewsflowDeadLetters fires on poison messages;
//   - NewsflowFeedFailing fires on the failing feed;
//   - NewsflowConsumerLagGrowing fires while Elasticsearch is unreachable
//     and articles keep coming, and resolves once it is back;
//
// and every query of every Grafana panel returns data from that Prometheus.
func TestIntegrationAlertsFire(t *testing.T) {
	kafkaAddr := itest.Kafka(t)
	esURL := itest.Elasticsearch(t)
	topic := itest.NewTopic(t, kafkaAddr, 3)
	alias := itest.NewIndexName(t, esURL) // its cleanup removes alias-* and alias_fp-* too
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = itest.ESDo(ctx, esURL, http.MethodDelete, "/_index_template/"+alias, "", nil)
		c := &kafka.Client{Addr: kafka.TCP(kafkaAddr), Timeout: 10 * time.Second}
		_, _ = c.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic + kafkaDLQSuffix}})
	})
	proxy := itest.NewProxy(t, esURL)
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "feed backend down", http.StatusInternalServerError)
	}))
	defer feedSrv.Close()

	listen, prodMetrics, consMetrics := freePort(t), freePort(t), freePort(t)
	producer := start(t, "producer", prodMetrics, nil, "produce",
		"--kafka-brokers", kafkaAddr, "--topic", topic, "--listen", listen, "--push-allow-anonymous",
		"--metrics-addr", prodMetrics, "--data-dir", t.TempDir(), "--batch-timeout", "5ms",
		"--feed", "broken="+feedSrv.URL+"/feed.xml", "--poll-interval", "1s", "--feed-backoff-max", "2s")
	consumer := start(t, "consumer", consMetrics, nil, append([]string{"consume",
		"--kafka-brokers", kafkaAddr, "--topic", topic, "--group", itest.NewGroup(t),
		"--elasticsearch-url", proxy.URL(), "--index", alias,
		"--metrics-addr", consMetrics, "--flush-interval", "200ms", "--commit-interval", "500ms",
		"--backoff-max", "1s", "--lag-interval", "1s", "--kafka-session-timeout", "6s", "--kafka-heartbeat-interval", "1s",
	}, dedupFlags(t, itest.Redis(t))...)...)
	producer.waitReady(t, 60*time.Second)
	consumer.waitReady(t, 90*time.Second)
	prom := startPrometheus(t, map[string][]string{
		"newsflow-producer": {prodMetrics},
		"newsflow-consumer": {consMetrics},
	})
	prom.waitScraped(t, 2)
	begin := time.Now()

	raws, _ := corpus(t, 10500)
	pu := newPusher("http://" + listen + "/v1/articles")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	require.NoError(t, pu.pushAll(ctx, raws[:500], 50, 1000))

	// Dead letters.
	w := &kafka.Writer{Addr: kafka.TCP(kafkaAddr), Topic: topic, RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
	for i := range 5 {
		require.NoError(t, w.WriteMessages(ctx, kafka.Message{Key: []byte(fmt.Sprintf("poison:%d", i)), Value: []byte("{not json")}))
	}
	require.NoError(t, w.Close())
	require.Eventually(t, func() bool {
		m := consumer.scrape()
		return m != nil && m.Sum("newsflow_dlq_messages_total", "stage=decode") >= 5
	}, 2*time.Minute, 250*time.Millisecond, "the consumer dead-letters the poison")
	prom.waitFiring(t, "NewsflowDeadLetters", map[string]string{"stage": "decode"}, 2*time.Minute)

	// The failing feed.
	prom.waitFiring(t, "NewsflowFeedFailing", map[string]string{"feed": "broken"}, 2*time.Minute)

	// Elasticsearch unreachable while articles keep coming: the lag alert
	// fires (lag above 1000 and growing for its `for:`), then resolves.
	proxy.Cut()
	t.Log("Elasticsearch cut off")
	pushed := make(chan error, 1)
	pctx, stopPushing := context.WithCancel(ctx)
	defer stopPushing()
	go func() { pushed <- pu.pushAll(pctx, raws[500:], 50, 100) }() // until the alert fires
	prom.waitFiring(t, "NewsflowConsumerLagGrowing", map[string]string{"topic": topic}, 3*time.Minute)
	stopPushing()
	if err := <-pushed; err != nil && !errors.Is(err, context.Canceled) {
		require.NoError(t, err)
	}
	proxy.Restore()
	total := pu.ackedN()
	t.Logf("Elasticsearch reachable again; %d articles pushed in all", total)
	prom.waitResolved(t, "NewsflowConsumerLagGrowing", 3*time.Minute)
	require.Eventually(t, func() bool {
		m := consumer.scrape()
		return m != nil && m.Sum("newsflow_consumer_messages_total", "result=indexed") >= float64(total)
	}, 5*time.Minute, time.Second, "all %d articles indexed", total)
	producer.running(t)
	consumer.running(t)
	time.Sleep(3 * time.Second) // a few more scrapes after the last changes

	// Every Grafana panel's queries return data.
	panels := dashboardQueries(t)
	require.NotEmpty(t, panels)
	var empty []string
	for _, q := range panels {
		series, samples := prom.queryRange(t, q.expr, begin)
		if samples == 0 {
			empty = append(empty, fmt.Sprintf("%s: %s (%d series)", q.panel, q.expr, series))
		}
	}
	require.Empty(t, empty, "Grafana panel queries without data")
	t.Logf("%d panel queries of the Grafana dashboard return data", len(panels))

	// Nothing secret-looking and no stack trace in the logs.
	for _, p := range []*proc{producer, consumer} {
		require.NotContains(t, p.log.String(), "goroutine ", p.name)
		require.NotContains(t, p.log.String(), "panic", p.name)
	}
}

type panelQuery struct{ panel, expr string }

var dashVarRE = regexp.MustCompile(`\$\{?(\w+)\}?`)

// dashboardQueries returns every target expression of the dashboard with
// its template variables substituted as Grafana would: $topic by its "All"
// value, $__rate_interval by five scrape intervals (Grafana takes at least four).
func dashboardQueries(t *testing.T) []panelQuery {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "grafana", "dashboards", "newsflow.json"))
	require.NoError(t, err)
	type panel struct {
		Title   string  `json:"title"`
		Panels  []panel `json:"panels"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	}
	var d struct {
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Name     string `json:"name"`
				AllValue string `json:"allValue"`
			} `json:"list"`
		} `json:"templating"`
	}
	require.NoError(t, json.Unmarshal(b, &d))
	vars := map[string]string{"__rate_interval": (5 * scrapeInterval).String(), "__interval": scrapeInterval.String(), "__range": "5m"}
	for _, v := range d.Templating.List {
		if v.AllValue != "" {
			vars[v.Name] = v.AllValue
		}
	}
	var out []panelQuery
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			for _, tg := range p.Targets {
				if tg.Expr == "" {
					continue
				}
				expr := dashVarRE.ReplaceAllStringFunc(tg.Expr, func(m string) string {
					name := dashVarRE.FindStringSubmatch(m)[1]
					v, ok := vars[name]
					require.True(t, ok, "panel %q: no value for variable %s", p.Title, m)
					return v
				})
				out = append(out, panelQuery{p.Title, expr})
			}
		}
	}
	walk(d.Panels)
	return out
}
