package producers_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/producers"
	"github.com/newsflow/newsflow/producers/feed"
	"github.com/newsflow/newsflow/producers/publish"
	"github.com/newsflow/newsflow/producers/push"
	"github.com/newsflow/newsflow/producers/watch"
)

func TestBadConfigs(t *testing.T) {
	kafka := publish.Config{Brokers: []string{"127.0.0.1:9"}}
	tests := []struct {
		name string
		cfg  producers.Config
		want string
	}{
		{"no source", producers.Config{Kafka: kafka}, "no source: give at least one of --feed, --watch or --listen"},
		{"feeds without a data directory", producers.Config{Kafka: kafka, Feeds: feed.Config{Feeds: []feed.Feed{{Name: "a", URL: "https://a.test/"}}}}, "need a data directory"},
		{"a watch without a data directory", producers.Config{Kafka: kafka, Watch: &watch.Config{Dir: t.TempDir()}}, "need a data directory"},
		{"a listen address without push", producers.Config{Kafka: kafka, Listen: "127.0.0.1:0", Feeds: feed.Config{Feeds: []feed.Feed{{Name: "a", URL: "https://a.test/"}}}, DataDir: t.TempDir()}, "a listen address without the push endpoint"},
		{"push without a token", producers.Config{Kafka: kafka, Push: &push.Config{}}, "push endpoint: no token"},
		{"no brokers", producers.Config{Push: &push.Config{AllowAnonymous: true}}, "kafka brokers: none given"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := producers.New(tc.cfg, producers.Options{})
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestPushBeforeKafkaIsReady: while Kafka does not answer, pushes get a
// quick 503 and /readyz fails; stopping then is clean.
func TestPushBeforeKafkaIsReady(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	require.NoError(t, ln.Close())
	r := start(t, producers.Config{
		Kafka:  publish.Config{Brokers: []string{dead}},
		Push:   &push.Config{Token: token},
		Listen: "127.0.0.1:0",
	})
	req, err := http.NewRequest(http.MethodPost, "http://"+r.p.PushAddr()+push.Path, strings.NewReader(`{"source":"s","body":"b"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	started := time.Now()
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	require.Less(t, time.Since(started), time.Second, "answered at once")
	require.Error(t, r.p.Ready(t.Context()))
	require.NoError(t, r.stop(), "stopping while waiting for Kafka is not an error")
}
