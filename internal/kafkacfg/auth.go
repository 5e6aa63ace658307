package kafkacfg

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/segmentio/kafka-go"
)

// IsAuthError reports whether err says that the broker refused this
// client's credentials or certificate, that the client refused the broker's
// certificate, or that the client speaks TLS to a plaintext listener:
// configuration errors no retry can fix, so a process should stop at once
// (with Explain's message) instead of retrying.
func IsAuthError(err error) bool {
	if err == nil {
		return false
	}
	var ke kafka.Error
	if errors.As(err, &ke) {
		switch ke {
		case kafka.SASLAuthenticationFailed, kafka.UnsupportedSASLMechanism, kafka.IllegalSASLState,
			kafka.TopicAuthorizationFailed, kafka.GroupAuthorizationFailed, kafka.ClusterAuthorizationFailed:
			return true
		}
	}
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		alert     tls.AlertError
		record    tls.RecordHeaderError
		verify    *tls.CertificateVerificationError
	)
	return errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &alert) || errors.As(err, &record) || errors.As(err, &verify) ||
		// kafka-go flattens some errors of the SASL handshake into text.
		strings.Contains(err.Error(), "SASL Authentication Failed") ||
		strings.Contains(err.Error(), "remote error: tls:") ||
		strings.Contains(err.Error(), "tls: failed to verify certificate")
}

// Explain wraps an error IsAuthError accepts with what to check, naming
// the flags involved (never a secret); other errors come back as they are.
func Explain(err error, brokerList []string) error {
	if !IsAuthError(err) {
		return err
	}
	brokers := "kafka"
	if len(brokerList) > 0 {
		brokers = "kafka at " + strings.Join(brokerList, ",")
	}
	var ke kafka.Error
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &ke) && (ke == kafka.SASLAuthenticationFailed || ke == kafka.IllegalSASLState) ||
		strings.Contains(err.Error(), "SASL Authentication Failed"):
		return fmt.Errorf("%s refused the SASL credentials: check --kafka-sasl-mechanism, --kafka-username and the password in --kafka-password-file or $NEWSFLOW_KAFKA_PASSWORD: %w",
			brokers, err)
	case errors.As(err, &ke) && ke == kafka.UnsupportedSASLMechanism:
		return fmt.Errorf("%s does not offer this --kafka-sasl-mechanism on this listener: %w", brokers, err)
	case errors.As(err, &ke):
		return fmt.Errorf("%s: the --kafka-username is not authorized for this (ACLs): %w", brokers, err)
	case errors.As(err, &record):
		return fmt.Errorf("%s does not answer TLS: is it a plaintext listener? drop --kafka-tls and the TLS files, or use its TLS port: %w", brokers, err)
	case strings.Contains(err.Error(), "remote error: tls:"):
		return fmt.Errorf("%s refused the TLS connection (a listener that needs a client certificate wants --kafka-cert-file and --kafka-key-file signed by a CA it trusts): %w", brokers, err)
	default:
		return fmt.Errorf("%s: the broker's certificate is not trusted (check --kafka-ca-file, and that the certificate names the host in --kafka-brokers): %w", brokers, err)
	}
}
