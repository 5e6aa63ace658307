// Package kafkacfg turns the Kafka connection settings every newsflow role
// shares (brokers, SASL, TLS) into kafka-go dialers and transports. Secrets
// come from the environment or from files, never from flags, and never
// appear in String or in logs.
package kafkacfg

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"

	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/internal/creds"
)

// Defaults.
const (
	DefaultBrokers = "127.0.0.1:9092"
	DefaultTopic   = "news.raw"
	DefaultGroup   = "newsflow"
	// DLQSuffix is appended to the raw topic to name the dead-letter topic.
	DLQSuffix = ".dlq"
)

// Settings are the Kafka connection settings.
type Settings struct {
	// Brokers are host:port seeds. Default: 127.0.0.1:9092.
	Brokers []string
	// Topic is the raw topic. Default: news.raw.
	Topic string
	// SASLMechanism is "", "plain", "scram-sha-256" or "scram-sha-512".
	SASLMechanism string
	// Username for SASL.
	Username string
	// PasswordFile holds the SASL password; $NEWSFLOW_KAFKA_PASSWORD is used when empty.
	PasswordFile string
	// TLS turns on TLS (implied by any of the files below).
	TLS bool
	// CAFile, CertFile and KeyFile are PEM files for TLS.
	CAFile, CertFile, KeyFile string
	// InsecureSkipVerify disables certificate checks (tests only).
	InsecureSkipVerify bool

	password string
}

// AddFlags declares the settings on s, with DefaultBrokers.
func (c *Settings) AddFlags(s *cli.Set) {
	c.AddFlagsWith(s, []string{DefaultBrokers}, "Kafka bootstrap brokers, host:port, repeatable or comma-separated")
}

// AddFlagsWith declares the settings on s with other default brokers (nil:
// none, for a command with an embedded broker) and their help text.
func (c *Settings) AddFlagsWith(s *cli.Set, brokers []string, brokersHelp string) {
	s.List(&c.Brokers, "kafka-brokers", "NEWSFLOW_KAFKA_BROKERS", brokers, brokersHelp)
	s.String(&c.Topic, "topic", "NEWSFLOW_TOPIC", DefaultTopic, "raw topic; dead letters go to <topic>"+DLQSuffix)
	s.String(&c.SASLMechanism, "kafka-sasl-mechanism", "NEWSFLOW_KAFKA_SASL_MECHANISM", "", "SASL mechanism: plain, scram-sha-256 or scram-sha-512 (empty: no SASL)")
	s.String(&c.Username, "kafka-username", "NEWSFLOW_KAFKA_USERNAME", "", "SASL user name")
	s.String(&c.PasswordFile, "kafka-password-file", "NEWSFLOW_KAFKA_PASSWORD_FILE", "", "file holding the SASL password (or set $NEWSFLOW_KAFKA_PASSWORD); never a flag value, so it stays out of ps")
	s.Bool(&c.TLS, "kafka-tls", "NEWSFLOW_KAFKA_TLS", false, "connect to Kafka over TLS (implied by the file settings below)")
	s.String(&c.CAFile, "kafka-ca-file", "NEWSFLOW_KAFKA_CA_FILE", "", "PEM file of CA certificates that sign the brokers' certificates (default: system roots)")
	s.String(&c.CertFile, "kafka-cert-file", "NEWSFLOW_KAFKA_CERT_FILE", "", "PEM client certificate for mutual TLS")
	s.String(&c.KeyFile, "kafka-key-file", "NEWSFLOW_KAFKA_KEY_FILE", "", "PEM client key for mutual TLS")
	s.Bool(&c.InsecureSkipVerify, "kafka-tls-insecure", "NEWSFLOW_KAFKA_TLS_INSECURE", false, "skip verification of broker certificates; for tests only, it allows a man in the middle")
}

// DLQTopic is the dead-letter topic of the raw topic.
func (c *Settings) DLQTopic() string { return c.Topic + DLQSuffix }

// Resolve loads secrets (from PasswordFile or $NEWSFLOW_KAFKA_PASSWORD)
// and checks the settings, naming the ones in conflict.
func (c *Settings) Resolve(lookupEnv func(string) (string, bool)) error {
	var brokers []string
	for _, b := range c.Brokers {
		for _, p := range strings.Split(b, ",") {
			if p = strings.TrimSpace(p); p != "" {
				brokers = append(brokers, p)
			}
		}
	}
	c.Brokers = brokers
	if len(c.Brokers) == 0 {
		return errors.New("--kafka-brokers is empty")
	}
	if c.Topic == "" {
		return errors.New("--topic is empty")
	}
	switch c.SASLMechanism {
	case "":
		if c.Username != "" || c.PasswordFile != "" {
			return errors.New("--kafka-username or --kafka-password-file set without --kafka-sasl-mechanism")
		}
		return nil
	case "plain", "scram-sha-256", "scram-sha-512":
	default:
		return fmt.Errorf("--kafka-sasl-mechanism %q: want plain, scram-sha-256 or scram-sha-512", c.SASLMechanism)
	}
	if c.Username == "" {
		return fmt.Errorf("--kafka-sasl-mechanism %s needs --kafka-username", c.SASLMechanism)
	}
	pw, err := creds.Secret(c.PasswordFile, "NEWSFLOW_KAFKA_PASSWORD", lookupEnv)
	if err != nil {
		return fmt.Errorf("kafka password: %w", err)
	}
	if pw == "" {
		return fmt.Errorf("--kafka-sasl-mechanism %s needs a password: --kafka-password-file or $NEWSFLOW_KAFKA_PASSWORD", c.SASLMechanism)
	}
	c.password = pw
	return nil
}

// Mechanism returns the SASL mechanism, or nil without SASL.
func (c *Settings) Mechanism() (sasl.Mechanism, error) {
	switch c.SASLMechanism {
	case "":
		return nil, nil
	case "plain":
		return plain.Mechanism{Username: c.Username, Password: c.password}, nil
	case "scram-sha-256":
		return scram.Mechanism(scram.SHA256, c.Username, c.password)
	case "scram-sha-512":
		return scram.Mechanism(scram.SHA512, c.Username, c.password)
	}
	return nil, fmt.Errorf("unknown SASL mechanism %q", c.SASLMechanism)
}

// TLSConfig returns the TLS configuration, or nil without TLS.
func (c *Settings) TLSConfig() (*tls.Config, error) {
	if !c.TLS && c.CAFile == "" && c.CertFile == "" && c.KeyFile == "" && !c.InsecureSkipVerify {
		return nil, nil
	}
	return creds.TLSConfig(c.CAFile, c.CertFile, c.KeyFile, c.InsecureSkipVerify)
}

// Dialer returns a kafka-go Dialer (for Readers and admin connections).
func (c *Settings) Dialer(clientID string) (*kafka.Dialer, error) {
	mech, err := c.Mechanism()
	if err != nil {
		return nil, err
	}
	tc, err := c.TLSConfig()
	if err != nil {
		return nil, err
	}
	return &kafka.Dialer{ClientID: clientID, Timeout: 10 * time.Second, DualStack: true, SASLMechanism: mech, TLS: tc}, nil
}

// Transport returns a kafka-go Transport (for Writers and the Client).
func (c *Settings) Transport(clientID string) (*kafka.Transport, error) {
	mech, err := c.Mechanism()
	if err != nil {
		return nil, err
	}
	tc, err := c.TLSConfig()
	if err != nil {
		return nil, err
	}
	return &kafka.Transport{ClientID: clientID, DialTimeout: 10 * time.Second, SASL: mech, TLS: tc, MetadataTTL: 30 * time.Second}, nil
}

// String describes the settings for logs, without secrets.
func (c *Settings) String() string {
	s := fmt.Sprintf("brokers=%s topic=%s", strings.Join(c.Brokers, ","), c.Topic)
	if c.SASLMechanism != "" {
		s += fmt.Sprintf(" sasl=%s user=%s password=<redacted>", c.SASLMechanism, c.Username)
	}
	if tc, _ := c.TLSConfig(); tc != nil {
		s += " tls=on"
	}
	return s
}
