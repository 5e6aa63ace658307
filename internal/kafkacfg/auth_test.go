package kafkacfg

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
)

func TestAuthErrorsAreExplainedAndNotRetried(t *testing.T) {
	brokers := []string{"127.0.0.1:9093"}
	tests := []struct {
		name string
		err  error
		want string // "" when not an auth error
	}{
		{"wrong SASL password", fmt.Errorf("kafka.(*Client).Metadata: %w", kafka.SASLAuthenticationFailed), "refused the SASL credentials: check --kafka-sasl-mechanism, --kafka-username and the password"},
		{"SASL failure flattened to text", errors.New("[58] SASL Authentication Failed: invalid credentials"), "refused the SASL credentials"},
		{"mechanism not offered", kafka.UnsupportedSASLMechanism, "does not offer this --kafka-sasl-mechanism"},
		{"no ACL", kafka.TopicAuthorizationFailed, "not authorized"},
		{"unknown CA", &net.OpError{Op: "dial", Err: x509.UnknownAuthorityError{}}, "the broker's certificate is not trusted (check --kafka-ca-file"},
		{"client certificate required", errors.New("remote error: tls: certificate required"), "refused the TLS connection (a listener that needs a client certificate wants --kafka-cert-file"},
		{"TLS to a plaintext port", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, "does not answer TLS: is it a plaintext listener?"},
		{"connection refused", errors.New("dial tcp 127.0.0.1:9093: connect: connection refused"), ""},
		{"leader not available", kafka.LeaderNotAvailable, ""},
		{"EOF", io.ErrUnexpectedEOF, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want != "", IsAuthError(tc.err))
			got := Explain(tc.err, brokers)
			if tc.want == "" {
				require.Equal(t, tc.err, got, "other errors pass unchanged")
				return
			}
			require.ErrorContains(t, got, "kafka at 127.0.0.1:9093")
			require.ErrorContains(t, got, tc.want)
			require.ErrorIs(t, got, tc.err, "the cause stays inspectable")
		})
	}
	require.False(t, IsAuthError(nil))
	require.ErrorContains(t, Explain(kafka.SASLAuthenticationFailed, nil), "kafka refused the SASL credentials")
}
