package redisdedup

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
)

func reader(s string) *respReader {
	return &respReader{br: bufio.NewReaderSize(strings.NewReader(s), 128)}
}

func TestRespReaderBulk(t *testing.T) {
	for _, c := range []struct {
		in      string
		v       string
		ok      bool
		srvErr  string // an error reply
		badWire bool   // a protocol or I/O error
	}{
		{in: "$5\r\nhello\r\n", v: "hello", ok: true},
		{in: "$0\r\n\r\n", v: "", ok: true},
		{in: "$-1\r\n"},
		{in: "_\r\n"},
		{in: "$200\r\n" + strings.Repeat("0123456789", 20) + "\r\n", v: strings.Repeat("0123456789", 20), ok: true}, // longer than the read buffer
		{in: "$200\r\n" + strings.Repeat("0123456789", 20) + "XY", badWire: true},
		{in: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", srvErr: "WRONGTYPE Operation against a key holding the wrong kind of value"},
		{in: "$5\r\nhelloXY", badWire: true},
		{in: "$5\r\nhel", badWire: true},
		{in: "$x\r\n", badWire: true},
		{in: "+OK\r\n", badWire: true},
		{in: "$5\n", badWire: true},
		{in: "", badWire: true},
	} {
		r := reader(c.in)
		v, ok, err := r.bulk()
		switch {
		case c.badWire:
			require.Error(t, r.ioErr, "%q", c.in)
			require.Error(t, err, "%q", c.in)
		case c.srvErr != "":
			require.NoError(t, r.ioErr, "%q: an error reply leaves the reader in step", c.in)
			var se *serverError
			require.ErrorAs(t, err, &se, "%q", c.in)
			require.Equal(t, c.srvErr, se.msg)
		default:
			require.NoError(t, err, "%q", c.in)
			require.Equal(t, c.v, v, "%q", c.in)
			require.Equal(t, c.ok, ok, "%q", c.in)
		}
	}
}

func TestRespReaderReadsRepliesInSequence(t *testing.T) {
	r := reader("*3\r\n$1\r\na\r\n$-1\r\n$2\r\nbc\r\n+OK\r\n:42\r\n-ERR no\r\n$1\r\nz\r\n")
	n, err := r.array()
	require.NoError(t, err)
	require.Equal(t, 3, n)
	var got []string
	for range n {
		v, ok, err := r.bulk()
		require.NoError(t, err)
		got = append(got, map[bool]string{true: v, false: "<nil>"}[ok])
	}
	require.Equal(t, []string{"a", "<nil>", "bc"}, got)
	s, err := r.simple()
	require.NoError(t, err)
	require.Equal(t, "OK", s)
	s, err = r.simple()
	require.NoError(t, err)
	require.Equal(t, "42", s)
	_, err = r.simple()
	require.EqualError(t, err, "ERR no")
	v, ok, err := r.bulk()
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "z", v)
	_, _, err = r.bulk()
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

func TestRetryNow(t *testing.T) {
	require.True(t, retryNow(io.ErrUnexpectedEOF))
	require.True(t, retryNow(&serverError{"LOADING Redis is loading the dataset in memory"}))
	require.True(t, retryNow(&serverError{"TRYAGAIN Multiple keys request during rehashing of slot"}))
	require.False(t, retryNow(&serverError{"WRONGTYPE Operation against a key holding the wrong kind of value"}))
	require.False(t, retryNow(&protocolError{"bad reply line"}))
	require.False(t, retryNow(errPoolClosed))
	require.False(t, retryNow(context.Canceled))
	require.Equal(t, []string{"8ms", "16ms", "32ms", "64ms", "128ms", "256ms", "512ms", "512ms", "512ms"},
		func() (out []string) {
			for a := range 9 {
				out = append(out, retryBackoff(a).String())
			}
			return out
		}())
}

// TestRespPoolOnARealServer runs the store's own connections against the
// test server: an error reply for one key fails the claim with that key's
// name and leaves the connection usable; a connection the server closed is
// replaced by a retry; after Close, requests fail.
func TestRespPoolOnARealServer(t *testing.T) {
	addr := itest.Redis(t)
	cfg := Config{Addrs: []string{addr}, KeyPrefix: itest.NewRedisPrefix(t, addr), PoolSize: 1}
	s, err := New(cfg)
	require.NoError(t, err)
	defer s.Close()
	require.NotNil(t, s.pool, "a standalone server uses the store's own connections")
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()

	rec := dedup.Record{Ref: article.Ref{ArticleID: "a1", Index: 0}, StoryID: "a1"}
	keys := []dedup.Key{11, 12, 13}
	// A list at key 12: SET ... GET answers WRONGTYPE for it.
	require.NoError(t, rdb.RPush(ctx, string(appendKey(nil, s.prefix, 12)), "x").Err())
	err = s.Claim(ctx, keys, []dedup.Record{rec, rec, rec})
	var se *serverError
	require.ErrorAs(t, err, &se)
	require.Contains(t, err.Error(), describeKey(12))
	require.Contains(t, se.msg, "WRONGTYPE")
	require.False(t, Retryable(err), "WRONGTYPE needs an operator")

	// The same connection (PoolSize 1) reads the next request's replies in
	// step: keys 11 and 13 were created by the failed claim itself.
	recs := make([]dedup.Record, 2)
	require.NoError(t, s.Lookup(ctx, []dedup.Key{11, 13}, recs))
	require.Equal(t, []dedup.Record{rec, rec}, recs)

	// The server closes the store's connection: the next request retries
	// on a new one.
	n, err := rdb.ClientKillByFilter(ctx, "type", "normal", "skipme", "yes").Result()
	require.NoError(t, err)
	require.Positive(t, n)
	other := dedup.Record{Ref: article.Ref{ArticleID: "a2", Index: 3}, StoryID: "a2"}
	recs = []dedup.Record{other, other}
	s.cache = newRecordCache(0, 0) // so that the keys go to the server
	require.NoError(t, s.Claim(ctx, []dedup.Key{11, 14}, recs))
	require.Equal(t, []dedup.Record{rec, other}, recs, "key 11 was a1's; key 14 is new")

	require.NoError(t, s.Close())
	err = s.Lookup(ctx, []dedup.Key{99}, make([]dedup.Record, 1))
	require.True(t, errors.Is(err, errPoolClosed), "%v", err)
}
