// Package redisdedup is a dedup.Store on a Redis-protocol server: Redis 7.0
// or newer, or Valkey, standalone or as a Redis Cluster. It is the
// cross-article memory that workers share, kept out of the search tier:
// the Elasticsearch fingerprint index costs Elasticsearch more CPU than the
// articles it indexes (about 11 creates and 16 realtime gets per article,
// bench/RESULTS.md), where set-if-absent by key with an expiry is what a
// Redis server is built for.
//
//	s, err := redisdedup.New(redisdedup.Config{Addrs: []string{"redis:6379"}, Registerer: reg})
//	err = s.Setup(ctx)             // every server answers and runs 7.0+
//	d := dedup.New(s, dedup.Options{})
//	err = s.Ping(ctx)              // for /readyz
//
// # Keys and records
//
// A fingerprint k is stored under the key "<KeyPrefix>:v<FingerprintVersion>:"
// followed by the 8 bytes of k, big-endian ("nfdd:v4:" and 8 bytes by
// default): keys of another fingerprint format never meet. The value is a
// compact binary record (format byte 3; see encode.go): the first
// occurrence (article id, paragraph index), the story id (one flag when it
// is the article's), the figures and numbers hashes when set, the MinHash
// sketch of a long paragraph as a bitmap of its bytes that are not 0 and
// those bytes (most MinHash bins of a news paragraph are empty), and the
// Unix second at which the server forgets the key. On the corpora a record
// averages about 100 bytes (nine in ten carry a sketch; 73 with the
// 128-byte sketches of fingerprint version 2), where the Elasticsearch
// store's JSON source of a record with a sketch is about 340.
//
// # Round trips
//
// Lookup is one round trip for the keys missing from the local cache:
// MGETs of up to 1,000 keys in one pipeline on a standalone server; on a
// cluster a pipeline of GETs, which the client splits by node and sends to
// the nodes in parallel (an MGET may not cross hash slots). Claim is one
// round trip too: one pipeline of
//
//	SET key record NX GET EXAT expireAt
//
// per key that is not in the cache. A SET that creates its key answers nil:
// the caller's record stands. One that finds the key answers the stored
// record (Redis 7.0 and later return the old value when NX refuses), which
// replaces the caller's: first writer wins, per key, in one step, with no
// second read for the keys another worker had first (the Elasticsearch
// store needs an mget for those). A key repeated in one call is sent once.
//
// On a standalone server the lookups and claims go through the store's own
// connections (resp.go), not go-redis: a request is encoded straight into
// a buffer the connection keeps and written at once, and the replies are
// parsed without a command object or reply value per key. That halved the
// worker's allocations in BenchmarkWorkerStagesOnRedis and took a sixth
// off its CPU per article (issue 11). go-redis keeps Setup, Ping, the
// INFO statistics and cluster mode; the own connections keep go-redis's
// handshake (AUTH, SELECT, CLIENT SETNAME), TLS, pool size, timeouts and
// retries (Config.MaxRetries, 8 ms backoff doubling to 512 ms, after an
// I/O error, LOADING, TRYAGAIN or MASTERDOWN).
//
// Records never change once created, so found records are kept in a local
// LRU (Config.CacheEntries and Config.CacheBytes: 50,000 records and 8 MiB
// by default, whichever comes first; 160 to 270 bytes a record) until
// shortly before the expiry they carry (an hour before, or a tenth of the
// retention when that is shorter: more than worker and server clocks
// should ever differ); absent keys are never cached, since another worker
// may claim them any moment. A cached key is not sent again by Claim.
//
// Measured on the project's 2-core machine (README.md), for batches of 500
// corpus articles as the consumer makes them (7,000 keys a lookup, 13,000
// a claim): a lookup takes about 7 ms and a claim 60 ms on a standalone
// server, 5-9 times less than the Elasticsearch store on the same machine.
//
// # Retention and determinism
//
// Every key expires Config.Retention (30 days by default) after the claim
// that created it: EXAT is set once, by the creating SET; a later claim or
// lookup of the key does not extend it. So the server holds what was
// claimed within the retention window, and memory is bounded by the
// stream's rate times the window (about 1.1 GB per million paragraphs;
// README.md).
//
// Forgetting is what the dedup.Store contract allows: whole records only
// (a key is present with its original record, or absent). What it means
// for the Deduper is what pkg/dedup's package comment says of any store
// that forgets: an article replayed within the retention finds its own
// records and comes out as the first time; replayed after it, it sees only
// what is left and claims its keys afresh, so its paragraphs may turn
// unique where they were repeated (their first occurrence was forgotten).
// A paragraph repeated every day (a sign-off) is forgotten and re-learned
// once per retention: its boilerplate slots expire and the next two
// stories of the source carry it as unique and repeated again. Forgetting
// starts 30 days after creation, not after last use: for a news wire's
// repeats this is what counts (reprints and updates come within days).
//
// The server must not evict keys on its own: maxmemory-policy noeviction
// (the default) makes a full server refuse claims with OOM, which the
// pipeline retries (nothing is lost; the store's metrics and the server's
// used memory show why). An eviction policy (allkeys-lru, volatile-*)
// forgets whole records too, so it is allowed, but its choice of victims
// is the server's, not the retention's.
//
// # Cluster
//
// With more than one address, or Config.Cluster, the client speaks Redis
// Cluster: it learns the slot map from any node, sends each node the keys
// of its slots, follows MOVED and ASK redirections during a resharding
// (Config.MaxRedirects) and retries TRYAGAIN, CLUSTERDOWN and LOADING a
// few times (Config.MaxRetries) before the error reaches the caller. Keys
// carry no hash tag, so they spread evenly over the slots; a KeyPrefix with
// '{' or '}' is refused, since it would put every key in one slot. Ping
// checks that every master reports cluster_state:ok. Replication is
// asynchronous: a master that fails over may lose its last claims, whole
// records at a time, which the contract allows.
//
// Claims are atomic per key only, and on a cluster the keys of one claim
// sit on different nodes that answer in any order, so two racing articles
// can split one text's keys between them. The Deduper agrees on first
// occurrences all the same: it re-decides a lost race before it claims the
// boilerplate slots (pkg/dedup), and storetest's racing cases run on the
// cluster too.
//
// # Failures
//
// Every error is wrapped with the action ("redis dedup store: claim 13025
// keys: ...") and counted in newsflow_dedup_store_requests_total{result=
// "error"}. Connection failures, timeouts (Config.RequestTimeout bounds a
// whole call), a paused or restarting server, CLUSTERDOWN, TRYAGAIN,
// LOADING, MOVED storms and OOM all surface as errors that the consumer's
// pipeline retries with backoff while fetching pauses: a failed call
// leaves only whole records, which a retry finds again (a claim that
// returns the caller's own record is indistinguishable from one that
// created it). Retryable tells those apart from the errors that need an
// operator (WRONGPASS, NOAUTH, NOPERM, certificate errors, a server older
// than 7.0, a value under the prefix that is not a record).
//
// # Metrics
//
// The counters of every dedup store, with the Elasticsearch store's names
// and labels: newsflow_dedup_store_requests_total{op,result},
// newsflow_dedup_store_request_duration_seconds{op} (op lookup or claim),
// newsflow_dedup_store_cache_total{result} and
// newsflow_dedup_store_keys_total{result} (created, conflict). And the
// server's numbers, per node (the server, or each master), read from INFO
// at most every Config.StatsInterval: newsflow_dedup_store_server_keys,
// _server_expired_keys_total, _server_evicted_keys_total,
// _server_memory_used_bytes, _server_memory_max_bytes, and
// newsflow_dedup_store_server_info_errors_total.
package redisdedup
