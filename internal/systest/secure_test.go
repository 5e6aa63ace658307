package systest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl/scram"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
)

// secureBroker is the broker of `scripts/testenv.sh up --secure`.
type secureBroker struct {
	sasl, mtls                  string
	ca, cert, key, user, pwFile string
	password                    string
}

func needSecure(t *testing.T) *secureBroker {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	s := &secureBroker{
		sasl: os.Getenv("NEWSFLOW_TEST_KAFKA_SASL"), mtls: os.Getenv("NEWSFLOW_TEST_KAFKA_MTLS"),
		ca: os.Getenv("NEWSFLOW_TEST_KAFKA_CA_FILE"), cert: os.Getenv("NEWSFLOW_TEST_KAFKA_CERT_FILE"), key: os.Getenv("NEWSFLOW_TEST_KAFKA_KEY_FILE"),
		user: os.Getenv("NEWSFLOW_TEST_KAFKA_USERNAME"), pwFile: os.Getenv("NEWSFLOW_TEST_KAFKA_PASSWORD_FILE"),
	}
	if s.sasl == "" || s.mtls == "" || s.ca == "" || s.pwFile == "" {
		unavailable(t, "NEWSFLOW_TEST_KAFKA_SASL and the other secure-broker settings are unset: start it with `scripts/testenv.sh up --secure` and `set -a; eval \"$(scripts/testenv.sh env)\"; set +a` (or run `make test`)")
	}
	b, err := os.ReadFile(s.pwFile)
	require.NoError(t, err)
	s.password = strings.TrimSpace(string(b))
	require.NotEmpty(t, s.password)
	return s
}

// admin is a kafka-go client of the SASL listener, for set-up and checks.
func (s *secureBroker) admin(t *testing.T) *kafka.Client {
	t.Helper()
	pem, err := os.ReadFile(s.ca)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	mech, err := scram.Mechanism(scram.SHA512, s.user, s.password)
	require.NoError(t, err)
	tr := &kafka.Transport{SASL: mech, TLS: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	t.Cleanup(tr.CloseIdleConnections)
	return &kafka.Client{Addr: kafka.TCP(s.sasl), Timeout: 10 * time.Second, Transport: tr}
}

// TestIntegrationSecureKafka: `newsflow produce` and `newsflow consume`
// move articles through a broker that takes only SASL/SCRAM over TLS and
// mutual TLS, with the connection flags of internal/kafkacfg; the secrets
// appear neither in the logs nor on /metrics.
func TestIntegrationSecureKafka(t *testing.T) {
	s := needSecure(t)
	esURL := itest.Elasticsearch(t)
	keyPEM, err := os.ReadFile(s.key)
	require.NoError(t, err)
	// A line from the middle of the client's private key: it must never be printed.
	keyLines := strings.Split(strings.TrimSpace(string(keyPEM)), "\n")
	keyLine := keyLines[len(keyLines)/2]

	tests := []struct {
		name  string
		addr  string
		flags []string
		env   []string
	}{
		{"SCRAM-SHA-512 over TLS, password from a file", s.sasl, []string{
			"--kafka-sasl-mechanism", "scram-sha-512", "--kafka-username", s.user, "--kafka-password-file", s.pwFile,
			"--kafka-tls", "--kafka-ca-file", s.ca}, nil},
		{"SCRAM-SHA-256 over TLS, password from the environment", s.sasl, []string{
			"--kafka-sasl-mechanism", "scram-sha-256", "--kafka-username", s.user, "--kafka-ca-file", s.ca},
			[]string{"NEWSFLOW_KAFKA_PASSWORD=" + s.password}},
		{"mutual TLS", s.mtls, []string{"--kafka-ca-file", s.ca, "--kafka-cert-file", s.cert, "--kafka-key-file", s.key}, nil},
	}
	admin := s.admin(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			topic := itest.UniqueName(t, "systest.")
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_, _ = admin.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic, topic + kafkaDLQSuffix}})
				_ = itest.ESDo(ctx, esURL, http.MethodDelete, "/_index_template/"+topic, "", nil)
			})
			alias := itest.NewIndexName(t, esURL)
			listen, pm, cm := freePort(t), freePort(t), freePort(t)
			producer := start(t, "producer", pm, tc.env, append([]string{"produce",
				"--kafka-brokers", tc.addr, "--topic", topic, "--topic-partitions", "3", "--topic-replication", "1",
				"--listen", listen, "--push-allow-anonymous", "--metrics-addr", pm, "--data-dir", t.TempDir(), "--batch-timeout", "5ms",
				"--log-level", "debug"}, tc.flags...)...)
			producer.waitReady(t, 60*time.Second)
			consumer := start(t, "consumer", cm, tc.env, append([]string{"consume",
				"--kafka-brokers", tc.addr, "--topic", topic, "--group", itest.NewGroup(t),
				"--elasticsearch-url", esURL, "--index", alias, "--metrics-addr", cm,
				"--flush-interval", "200ms", "--commit-interval", "500ms", "--kafka-session-timeout", "6s", "--kafka-heartbeat-interval", "1s",
				"--log-level", "debug"}, append(dedupFlags(t, itest.Redis(t)), tc.flags...)...)...)
			consumer.waitReady(t, 90*time.Second)

			raws, ids := corpus(t, 200)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			pu := newPusher("http://" + listen + "/v1/articles")
			require.NoError(t, pu.pushAll(ctx, raws, 50, 1000))
			require.Eventually(t, func() bool {
				m := consumer.scrape()
				return m != nil && m.Sum("newsflow_consumer_messages_total", "result=indexed") >= float64(len(ids))
			}, 3*time.Minute, 500*time.Millisecond, "%d articles through the secured broker", len(ids))

			// Secrets never in the logs or on /metrics.
			var metrics []string
			for _, p := range []*proc{producer, consumer} {
				resp, err := http.Get(p.metrics + "/metrics")
				require.NoError(t, err)
				var b strings.Builder
				_, _ = fmt.Fprint(&b, readAll(t, resp))
				metrics = append(metrics, b.String())
			}
			producer.stop(t)
			consumer.stop(t)
			for i, p := range []*proc{producer, consumer} {
				for what, text := range map[string]string{"log": p.log.String(), "/metrics": metrics[i]} {
					require.NotContains(t, text, s.password, "%s %s shows the SASL password", p.name, what)
					require.NotContains(t, text, keyLine, "%s %s shows the client key", p.name, what)
				}
			}
			if slices.Contains(tc.flags, "--kafka-sasl-mechanism") {
				require.Contains(t, producer.log.String(), "password=<redacted>", "the settings are logged, redacted")
			}
		})
	}
}

// TestIntegrationSecureKafkaWrongCredentialsFailFast: a wrong password, a
// missing CA and a missing client certificate each stop `produce` and
// `consume` within seconds with a message that names what to check, and a
// wrong password is not printed either.
func TestIntegrationSecureKafkaWrongCredentialsFailFast(t *testing.T) {
	s := needSecure(t)
	esURL := itest.Elasticsearch(t)
	wrong := filepath.Join(t.TempDir(), "wrong-password")
	const wrongPassword = "not-the-password-7f3a9c"
	require.NoError(t, os.WriteFile(wrong, []byte(wrongPassword+"\n"), 0o600))
	tests := []struct {
		name  string
		addr  string
		flags []string
		want  string
	}{
		{"wrong password", s.sasl, []string{"--kafka-sasl-mechanism", "scram-sha-512", "--kafka-username", s.user, "--kafka-password-file", wrong, "--kafka-ca-file", s.ca},
			"refused the SASL credentials: check --kafka-sasl-mechanism, --kafka-username and the password"},
		{"unknown user", s.sasl, []string{"--kafka-sasl-mechanism", "scram-sha-256", "--kafka-username", "nobody", "--kafka-password-file", wrong, "--kafka-ca-file", s.ca},
			"refused the SASL credentials"},
		{"the broker's CA not given", s.sasl, []string{"--kafka-sasl-mechanism", "scram-sha-512", "--kafka-username", s.user, "--kafka-password-file", s.pwFile, "--kafka-tls"},
			"the broker's certificate is not trusted (check --kafka-ca-file"},
		{"no client certificate for mutual TLS", s.mtls, []string{"--kafka-ca-file", s.ca},
			"refused the TLS connection"},
	}
	for _, tc := range tests {
		for _, role := range []string{"produce", "consume"} {
			t.Run(tc.name+"/"+role, func(t *testing.T) {
				topic := itest.UniqueName(t, "systest.")
				alias := itest.NewIndexName(t, esURL)
				t.Cleanup(func() {
					_ = itest.ESDo(context.Background(), esURL, http.MethodDelete, "/_index_template/"+alias, "", nil)
				})
				m := freePort(t)
				args := []string{role, "--kafka-brokers", tc.addr, "--topic", topic, "--metrics-addr", m}
				if role == "produce" {
					args = append(args, "--topic-partitions", "1", "--topic-replication", "1", "--listen", freePort(t), "--push-allow-anonymous", "--data-dir", t.TempDir())
				} else {
					args = append(args, "--elasticsearch-url", esURL, "--index", alias, "--group", itest.NewGroup(t))
					args = append(args, dedupFlags(t, itest.Redis(t))...)
				}
				began := time.Now()
				p := start(t, role, m, nil, append(args, tc.flags...)...)
				select {
				case <-p.done:
				case <-time.After(30 * time.Second):
					t.Fatalf("%s still runs after 30 s with %s:\n%s", role, tc.name, tail(p.log.String(), 20))
				}
				took := time.Since(began)
				require.Error(t, p.err, "exit status")
				log := p.log.String()
				require.Contains(t, log, tc.want)
				require.NotContains(t, log, wrongPassword)
				require.NotContains(t, log, s.password)
				require.NotContains(t, log, "goroutine ", "no stack trace")
				t.Logf("%s exited after %v: %s", role, took.Round(time.Millisecond), lastLine(log))
				require.Less(t, took, 15*time.Second, "fails fast")
			})
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}
