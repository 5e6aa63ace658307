package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/index/elastic"
	"github.com/newsflow/newsflow/index/esdedup"
	"github.com/newsflow/newsflow/index/redisdedup"
	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/internal/creds"
	"github.com/newsflow/newsflow/internal/ops"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// dedupSettings are the dedup stage's options, shared by every command that
// runs the pipeline so the same input yields the same document everywhere.
type dedupSettings struct {
	opts       dedup.Options
	memoryKeys int
}

func addDedupSettings(s *cli.Set, withMemory bool) *dedupSettings {
	var d dedupSettings
	s.Int(&d.opts.MinNearLength, "dedup-min-near-length", "NEWSFLOW_DEDUP_MIN_NEAR_LENGTH", dedup.DefaultMinNearLength,
		"paragraphs shorter than this (bytes, folded) are compared exactly only, so one-fact sentences that differ in a name stay apart")
	s.Float(&d.opts.NearThreshold, "dedup-near-threshold", "NEWSFLOW_DEDUP_NEAR_THRESHOLD", dedup.DefaultNearThreshold,
		"shingle similarity from which two long paragraphs are near repeats; lower finds more edited repeats and merges more distinct paragraphs (measured in pkg/dedup/README.md)")
	s.Int(&d.opts.BoilerplateStories, "dedup-boilerplate-stories", "NEWSFLOW_DEDUP_BOILERPLATE_STORIES", dedup.DefaultBoilerplateStories,
		"a paragraph carried by this many distinct stories of one source becomes boilerplate (left out of body)")
	s.Int(&d.opts.BoilerplateTail, "dedup-boilerplate-tail", "NEWSFLOW_DEDUP_BOILERPLATE_TAIL", dedup.DefaultBoilerplateTail,
		"how many paragraphs at the end of an article may be boilerplate (sign-offs, author bios)")
	if withMemory {
		s.Int(&d.memoryKeys, "dedup-memory-keys", "NEWSFLOW_DEDUP_MEMORY_KEYS", dedup.DefaultMemoryKeys,
			"bound of the in-memory dedup store in keys (about 4 per paragraph, 67 bytes each); the least recently used are forgotten")
	}
	return &d
}

// deduper validates the options and returns the stage over store.
func (d *dedupSettings) deduper(store dedup.Store) (*dedup.Deduper, error) {
	if err := d.opts.Validate(); err != nil {
		return nil, err
	}
	return dedup.New(store, d.opts), nil
}

// Values of --dedup-store.
const (
	storeRedis         = "redis"
	storeElasticsearch = "elasticsearch"
	storeMemory        = "memory"
	storeBolt          = "bolt"
)

// envDedupRedisPassword holds the Redis password when no file is given.
const envDedupRedisPassword = "NEWSFLOW_DEDUP_REDIS_PASSWORD"

// redisSettings are the settings of the Redis dedup store (--dedup-store
// redis), shared by consume and up.
type redisSettings struct {
	addrs        []string
	cluster      bool
	db           int
	prefix       string
	username     string
	passwordFile string
	tls          bool
	caFile       string
	certFile     string
	keyFile      string
	serverName   string
	tlsInsecure  bool
	poolSize     int
	timeout      time.Duration
	retention    time.Duration
	cacheBytes   int
}

func addRedisSettings(s *cli.Set) *redisSettings {
	r := &redisSettings{}
	s.List(&r.addrs, "dedup-redis-addr", "NEWSFLOW_DEDUP_REDIS_ADDR", []string{redisdedup.DefaultAddr},
		"with --dedup-store redis: host:port of the Redis (7.0+) or Valkey server, or of some nodes of a Redis Cluster; repeatable or comma-separated; more than one address means a cluster")
	s.Bool(&r.cluster, "dedup-redis-cluster", "NEWSFLOW_DEDUP_REDIS_CLUSTER", false,
		"speak the Redis Cluster protocol even with one address (the client learns the other nodes from it)")
	s.Int(&r.db, "dedup-redis-db", "NEWSFLOW_DEDUP_REDIS_DB", 0,
		"database number of a standalone server (a cluster has only 0)")
	s.String(&r.prefix, "dedup-redis-prefix", "NEWSFLOW_DEDUP_REDIS_PREFIX", redisdedup.DefaultKeyPrefix,
		"first part of every key (then :v<fingerprint version>: and 8 bytes); deployments sharing a server need different prefixes; no '{' or '}'")
	s.String(&r.username, "dedup-redis-username", "NEWSFLOW_DEDUP_REDIS_USERNAME", "",
		"ACL user of the Redis server (empty: the default user)")
	s.String(&r.passwordFile, "dedup-redis-password-file", "NEWSFLOW_DEDUP_REDIS_PASSWORD_FILE", "",
		"file holding the Redis password (or set $"+envDedupRedisPassword+"); never logged")
	s.Bool(&r.tls, "dedup-redis-tls", "NEWSFLOW_DEDUP_REDIS_TLS", false,
		"connect to Redis over TLS")
	s.String(&r.caFile, "dedup-redis-ca-file", "NEWSFLOW_DEDUP_REDIS_CA_FILE", "",
		"with --dedup-redis-tls: PEM file of the CAs that sign the server's certificate (default: system roots)")
	s.String(&r.certFile, "dedup-redis-cert-file", "NEWSFLOW_DEDUP_REDIS_CERT_FILE", "",
		"with --dedup-redis-tls: PEM client certificate, for a server that requires one (tls-auth-clients); with --dedup-redis-key-file")
	s.String(&r.keyFile, "dedup-redis-key-file", "NEWSFLOW_DEDUP_REDIS_KEY_FILE", "",
		"with --dedup-redis-tls: PEM key of the client certificate")
	s.String(&r.serverName, "dedup-redis-server-name", "NEWSFLOW_DEDUP_REDIS_SERVER_NAME", "",
		"with --dedup-redis-tls: name checked in the server's certificate (default: the host of each address)")
	s.Bool(&r.tlsInsecure, "dedup-redis-tls-insecure", "NEWSFLOW_DEDUP_REDIS_TLS_INSECURE", false,
		"skip verification of the Redis server's certificate; for tests only")
	s.Int(&r.poolSize, "dedup-redis-pool-size", "NEWSFLOW_DEDUP_REDIS_POOL_SIZE", redisdedup.DefaultPoolSize,
		"connections per Redis node; each partition processed at once (--parallelism) holds one during a lookup or claim")
	s.Duration(&r.timeout, "dedup-redis-timeout", "NEWSFLOW_DEDUP_REDIS_TIMEOUT", redisdedup.DefaultRequestTimeout,
		"bound of one lookup or claim (one pipeline of a partition's batch), the client's own retries included; a request cut by it is retried with backoff while fetching pauses")
	s.Int(&r.cacheBytes, "dedup-cache-bytes", "NEWSFLOW_DEDUP_CACHE_BYTES", redisdedup.DefaultCacheBytes,
		"with --dedup-store redis: most bytes of records cached in this worker (each costs its stored value, 90 to 200 bytes, plus about 70); whichever of this and --dedup-cache-entries is reached first bounds the cache; -1: none")
	s.Duration(&r.retention, "dedup-retention", "NEWSFLOW_DEDUP_RETENTION", redisdedup.DefaultRetention,
		"with --dedup-store redis: how long the server remembers a paragraph after the article that first carried it (the keys' TTL); memory is bounded by the stream's rate times this window (about 1.1 GB per million paragraphs), and an article replayed after it may come out with fewer repeats marked")
	return r
}

// config validates the settings and returns the store's configuration; the
// password is read here (from its file or $NEWSFLOW_DEDUP_REDIS_PASSWORD),
// so a missing file fails at start, before any connection.
func (r *redisSettings) config(lookupEnv func(string) (string, bool), cacheEntries int, reg prometheus.Registerer) (redisdedup.Config, error) {
	var addrs []string
	for _, a := range r.addrs {
		for _, p := range strings.Split(a, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if host, _, err := net.SplitHostPort(p); err != nil || host == "" {
				return redisdedup.Config{}, fmt.Errorf("--dedup-redis-addr %q: want host:port", p)
			}
			addrs = append(addrs, p)
		}
	}
	cluster := r.cluster || len(addrs) > 1
	switch {
	case len(addrs) == 0:
		return redisdedup.Config{}, errors.New("--dedup-redis-addr is empty: give the Redis server's host:port")
	case r.db != 0 && cluster:
		return redisdedup.Config{}, fmt.Errorf("--dedup-redis-db %d with a cluster (several addresses or --dedup-redis-cluster): Redis Cluster has database 0 only", r.db)
	case !r.tls && (r.caFile != "" || r.certFile != "" || r.keyFile != "" || r.serverName != "" || r.tlsInsecure):
		return redisdedup.Config{}, errors.New("--dedup-redis-ca-file, -cert-file, -key-file, -server-name and -tls-insecure need --dedup-redis-tls")
	case (r.certFile == "") != (r.keyFile == ""):
		return redisdedup.Config{}, errors.New("--dedup-redis-cert-file and --dedup-redis-key-file go together (a client certificate and its key)")
	case r.retention < time.Second:
		return redisdedup.Config{}, fmt.Errorf("--dedup-retention %v: want at least 1s (keys expire in whole seconds)", r.retention)
	case r.poolSize < 1:
		return redisdedup.Config{}, fmt.Errorf("--dedup-redis-pool-size %d: want at least 1", r.poolSize)
	case r.timeout <= 0:
		return redisdedup.Config{}, fmt.Errorf("--dedup-redis-timeout %v: want a positive duration", r.timeout)
	case r.cacheBytes == 0 || r.cacheBytes < -1:
		return redisdedup.Config{}, fmt.Errorf("--dedup-cache-bytes %d: want a positive size, or -1 for no cache", r.cacheBytes)
	}
	password, err := creds.Secret(r.passwordFile, envDedupRedisPassword, lookupEnv)
	if err != nil {
		return redisdedup.Config{}, fmt.Errorf("--dedup-redis-password-file: %w", err)
	}
	cfg := redisdedup.Config{
		Addrs: addrs, Cluster: cluster, DB: r.db,
		Username: r.username, Password: password,
		TLS: r.tls, CAFile: r.caFile, CertFile: r.certFile, KeyFile: r.keyFile,
		ServerName: r.serverName, InsecureSkipVerify: r.tlsInsecure,
		PoolSize: r.poolSize, RequestTimeout: r.timeout,
		Retention: r.retention, KeyPrefix: r.prefix,
		CacheEntries: cacheEntries, CacheBytes: int64(r.cacheBytes), Registerer: reg,
	}
	if err := cfg.Validate(); err != nil {
		return redisdedup.Config{}, fmt.Errorf("--dedup-store redis: %w", err)
	}
	return cfg, nil
}

// sharedStore is a dedup store on a server, open and set up.
type sharedStore struct {
	dedup.Store
	desc  string       // what the logs say of it
	close func() error // nil: nothing to close
}

// openSharedStore opens the dedup store on a server that kind names
// (storeRedis or storeElasticsearch), adds its check to prober (Redis:
// "dedup-store") and waits, retrying with backoff, until it is set up. On
// an error nothing stays open.
func openSharedStore(ctx context.Context, kind string, redisCfg redisdedup.Config, es *elasticsearch.Client, esCfg esdedup.StoreConfig,
	policy backoff.Policy, prober *ops.Prober, reg prometheus.Registerer, logger *slog.Logger) (sharedStore, error) {
	switch kind {
	case storeRedis:
		redisCfg.Registerer = reg
		redisdedup.LogClient(logger)
		rs, err := redisdedup.New(redisCfg)
		if err != nil {
			return sharedStore{}, err
		}
		prober.AddCheck("dedup-store", rs.Ping)
		if err := backoff.Setup(ctx, policy, logger, "check the redis dedup store ("+rs.String()+")", redisdedup.Retryable, rs.Setup); err != nil {
			_ = rs.Close()
			return sharedStore{}, err
		}
		return sharedStore{Store: rs, desc: "redis " + rs.String(), close: rs.Close}, nil
	case storeElasticsearch:
		esCfg.Registerer = reg
		ess := esdedup.NewStore(es, esCfg)
		if err := backoff.Setup(ctx, policy, logger, "create the fingerprint index", elastic.IsRetryable, ess.Setup); err != nil {
			return sharedStore{}, err
		}
		return sharedStore{Store: ess, desc: "elasticsearch " + ess.Index()}, nil
	}
	return sharedStore{}, fmt.Errorf("--dedup-store %q is not a shared store", kind)
}
