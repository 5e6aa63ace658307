package redisdedup_test

// The same measurement against the Elasticsearch fingerprint index, the
// store this one replaces as the default. It imports the Elasticsearch
// store from where it lives today (consumers/esindex; index/esdedup after
// the restructure of issue 13).

import (
	"context"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/index/esdedup"
	"github.com/newsflow/newsflow/index/redisdedup"
	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// TestMeasureAgainstElasticsearch marks the same stream (batches of the
// consumer's size) through the Elasticsearch store on the testenv node and
// through the Redis store on the testenv server (or cluster), each on a
// fresh index or prefix, and reports MarkBatch's throughput and the
// stores' Lookup/Claim latency side by side.
//
//	go test ./index/redisdedup -run MeasureAgainst -v -redisdedup.measure -redisdedup.paragraphs 100000
func TestMeasureAgainstElasticsearch(t *testing.T) {
	if !*measure {
		t.Skip("a measurement: run with -redisdedup.measure")
	}
	ctx := context.Background()
	url := itest.Elasticsearch(t)
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{url}, DisableRetry: true})
	require.NoError(t, err)
	ess := esdedup.NewStore(es, esdedup.StoreConfig{Index: itest.NewIndexName(t, url), CacheEntries: *cacheFlag})
	require.NoError(t, ess.Setup(ctx))

	cfg := redisdedup.Config{Addrs: []string{itest.Redis(t)}, CacheEntries: *cacheFlag}
	if *clusterRun {
		cfg.Addrs = itest.RedisCluster(t)
	}
	cfg.KeyPrefix = itest.NewRedisPrefix(t, cfg.Addrs...)
	rs, err := redisdedup.New(cfg)
	require.NoError(t, err)
	defer rs.Close()
	require.NoError(t, rs.Setup(ctx))

	for _, tc := range []struct {
		name  string
		store dedup.Store
	}{{"redis " + cfg.String(), rs}, {"elasticsearch " + url, ess}, {"memory", dedup.NewMemoryStore(1 << 30)}} {
		ts := &timed{Store: tc.store}
		t.Logf("%s: load before %s", tc.name, loadAvg())
		articles, paras, took := markStream(t, dedup.New(ts, dedup.Options{}), newStream(t), *measureN)
		t.Logf("%s: %d articles, %d paragraphs: MarkBatch %v, %.0f articles/s", tc.name, articles, paras, took.Round(time.Millisecond), float64(articles)/took.Seconds())
		t.Logf("%s: lookups: %s", tc.name, summary(ts.lookups))
		t.Logf("%s: claims: %s", tc.name, summary(ts.claims))
	}
	t.Logf("load after %s", loadAvg())
}
