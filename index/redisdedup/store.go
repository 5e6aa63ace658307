package redisdedup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/internal/freelist"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// Store request kinds, the op label of the store metrics.
const (
	OpLookup = "lookup" // GET/MGET of the keys not in the cache
	OpClaim  = "claim"  // SET NX GET EXAT of the keys not in the cache
)

// Store is a dedup.Store on a Redis-protocol server or cluster. It is safe
// for concurrent use. See the package comment.
type Store struct {
	client    redis.UniversalClient
	pool      *respPool // the lookups and claims on a standalone server (nil on a cluster)
	prefix    string
	retention int64 // seconds
	margin    uint32
	timeout   time.Duration
	now       func() time.Time
	desc      string

	mu    sync.Mutex
	cache *recordCache
	// bufs holds the claims' value buffers: records run from 20 to 200
	// bytes, by their sketch, and a claim's are built in one buffer, which
	// a fresh make grew twice or more. A free list, not a sync.Pool: under
	// the worker's memory limit the collector empties a pool between most
	// claims (internal/freelist).
	bufs freelist.List[[]byte]

	metrics *metrics
}

// New returns a Store for cfg; it connects lazily (call Setup, then Ping
// for readiness). It fails only on a bad configuration or unreadable
// password or TLS files.
func New(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	opts, err := cfg.options()
	if err != nil {
		return nil, err
	}
	s := newStore(cfg, redis.NewUniversalClient(opts))
	if !cfg.Cluster {
		s.pool = newRespPool(opts)
	}
	return s, nil
}

func newStore(cfg Config, client redis.UniversalClient) *Store {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	retention := int64(cfg.Retention / time.Second)
	margin := min(int64(cacheMargin/time.Second), retention/10)
	s := &Store{
		client: client, prefix: cfg.keyPrefix(),
		retention: retention, margin: uint32(margin), timeout: cfg.RequestTimeout, now: now,
		desc:  cfg.String(),
		cache: newRecordCache(cfg.CacheEntries, cfg.CacheBytes),
	}
	s.bufs.Limit = maxPooledBuffers
	s.metrics = newMetrics(cfg.Registerer, s, cfg.StatsInterval)
	return s
}

// cacheMargin is how long before a record's expiry its cached copy is
// dropped (a tenth of the retention when that is shorter): more than the
// clocks of a worker and of the server should ever differ.
const cacheMargin = time.Hour

// Close closes the connections.
func (s *Store) Close() error {
	err := s.client.Close()
	if s.pool != nil {
		err = errors.Join(err, s.pool.Close())
	}
	return err
}

// String describes the store for logs (no secrets).
func (s *Store) String() string { return s.desc }

// Prefix is what precedes the 8 bytes of every key (the configured prefix
// and the fingerprint version).
func (s *Store) Prefix() string { return s.prefix }

// CacheLen returns the number of cached records.
func (s *Store) CacheLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cache.Len()
}

// Ping checks that the store answers, for a readiness check: PING on a
// standalone server; on a cluster, every master answers PING and reports
// cluster_state:ok (a cluster that lost a master refuses writes with
// CLUSTERDOWN).
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cc, ok := s.client.(*redis.ClusterClient)
	if !ok {
		if err := s.client.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("redis dedup store: ping: %w", err)
		}
		return nil
	}
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		info, err := c.ClusterInfo(ctx).Result()
		if err != nil {
			return fmt.Errorf("node %s: cluster info: %w", c.Options().Addr, err)
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return fmt.Errorf("node %s: cluster state is not ok", c.Options().Addr)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis dedup store: ping cluster: %w", err)
	}
	return nil
}

// MinServerVersion is the oldest Redis version whose SET takes NX and GET
// together (Valkey reports a redis_version of 7.2.4 or later).
const MinServerVersion = "7.0"

// Setup checks that every server (every master of a cluster) answers and
// runs Redis 7.0 or newer, so that a claim is one round trip. It creates
// nothing; the server needs no schema.
func (s *Store) Setup(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	check := func(ctx context.Context, c redis.Cmdable, addr string) error {
		info, err := c.Info(ctx, "server").Result()
		if err != nil {
			return fmt.Errorf("redis dedup store: server %s: info: %w", addr, err)
		}
		v := infoField(info, "redis_version")
		if !versionAtLeast(v, 7, 0) {
			return fmt.Errorf("redis dedup store: server %s runs Redis %q: %w: claims need %s or newer (SET with NX and GET)", addr, v, ErrServerVersion, MinServerVersion)
		}
		return nil
	}
	if cc, ok := s.client.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			return check(ctx, c, c.Options().Addr)
		})
	}
	return check(ctx, s.client, s.client.(*redis.Client).Options().Addr)
}

// infoField returns the value of name in an INFO answer ("" when absent).
func infoField(info, name string) string {
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), name+":"); ok {
			return v
		}
	}
	return ""
}

// versionAtLeast reports whether the dotted version v is major.minor or
// later.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// unix is the store's clock in Unix seconds.
func (s *Store) unix() int64 { return s.now().Unix() }

// keyStrings returns the Redis keys of keys[idx] as substrings of one
// string (one allocation for all).
func (s *Store) keyStrings(keys []dedup.Key, idx []int) []string {
	n := len(s.prefix) + keyLen
	b := make([]byte, 0, n*len(idx))
	for _, i := range idx {
		b = appendKey(b, s.prefix, keys[i])
	}
	all := string(b)
	out := make([]string, len(idx))
	for j := range idx {
		out[j] = all[j*n : (j+1)*n]
	}
	return out
}

// Lookup implements dedup.Store.
func (s *Store) Lookup(ctx context.Context, keys []dedup.Key, out []dedup.Record) error {
	if len(out) != len(keys) {
		return fmt.Errorf("redis dedup store: lookup: %d records for %d keys", len(out), len(keys))
	}
	now := s.unix()
	var miss []int
	s.mu.Lock()
	for i, k := range keys {
		out[i] = dedup.Record{}
		if v, ok := s.cache.get(k, uint32(now)); ok {
			if r, _, err := decodeRecord(v); err == nil {
				out[i] = r
				continue
			}
		}
		miss = append(miss, i)
	}
	s.mu.Unlock()
	s.metrics.Cache.WithLabelValues("hit").Add(float64(len(keys) - len(miss)))
	s.metrics.Cache.WithLabelValues("miss").Add(float64(len(miss)))
	if len(miss) == 0 {
		return nil
	}

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	start := time.Now()
	vals, err := s.get(ctx, keys, miss)
	s.metrics.Duration.WithLabelValues(OpLookup).Observe(time.Since(start).Seconds())
	if err != nil {
		return s.fail(OpLookup, fmt.Errorf("redis dedup store: look up %d keys: %w", len(miss), err))
	}
	s.metrics.Requests.WithLabelValues(OpLookup, "ok").Inc()
	s.mu.Lock()
	defer s.mu.Unlock()
	for j, i := range miss {
		if vals[j] == "" {
			continue
		}
		r, exp, err := decodeRecord(vals[j])
		if err != nil {
			return s.fail(OpLookup, fmt.Errorf("redis dedup store: key %s: %w: %w", describeKey(keys[i]), ErrBadRecord, err))
		}
		out[i] = r
		s.cache.put(keys[i], vals[j], exp-min(exp, s.margin), uint32(now))
	}
	return nil
}

// get reads the values of keys[idx], "" for an absent key (a record is
// never empty): on a standalone server, MGETs of at most lookupChunk keys
// in one request on the store's own connections (respPool); on a cluster,
// a go-redis pipeline of GETs, which the client sends each node its keys,
// the nodes in parallel (an MGET may not cross hash slots).
func (s *Store) get(ctx context.Context, keys []dedup.Key, idx []int) ([]string, error) {
	vals := make([]string, len(idx))
	if s.pool != nil {
		err := s.pool.do(ctx, (len(idx)+lookupChunk-1)/lookupChunk, func(b []byte) []byte {
			for from := 0; from < len(idx); from += lookupChunk {
				chunk := idx[from:min(from+lookupChunk, len(idx))]
				b = appendArray(b, 1+len(chunk))
				b = append(b, "$4\r\nmget\r\n"...)
				for _, i := range chunk {
					b = s.appendBulkKey(b, keys[i])
				}
			}
			return b
		}, func(j int, r *respReader) error {
			from := j * lookupChunk
			want := min(lookupChunk, len(idx)-from)
			n, err := r.array()
			if err != nil {
				return err // an error reply: the connection is in step
			}
			if n != want {
				r.fail("MGET of %d keys answered %d values", want, n)
				return nil
			}
			for i := range n {
				v, _, err := r.bulk()
				if err != nil {
					r.fail("MGET answered an error: %v", err)
					return err
				}
				vals[from+i] = v
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return vals, nil
	}
	names := s.keyStrings(keys, idx)
	cmds := make([]*redis.StringCmd, len(names))
	args := make([]any, 2*len(names))
	for j := range names {
		a := args[2*j : 2*j+2 : 2*j+2]
		a[0], a[1] = "get", &names[j]
		cmds[j] = redis.NewStringCmd(ctx, a...)
	}
	return vals, s.execStrings(ctx, keys, idx, cmds, vals)
}

// execStrings sends cmds in one go-redis pipeline and sets vals[j] to the
// string that cmds[j] answered, "" for nil; an error reply fails the call
// with the name of its key, keys[idx[j]].
func (s *Store) execStrings(ctx context.Context, keys []dedup.Key, idx []int, cmds []*redis.StringCmd, vals []string) error {
	queue := make([]redis.Cmder, len(cmds))
	for j, c := range cmds {
		queue[j] = c
	}
	pipe := s.client.Pipeline()
	_ = pipe.BatchProcess(ctx, queue...)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for j, cmd := range cmds {
		v, err := cmd.Result()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return fmt.Errorf("key %s: %w", describeKey(keys[idx[j]]), err)
		default:
			vals[j] = v
		}
	}
	return nil
}

// appendBulkKey appends the Redis key of k as a bulk string.
func (s *Store) appendBulkKey(b []byte, k dedup.Key) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s.prefix)+keyLen), 10)
	b = append(b, '\r', '\n')
	b = appendKey(b, s.prefix, k)
	return append(b, '\r', '\n')
}

// Claim implements dedup.Store: one pipeline of SET key value NX GET EXAT
// for the keys that are not in the cache. A SET that creates its key
// answers nil; one that finds the key answers the stored value, which
// replaces the caller's record.
func (s *Store) Claim(ctx context.Context, keys []dedup.Key, recs []dedup.Record) error {
	if len(recs) != len(keys) {
		return fmt.Errorf("redis dedup store: claim: %d records for %d keys", len(recs), len(keys))
	}
	// The first occurrence of a key in this call is the one stored; later
	// ones take its outcome.
	var first map[dedup.Key]int
	if len(keys) > 1 {
		first = make(map[dedup.Key]int, len(keys))
	}
	now := s.unix()
	var send []int
	cached := 0
	s.mu.Lock()
	for i, k := range keys {
		if first != nil {
			if _, dup := first[k]; dup {
				continue
			}
			first[k] = i
		}
		// A cached record exists: the claim would only read it back.
		if v, ok := s.cache.get(k, uint32(now)); ok {
			if r, _, err := decodeRecord(v); err == nil {
				recs[i] = r
				cached++
				continue
			}
		}
		send = append(send, i)
	}
	s.mu.Unlock()
	if len(send) > 0 {
		if err := s.claim(ctx, keys, recs, send, now); err != nil {
			return err
		}
	}
	s.metrics.Keys.WithLabelValues("conflict").Add(float64(cached))
	for i, k := range keys {
		if first != nil {
			if f := first[k]; f != i {
				recs[i] = recs[f]
			}
		}
	}
	return nil
}

// claim sends the claims of keys[send] created at now.
//
// It is the hot path of a worker with this store (issue 11), so it
// allocates per call rather than per key where it can: the values are
// built in a pooled buffer, the exact and band keys of one paragraph share
// one encoded record, and the commands go out through setNX.
func (s *Store) claim(ctx context.Context, keys []dedup.Key, recs []dedup.Record, send []int, now int64) error {
	expireAt := expireAtOf(now, s.retention)

	bp := s.bufs.Get()
	defer func() {
		if cap(*bp) <= maxPooledBuffer {
			s.bufs.Put(bp)
		}
	}()
	// The exact and band keys of one paragraph come one after the other
	// with one record: it is encoded once, and its value (and, below, its
	// cached string) is shared by those keys.
	sameAsPrev := func(j int) bool { return j > 0 && recs[send[j]] == recs[send[j-1]] }
	size := 0
	for j, i := range send {
		if !sameAsPrev(j) {
			size += maxRecordLen(recs[i])
		}
	}
	buf := slices.Grow((*bp)[:0], size)
	vals := make([]valueArg, len(send))
	for j, i := range send {
		if sameAsPrev(j) {
			vals[j] = vals[j-1]
			continue
		}
		from := len(buf)
		buf = appendRecord(buf, recs[i], expireAt)
		vals[j] = valueArg(buf[from:len(buf):len(buf)])
	}
	*bp = buf

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	start := time.Now()
	olds, err := s.setNX(ctx, keys, send, vals, expireAt)
	s.metrics.Duration.WithLabelValues(OpClaim).Observe(time.Since(start).Seconds())
	if err != nil {
		return s.fail(OpClaim, fmt.Errorf("redis dedup store: claim %d keys: %w", len(send), err))
	}
	created, conflicts := 0, 0
	type found struct {
		i int
		v string
		e uint32
	}
	var theirs []found
	for j, i := range send {
		if olds[j] == "" {
			created++
			continue
		}
		r, exp, err := decodeRecord(olds[j])
		if err != nil {
			return s.fail(OpClaim, fmt.Errorf("redis dedup store: key %s: %w: %w", describeKey(keys[i]), ErrBadRecord, err))
		}
		recs[i] = r
		theirs = append(theirs, found{i, olds[j], exp})
		conflicts++
	}
	s.metrics.Requests.WithLabelValues(OpClaim, "ok").Inc()
	s.metrics.Keys.WithLabelValues("created").Add(float64(created))
	s.metrics.Keys.WithLabelValues("conflict").Add(float64(conflicts))

	valid := expireAt - min(expireAt, s.margin)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := 0
	// mine is the string of vals[mineOf], the last of the caller's values
	// made one: keys that share a value share its string.
	mine, mineOf := "", -1
	for j, i := range send {
		if k < len(theirs) && theirs[k].i == i {
			f := theirs[k]
			s.cache.put(keys[i], f.v, f.e-min(f.e, s.margin), uint32(now))
			k++
			continue
		}
		if v := vals[j]; s.cache.keeps(len(v), valid, uint32(now)) {
			if mineOf < 0 || !sharesValue(vals[mineOf], v) {
				mine = string(v)
			}
			mineOf = j
			s.cache.put(keys[i], mine, valid, uint32(now))
		}
	}
	return nil
}

// setNX sends SET key value NX GET EXAT expireAt for keys[send] with
// vals, and returns what each SET answered: "" when it created its key,
// else the value it found (a record is never empty). On a standalone
// server the commands are encoded straight into the connection's buffer
// (respPool), the constant tail of a SET once; on a cluster they go as a
// go-redis pipeline, whose arguments are slices of one []any holding
// pointers (a *string or a *valueArg boxes without allocating, where a
// string or a []byte argument allocates its header).
func (s *Store) setNX(ctx context.Context, keys []dedup.Key, send []int, vals []valueArg, expireAt uint32) ([]string, error) {
	olds := make([]string, len(send))
	ts := exat(expireAt)
	if s.pool != nil {
		tail := make([]byte, 0, 48)
		tail = append(tail, "$2\r\nnx\r\n$3\r\nget\r\n$4\r\nexat\r\n"...)
		tail = appendBulkString(tail, ts)
		var keyErr error
		err := s.pool.do(ctx, len(send), func(b []byte) []byte {
			keyErr = nil // a new attempt
			for j, i := range send {
				b = append(b, "*7\r\n$3\r\nset\r\n"...)
				b = s.appendBulkKey(b, keys[i])
				b = appendBulk(b, vals[j])
				b = append(b, tail...)
			}
			return b
		}, func(j int, r *respReader) error {
			v, _, err := r.bulk()
			if err != nil && keyErr == nil {
				keyErr = fmt.Errorf("key %s: %w", describeKey(keys[send[j]]), err)
			}
			olds[j] = v
			return err
		})
		if keyErr != nil && err != nil {
			return nil, keyErr
		}
		return olds, err
	}
	names := s.keyStrings(keys, send)
	var tsArg any = ts
	const argc = 7
	args := make([]any, argc*len(send))
	cmds := make([]*redis.StringCmd, len(send))
	for j := range send {
		a := args[j*argc : (j+1)*argc : (j+1)*argc]
		a[0], a[1], a[2], a[3], a[4], a[5], a[6] = "set", &names[j], &vals[j], "nx", "get", "exat", tsArg
		cmds[j] = redis.NewStringCmd(ctx, a...)
	}
	if err := s.execStrings(ctx, keys, send, cmds, olds); err != nil {
		return nil, err
	}
	return olds, nil
}

// sharesValue reports whether a and b are one value of a claim's buffer
// (the same bytes at the same place), not only equal bytes.
func sharesValue(a, b valueArg) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// valueArg is a claim's value as a command argument: go-redis writes an
// encoding.BinaryMarshaler's bytes as they are, and a pointer to one
// boxes without allocating, where a []byte argument allocates its header.
type valueArg []byte

// MarshalBinary implements encoding.BinaryMarshaler.
func (v *valueArg) MarshalBinary() ([]byte, error) { return *v, nil }

// maxPooledBuffer is the largest values buffer a claim gives back to the
// free list, maxPooledBuffers the most buffers it keeps (claims in flight
// at once: one a partition, at most the worker's default parallelism of
// 16 partitions). A claim's buffer is sized by maxRecordLen, about 280
// bytes a key: the bench's claims of 1,000 to 3,000 keys fit, and a rare
// larger one is not kept.
const (
	maxPooledBuffer  = 1 << 20
	maxPooledBuffers = 16
)

func (s *Store) fail(op string, err error) error {
	s.metrics.Requests.WithLabelValues(op, "error").Inc()
	return err
}
