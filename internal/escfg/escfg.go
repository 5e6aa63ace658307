// Package escfg turns the Elasticsearch connection settings every newsflow
// role shares (URLs, API key or basic auth, TLS CA) into a go-elasticsearch
// client. Secrets come from the environment or files, never from flags, and
// never appear in String or in logs.
package escfg

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/internal/creds"
)

// Defaults.
const (
	DefaultURL   = "http://127.0.0.1:9200"
	DefaultIndex = "newsflow-articles"
)

// Settings are the Elasticsearch connection settings.
type Settings struct {
	// URLs of the nodes. Default: http://127.0.0.1:9200.
	URLs []string
	// Index is the write alias. Default: newsflow-articles.
	Index string
	// APIKeyFile holds a base64 API key; $NEWSFLOW_ELASTICSEARCH_API_KEY is used when empty.
	APIKeyFile string
	// Username for basic auth.
	Username string
	// PasswordFile holds the basic-auth password; $NEWSFLOW_ELASTICSEARCH_PASSWORD when empty.
	PasswordFile string
	// CAFile is a PEM file of CAs for https URLs.
	CAFile string
	// InsecureSkipVerify disables certificate checks (tests only).
	InsecureSkipVerify bool

	apiKey, password string
}

// AddFlags declares the settings on s, with DefaultURL.
func (c *Settings) AddFlags(s *cli.Set) {
	c.AddFlagsWith(s, []string{DefaultURL}, "Elasticsearch node URLs, repeatable or comma-separated")
}

// AddFlagsWith declares the settings on s with other default URLs (nil:
// none, for a command with an embedded index) and their help text.
func (c *Settings) AddFlagsWith(s *cli.Set, urls []string, urlsHelp string) {
	s.List(&c.URLs, "elasticsearch-url", "NEWSFLOW_ELASTICSEARCH_URL", urls, urlsHelp)
	s.String(&c.Index, "index", "NEWSFLOW_INDEX", DefaultIndex, "write alias of the article index")
	s.String(&c.APIKeyFile, "elasticsearch-api-key-file", "NEWSFLOW_ELASTICSEARCH_API_KEY_FILE", "", "file holding a base64 API key (or set $NEWSFLOW_ELASTICSEARCH_API_KEY); wins over basic auth")
	s.String(&c.Username, "elasticsearch-username", "NEWSFLOW_ELASTICSEARCH_USERNAME", "", "basic-auth user name")
	s.String(&c.PasswordFile, "elasticsearch-password-file", "NEWSFLOW_ELASTICSEARCH_PASSWORD_FILE", "", "file holding the basic-auth password (or set $NEWSFLOW_ELASTICSEARCH_PASSWORD)")
	s.String(&c.CAFile, "elasticsearch-ca-file", "NEWSFLOW_ELASTICSEARCH_CA_FILE", "", "PEM file of CA certificates for https URLs (default: system roots)")
	s.Bool(&c.InsecureSkipVerify, "elasticsearch-tls-insecure", "NEWSFLOW_ELASTICSEARCH_TLS_INSECURE", false, "skip verification of Elasticsearch certificates; for tests only")
}

// Resolve loads secrets and checks the settings, naming those in conflict.
func (c *Settings) Resolve(lookupEnv func(string) (string, bool)) error {
	var urls []string
	for _, u := range c.URLs {
		for _, p := range strings.Split(u, ",") {
			if p = strings.TrimSpace(p); p != "" {
				if !strings.HasPrefix(p, "http://") && !strings.HasPrefix(p, "https://") {
					return fmt.Errorf("--elasticsearch-url %q: want http://host:port or https://host:port", p)
				}
				urls = append(urls, strings.TrimRight(p, "/"))
			}
		}
	}
	c.URLs = urls
	if len(c.URLs) == 0 {
		return errors.New("--elasticsearch-url is empty")
	}
	if c.Index == "" {
		return errors.New("--index is empty")
	}
	var err error
	if c.apiKey, err = creds.Secret(c.APIKeyFile, "NEWSFLOW_ELASTICSEARCH_API_KEY", lookupEnv); err != nil {
		return fmt.Errorf("elasticsearch API key: %w", err)
	}
	if c.password, err = creds.Secret(c.PasswordFile, "NEWSFLOW_ELASTICSEARCH_PASSWORD", lookupEnv); err != nil {
		return fmt.Errorf("elasticsearch password: %w", err)
	}
	if c.password != "" && c.Username == "" {
		return errors.New("an Elasticsearch password is set but --elasticsearch-username is empty")
	}
	return nil
}

// Config returns the go-elasticsearch configuration. The client's own
// retries are off: callers retry with their own backoff, so a retry is
// visible in their metrics and never hidden inside a bulk call.
func (c *Settings) Config() (elasticsearch.Config, error) {
	cfg := elasticsearch.Config{
		Addresses:    c.URLs,
		APIKey:       c.apiKey,
		DisableRetry: true,
	}
	if c.apiKey == "" {
		cfg.Username, cfg.Password = c.Username, c.password
	}
	tc, err := creds.TLSConfig(c.CAFile, "", "", c.InsecureSkipVerify)
	if err != nil {
		return cfg, fmt.Errorf("elasticsearch TLS: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	tr.MaxIdleConnsPerHost = 32
	tr.ResponseHeaderTimeout = 60 * time.Second
	cfg.Transport = tr
	return cfg, nil
}

// Client returns a client for the settings.
func (c *Settings) Client() (*elasticsearch.Client, error) {
	cfg, err := c.Config()
	if err != nil {
		return nil, err
	}
	cl, err := elasticsearch.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch client: %w", err)
	}
	return cl, nil
}

// String describes the settings for logs, without secrets.
func (c *Settings) String() string {
	s := fmt.Sprintf("urls=%s index=%s", strings.Join(c.URLs, ","), c.Index)
	switch {
	case c.apiKey != "":
		s += " auth=api-key"
	case c.Username != "":
		s += " auth=basic user=" + c.Username
	}
	return s
}
