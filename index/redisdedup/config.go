package redisdedup

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/newsflow/newsflow/internal/creds"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// Defaults of Config.
const (
	// DefaultAddr is the server tried when Config.Addrs is empty.
	DefaultAddr = "127.0.0.1:6379"
	// DefaultKeyPrefix starts every key; the fingerprint version follows
	// (":v1:"), then the 8 bytes of the key. Short on purpose: the key is
	// held once per stored fingerprint.
	DefaultKeyPrefix = "nfdd"
	// DefaultRetention is how long the server keeps a record after the
	// claim that created it.
	DefaultRetention = 30 * 24 * time.Hour
	// DefaultCacheEntries bounds the local cache of found records in
	// entries, DefaultCacheBytes in bytes: a record costs 160 to 270 bytes
	// (TestCacheEntrySize), so the byte bound is the one a worker meets
	// first (about 30,000 records of long paragraphs).
	DefaultCacheEntries = 50_000
	DefaultCacheBytes   = 8 << 20
	// DefaultPoolSize is the number of connections per server node.
	DefaultPoolSize = 16
	// DefaultDialTimeout bounds establishing a connection (TLS included).
	DefaultDialTimeout = 5 * time.Second
	// DefaultReadTimeout and DefaultWriteTimeout bound one pipeline's socket
	// reads and writes; a batch's claim of 20,000 keys takes some 20-60 ms
	// on an idle server.
	DefaultReadTimeout  = 10 * time.Second
	DefaultWriteTimeout = 10 * time.Second
	// DefaultRequestTimeout bounds a whole Lookup or Claim, the client's
	// own retries included.
	DefaultRequestTimeout = 30 * time.Second
	// DefaultMaxRetries is how often the client itself retries a request
	// that failed on the network or with LOADING, TRYAGAIN, CLUSTERDOWN
	// and the like, with a short backoff (8-512 ms), before the error
	// reaches the caller (whose backoff then takes over). Retrying a claim
	// is safe: a key it created comes back with the caller's own record.
	DefaultMaxRetries = 2
	// DefaultMaxRedirects is how many MOVED/ASK redirections a cluster
	// request follows (a resharding moves slots while claims run).
	DefaultMaxRedirects = 8
	// DefaultStatsInterval is how long the server statistics (INFO) the
	// metrics report are reused before they are read again.
	DefaultStatsInterval = 5 * time.Second
	// lookupChunk bounds the keys of one MGET (standalone servers): one
	// command of 20,000 keys would hold the server for milliseconds.
	lookupChunk = 1000
)

// Config configures a Store. The zero value means the defaults: a
// standalone server on 127.0.0.1:6379 without auth or TLS.
type Config struct {
	// Addrs are host:port of the server, or of some nodes of a Redis
	// Cluster (the client discovers the others). Default: 127.0.0.1:6379.
	Addrs []string
	// Cluster selects the Redis Cluster protocol; more than one address
	// implies it.
	Cluster bool
	// DB is the database of a standalone server (a cluster has only 0).
	DB int

	// Username is the ACL user (empty: the default user).
	Username string
	// Password of the user; never logged. Set either Password (e.g. from
	// $NEWSFLOW_DEDUP_REDIS_PASSWORD) or PasswordFile.
	Password string
	// PasswordFile holds the password (trimmed); read by New.
	PasswordFile string

	// TLS turns TLS on. CAFile is a PEM file of CAs (empty: the system
	// roots); CertFile and KeyFile a client certificate (both or neither);
	// ServerName overrides the name checked in the server's certificate
	// (default: the host of each address). InsecureSkipVerify skips the
	// check entirely (tests only).
	TLS                bool
	CAFile             string
	CertFile, KeyFile  string
	ServerName         string
	InsecureSkipVerify bool

	// PoolSize is the number of connections per node. Default: 16.
	PoolSize int
	// DialTimeout, ReadTimeout, WriteTimeout: see the defaults.
	DialTimeout, ReadTimeout, WriteTimeout time.Duration
	// RequestTimeout bounds each Lookup and Claim. Default: 30s.
	RequestTimeout time.Duration
	// MaxRetries is the client's own retries of a failed request (0: the
	// default, 2; negative: none).
	MaxRetries int
	// MaxRedirects bounds MOVED/ASK redirections in a cluster (0: 8).
	MaxRedirects int

	// Retention is how long a record lives after its creation: the key's
	// TTL, set once by the claim that creates it. At least one second.
	// Default: 30 days.
	Retention time.Duration
	// KeyPrefix starts every key, before the fingerprint version. It may
	// not contain '{' or '}' (a cluster hash tag would put every key in
	// one slot). Default: nfdd.
	KeyPrefix string
	// CacheEntries bounds the local cache of found records (0: the
	// default; negative: no cache).
	CacheEntries int
	// CacheBytes bounds the same cache in bytes: the records' values plus
	// a fixed overhead each (0: the default, 8 MiB; negative: no cache).
	CacheBytes int64
	// StatsInterval is how long server statistics are reused by the
	// metrics collector. Default: 5s.
	StatsInterval time.Duration

	// Registerer receives the metrics; nil means none.
	Registerer prometheus.Registerer
	// Now is the clock of expiry times (nil: time.Now).
	Now func() time.Time
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if len(c.Addrs) == 0 {
		c.Addrs = []string{DefaultAddr}
	}
	if len(c.Addrs) > 1 {
		c.Cluster = true
	}
	setD := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	setD(&c.DialTimeout, DefaultDialTimeout)
	setD(&c.ReadTimeout, DefaultReadTimeout)
	setD(&c.WriteTimeout, DefaultWriteTimeout)
	setD(&c.RequestTimeout, DefaultRequestTimeout)
	setD(&c.Retention, DefaultRetention)
	setD(&c.StatsInterval, DefaultStatsInterval)
	if c.PoolSize == 0 {
		c.PoolSize = DefaultPoolSize
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = DefaultMaxRedirects
	}
	if c.KeyPrefix == "" {
		c.KeyPrefix = DefaultKeyPrefix
	}
	if c.CacheEntries == 0 {
		c.CacheEntries = DefaultCacheEntries
	}
	if c.CacheBytes == 0 {
		c.CacheBytes = DefaultCacheBytes
	}
	return c
}

// maxRetention keeps expiry times within the record format (Unix seconds
// in 32 bits, until 2106).
const maxRetention = 50 * 365 * 24 * time.Hour

// Validate reports the first setting that is out of range or in conflict
// with another, after defaults.
func (c Config) Validate() error {
	c = c.WithDefaults()
	for _, a := range c.Addrs {
		host, port, err := net.SplitHostPort(a)
		if err != nil || host == "" {
			return fmt.Errorf("redisdedup: address %q: want host:port", a)
		}
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return fmt.Errorf("redisdedup: address %q: port %q is not a number in 1-65535", a, port)
		}
	}
	switch {
	case c.DB < 0:
		return fmt.Errorf("redisdedup: DB %d is negative", c.DB)
	case c.Cluster && c.DB != 0:
		return fmt.Errorf("redisdedup: DB %d with a cluster: Redis Cluster has database 0 only", c.DB)
	case c.Password != "" && c.PasswordFile != "":
		return errors.New("redisdedup: both Password and PasswordFile are set: use one")
	case !c.TLS && (c.CAFile != "" || c.CertFile != "" || c.KeyFile != "" || c.ServerName != "" || c.InsecureSkipVerify):
		return errors.New("redisdedup: TLS settings (CA, certificate, server name, insecure) are set but TLS is off")
	case (c.CertFile == "") != (c.KeyFile == ""):
		return errors.New("redisdedup: a client certificate needs both CertFile and KeyFile")
	case c.PoolSize < 0:
		return fmt.Errorf("redisdedup: PoolSize %d is negative", c.PoolSize)
	case c.DialTimeout < 0 || c.ReadTimeout < 0 || c.WriteTimeout < 0 || c.RequestTimeout < 0 || c.StatsInterval < 0:
		return errors.New("redisdedup: timeouts and intervals must not be negative")
	case c.MaxRedirects < 0:
		return fmt.Errorf("redisdedup: MaxRedirects %d is negative", c.MaxRedirects)
	case c.Retention < time.Second:
		return fmt.Errorf("redisdedup: Retention %v is below one second (keys expire in whole seconds)", c.Retention)
	case c.Retention > maxRetention:
		return fmt.Errorf("redisdedup: Retention %v is above 50 years", c.Retention)
	case strings.ContainsAny(c.KeyPrefix, "{}"):
		return fmt.Errorf("redisdedup: KeyPrefix %q holds '{' or '}': a hash tag would put every key in one cluster slot", c.KeyPrefix)
	}
	return nil
}

// keyPrefix is what precedes the 8 bytes of every key:
// "<KeyPrefix>:v<FingerprintVersion>:".
func (c Config) keyPrefix() string {
	return c.KeyPrefix + ":v" + strconv.Itoa(dedup.FingerprintVersion) + ":"
}

// String describes the configuration for logs, without the password.
func (c Config) String() string {
	c = c.WithDefaults()
	mode := "standalone"
	if c.Cluster {
		mode = "cluster"
	}
	s := fmt.Sprintf("addrs=%s mode=%s prefix=%s retention=%v", strings.Join(c.Addrs, ","), mode, c.keyPrefix(), c.Retention)
	if !c.Cluster && c.DB != 0 {
		s += fmt.Sprintf(" db=%d", c.DB)
	}
	if c.Username != "" {
		s += " user=" + c.Username
	}
	if c.Password != "" || c.PasswordFile != "" {
		s += " auth=password"
	}
	if c.TLS {
		s += " tls=on"
	}
	return s
}

// options builds the client options: the password is read from its file,
// the TLS configuration from its PEM files.
func (c Config) options() (*redis.UniversalOptions, error) {
	password := c.Password
	if c.PasswordFile != "" {
		var err error
		if password, err = creds.Secret(c.PasswordFile, "", nil); err != nil {
			return nil, fmt.Errorf("redisdedup: password: %w", err)
		}
	}
	var tc *tls.Config
	if c.TLS {
		var err error
		if tc, err = creds.TLSConfig(c.CAFile, c.CertFile, c.KeyFile, c.InsecureSkipVerify); err != nil {
			return nil, fmt.Errorf("redisdedup: TLS: %w", err)
		}
		tc.ServerName = c.ServerName
	}
	return &redis.UniversalOptions{
		Addrs:         c.Addrs,
		IsClusterMode: c.Cluster,
		DB:            c.DB,
		Username:      c.Username,
		Password:      password,
		TLSConfig:     tc,
		// RESP2: every Redis-protocol server speaks it; nothing here needs
		// RESP3's push messages.
		Protocol:                 2,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		DisableIdentity:          true, // CLIENT SETINFO is 7.2+
		ClientName:               "newsflow-dedup",
		PoolSize:                 c.PoolSize,
		DialTimeout:              c.DialTimeout,
		ReadTimeout:              c.ReadTimeout,
		WriteTimeout:             c.WriteTimeout,
		ContextTimeoutEnabled:    true,
		MaxRetries:               c.MaxRetries,
		MaxRedirects:             c.MaxRedirects,
	}, nil
}
