package consumers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/pkg/article"
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
	sum := func(name string, match ...string) float64 { return ma.Sum(name, match...) + mb.Sum(name, match...) }
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
	require.Zero(t, ma.Sum("newsflow_consumer_lag")+mb.Sum("newsflow_consumer_lag"), "lag drained")
	require.Zero(t, sum("newsflow_consumer_in_flight_messages"))
	lookups := sum("newsflow_dedup_store_requests_total", "op=lookup")
	claims := sum("newsflow_dedup_store_requests_total", "op=claim")
	storeSecs := sum("newsflow_dedup_store_request_duration_seconds_sum")
	require.Positive(t, claims, "the Redis store claimed keys")
	require.Zero(t, sum("newsflow_dedup_store_requests_total", "result=error"))
	t.Logf("dedup store (redis): %.2f round trips per article (lookup %.0f, claim %.0f), %.2f ms per article; keys created %.0f, in conflict %.0f; cache hits %.0f, misses %.0f",
		(lookups+claims)/float64(n), lookups, claims, storeSecs*1000/float64(n),
		sum("newsflow_dedup_store_keys_total", "result=created"), sum("newsflow_dedup_store_keys_total", "result=conflict"),
		sum("newsflow_dedup_store_cache_total", "result=hit"), sum("newsflow_dedup_store_cache_total", "result=miss"))
	t.Logf("bulk: %.0f requests, %.1f s in total; stage time: normalize %.1f s, figures %.1f s, dedup %.1f s",
		sum("newsflow_elasticsearch_bulk_duration_seconds_count"), sum("newsflow_elasticsearch_bulk_duration_seconds_sum"),
		sum("newsflow_stage_duration_seconds_sum", "stage=normalize"), sum("newsflow_stage_duration_seconds_sum", "stage=figures"), sum("newsflow_stage_duration_seconds_sum", "stage=dedup"))
}

// TestIntegrationWorkerKilledAndRestarted: two `newsflow consume`
// processes; one is killed with SIGKILL mid-stream and restarted: still
// exactly N documents.
func TestIntegrationWorkerKilledAndRestarted(t *testing.T) {
	e := newEnv(t, 3)
	n := articlesN(t)
	raws := corpus(t, n)
	a := e.startProcess(t, "process-a")
	b := e.startProcess(t, "process-b")
	e.waitGroupMembers(t, 2)
	for _, p := range []*proc{a, b} {
		require.Eventually(t, func() bool { return ready(p.metrics) == http.StatusOK }, 30*time.Second, 100*time.Millisecond,
			"%s: /readyz answers 200 once Kafka and Elasticsearch answer", p.name)
	}
	start := time.Now()
	e.produce(t, raws)
	require.Eventually(t, func() bool { return e.count(t) >= n/3 }, 5*time.Minute, 200*time.Millisecond)
	killedAt := e.count(t)
	a.kill(t)
	t.Logf("process-a killed with SIGKILL at %d of %d documents", killedAt, n)
	a2 := e.startProcess(t, "process-a-restarted")
	e.waitDone(t, n, 8*time.Minute)
	t.Logf("done in %v after the start of production", time.Since(start).Round(time.Millisecond))
	e.requireExactly(t, ids(raws))
	for _, p := range []*proc{b, a2} {
		select {
		case err := <-p.done:
			t.Fatalf("%s exited: %v", p.name, err)
		default:
		}
	}
	// The survivors stop cleanly on SIGTERM.
	for _, p := range []*proc{b, a2} {
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	}
	for _, p := range []*proc{b, a2} {
		select {
		case err := <-p.done:
			require.NoError(t, err, "%s exit status", p.name)
		case <-time.After(60 * time.Second):
			t.Fatalf("%s did not stop on SIGTERM", p.name)
		}
		require.Contains(t, p.log.String(), "all fetched messages done and committed", p.name)
	}
}

// TestIntegrationOneWorkerStopsTheOtherTakesOver: one of two workers stops
// (SIGTERM-like) mid-stream; the other takes its partitions and finishes.
func TestIntegrationOneWorkerStopsTheOtherTakesOver(t *testing.T) {
	e := newEnv(t, 3)
	n := articlesN(t)
	raws := corpus(t, n)
	a := e.startWorker(t, "worker-a", e.esURL, workerConfig(e))
	b := e.startWorker(t, "worker-b", e.esURL, workerConfig(e))
	e.waitGroupMembers(t, 2)
	e.produce(t, raws)
	require.Eventually(t, func() bool { return e.count(t) >= n/3 }, 5*time.Minute, 200*time.Millisecond)
	stopAt := time.Now()
	b.stop(t)
	t.Logf("worker-b stopped in %v at %d of %d documents", time.Since(stopAt).Round(time.Millisecond), e.count(t), n)
	e.waitDone(t, n, 8*time.Minute, a)
	e.requireExactly(t, ids(raws))

	ma := a.metrics(t)
	fetched := ma.Sum("newsflow_consumer_fetched_messages_total")
	done := ma.Sum("newsflow_consumer_messages_total")
	require.Equal(t, fetched, done, "worker-a finished everything it fetched")
	repeats := fetched + bDone(t, b) - float64(n)
	t.Logf("worker-a fetched %v messages, worker-b finished %v; %v were fetched again after the rebalance (uncommitted in-flight work of worker-a)", fetched, bDone(t, b), repeats)
}

// bDone is what a stopped worker finished; its /metrics is gone, so it is
// read from the registry.
func bDone(t *testing.T, p *inproc) float64 {
	mfs, err := p.reg.Gather()
	require.NoError(t, err)
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "newsflow_consumer_messages_total" {
			for _, m := range mf.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

// TestIntegrationElasticsearchOutage: Elasticsearch unreachable for 30 s
// mid-stream (a proxy cut between the workers and the node): the workers
// back off, lag rises, then drains; nothing is lost, nothing crashes.
func TestIntegrationElasticsearchOutage(t *testing.T) {
	e := newEnv(t, 3)
	n := articlesN(t)
	raws := corpus(t, n)
	px := itest.NewProxy(t, e.esURL)
	a := e.startWorker(t, "worker-a", px.URL(), workerConfig(e))
	b := e.startWorker(t, "worker-b", px.URL(), workerConfig(e))
	e.waitGroupMembers(t, 2)
	e.produce(t, raws[:n/2])
	require.Eventually(t, func() bool { return e.count(t) >= n/4 }, 5*time.Minute, 200*time.Millisecond)

	px.Cut()
	cutAt := time.Now()
	before := e.lagNow(t)
	e.produce(t, raws[n/2:]) // production goes on during the outage
	maxLag := before
	var frozen int
	for time.Since(cutAt) < 30*time.Second {
		time.Sleep(2 * time.Second)
		a.running(t)
		b.running(t)
		if l := e.lagNow(t); l > maxLag {
			maxLag = l
		}
		c := e.count(t)
		if frozen == 0 {
			frozen = c
		}
		require.Equal(t, frozen, c, "nothing reaches the index during the outage")
	}
	px.Restore()
	t.Logf("outage of %v: lag %d at the cut, up to %d during it; %d documents indexed before it", time.Since(cutAt).Round(time.Millisecond), before, maxLag, frozen)
	require.Greater(t, maxLag, before, "lag rises during the outage")
	restored := time.Now()
	e.waitDone(t, n, 8*time.Minute, a, b)
	t.Logf("lag drained %v after the restore", time.Since(restored).Round(time.Millisecond))
	e.requireExactly(t, ids(raws))
	ma, mb := a.metrics(t), b.metrics(t)
	retries := ma.Sum("newsflow_elasticsearch_retries_total") + mb.Sum("newsflow_elasticsearch_retries_total") +
		ma.Sum("newsflow_consumer_retries_total", "stage=dedup") + mb.Sum("newsflow_consumer_retries_total", "stage=dedup")
	require.Positive(t, retries, "the workers retried")
	t.Logf("retries: elasticsearch bulk %v, dedup store %v", ma.Sum("newsflow_elasticsearch_retries_total")+mb.Sum("newsflow_elasticsearch_retries_total"),
		ma.Sum("newsflow_consumer_retries_total", "stage=dedup")+mb.Sum("newsflow_consumer_retries_total", "stage=dedup"))
	require.Zero(t, ma.Sum("newsflow_consumer_messages_total", "result=dead_lettered")+mb.Sum("newsflow_consumer_messages_total", "result=dead_lettered"), "an outage dead-letters nothing")
}

// TestIntegrationRedisOutage: the dedup store's Redis server goes away for
// 30 s mid-stream, stopped (SIGTERM: connections refused) or paused
// (SIGSTOP: requests hang until they time out), and comes back with its data
// (the test's own redis-server, append-only file on disk). The workers retry
// with backoff from the first article held up while fetching pauses, /readyz
// fails, lag rises and nothing is committed ahead of the index; after the
// restart the lag drains and the index holds exactly the N documents.
func TestIntegrationRedisOutage(t *testing.T) {
	for _, mode := range []string{"stopped", "paused"} {
		t.Run(mode, func(t *testing.T) { redisOutage(t, mode) })
	}
}

func redisOutage(t *testing.T, mode string) {
	rp := itest.StartRedis(t)
	e := newEnv(t, 3)
	e.redis = rp.Addr()
	n := articlesN(t)
	raws := corpus(t, n)
	a := e.startWorker(t, "worker-a", e.esURL, workerConfig(e))
	b := e.startWorker(t, "worker-b", e.esURL, workerConfig(e))
	e.waitGroupMembers(t, 2)
	for _, w := range []*inproc{a, b} {
		require.Equal(t, http.StatusOK, ready(w.srv.URL), "%s ready before the outage", w.name)
	}
	e.produce(t, raws[:n/2])
	require.Eventually(t, func() bool { return e.count(t) >= n/4 }, 5*time.Minute, 200*time.Millisecond)

	if mode == "stopped" {
		rp.Stop()
	} else {
		rp.Pause()
	}
	cutAt := time.Now()
	before := e.lagNow(t)
	e.produce(t, raws[n/2:]) // production goes on during the outage
	maxLag := before
	frozen, notReady := -1, map[string]bool{}
	var fetchedMid float64
	for time.Since(cutAt) < 30*time.Second {
		time.Sleep(2 * time.Second)
		a.running(t)
		b.running(t)
		if l := e.lagNow(t); l > maxLag {
			maxLag = l
		}
		// Committed first, then counted: the index only grows, so a commit
		// ahead of the index shows as committed > count.
		committed := e.committed(t)
		c := e.count(t)
		require.LessOrEqual(t, committed, int64(c), "nothing is committed ahead of the index")
		for _, w := range []*inproc{a, b} {
			if ready(w.srv.URL) == http.StatusServiceUnavailable {
				notReady[w.name] = true
			}
		}
		// Bulk requests prepared before the outage may still land in its
		// first seconds; after that nothing reaches the index.
		if since := time.Since(cutAt); since >= 6*time.Second {
			if frozen < 0 {
				frozen = c
			}
			require.Equal(t, frozen, c, "nothing reaches the index during the outage (%v in)", since.Round(time.Second))
		}
		if fetchedMid == 0 && time.Since(cutAt) >= 15*time.Second {
			fetchedMid = a.metrics(t).Sum("newsflow_consumer_fetched_messages_total") + b.metrics(t).Sum("newsflow_consumer_fetched_messages_total")
		}
	}
	lagEnd := e.lagNow(t)
	ma, mb := a.metrics(t), b.metrics(t)
	fetchedEnd := ma.Sum("newsflow_consumer_fetched_messages_total") + mb.Sum("newsflow_consumer_fetched_messages_total")
	inFlight := ma.Sum("newsflow_consumer_in_flight_messages") + mb.Sum("newsflow_consumer_in_flight_messages")
	if mode == "stopped" {
		rp.Start()
	} else {
		rp.Resume()
	}
	t.Logf("redis %s for %v: lag %d at the cut, up to %d during it, %d at its end; %d documents indexed; fetched %v at 15 s, %v at the end; %v messages in flight",
		mode, time.Since(cutAt).Round(time.Millisecond), before, maxLag, lagEnd, frozen, fetchedMid, fetchedEnd, inFlight)
	require.GreaterOrEqual(t, lagEnd, int64(n-n/2), "lag rises by everything produced during the outage (none of it is processed)")
	require.GreaterOrEqual(t, lagEnd, int64(n-frozen), "every message not indexed is in the lag")
	require.Equal(t, fetchedMid, fetchedEnd, "fetching pauses: nothing fetched in the second half of the outage")
	require.LessOrEqual(t, inFlight, float64(2*4*500), "memory stays bounded: at most a few batches per worker in flight")
	require.Equal(t, map[string]bool{"worker-a": true, "worker-b": true}, notReady, "/readyz fails while the store does not answer")

	restored := time.Now()
	e.waitDone(t, n, 8*time.Minute, a, b)
	t.Logf("lag drained %v after the restart", time.Since(restored).Round(time.Millisecond))
	e.requireExactly(t, ids(raws))
	ma, mb = a.metrics(t), b.metrics(t)
	sum := func(name string, match ...string) float64 { return ma.Sum(name, match...) + mb.Sum(name, match...) }
	require.Positive(t, sum("newsflow_consumer_retries_total", "stage=dedup"), "the workers retried the dedup stage")
	require.Positive(t, sum("newsflow_dedup_store_requests_total", "result=error"), "the store's failed requests are counted")
	require.Zero(t, sum("newsflow_consumer_messages_total", "result=dead_lettered"), "an outage dead-letters nothing")
	require.Equal(t, float64(n), sum("newsflow_consumer_messages_total", "result=indexed"), "every message indexed once: no redelivery was needed")
	for _, w := range []*inproc{a, b} {
		require.Equal(t, http.StatusOK, ready(w.srv.URL), "%s ready again", w.name)
	}
	t.Logf("retries: dedup stage %v, store request errors %v (lookup %v, claim %v)", sum("newsflow_consumer_retries_total", "stage=dedup"),
		sum("newsflow_dedup_store_requests_total", "result=error"), sum("newsflow_dedup_store_requests_total", "op=lookup", "result=error"), sum("newsflow_dedup_store_requests_total", "op=claim", "result=error"))
}

// poison returns 50 messages the consumer cannot index: 20 of bad JSON, 15
// not UTF-8 (a Latin-1 producer), 15 whose source is a keyword term larger
// than Lucene accepts (the mapping rejects the document).
func poison() (msgs []kafka.Message, stages map[string]string) {
	stages = map[string]string{}
	for i := 0; i < 20; i++ {
		v := []byte(fmt.Sprintf(`{"id":"bad-json-%d","source":"wire","body":"cut off`, i))
		msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprintf("wire:bad-json-%d", i)), Value: v})
		stages[string(v)] = dlq.StageDecode
	}
	for i := 0; i < 15; i++ {
		v := []byte(fmt.Sprintf("{\"id\":\"latin1-%d\",\"source\":\"wire\",\"body\":\"Caf\xe9 cr\xe8me at \xa33\"}", i))
		msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprintf("wire:latin1-%d", i)), Value: v})
		stages[string(v)] = dlq.StageDecode
	}
	for i := 0; i < 15; i++ {
		v, _ := json.Marshal(article.RawArticle{ID: fmt.Sprintf("immense-%d", i), Source: strings.Repeat("s", 33000), Title: "Immense source", Body: "A story from a source whose name is far too long."})
		msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprintf("s:immense-%d", i)), Value: v})
		stages[string(v)] = dlq.StageIndex
	}
	return msgs, stages
}

// TestIntegrationPoisonMessagesAndReplay: 50 poison messages mixed into N:
// exactly 50 dead letters with their reasons, all others indexed; after a
// fix, `newsflow replay-dlq` re-publishes them and the fixable ones are
// indexed.
func TestIntegrationPoisonMessagesAndReplay(t *testing.T) {
	e := newEnv(t, 3)
	n := articlesN(t)
	raws := corpus(t, n)
	bad, stageOf := poison()
	// The poison is spread evenly through the stream.
	var msgs []kafka.Message
	now := time.Now().UTC().Format(time.RFC3339Nano)
	next := 0
	for i, r := range raws {
		for next < len(bad) && next*n/len(bad) == i {
			msgs = append(msgs, bad[next])
			next++
		}
		r.ReceivedAt = now
		v, err := json.Marshal(r)
		require.NoError(t, err)
		msgs = append(msgs, kafka.Message{Key: []byte(r.Key()), Value: v})
	}
	msgs = append(msgs, bad[next:]...)
	require.Len(t, msgs, n+50)

	a := e.startWorker(t, "worker-a", e.esURL, workerConfig(e))
	b := e.startWorker(t, "worker-b", e.esURL, workerConfig(e))
	e.waitGroupMembers(t, 2)
	e.produceMessages(t, msgs)
	e.waitDone(t, n, 8*time.Minute, a, b)
	e.requireExactly(t, ids(raws))

	letters := e.readDLQ(t)
	require.Len(t, letters, 50, "exactly the 50 poison messages are dead-lettered")
	byStage := map[string]int{}
	for _, l := range letters {
		stage, _ := dlq.Header(l, dlq.HeaderStage)
		reason, _ := dlq.Header(l, dlq.HeaderError)
		topic, _ := dlq.Header(l, dlq.HeaderTopic)
		part, _ := dlq.Header(l, dlq.HeaderPartition)
		off, _ := dlq.Header(l, dlq.HeaderOffset)
		byStage[stage]++
		require.Equal(t, stageOf[string(l.Value)], stage, "stage of %q", l.Key)
		require.NotEmpty(t, reason)
		require.Equal(t, e.topic, topic)
		p, err := strconv.Atoi(part)
		require.NoError(t, err)
		o, err := strconv.ParseInt(off, 10, 64)
		require.NoError(t, err)
		orig := e.readRaw(t, p, o)
		require.Equal(t, orig.Value, l.Value, "the dead letter keeps the original bytes")
		require.Equal(t, orig.Key, l.Key, "and the original key")
		switch {
		case bytes.HasPrefix(l.Key, []byte("wire:bad-json")):
			require.Contains(t, reason, "decode RawArticle JSON")
		case bytes.HasPrefix(l.Key, []byte("wire:latin1")):
			require.Contains(t, reason, "not valid UTF-8")
		default:
			require.Contains(t, reason, "immense term")
		}
	}
	require.Equal(t, map[string]int{dlq.StageDecode: 35, dlq.StageIndex: 15}, byStage)
	t.Logf("dead letters by stage: %v", byStage)

	// consumed = indexed + dead-lettered (+ skipped older), and indexed
	// matches the index.
	ma, mb := a.metrics(t), b.metrics(t)
	sum := func(name string, match ...string) float64 { return ma.Sum(name, match...) + mb.Sum(name, match...) }
	fetched := sum("newsflow_consumer_fetched_messages_total")
	require.Equal(t, float64(n+50), fetched)
	require.Equal(t, fetched, sum("newsflow_consumer_messages_total", "result=indexed")+sum("newsflow_consumer_messages_total", "result=dead_lettered")+sum("newsflow_consumer_messages_total", "result=skipped_older"))
	require.Equal(t, 50.0, sum("newsflow_consumer_messages_total", "result=dead_lettered"))
	require.Equal(t, float64(n), sum("newsflow_consumer_messages_total", "result=indexed"))
	require.Equal(t, 35.0, sum("newsflow_dlq_messages_total", "stage=decode"))
	require.Equal(t, 15.0, sum("newsflow_dlq_messages_total", "stage=index"))

	// The fix: the operator lets over-long sources through unindexed.
	require.NoError(t, itest.ESDo(context.Background(), e.esURL, http.MethodPut, "/"+e.alias+"/_mapping",
		`{"properties":{"source":{"type":"keyword","ignore_above":1024}}}`, nil))
	out, err := exec.Command(binary(t), "replay-dlq", "--kafka-brokers", e.kafka, "--topic", e.topic,
		"--replay-group", e.group+"-replay", "--stage", dlq.StageIndex).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "republished=15 skipped_by_stage=35", "%s", out)
	e.waitDone(t, n+15, 2*time.Minute, a, b)
	for i := 0; i < 15; i++ {
		require.Equal(t, "A story from a source whose name is far too long.", e.doc(t, fmt.Sprintf("immense-%d", i)).Body)
	}
	// A second replay of the same group finds nothing left.
	out, err = exec.Command(binary(t), "replay-dlq", "--kafka-brokers", e.kafka, "--topic", e.topic,
		"--replay-group", e.group+"-replay", "--stage", dlq.StageIndex).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "nothing to replay", "%s", out)

	// Undecodable bytes stay undecodable: replayed (by another group), they
	// come back to the dead-letter topic marked as replayed once.
	out, err = exec.Command(binary(t), "replay-dlq", "--kafka-brokers", e.kafka, "--topic", e.topic,
		"--replay-group", e.group+"-replay-decode", "--stage", dlq.StageDecode).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "republished=35", "%s", out)
	require.Eventually(t, func() bool { return len(e.readDLQ(t)) == 85 }, 2*time.Minute, 500*time.Millisecond)
	replayed := 0
	for _, l := range e.readDLQ(t) {
		if v, ok := dlq.Header(l, dlq.HeaderReplays); ok {
			require.Equal(t, "1", v)
			replayed++
		}
	}
	require.Equal(t, 35, replayed)
	require.Equal(t, n+15, e.count(t))
}

// TestIntegrationOlderVersionAfterNewer: an older version of a story that
// arrives after a newer one leaves the newer one in the index; the same
// version delivered again is indexed, not an error.
func TestIntegrationOlderVersionAfterNewer(t *testing.T) {
	e := newEnv(t, 1)
	v2 := article.RawArticle{ID: "story-7", Source: "wire", SourceID: "7", Title: "Dam repaired", Body: "Engineers repaired the dam on Tuesday, two days ahead of plan.", Updated: "2024-05-02T10:00:00Z"}
	v1 := v2
	v1.Body = "Engineers are repairing the dam."
	v1.Updated = "2024-05-01T10:00:00Z"
	w := e.startWorker(t, "worker", e.esURL, workerConfig(e))
	e.waitGroupMembers(t, 1)
	e.produce(t, []article.RawArticle{v2})
	e.waitDone(t, 1, time.Minute, w)
	e.produce(t, []article.RawArticle{v1, v2})
	require.Eventually(t, func() bool { return e.lagNow(t) == 0 }, time.Minute, 100*time.Millisecond)
	got := e.doc(t, "story-7")
	require.Equal(t, v2.Body, got.Body, "the newer version stays")
	require.Equal(t, "2024-05-02T10:00:00Z", got.UpdatedAt)
	m := w.metrics(t)
	require.Equal(t, 2.0, m.Sum("newsflow_consumer_messages_total", "result=indexed"), "the newer version twice")
	require.Equal(t, 1.0, m.Sum("newsflow_consumer_messages_total", "result=skipped_older"))
	require.Equal(t, 0.0, m.Sum("newsflow_consumer_messages_total", "result=dead_lettered"))
}

// TestIntegrationRedeliveryComesOutTheSame: the same messages delivered
// again (a replay of the raw topic) produce the same documents, through the
// shared Redis dedup store (only indexed_at differs).
func TestIntegrationRedeliveryComesOutTheSame(t *testing.T) {
	e := newEnv(t, 3)
	raws := corpus(t, 600)
	msgs := messages(t, raws)
	w := e.startWorker(t, "worker", e.esURL, workerConfig(e))
	e.waitGroupMembers(t, 1)
	e.produceMessages(t, msgs)
	e.waitDone(t, len(raws), 3*time.Minute, w)
	first := map[string]string{}
	statuses := map[article.Status]int{}
	for _, r := range raws {
		d := e.doc(t, r.DeriveID())
		d.IndexedAt = ""
		b, _ := json.Marshal(d)
		first[d.ID] = string(b)
		for _, p := range d.Paragraphs {
			statuses[p.Status]++
		}
	}
	t.Logf("paragraph statuses of the first pass: %v", statuses)
	w.stop(t)

	// Deliver every message again (the same bytes), to a fresh worker with
	// a cold cache.
	w2 := e.startWorker(t, "worker-again", e.esURL, workerConfig(e))
	e.produceMessages(t, msgs)
	require.Eventually(t, func() bool { return e.lagNow(t) == 0 }, 3*time.Minute, 200*time.Millisecond)
	w2.running(t)
	require.Equal(t, float64(len(raws)), w2.metrics(t).Sum("newsflow_consumer_messages_total", "result=indexed"))
	for _, r := range raws {
		d := e.doc(t, r.DeriveID())
		d.IndexedAt = ""
		b, _ := json.Marshal(d)
		require.Equal(t, first[d.ID], string(b), "article %s", d.ID)
	}
}

// ready returns the status of GET /readyz.
func ready(base string) int {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}
