package redisdedup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "zero value: the defaults", cfg: Config{}},
		{name: "cluster of three", cfg: Config{Addrs: []string{"10.0.0.1:6379", "10.0.0.2:6379", "redis-2.redis:6379"}}},
		{name: "one cluster node", cfg: Config{Addrs: []string{"redis:6379"}, Cluster: true}},
		{name: "tls with client certificate", cfg: Config{TLS: true, CAFile: "ca.pem", CertFile: "c.pem", KeyFile: "k.pem", ServerName: "redis"}},
		{name: "address without port", cfg: Config{Addrs: []string{"redis"}}, wantErr: `address "redis": want host:port`},
		{name: "address without host", cfg: Config{Addrs: []string{":6379"}}, wantErr: `address ":6379": want host:port`},
		{name: "port out of range", cfg: Config{Addrs: []string{"redis:70000"}}, wantErr: `port "70000" is not a number in 1-65535`},
		{name: "port not a number", cfg: Config{Addrs: []string{"redis:http"}}, wantErr: `port "http" is not a number`},
		{name: "db on a cluster", cfg: Config{Addrs: []string{"a:1", "b:1"}, DB: 2}, wantErr: "DB 2 with a cluster: Redis Cluster has database 0 only"},
		{name: "negative db", cfg: Config{DB: -1}, wantErr: "DB -1 is negative"},
		{name: "two passwords", cfg: Config{Password: "x", PasswordFile: "/run/secrets/p"}, wantErr: "both Password and PasswordFile are set"},
		{name: "tls settings without tls", cfg: Config{CAFile: "ca.pem"}, wantErr: "TLS settings (CA, certificate, server name, insecure) are set but TLS is off"},
		{name: "insecure without tls", cfg: Config{InsecureSkipVerify: true}, wantErr: "but TLS is off"},
		{name: "cert without key", cfg: Config{TLS: true, CertFile: "c.pem"}, wantErr: "needs both CertFile and KeyFile"},
		{name: "negative pool", cfg: Config{PoolSize: -1}, wantErr: "PoolSize -1 is negative"},
		{name: "negative timeout", cfg: Config{ReadTimeout: -time.Second}, wantErr: "timeouts and intervals must not be negative"},
		{name: "negative redirects", cfg: Config{MaxRedirects: -2}, wantErr: "MaxRedirects -2 is negative"},
		{name: "retention below a second", cfg: Config{Retention: 500 * time.Millisecond}, wantErr: "Retention 500ms is below one second"},
		{name: "negative retention", cfg: Config{Retention: -time.Hour}, wantErr: "Retention -1h0m0s is below one second"},
		{name: "retention beyond the format", cfg: Config{Retention: 60 * 365 * 24 * time.Hour}, wantErr: "is above 50 years"},
		{name: "prefix with a hash tag", cfg: Config{KeyPrefix: "{nf}"}, wantErr: `KeyPrefix "{nf}" holds '{' or '}'`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.wantErr)
			require.True(t, strings.HasPrefix(err.Error(), "redisdedup: "), err.Error())
			_, err = New(tc.cfg)
			require.ErrorContains(t, err, tc.wantErr, "New validates too")
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{}.WithDefaults()
	require.Equal(t, []string{DefaultAddr}, c.Addrs)
	require.False(t, c.Cluster)
	require.Equal(t, 30*24*time.Hour, c.Retention)
	require.Equal(t, DefaultCacheEntries, c.CacheEntries)
	require.Equal(t, DefaultPoolSize, c.PoolSize)
	require.Equal(t, DefaultMaxRetries, c.MaxRetries)
	require.Equal(t, "nfdd:v4:", c.keyPrefix())
	require.True(t, Config{Addrs: []string{"a:1", "b:1"}}.WithDefaults().Cluster, "several addresses mean a cluster")
	require.Equal(t, -1, Config{CacheEntries: -1}.WithDefaults().CacheEntries, "negative: no cache")
}

func TestConfigStringHidesThePassword(t *testing.T) {
	c := Config{Addrs: []string{"a:1", "b:2"}, Username: "nf", Password: "s3cret-value", TLS: true}
	s := c.String()
	require.NotContains(t, s, "s3cret")
	require.Equal(t, "addrs=a:1,b:2 mode=cluster prefix=nfdd:v4: retention=720h0m0s user=nf auth=password tls=on", s)
	require.Equal(t, "addrs=127.0.0.1:6379 mode=standalone prefix=x:v4: retention=1h0m0s db=3", Config{KeyPrefix: "x", DB: 3, Retention: time.Hour}.String())
}

func TestConfigOptions(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "password")
	require.NoError(t, os.WriteFile(pw, []byte("from-a-file\n"), 0o600))
	opts, err := Config{PasswordFile: pw, Username: "nf"}.WithDefaults().options()
	require.NoError(t, err)
	require.Equal(t, "from-a-file", opts.Password, "trimmed")
	require.Equal(t, "nf", opts.Username)
	require.Nil(t, opts.TLSConfig)
	require.True(t, opts.ContextTimeoutEnabled, "a cancelled context ends a request")
	require.Equal(t, 2, opts.Protocol)

	_, err = Config{PasswordFile: filepath.Join(dir, "missing")}.WithDefaults().options()
	require.ErrorContains(t, err, "redisdedup: password: read secret file")

	_, err = Config{TLS: true, CAFile: filepath.Join(dir, "missing.pem")}.WithDefaults().options()
	require.ErrorContains(t, err, "redisdedup: TLS: read CA file")

	opts, err = Config{TLS: true, ServerName: "redis.internal"}.WithDefaults().options()
	require.NoError(t, err)
	require.Equal(t, "redis.internal", opts.TLSConfig.ServerName)

	s, err := New(Config{Addrs: []string{"a:1", "b:1"}})
	require.NoError(t, err)
	defer s.Close()
	_, ok := s.client.(*redis.ClusterClient)
	require.True(t, ok, "a cluster client for several addresses")
	s1, err := New(Config{})
	require.NoError(t, err)
	defer s1.Close()
	_, ok = s1.client.(*redis.Client)
	require.True(t, ok, "a plain client for one address")
}

func TestVersionAtLeast(t *testing.T) {
	for v, want := range map[string]bool{"7.0.15": true, "7.2.4": true, "8.0.0": true, "6.2.14": false, "6": false, "": false, "x.y": false, "10.0": true} {
		require.Equal(t, want, versionAtLeast(v, 7, 0), v)
	}
	require.Equal(t, "7.0.15", infoField("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n", "redis_version"))
	require.Equal(t, "", infoField("# Server\r\n", "redis_version"))
}
