package creds

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSecret(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pw")
	require.NoError(t, os.WriteFile(file, []byte("from-file\n"), 0o600))
	env := func(k string) (string, bool) { return map[string]string{"PW": "from-env"}[k], k == "PW" }

	got, err := Secret(file, "PW", env)
	require.NoError(t, err)
	require.Equal(t, "from-file", got, "the file wins and is trimmed")

	got, err = Secret("", "PW", env)
	require.NoError(t, err)
	require.Equal(t, "from-env", got)

	got, err = Secret("", "UNSET", env)
	require.NoError(t, err)
	require.Empty(t, got)

	_, err = Secret("/nonexistent/pw", "PW", env)
	require.ErrorContains(t, err, "read secret file")
}

func TestTLSConfig(t *testing.T) {
	_, err := TLSConfig("", "cert.pem", "", false)
	require.ErrorContains(t, err, "both the cert file and the key file")
	_, err = TLSConfig("/nonexistent/ca.pem", "", "", false)
	require.ErrorContains(t, err, "read CA file")
	bad := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(bad, []byte("not pem"), 0o600))
	_, err = TLSConfig(bad, "", "", false)
	require.ErrorContains(t, err, "holds no PEM certificate")
	cfg, err := TLSConfig("", "", "", true)
	require.NoError(t, err)
	require.True(t, cfg.InsecureSkipVerify)
}
