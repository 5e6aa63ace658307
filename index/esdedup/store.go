// Package esdedup is the dedup stage's Store (pkg/dedup) kept in
// Elasticsearch: a fingerprint index with one document per key, shared by
// every worker without another server. It costs the search tier about as
// much CPU as the articles themselves (about four keys per paragraph, each a
// realtime get and a create; consumers/README.md has the measurement), so a
// deployment that can run Redis uses package redisdedup instead.
package esdedup

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/index/dedupmetrics"
	"github.com/newsflow/newsflow/index/elastic"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// Store is a dedup.Store kept in an Elasticsearch index, shared by every
// worker: one document per key, _id the key in hex, created with
// op_type=create so that of two workers claiming a new key the first wins
// and both read its record. Records never change once created, so found
// records are cached in a bounded LRU in front of the index and never go
// stale; absent keys are never cached (another worker may claim them any
// moment).
//
// Cost per article: a Lookup is one mget of the keys not in the cache (none
// when all are cached), a Claim one bulk of creates plus one mget when some
// keys were claimed by another worker in between. Gets and mgets are
// real-time in Elasticsearch, so no refresh is needed and the index
// refreshes rarely.
//
// Keys and sketches are only comparable within one fingerprint format, so
// the index name carries dedup.FingerprintVersion (StoreIndex).
type Store struct {
	es      elastic.Doer
	index   string
	timeout time.Duration

	mu    sync.Mutex
	cache *recordCache

	metrics *dedupmetrics.Metrics
}

// Defaults of StoreConfig.
const (
	// DefaultStoreIndex is the base name of the fingerprint index.
	DefaultStoreIndex = "newsflow-fingerprints"
	// DefaultCacheEntries bounds the local cache: about 140 bytes a record
	// (TestRecordCacheSize), so some 7 MB. With batched lookups a hit
	// saves a realtime get of a stored record in Elasticsearch (about
	// 23 µs of its CPU); measured in bench/RESULTS.md: 50,000 entries give
	// the throughput of 100,000 within 2% for 20-40 MB less peak RSS, and
	// no cache costs 8%.
	DefaultCacheEntries = 50_000
)

// StoreIndex is the concrete fingerprint index for base name base:
// "<base>-v<dedup.FingerprintVersion>".
func StoreIndex(base string) string {
	return base + "-v" + strconv.Itoa(dedup.FingerprintVersion)
}

// StoreConfig configures a Store.
type StoreConfig struct {
	// Index is the base name of the fingerprint index; the version of the
	// fingerprint format is appended. Default: newsflow-fingerprints.
	Index string
	// CacheEntries bounds the local cache of found records (0: the
	// default; negative: no cache).
	CacheEntries int
	// RequestTimeout bounds each request. Default: 30s.
	RequestTimeout time.Duration
	// Registerer receives the metrics; nil means none.
	Registerer prometheus.Registerer
}

// Store request kinds, the op label of the store metrics.
const (
	OpLookup    = "lookup"    // mget of keys not in the cache
	OpClaim     = "claim"     // bulk of creates
	OpConflicts = "conflicts" // mget of keys another worker created first
)

// NewStore returns a Store on es. Call Setup once before use.
func NewStore(es elastic.Doer, cfg StoreConfig) *Store {
	if cfg.Index == "" {
		cfg.Index = DefaultStoreIndex
	}
	if cfg.CacheEntries == 0 {
		cfg.CacheEntries = DefaultCacheEntries
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	m := dedupmetrics.New(cfg.Registerer, OpLookup+", "+OpClaim+", "+OpConflicts)
	return &Store{
		es: es, index: StoreIndex(cfg.Index), timeout: cfg.RequestTimeout,
		cache:   newRecordCache(cfg.CacheEntries),
		metrics: m,
	}
}

// Index is the concrete fingerprint index name.
func (s *Store) Index() string { return s.index }

// storeSettings: one shard (lookups are by id; size is modest), no
// refresh needed for real-time gets, nothing indexed but the id, and an
// asynchronous translog (fsync every 5 s instead of per request: a claim
// costs 1.5-3 ms instead of 10 ms on the test node). The price: a node
// crash may forget the claims of the last 5 s, whole records at a time,
// which the dedup.Store contract allows ("forgetting is allowed"); a replay
// of those articles then claims their keys afresh. The article index keeps
// the default per-request fsync: an offset is committed after its bulk
// request is acknowledged, so the acknowledgement must be durable.
const storeSettings = `{
  "settings": {"index": {"number_of_shards": 1, "refresh_interval": "30s",
    "translog": {"durability": "async", "sync_interval": "5s"}}},
  "mappings": {"dynamic": false, "_meta": {"managed_by": "newsflow", "fingerprint_version": %d}, "properties": {}}
}`

// Setup creates the fingerprint index when it is missing; it is idempotent
// and safe to race.
func (s *Store) Setup(ctx context.Context) error {
	r, err := elastic.Do(ctx, s.es, http.MethodHead, "/"+url.PathEscape(s.index), nil, "")
	if err != nil {
		return fmt.Errorf("look up fingerprint index %s: %w", s.index, err)
	}
	if r.Status == http.StatusOK {
		return nil
	}
	body := []byte(fmt.Sprintf(storeSettings, dedup.FingerprintVersion))
	r, err = elastic.Do(ctx, s.es, http.MethodPut, "/"+url.PathEscape(s.index), body, "")
	if err != nil {
		return fmt.Errorf("create fingerprint index %s: %w", s.index, err)
	}
	if r.Status == http.StatusOK || bytes.Contains(r.Body, []byte("resource_already_exists_exception")) {
		return nil
	}
	return fmt.Errorf("create fingerprint index %s: %s", s.index, elastic.Describe(r))
}

// storedRecord is the _source of a fingerprint document. Hashes are hex
// strings: JSON numbers above 2^53 do not survive every reader.
type storedRecord struct {
	Article string `json:"a"`
	Index   int    `json:"i"`
	Story   string `json:"s,omitempty"`
	Figures string `json:"f,omitempty"`
	Numbers string `json:"n,omitempty"`
	Sketch  string `json:"k,omitempty"`
}

func encodeRecord(r dedup.Record) storedRecord {
	sr := storedRecord{Article: r.Ref.ArticleID, Index: r.Ref.Index, Story: r.StoryID}
	if r.Figures != 0 {
		sr.Figures = strconv.FormatUint(r.Figures, 16)
	}
	if r.Numbers != 0 {
		sr.Numbers = strconv.FormatUint(r.Numbers, 16)
	}
	if r.Sketch != (dedup.Sketch{}) {
		sr.Sketch = base64.RawStdEncoding.EncodeToString(r.Sketch[:])
	}
	return sr
}

func decodeRecord(sr storedRecord) (dedup.Record, error) {
	r := dedup.Record{Ref: article.Ref{ArticleID: sr.Article, Index: sr.Index}, StoryID: sr.Story}
	var err error
	if sr.Figures != "" {
		if r.Figures, err = strconv.ParseUint(sr.Figures, 16, 64); err != nil {
			return r, fmt.Errorf("figures hash %q: %w", sr.Figures, err)
		}
	}
	if sr.Numbers != "" {
		if r.Numbers, err = strconv.ParseUint(sr.Numbers, 16, 64); err != nil {
			return r, fmt.Errorf("numbers hash %q: %w", sr.Numbers, err)
		}
	}
	if sr.Sketch != "" {
		b, err := base64.RawStdEncoding.DecodeString(sr.Sketch)
		if err != nil {
			return r, fmt.Errorf("decode sketch: %w", err)
		}
		if len(b) != len(r.Sketch) {
			return r, fmt.Errorf("sketch of %d bytes, want %d", len(b), len(r.Sketch))
		}
		copy(r.Sketch[:], b)
	}
	if r.Ref.ArticleID == "" {
		return r, fmt.Errorf("record without article id")
	}
	return r, nil
}

func keyID(k dedup.Key) string {
	var b [16]byte
	return string(appendKeyID(b[:0], k))
}

// appendKeyID appends the _id of k: 16 hex digits.
func appendKeyID(b []byte, k dedup.Key) []byte {
	const hex = "0123456789abcdef"
	var d [16]byte
	for i := 15; i >= 0; i-- {
		d[i] = hex[k&0xf]
		k >>= 4
	}
	return append(b, d[:]...)
}

// appendRecord appends the JSON of encodeRecord(r), byte for byte what
// json.Marshal writes for it.
func appendRecord(b []byte, r dedup.Record) []byte {
	b = append(b, `{"a":`...)
	b = elastic.AppendJSONString(b, r.Ref.ArticleID)
	b = append(b, `,"i":`...)
	b = strconv.AppendInt(b, int64(r.Ref.Index), 10)
	if r.StoryID != "" {
		b = append(b, `,"s":`...)
		b = elastic.AppendJSONString(b, r.StoryID)
	}
	if r.Figures != 0 {
		b = append(b, `,"f":"`...)
		b = strconv.AppendUint(b, r.Figures, 16)
		b = append(b, '"')
	}
	if r.Numbers != 0 {
		b = append(b, `,"n":"`...)
		b = strconv.AppendUint(b, r.Numbers, 16)
		b = append(b, '"')
	}
	if r.Sketch != (dedup.Sketch{}) {
		b = append(b, `,"k":"`...)
		b = base64.RawStdEncoding.AppendEncode(b, r.Sketch[:])
		b = append(b, '"')
	}
	return append(b, '}')
}

// parseCreateItems reads the answer to a bulk of n creates (filtered to
// items.*.status and items.*.error) like ParseBulkResponse, without a map
// per item.
func parseCreateItems(body []byte, n int) ([]elastic.Item, error) {
	var resp struct {
		Items []struct {
			Create *struct {
				Status int                 `json:"status"`
				Error  *elastic.ErrorCause `json:"error"`
			} `json:"create"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("parse bulk response: %w", err)
	}
	if len(resp.Items) != n {
		return nil, fmt.Errorf("bulk response has %d items for %d actions", len(resp.Items), n)
	}
	items := make([]elastic.Item, n)
	for i, it := range resp.Items {
		if it.Create == nil {
			return nil, fmt.Errorf("bulk response item %d is not a create", i)
		}
		typ := ""
		if it.Create.Error != nil {
			typ = it.Create.Error.Type
		}
		items[i] = elastic.Item{Status: it.Create.Status, Error: it.Create.Error, Class: elastic.ClassifyStatus(it.Create.Status, typ)}
	}
	return items, nil
}

// Lookup implements dedup.Store.
func (s *Store) Lookup(ctx context.Context, keys []dedup.Key, out []dedup.Record) error {
	if len(out) != len(keys) {
		return fmt.Errorf("lookup: %d records for %d keys", len(out), len(keys))
	}
	var miss []int
	s.mu.Lock()
	for i, k := range keys {
		if r, ok := s.cached(k); ok {
			out[i] = r
		} else {
			out[i] = dedup.Record{}
			miss = append(miss, i)
		}
	}
	s.mu.Unlock()
	s.metrics.Cache.WithLabelValues("hit").Add(float64(len(keys) - len(miss)))
	s.metrics.Cache.WithLabelValues("miss").Add(float64(len(miss)))
	if len(miss) == 0 {
		return nil
	}
	return s.mget(ctx, OpLookup, keys, miss, out)
}

// mget reads the records of keys[idx] into out[idx] (zero when absent) and
// caches the found ones.
func (s *Store) mget(ctx context.Context, op string, keys []dedup.Key, idx []int, out []dedup.Record) error {
	// {"ids":["<16 hex digits>",…]}, written directly: ids need no escaping.
	body := make([]byte, 0, 10+19*len(idx))
	body = append(body, `{"ids":[`...)
	for n, i := range idx {
		if n > 0 {
			body = append(body, ',')
		}
		body = append(body, '"')
		body = appendKeyID(body, keys[i])
		body = append(body, '"')
	}
	body = append(body, "]}"...)
	// filter_path drops _index, _version, _seq_no and _primary_term: a
	// third of the answer.
	r, err := s.request(ctx, op, http.MethodPost, "/"+url.PathEscape(s.index)+"/_mget?realtime=true&filter_path=docs._id,docs.found,docs._source,docs.error", body, "")
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return s.fail(op, fmt.Errorf("mget %d fingerprints from %s: %s", len(idx), s.index, elastic.Describe(r)))
	}
	// One pass over the answer: the records decode in place.
	var resp struct {
		Docs []struct {
			ID     string              `json:"_id"`
			Found  bool                `json:"found"`
			Source *storedRecord       `json:"_source"`
			Error  *elastic.ErrorCause `json:"error"`
		} `json:"docs"`
	}
	if err := json.Unmarshal(r.Body, &resp); err != nil {
		return s.fail(op, fmt.Errorf("parse mget answer of %d fingerprints: %w", len(idx), err))
	}
	if len(resp.Docs) != len(idx) {
		return s.fail(op, fmt.Errorf("mget answered %d docs for %d ids", len(resp.Docs), len(idx)))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for j, d := range resp.Docs {
		i := idx[j]
		if d.Error != nil {
			return s.fail(op, &elastic.RetryableError{Err: fmt.Errorf("mget fingerprint %s: %s", d.ID, d.Error)})
		}
		if !d.Found {
			out[i] = dedup.Record{}
			continue
		}
		if d.Source == nil {
			return s.fail(op, fmt.Errorf("fingerprint %s: found without a source", d.ID))
		}
		rec, err := decodeRecord(*d.Source)
		if err != nil {
			return s.fail(op, fmt.Errorf("fingerprint %s: %w", d.ID, err))
		}
		out[i] = rec
		s.remember(keys[i], rec)
	}
	return nil
}

// Claim implements dedup.Store.
func (s *Store) Claim(ctx context.Context, keys []dedup.Key, recs []dedup.Record) error {
	if len(recs) != len(keys) {
		return fmt.Errorf("claim: %d records for %d keys", len(recs), len(keys))
	}
	// The first occurrence of a key in this call is the one stored; later
	// ones take its outcome.
	first := make(map[dedup.Key]int, len(keys))
	var send []int
	for i, k := range keys {
		if _, ok := first[k]; !ok {
			first[k] = i
			send = append(send, i)
		}
	}
	// About 350 bytes an item with a sketch; written directly (appendRecord)
	// rather than through reflection: a batch claims thousands.
	buf := make([]byte, 0, 360*len(send))
	for _, i := range send {
		buf = append(buf, `{"create":{"_id":"`...)
		buf = appendKeyID(buf, keys[i])
		buf = append(buf, "\"}}\n"...)
		buf = appendRecord(buf, recs[i])
		buf = append(buf, '\n')
	}
	r, err := s.request(ctx, OpClaim, http.MethodPost, "/"+url.PathEscape(s.index)+"/_bulk?filter_path=items.*.status,items.*.error", buf, "application/x-ndjson")
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return s.fail(OpClaim, fmt.Errorf("claim %d fingerprints in %s: %s", len(send), s.index, elastic.Describe(r)))
	}
	items, err := parseCreateItems(r.Body, len(send))
	if err != nil {
		return s.fail(OpClaim, err)
	}
	var lost []int
	created := 0
	for j, it := range items {
		i := send[j]
		switch {
		case it.Status == http.StatusCreated || it.Status == http.StatusOK:
			created++
		case it.Status == http.StatusConflict:
			lost = append(lost, i)
		case it.Class == elastic.ClassRetry:
			return s.fail(OpClaim, &elastic.RetryableError{Status: it.Status, Err: fmt.Errorf("claim fingerprint %s: status %d: %s", keyID(keys[i]), it.Status, it.Error)})
		default:
			return s.fail(OpClaim, fmt.Errorf("claim fingerprint %s: status %d: %s", keyID(keys[i]), it.Status, it.Error))
		}
	}
	s.metrics.Keys.WithLabelValues("created").Add(float64(created))
	s.metrics.Keys.WithLabelValues("conflict").Add(float64(len(lost)))
	if len(lost) > 0 {
		if err := s.mget(ctx, OpConflicts, keys, lost, recs); err != nil {
			return err
		}
		for _, i := range lost {
			if !recs[i].Found() {
				// Created by another claim and forgotten since: rare
				// enough that the caller's retry of the whole call fixes it.
				return s.fail(OpConflicts, &elastic.RetryableError{Err: fmt.Errorf("fingerprint %s vanished between claim and read", keyID(keys[i]))})
			}
		}
	}
	s.mu.Lock()
	for _, i := range send {
		s.remember(keys[i], recs[i])
	}
	s.mu.Unlock()
	for i, k := range keys {
		if f := first[k]; f != i {
			recs[i] = recs[f]
		}
	}
	return nil
}

func (s *Store) request(ctx context.Context, op, method, path string, body []byte, ct string) (elastic.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	start := time.Now()
	r, err := elastic.DoPlain(ctx, s.es, method, path, body, ct, true)
	s.metrics.Duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil {
		return r, s.fail(op, fmt.Errorf("dedup store %s: %w", op, err))
	}
	s.metrics.Requests.WithLabelValues(op, "ok").Inc()
	return r, nil
}

func (s *Store) fail(op string, err error) error {
	s.metrics.Requests.WithLabelValues(op, "error").Inc()
	return err
}

// cached returns the cached record of k; s.mu is held.
func (s *Store) cached(k dedup.Key) (dedup.Record, bool) { return s.cache.get(k) }

// remember caches a found record; s.mu is held.
func (s *Store) remember(k dedup.Key, r dedup.Record) { s.cache.put(k, r) }

// CacheLen returns the number of cached records.
func (s *Store) CacheLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cache.Len()
}
