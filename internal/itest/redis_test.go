package itest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
)

// TestIntegrationRedisServers pins the Redis setups of testenv/redis.sh
// down: a standalone 7.0+ server, a cluster of 3 masters covering every
// slot, and a TLS server that refuses plain connections; and that a test's
// key prefix is cleaned up.
func TestIntegrationRedisServers(t *testing.T) {
	ctx := context.Background()
	addr := itest.Redis(t)
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	defer c.Close()
	info, err := c.Info(ctx, "server").Result()
	require.NoError(t, err)
	require.Contains(t, info, "redis_version:7.")

	t.Run("prefix cleanup", func(t *testing.T) {
		var prefix string
		t.Run("inner", func(t *testing.T) {
			prefix = itest.NewRedisPrefix(t, addr)
			require.NoError(t, c.Set(ctx, prefix+"a", "1", 0).Err())
			require.NoError(t, c.Set(ctx, prefix+"b", "2", 0).Err())
		})
		n, err := c.Exists(ctx, prefix+"a", prefix+"b").Result()
		require.NoError(t, err)
		require.Zero(t, n, "the keys under the prefix are gone when the test ends")
	})

	masters := itest.RedisCluster(t)
	require.Len(t, masters, 3)
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: masters, Protocol: 2, DisableIdentity: true})
	defer cc.Close()
	shards, err := cc.ClusterShards(ctx).Result()
	require.NoError(t, err)
	covered := 0
	for _, s := range shards {
		for _, r := range s.Slots {
			covered += int(r.End - r.Start + 1)
		}
	}
	require.Equal(t, 16384, covered)
	require.Len(t, shards, 3, "one shard per master")

	srv := itest.RedisTLS(t)
	plain := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	defer plain.Close()
	require.Error(t, plain.Ping(ctx).Err(), "the TLS server speaks TLS only")
	require.True(t, strings.HasPrefix(srv.Username, "newsflow"))
	require.NotEmpty(t, srv.Password)
}
