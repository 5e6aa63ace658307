package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/pkg/dedup"
)

func TestRedisSettingsBecomeTheStoreConfig(t *testing.T) {
	fpv := strconv.Itoa(dedup.FingerprintVersion)
	secretFile := filepath.Join(t.TempDir(), "password")
	require.NoError(t, os.WriteFile(secretFile, []byte("from-the-file\n"), 0o600))
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		wantAddrs   []string
		wantCluster bool
		wantPass    string
		wantDesc    string
	}{
		{name: "the defaults are a standalone server on loopback", wantAddrs: []string{"127.0.0.1:6379"},
			wantDesc: "addrs=127.0.0.1:6379 mode=standalone prefix=nfdd:v" + fpv + ": retention=720h0m0s"},
		{name: "several addresses, comma-separated or repeated, are a cluster",
			args:      []string{"--dedup-redis-addr", "r0:6379,r1:6379", "--dedup-redis-addr", "r2:6379"},
			wantAddrs: []string{"r0:6379", "r1:6379", "r2:6379"}, wantCluster: true,
			wantDesc: "addrs=r0:6379,r1:6379,r2:6379 mode=cluster prefix=nfdd:v" + fpv + ": retention=720h0m0s"},
		{name: "the password comes from the environment and is never described",
			args: []string{"--dedup-redis-username", "newsflow", "--dedup-retention", "48h", "--dedup-redis-prefix", "news"},
			env:  map[string]string{envDedupRedisPassword: "from-the-env"}, wantAddrs: []string{"127.0.0.1:6379"}, wantPass: "from-the-env",
			wantDesc: "addrs=127.0.0.1:6379 mode=standalone prefix=news:v" + fpv + ": retention=48h0m0s user=newsflow auth=password"},
		{name: "a password file wins over the environment",
			args: []string{"--dedup-redis-password-file", secretFile, "--dedup-redis-tls", "--dedup-redis-cluster", "--dedup-redis-addr", "r0:6380"},
			env:  map[string]string{envDedupRedisPassword: "from-the-env"}, wantAddrs: []string{"r0:6380"}, wantCluster: true, wantPass: "from-the-file",
			wantDesc: "addrs=r0:6380 mode=cluster prefix=nfdd:v" + fpv + ": retention=720h0m0s auth=password tls=on"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := cli.New("test", "")
			lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			s.SetLookupEnv(lookup)
			r := addRedisSettings(s)
			_, err := s.Parse(tc.args)
			require.NoError(t, err)
			cfg, err := r.config(lookup, 0, nil)
			require.NoError(t, err)
			require.Equal(t, tc.wantAddrs, cfg.Addrs)
			require.Equal(t, tc.wantCluster, cfg.Cluster)
			require.Equal(t, tc.wantPass, cfg.Password)
			require.Equal(t, tc.wantDesc, cfg.String())
			if tc.wantPass != "" {
				require.NotContains(t, cfg.String(), tc.wantPass)
			}
		})
	}
}
