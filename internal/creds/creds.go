// Package creds reads the secrets and TLS material of newsflow's
// connections. Secrets come from a file or an environment variable, never
// from a flag value (which ps would show), and are never logged.
package creds

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Secret returns the trimmed contents of file when it is set, else the
// value of the environment variable env ("" when unset). lookupEnv nil
// means os.LookupEnv.
func Secret(file, env string, lookupEnv func(string) (string, bool)) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	v, _ := lookupEnv(env)
	return v, nil
}

// TLSConfig builds a client TLS configuration from PEM files: caFile ("":
// the system roots) and an optional client certificate and key.
// insecure skips server certificate checks (tests only).
func TLSConfig(caFile, certFile, keyFile string, insecure bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure} //nolint:gosec // opt-in, documented as test-only
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", caFile)
		}
		cfg.RootCAs = pool
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("a client certificate needs both the cert file and the key file")
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("load client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
