package consumers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
)

// TestIntegrationTenThousandArticlesTwoWorkers: N corpus articles, 3
// partitions, 2 workers: exactly N documents, none missing, none twice; a
// phrase search finds its article; the counters add up and match the index.
func TestIntegrationTenThousandArticlesTwoWorkers(t *testing.T) {
	e := newEnv(t, 3)
	n := articlesN(t)
	raws := corpus(t, n)
	a := e.startWorker(t, "worker-a", e.esURL, workerConfig(e))
	b := e.startWorker(t, "worker-b", e.esURL, workerConfig(e))
	e.waitGroupMembers(t, 2)

	start := time.Now()
	e.produce(t, raws)
	produced := time.Since(start)
	e.waitDone(t, n, 8*time.Minute, a, b)
	took := time.Since(start)
	t.Logf("%d articles: produced in %v, indexed and committed in %v (%.0f articles/s)", n, produced.Round(time.Millisecond), took.Round(time.Millisecond), float64(n)/took.Seconds())
	e.requireExactly(t, ids(raws))

	// A phrase of an indexed body finds its article.
	want := raws[n/2].DeriveID()
	body := e.doc(t, want).Body
	words := strings.Fields(strings.Split(body, "\n\n")[0])
	require.GreaterOrEqual(t, len(words), 8)
	phrase := strings.Join(words[2:8], " ")
	q, _ := json.Marshal(map[string]any{"query": map[string]any{"match_phrase": map[string]any{"body": phrase}}, "_source": false, "size": 20})
	var res bytes.Buffer
	require.NoError(t, itest.ESDo(context.Background(), e.esURL, http.MethodPost, "/"+e.alias+"/_search", string(q), &res))
	require.Contains(t, res.String(), `"_id":"`+want+`"`, "phrase %q", phrase)

	// The counters of both workers add up and match the index.
	time.Sleep(1500 * time.Millisecond) // a lag measurement after the last commit
	ma, mb := a.metrics(t), b.metrics(t)
	sum := func(name string, match ...string) float64 { return ma.sum(name, match...) + mb.sum(name, match...) }
	fetched := sum("newsflow_consumer_fetched_messages_total")
	indexed := sum("newsflow_consumer_messages_total", "result=indexed")
	dead := sum("newsflow_consumer_messages_total", "result=dead_lettered")
	older := sum("newsflow_consumer_messages_total", "result=skipped_older")
	t.Logf("counters: fetched %v = indexed %v + dead-lettered %v + skipped older %v", fetched, indexed, dead, older)
	require.Equal(t, float64(n), fetched, "no message fetched twice: the group was stable before producing")
	require.Equal(t, fetched, indexed+dead+older)
	require.Equal(t, float64(e.count(t)), indexed)
	require.Equal(t, indexed, sum("newsflow_elasticsearch_documents_total", "result=indexed"))
	require.Equal(t, indexed, sum("newsflow_end_to_end_latency_seconds_count"))
	require.Zero(t, ma.sum("newsflow_consumer_lag")+mb.sum("newsflow_consumer_lag"), "lag drained")
	require.Zero(t, sum("newsflow_consumer_in_flight_messages"))
	lookups := sum("newsflow_dedup_store_requests_total", "op=lookup")
	claims := sum("newsflow_dedup_store_requests_total", "op=claim")
	conflicts := sum("newsflow_dedup_store_requests_total", "op=conflicts")
	storeSecs := sum("newsflow_dedup_store_request_duration_seconds_sum")
	t.Logf("dedup store: %.2f round trips per article (lookup %.0f, claim %.0f, conflicts %.0f), %.2f ms per article; cache hits %.0f, misses %.0f",
		(lookups+claims+conflicts)/float64(n), lookups, claims, conflicts, storeSecs*1000/float64(n),
		sum("newsflow_dedup_store_cache_total", "result=hit"), sum("newsflow_dedup_store_cache_total", "result=miss"))
	t.Logf("bulk: %.0f requests, %.1f s in total; stage time: normalize %.1f s, figures %.1f s, dedup %.1f s",
		sum("newsflow_elasticsearch_bulk_duration_seconds_count"), sum("newsflow_elasticsearch_bulk_duration_seconds_sum"),
		sum("newsflow_stage_duration_seconds_sum", "stage=normalize"), sum("newsflow_stage_duration_seconds_sum", "stage=figures"), sum("newsflow_stage_duration_seconds_sum", "stage=dedup"))
}
