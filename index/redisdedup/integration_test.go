package redisdedup_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/index/redisdedup"
	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/dedup/storetest"
)

// setup is one of the test environment's servers.
type setup struct {
	name string
	cfg  func(t *testing.T) redisdedup.Config
}

func setups() []setup {
	return []setup{
		{name: "standalone", cfg: func(t *testing.T) redisdedup.Config {
			return redisdedup.Config{Addrs: []string{itest.Redis(t)}}
		}},
		{name: "cluster", cfg: func(t *testing.T) redisdedup.Config {
			return redisdedup.Config{Addrs: itest.RedisCluster(t)}
		}},
		{name: "tls", cfg: func(t *testing.T) redisdedup.Config {
			srv := itest.RedisTLS(t)
			return redisdedup.Config{Addrs: []string{srv.Addr}, Username: srv.Username, PasswordFile: srv.PasswordFile,
				TLS: true, CAFile: srv.CAFile, CertFile: srv.CertFile, KeyFile: srv.KeyFile}
		}},
	}
}

// newStore returns a store on a fresh key prefix, closed (and its keys
// deleted, on the plain servers) when t ends.
func newStore(t *testing.T, cfg redisdedup.Config) *redisdedup.Store {
	t.Helper()
	if !cfg.TLS {
		cfg.KeyPrefix = itest.NewRedisPrefix(t, cfg.Addrs...)
	} else {
		cfg.KeyPrefix = itest.UniqueName(t, "itest-") // the server is wiped at each testenv up
	}
	s, err := redisdedup.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	require.NoError(t, s.Setup(ctx))
	require.NoError(t, s.Ping(ctx))
	return s
}

// TestIntegrationStoreConformance runs the dedup.Store conformance suite
// on the real standalone server, the real cluster and the TLS server with
// a password, each with and without the local cache.
func TestIntegrationStoreConformance(t *testing.T) {
	for _, su := range setups() {
		t.Run(su.name, func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				cache int
			}{{"with the cache", 0}, {"without a cache", -1}} {
				t.Run(tc.name, func(t *testing.T) {
					base := su.cfg(t)
					storetest.Run(t, func(t *testing.T) dedup.Store {
						cfg := base
						cfg.CacheEntries = tc.cache
						return newStore(t, cfg)
					})
				})
			}
		})
	}
}

func keysAndRecords(n int, who string) ([]dedup.Key, []dedup.Record) {
	keys := make([]dedup.Key, n)
	recs := make([]dedup.Record, n)
	for i := range keys {
		keys[i] = dedup.Key(uint64(i)*0x9E3779B97F4A7C15 + 1)
		recs[i] = dedup.Record{Ref: article.Ref{ArticleID: who, Index: i}, StoryID: who, Figures: uint64(i)}
		if i%2 == 0 {
			recs[i].Sketch[i%dedup.SketchSize] = byte(i%250 + 1)
		}
	}
	return keys, recs
}

// TestIntegrationStoreAgreesUnderARace claims the same keys from two
// stores (two workers, separate caches) at once: both must end with the
// same first record for every key, and a third store reads the same.
func TestIntegrationStoreAgreesUnderARace(t *testing.T) {
	for _, su := range setups()[:2] {
		t.Run(su.name, func(t *testing.T) {
			cfg := su.cfg(t)
			cfg.KeyPrefix = itest.NewRedisPrefix(t, cfg.Addrs...)
			open := func(cache int) *redisdedup.Store {
				c := cfg
				c.CacheEntries = cache
				s, err := redisdedup.New(c)
				require.NoError(t, err)
				t.Cleanup(func() { _ = s.Close() })
				return s
			}
			a, b := open(0), open(0)
			ctx := context.Background()
			const n = 5000
			keys, ra := keysAndRecords(n, "worker-a")
			_, rb := keysAndRecords(n, "worker-b")
			var wg sync.WaitGroup
			var ea, eb error
			wg.Add(2)
			go func() { defer wg.Done(); ea = a.Claim(ctx, keys, ra) }()
			go func() { defer wg.Done(); eb = b.Claim(ctx, keys, rb) }()
			wg.Wait()
			require.NoError(t, ea)
			require.NoError(t, eb)
			require.Equal(t, ra, rb, "both workers see the first claim of every key")
			out := make([]dedup.Record, n)
			require.NoError(t, open(-1).Lookup(ctx, keys, out))
			require.Equal(t, ra, out)
		})
	}
}

// TestIntegrationRetention: a key lives Retention after its claim, on the
// server and in the cache, and is then claimed afresh.
func TestIntegrationRetention(t *testing.T) {
	addr := itest.Redis(t)
	cfg := redisdedup.Config{Addrs: []string{addr}, Retention: 2 * time.Second}
	s := newStore(t, cfg)
	ctx := context.Background()
	keys, recs := keysAndRecords(3, "old")
	require.NoError(t, s.Claim(ctx, keys, recs))
	require.Equal(t, 3, s.CacheLen())

	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	defer c.Close()
	ttl, err := c.PTTL(ctx, s.Prefix()+string(keyBytes(keys[0]))).Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 500*time.Millisecond)
	require.LessOrEqual(t, ttl, 2*time.Second)

	// A later claim keeps the first record and does not extend its life.
	_, again := keysAndRecords(3, "later")
	require.NoError(t, s.Claim(ctx, keys, again))
	require.Equal(t, recs, again)

	time.Sleep(3 * time.Second)
	out := make([]dedup.Record, 3)
	require.NoError(t, s.Lookup(ctx, keys, out))
	require.Equal(t, make([]dedup.Record, 3), out, "forgotten on the server and in the cache")
	_, fresh := keysAndRecords(3, "new")
	want := append([]dedup.Record(nil), fresh...)
	require.NoError(t, s.Claim(ctx, keys, fresh))
	require.Equal(t, want, fresh, "claimed afresh")
}

func keyBytes(k dedup.Key) []byte {
	b := make([]byte, 8)
	for i := range 8 {
		b[i] = byte(uint64(k) >> (56 - 8*i))
	}
	return b
}

// TestIntegrationOutage: while the server is paused (a stalled node) or
// stopped, Lookup and Claim fail with retryable errors and Ping fails;
// when it is back, the same calls succeed and the records claimed before
// are still there, unchanged.
func TestIntegrationOutage(t *testing.T) {
	srv := itest.StartRedis(t)
	s, err := redisdedup.New(redisdedup.Config{Addrs: []string{srv.Addr()}, RequestTimeout: 500 * time.Millisecond,
		ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond, DialTimeout: 300 * time.Millisecond, CacheEntries: -1})
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	require.NoError(t, s.Setup(ctx))

	keys, first := keysAndRecords(200, "before")
	require.NoError(t, s.Claim(ctx, keys[:100], first[:100]))
	check := func(what string) {
		t.Helper()
		out := make([]dedup.Record, 100)
		require.NoError(t, s.Lookup(ctx, keys[:100], out), what)
		require.Equal(t, first[:100], out, what)
	}
	claimRest := func(who string) ([]dedup.Record, error) {
		_, recs := keysAndRecords(200, who)
		return recs, s.Claim(ctx, keys, recs)
	}

	for _, outage := range []struct {
		name       string
		stop, back func()
	}{
		{"paused", srv.Pause, srv.Resume},
		{"stopped", srv.Stop, srv.Start},
	} {
		t.Run(outage.name, func(t *testing.T) {
			outage.stop()
			for _, err := range []error{
				s.Ping(ctx),
				s.Lookup(ctx, keys, make([]dedup.Record, len(keys))),
				func() error { _, err := claimRest("during"); return err }(),
			} {
				require.Error(t, err)
				require.True(t, redisdedup.Retryable(err), "retryable: %v", err)
				require.True(t, strings.HasPrefix(err.Error(), "redis dedup store: "), err.Error())
			}
			outage.back()
			require.NoError(t, s.Ping(ctx))
			check("after the outage")
		})
	}
	// The claims that failed left nothing half-made: the rest of the keys
	// are claimed now, by whoever comes first after the outage.
	recs, err := claimRest("after")
	require.NoError(t, err)
	require.Equal(t, first[:100], recs[:100])
	for i := 100; i < 200; i++ {
		require.Contains(t, []string{"during", "after"}, recs[i].Ref.ArticleID)
		require.Equal(t, i, recs[i].Ref.Index)
	}
}

// TestIntegrationAuthAndTLSFailures: a wrong password and a missing client
// certificate fail Ping with errors that are not retryable.
func TestIntegrationAuthAndTLSFailures(t *testing.T) {
	srv := itest.RedisTLS(t)
	base := redisdedup.Config{Addrs: []string{srv.Addr}, Username: srv.Username, TLS: true, CAFile: srv.CAFile,
		CertFile: srv.CertFile, KeyFile: srv.KeyFile, MaxRetries: -1, RequestTimeout: 5 * time.Second}
	ctx := context.Background()
	t.Run("wrong password", func(t *testing.T) {
		cfg := base
		cfg.Password = "not-the-password"
		s, err := redisdedup.New(cfg)
		require.NoError(t, err)
		defer s.Close()
		err = s.Ping(ctx)
		require.ErrorContains(t, err, "WRONGPASS")
		require.False(t, redisdedup.Retryable(err))
		require.NotContains(t, err.Error(), "not-the-password")
	})
	t.Run("no password", func(t *testing.T) {
		cfg := base
		cfg.Username = ""
		s, err := redisdedup.New(cfg)
		require.NoError(t, err)
		defer s.Close()
		err = s.Ping(ctx)
		require.ErrorContains(t, err, "NOAUTH")
		require.False(t, redisdedup.Retryable(err))
	})
	t.Run("unknown CA", func(t *testing.T) {
		cfg := base
		cfg.PasswordFile = srv.PasswordFile
		cfg.CAFile = ""
		s, err := redisdedup.New(cfg)
		require.NoError(t, err)
		defer s.Close()
		err = s.Ping(ctx)
		require.ErrorContains(t, err, "certificate")
		require.False(t, redisdedup.Retryable(err))
	})
	t.Run("without client certificate", func(t *testing.T) {
		cfg := base
		cfg.PasswordFile = srv.PasswordFile
		cfg.CertFile, cfg.KeyFile = "", ""
		s, err := redisdedup.New(cfg)
		require.NoError(t, err)
		defer s.Close()
		require.Error(t, s.Ping(ctx), "the server requires a client certificate")
	})
}

// TestIntegrationMetrics: the store's request, cache and key counters and
// the server's numbers from INFO.
func TestIntegrationMetrics(t *testing.T) {
	for _, su := range setups()[:2] {
		t.Run(su.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			cfg := su.cfg(t)
			cfg.Registerer = reg
			s := newStore(t, cfg)
			ctx := context.Background()
			keys, recs := keysAndRecords(100, "a")
			require.NoError(t, s.Claim(ctx, keys, recs))
			_, other := keysAndRecords(100, "b")
			require.NoError(t, s.Claim(ctx, append([]dedup.Key{1 << 62}, keys...), append([]dedup.Record{{Ref: article.Ref{ArticleID: "b"}}}, other...)))
			out := make([]dedup.Record, 101)
			require.NoError(t, s.Lookup(ctx, append([]dedup.Key{1<<62 + 1}, keys...), out))

			mfs, err := reg.Gather()
			require.NoError(t, err)
			got := map[string]float64{}
			nodes := map[string]bool{}
			for _, mf := range mfs {
				for _, m := range mf.GetMetric() {
					name := mf.GetName()
					for _, l := range m.GetLabel() {
						if l.GetName() == "node" {
							nodes[l.GetValue()] = true
							continue
						}
						name += "{" + l.GetName() + "=" + l.GetValue() + "}"
					}
					switch {
					case m.GetCounter() != nil:
						got[name] += m.GetCounter().GetValue()
					case m.GetGauge() != nil:
						got[name] += m.GetGauge().GetValue()
					case m.GetHistogram() != nil:
						got[name+"_count"] += float64(m.GetHistogram().GetSampleCount())
					}
				}
			}
			require.Equal(t, 101.0, got["newsflow_dedup_store_keys_total{result=created}"], "the first claim creates 100, the second 1")
			require.Equal(t, 100.0, got["newsflow_dedup_store_keys_total{result=conflict}"], "cached: the second claim sent one key")
			require.Equal(t, 2.0, got["newsflow_dedup_store_requests_total{op=claim}{result=ok}"])
			require.Equal(t, 1.0, got["newsflow_dedup_store_requests_total{op=lookup}{result=ok}"])
			require.Equal(t, 100.0, got["newsflow_dedup_store_cache_total{result=hit}"])
			require.Equal(t, 1.0, got["newsflow_dedup_store_cache_total{result=miss}"])
			require.Equal(t, 3.0, got["newsflow_dedup_store_request_duration_seconds{op=claim}_count"]+got["newsflow_dedup_store_request_duration_seconds{op=lookup}_count"])
			require.GreaterOrEqual(t, got["newsflow_dedup_store_server_keys"], 101.0)
			require.Greater(t, got["newsflow_dedup_store_server_memory_used_bytes"], 0.0)
			require.Contains(t, got, "newsflow_dedup_store_server_evicted_keys_total")
			require.Contains(t, got, "newsflow_dedup_store_server_expired_keys_total")
			require.Contains(t, got, "newsflow_dedup_store_server_memory_max_bytes")
			wantNodes := 1
			if su.name == "cluster" {
				wantNodes = 3
			}
			require.Len(t, nodes, wantNodes, fmt.Sprint(nodes))
		})
	}
}
