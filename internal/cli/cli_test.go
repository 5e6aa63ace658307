package cli

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type settings struct {
	brokers string
	topic   string
	feeds   []string
	batch   int
	wait    time.Duration
	tls     bool
}

func newSet(env map[string]string) (*Set, *settings) {
	var c settings
	s := New("test", "A test command.")
	s.String(&c.brokers, "kafka-brokers", "NEWSFLOW_KAFKA_BROKERS", "127.0.0.1:9092", "brokers")
	s.String(&c.topic, "topic", "NEWSFLOW_TOPIC", "news.raw", "topic")
	s.List(&c.feeds, "feed", "NEWSFLOW_FEEDS", nil, "feeds")
	s.Int(&c.batch, "batch", "NEWSFLOW_BATCH", 100, "batch")
	s.Duration(&c.wait, "wait", "NEWSFLOW_WAIT", time.Second, "wait")
	s.Bool(&c.tls, "tls", "NEWSFLOW_TLS", false, "tls")
	s.SetLookupEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	return s, &c
}

func TestPrecedence(t *testing.T) {
	good := filepath.Join("testdata", "good.yml")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want settings
	}{
		{
			name: "defaults apply when nothing is set",
			want: settings{brokers: "127.0.0.1:9092", topic: "news.raw", batch: 100, wait: time.Second},
		},
		{
			name: "environment overrides defaults and splits lists on commas",
			env:  map[string]string{"NEWSFLOW_KAFKA_BROKERS": "env:9092", "NEWSFLOW_FEEDS": "http://x, http://y", "NEWSFLOW_TLS": "true"},
			want: settings{brokers: "env:9092", topic: "news.raw", feeds: []string{"http://x", "http://y"}, batch: 100, wait: time.Second, tls: true},
		},
		{
			name: "flags override the environment",
			args: []string{"--kafka-brokers", "flag:9092", "--feed", "http://f1", "--feed", "http://f2", "--wait", "3s"},
			env:  map[string]string{"NEWSFLOW_KAFKA_BROKERS": "env:9092", "NEWSFLOW_FEEDS": "http://x"},
			want: settings{brokers: "flag:9092", topic: "news.raw", feeds: []string{"http://f1", "http://f2"}, batch: 100, wait: 3 * time.Second},
		},
		{
			name: "the file fills what neither flags nor environment set",
			args: []string{"--config", good, "--topic", "flag-topic"},
			env:  map[string]string{"NEWSFLOW_BATCH": "7"},
			want: settings{brokers: "file:9092", topic: "flag-topic", feeds: []string{"http://a.example/rss", "http://b.example/atom"}, batch: 7, wait: time.Second},
		},
		{
			name: "the config file can come from the environment",
			env:  map[string]string{"NEWSFLOW_CONFIG": good},
			want: settings{brokers: "file:9092", topic: "from-file", feeds: []string{"http://a.example/rss", "http://b.example/atom"}, batch: 50, wait: time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, got := newSet(tt.env)
			_, err := s.Parse(tt.args)
			require.NoError(t, err)
			require.Equal(t, tt.want, *got)
		})
	}
}

func TestBadConfigs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{name: "unknown key in the file is named", args: []string{"--config", "testdata/unknown-key.bad.yml"}, wantErr: `unknown setting "brokers"`},
		{name: "non-integer in the file names the key", args: []string{"--config", "testdata/bad-int.bad.yml"}, wantErr: `batch: not an integer: "many"`},
		{name: "malformed YAML names the file", args: []string{"--config", "testdata/not-yaml.bad.yml"}, wantErr: "parse config file testdata/not-yaml.bad.yml"},
		{name: "missing file", args: []string{"--config", "testdata/nope.yml"}, wantErr: "read config file"},
		{name: "bad duration in the environment names the variable", env: map[string]string{"NEWSFLOW_WAIT": "soon"}, wantErr: `environment NEWSFLOW_WAIT="soon": not a duration`},
		{name: "unknown flag points at help", args: []string{"--nope"}, wantErr: "see newsflow test --help"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSet(tt.env)
			_, err := s.Parse(tt.args)
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestHelpNamesEnvironmentAndDefault(t *testing.T) {
	s, _ := newSet(nil)
	_, err := s.Parse([]string{"--help"})
	require.True(t, errors.Is(err, ErrHelp))
	var b bytes.Buffer
	s.Usage(&b, "newsflow test [flags]", "")
	out := b.String()
	require.Contains(t, out, "--kafka-brokers, $NEWSFLOW_KAFKA_BROKERS")
	require.Contains(t, out, `(default "127.0.0.1:9092")`)
	require.Contains(t, out, `(default "100")`)
}
