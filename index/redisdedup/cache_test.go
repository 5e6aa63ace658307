package redisdedup

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
)

func TestRecordCacheLRUAndExpiry(t *testing.T) {
	c := newRecordCache(3, 1<<20)
	const now = 1000
	c.put(1, "one", now+10, now)
	c.put(2, "two", now+100, now)
	c.put(3, "three", now+100, now)
	_, ok := c.get(1, now) // 1 is now the most recent
	require.True(t, ok)
	c.put(4, "four", now+100, now) // evicts 2, the least recently used
	_, ok = c.get(2, now)
	require.False(t, ok)
	for k, want := range map[dedup.Key]string{1: "one", 3: "three", 4: "four"} {
		v, ok := c.get(k, now)
		require.True(t, ok, "key %d", k)
		require.Equal(t, want, v)
	}
	// Past its validity an entry is dropped when met, and its slot reused.
	_, ok = c.get(1, now+10)
	require.False(t, ok)
	require.Equal(t, 2, c.Len())
	c.put(5, "five", now+100, now+10)
	require.Equal(t, 3, c.Len())
	require.Len(t, c.slots, 3, "the freed slot is reused")
	// A present key is only touched: records never change.
	c.put(5, "other", now+100, now+10)
	v, _ := c.get(5, now+10)
	require.Equal(t, "five", v)
	// Nothing already expired is cached, and a disabled cache keeps nothing.
	c.put(6, "six", now, now+10)
	_, ok = c.get(6, now+10)
	require.False(t, ok)
	for _, off := range []*recordCache{newRecordCache(-1, 1<<20), newRecordCache(10, -1)} {
		off.put(1, "x", now+10, now)
		require.Equal(t, 0, off.Len())
	}
	// The list stays consistent through it all.
	seen := 0
	for i := c.head; i >= 0; i = c.slots[i].next {
		seen++
	}
	require.Equal(t, c.Len(), seen)
}

func TestRecordCacheBytes(t *testing.T) {
	const now = 1000
	c := newRecordCache(100, 3*entryCost("0123456789"))
	for k := range dedup.Key(3) {
		c.put(k, "0123456789", now+100, now)
	}
	require.Equal(t, 3, c.Len())
	require.Equal(t, 3*entryCost("0123456789"), c.Bytes())
	_, ok := c.get(0, now) // 0 is now the most recent
	require.True(t, ok)
	// A larger value evicts the least recently used until it fits.
	c.put(3, "0123456789"+"0123456789", now+100, now)
	require.Equal(t, 2, c.Len())
	_, ok = c.get(1, now)
	require.False(t, ok)
	_, ok = c.get(2, now)
	require.False(t, ok)
	_, ok = c.get(0, now)
	require.True(t, ok)
	require.Equal(t, entryCost("0123456789")+entryCost("0123456789"+"0123456789"), c.Bytes())
	// A value larger than the whole budget is not cached and evicts nothing.
	c.put(4, string(make([]byte, 4*entryCost(""))), now+100, now)
	require.Equal(t, 2, c.Len())
	// Expiry gives the bytes back.
	_, ok = c.get(0, now+100)
	require.False(t, ok)
	require.Equal(t, entryCost("0123456789"+"0123456789"), c.Bytes())
}

// TestCacheEntrySize measures the heap one cached record of a long
// paragraph takes, with a sparse 40-bin sketch (a 91-byte value) and with
// a full one (raw, 187 bytes), against entryCost, which the byte bound
// counts (cacheEntryOverhead, DefaultCacheBytes' comment).
func TestCacheEntrySize(t *testing.T) {
	const n = 50_000
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for _, bins := range []int{40, dedup.SketchSize} {
		before := heap()
		c := newRecordCache(n, 1<<40)
		for i := range n {
			r := dedup.Record{Ref: article.Ref{ArticleID: fmt.Sprintf("reuters-%d", i/20), Index: i % 20}, StoryID: fmt.Sprintf("reuters-%d", i/20), Sketch: sketchWith(bins), Numbers: uint64(i)}
			c.put(dedup.Key(i)*0x9E3779B97F4A7C15, string(appendRecord(nil, r, 2_000_000_000)), 2_000_000_000, 1)
		}
		per := float64(heap()-before) / n
		counted := float64(c.Bytes()) / n
		t.Logf("%d sketch bins: %.0f bytes per cached record, %.0f counted", bins, per, counted)
		require.Less(t, per, 320.0)
		require.InDelta(t, per, counted, 0.2*per, "cacheEntryOverhead is off")
		runtime.KeepAlive(c)
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, true},
		{"timeout", fmt.Errorf("redis dedup store: claim 3 keys: %w", &net.OpError{Op: "read", Err: timeoutErr{}}), true},
		{"cluster down", proto("CLUSTERDOWN The cluster is down"), true},
		{"try again", proto("TRYAGAIN Multiple keys request during rehashing of slot"), true},
		{"loading", proto("LOADING Redis is loading the dataset in memory"), true},
		{"moved", proto("MOVED 3999 127.0.0.1:6381"), true},
		{"out of memory", proto("OOM command not allowed when used memory > 'maxmemory'."), true},
		{"wrong password", proto("WRONGPASS invalid username-password pair or user is disabled."), false},
		{"no auth", proto("NOAUTH Authentication required."), false},
		{"no permission", proto("NOPERM this user has no permissions to run the 'set' command"), false},
		{"old server", proto("ERR syntax error"), false},
		{"another program's key", proto("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{"unreadable record", fmt.Errorf("key x: %w: format 9", ErrBadRecord), false},
		{"server too old", fmt.Errorf("x: %w", ErrServerVersion), false},
		{"nil", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Retryable(tc.err))
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// proto returns the error go-redis gives for a server error reply.
func proto(msg string) error {
	cmd := redis.NewStringCmd(nil, "set") //nolint:staticcheck // a command never sent
	cmd.SetErr(redisError(msg))
	return fmt.Errorf("redis dedup store: claim 1 keys: %w", cmd.Err())
}

type redisError string

func (e redisError) Error() string { return string(e) }
func (redisError) RedisError()     {}
