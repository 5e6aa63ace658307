package kafkacfg

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestResolve(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "pw")
	require.NoError(t, os.WriteFile(pwFile, []byte("s3cret-from-file\n"), 0o600))
	tests := []struct {
		name    string
		s       Settings
		env     map[string]string
		wantErr string
	}{
		{name: "plain brokers split on commas", s: Settings{Brokers: []string{"a:1, b:2"}, Topic: "t"}},
		{name: "no brokers", s: Settings{Topic: "t"}, wantErr: "--kafka-brokers is empty"},
		{name: "unknown mechanism", s: Settings{Brokers: []string{"a:1"}, Topic: "t", SASLMechanism: "gssapi"}, wantErr: `--kafka-sasl-mechanism "gssapi"`},
		{name: "user without mechanism", s: Settings{Brokers: []string{"a:1"}, Topic: "t", Username: "u"}, wantErr: "without --kafka-sasl-mechanism"},
		{name: "scram without password", s: Settings{Brokers: []string{"a:1"}, Topic: "t", SASLMechanism: "scram-sha-512", Username: "u"}, wantErr: "needs a password"},
		{name: "password from the environment", s: Settings{Brokers: []string{"a:1"}, Topic: "t", SASLMechanism: "plain", Username: "u"}, env: map[string]string{"NEWSFLOW_KAFKA_PASSWORD": "s3cret-from-env"}},
		{name: "password from a file", s: Settings{Brokers: []string{"a:1"}, Topic: "t", SASLMechanism: "scram-sha-256", Username: "u", PasswordFile: pwFile}},
		{name: "missing password file", s: Settings{Brokers: []string{"a:1"}, Topic: "t", SASLMechanism: "plain", Username: "u", PasswordFile: "/nonexistent"}, wantErr: "read secret file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Resolve(env(tt.env))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.NotContains(t, tt.s.String(), "s3cret", "secrets never appear in String")
			_, err = tt.s.Dialer("test")
			require.NoError(t, err)
			_, err = tt.s.Transport("test")
			require.NoError(t, err)
		})
	}
}
