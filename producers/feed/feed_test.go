package feed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/newsflow/newsflow/producers/publish"
	"github.com/newsflow/newsflow/producers/sinktest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>T</title>
<item><guid>a</guid><title>First</title><description>One.</description></item>
<item><guid>b</guid><title>Second</title><description>Two.</description></item>
</channel></rss>`

func TestParseFeed(t *testing.T) {
	tests := []struct {
		in      string
		want    Feed
		wantErr string
	}{
		{in: "reuters=https://example.com/rss", want: Feed{"reuters", "https://example.com/rss"}},
		{in: "https://www.example.com/rss.xml", want: Feed{"www.example.com", "https://www.example.com/rss.xml"}},
		{in: "https://example.com/feed?x=1&y=2", want: Feed{"example.com", "https://example.com/feed?x=1&y=2"}},
		{in: "ap-top.news=http://127.0.0.1:8080/f?a=b", want: Feed{"ap-top.news", "http://127.0.0.1:8080/f?a=b"}},
		{in: "ftp://example.com/rss", wantErr: "want name=URL or URL"},
		{in: "reuters=", wantErr: "want name=URL or URL"},
		{in: "bad name=https://example.com/", wantErr: "want name=URL or URL"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseFeed(tc.in)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestBadConfigs(t *testing.T) {
	ok := Feed{"a", "https://a.test/"}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"two feeds with one name", Config{Feeds: []Feed{ok, ok}}, `feed name "a" used twice`},
		{"an interval under a second", Config{Feeds: []Feed{ok}, Interval: time.Millisecond}, "poll interval 1ms: want at least 1s"},
		{"a backoff cap under the interval", Config{Feeds: []Feed{ok}, Interval: time.Hour, BackoffMax: time.Minute}, "feed backoff max 1m0s is shorter than the poll interval 1h0m0s"},
		{"a name with a space", Config{Feeds: []Feed{{"a b", "https://a.test/"}}}, `feed name "a b"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, &sinktest.Sink{}, slog.New(slog.DiscardHandler), nil, time.Now)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func newPoller(t *testing.T, sink Sink, reg prometheus.Registerer, feeds ...Feed) *Poller {
	t.Helper()
	p, err := New(Config{Feeds: feeds, Interval: time.Second, Timeout: 300 * time.Millisecond, MaxBytes: 4096},
		sink, slog.New(slog.DiscardHandler), reg, time.Now)
	require.NoError(t, err)
	return p
}

func TestConditionalGet(t *testing.T) {
	var mu sync.Mutex
	var sent []string // the validators each request carried
	version := "v1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, r.Header.Get("If-None-Match")+"|"+r.Header.Get("If-Modified-Since"))
		w.Header().Set("ETag", `"`+version+`"`)
		w.Header().Set("Last-Modified", "Mon, 06 May 2024 07:08:09 GMT "+version)
		if r.Header.Get("If-None-Match") == `"`+version+`"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, strings.ReplaceAll(rss, "One.", "One "+version))
	}))
	defer srv.Close()
	setVersion := func(v string) { mu.Lock(); version = v; mu.Unlock() }
	sink := &sinktest.Sink{}
	p := newPoller(t, sink, prometheus.NewRegistry(), Feed{"f", srv.URL})
	ctx := context.Background()

	require.NoError(t, p.Poll(ctx, "f"))
	require.Equal(t, 2, sink.Count())
	require.NoError(t, p.Poll(ctx, "f"))
	require.Equal(t, 2, sink.Count(), "304: nothing parsed or sent")

	// The feed changes while Kafka is down: the new validators are not
	// kept, so the next poll fetches the changed feed again.
	setVersion("v2")
	sink.Fail(errors.New("kafka down"))
	require.ErrorContains(t, p.Poll(ctx, "f"), "kafka down")
	sink.Fail(nil)
	require.NoError(t, p.Poll(ctx, "f"))
	require.Equal(t, 4, sink.Count())
	require.NoError(t, p.Poll(ctx, "f"))
	require.Equal(t, 4, sink.Count())

	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{
		"|",
		`"v1"|Mon, 06 May 2024 07:08:09 GMT v1`,
		`"v1"|Mon, 06 May 2024 07:08:09 GMT v1`,
		`"v1"|Mon, 06 May 2024 07:08:09 GMT v1`,
		`"v2"|Mon, 06 May 2024 07:08:09 GMT v2`,
	}, sent)
	require.Equal(t, 3.0, testutil.ToFloat64(p.metrics.polls.WithLabelValues("f", "ok"))+testutil.ToFloat64(p.metrics.polls.WithLabelValues("f", "error")))
	require.Equal(t, 2.0, testutil.ToFloat64(p.metrics.polls.WithLabelValues("f", "not_modified")))
	require.Equal(t, 1.0, testutil.ToFloat64(p.metrics.errors.WithLabelValues("f", ReasonPublish)))
}

func TestAnItemThatCanNeverBeWrittenDoesNotFailThePoll(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("ETag", `"e"`)
		fmt.Fprint(w, rss)
	}))
	defer srv.Close()
	sink := failing(publish.Errors{fmt.Errorf("article a: %w", publish.ErrTooLarge), nil})
	p := newPoller(t, sink, prometheus.NewRegistry(), Feed{"f", srv.URL})
	require.NoError(t, p.Poll(context.Background(), "f"), "a too-large item is the sink's to count, not a feed failure")
	require.Equal(t, `"e"`, p.states["f"].etag)
	require.Equal(t, 0.0, testutil.ToFloat64(p.metrics.errors.WithLabelValues("f", ReasonPublish)))
}

func TestBrokenFeedsAreCountedByReason(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/500", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) })
	mux.HandleFunc("/malformed", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, rss[:len(rss)/2]) })
	mux.HandleFunc("/html", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "<html><body>login</body></html>") })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/charset", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "<?xml version=\"1.0\" encoding=\"x-mac-klingon\"?><rss><channel><item><title>caf\xe9</title></item></channel></rss>")
	})
	mux.HandleFunc("/large", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, strings.Repeat(" ", 5000)+rss) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := "http://" + ln.Addr().String() + "/"
	require.NoError(t, ln.Close())

	tests := []struct {
		path, reason, msg string
	}{
		{"/500", ReasonStatus, "HTTP 500"},
		{"/malformed", ReasonParse, "unexpected EOF"},
		{"/html", ReasonParse, "is the feed URL right?"},
		{"/slow", ReasonTimeout, "no complete response within 300ms"},
		{"/charset", ReasonCharset, "unknown charset"},
		{"/large", ReasonTooLarge, "larger than 4096 bytes"},
		{"refused", ReasonNetwork, "connection refused"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			u := srv.URL + tc.path
			if tc.path == "refused" {
				u = refused
			}
			reg := prometheus.NewRegistry()
			p := newPoller(t, &sinktest.Sink{}, reg, Feed{"bad", u})
			err := p.Poll(context.Background(), "bad")
			require.ErrorContains(t, err, tc.msg)
			require.Equal(t, 1.0, testutil.ToFloat64(p.metrics.errors.WithLabelValues("bad", tc.reason)))
			require.Equal(t, 1.0, testutil.ToFloat64(p.metrics.polls.WithLabelValues("bad", "error")))
			require.Equal(t, 0.0, testutil.ToFloat64(p.metrics.lastSuccess.WithLabelValues("bad")))
			require.Equal(t, 1, testutil.CollectAndCount(p.metrics.duration))
		})
	}
}

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	p, err := New(Config{Feeds: []Feed{{"f", "https://f.test/"}}, Interval: time.Minute, BackoffMax: 10 * time.Minute},
		&sinktest.Sink{}, slog.New(slog.DiscardHandler), nil, time.Now)
	require.NoError(t, err)
	st := p.states["f"]
	var got []time.Duration
	for k := 1; k <= 6; k++ {
		st.failures = k
		got = append(got, p.backoff("f"))
	}
	require.Equal(t, []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}, got)
	st.failures, st.retryAfter = 1, 5*time.Minute
	require.Equal(t, 5*time.Minute, p.backoff("f"), "Retry-After stretches the wait")
	st.retryAfter = time.Hour
	require.Equal(t, 10*time.Minute, p.backoff("f"), "but not beyond the cap")
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	require.Equal(t, 120*time.Second, retryAfter("120", now))
	require.Equal(t, 30*time.Second, retryAfter("Mon, 06 May 2024 07:08:39 GMT", now))
	require.Equal(t, time.Duration(0), retryAfter("soon", now))
}

func TestAHangingFeedDoesNotHoldUpTheOthers(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hang.Close()
	defer close(release)
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, rss) }))
	defer good.Close()

	sink := &sinktest.Sink{}
	p, err := New(Config{Feeds: []Feed{{"hang", hang.URL}, {"good", good.URL}}, Interval: time.Second, Timeout: time.Minute},
		sink, slog.New(slog.DiscardHandler), nil, time.Now)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	require.Eventually(t, func() bool { return sink.Count() >= 2 }, 5*time.Second, 10*time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel: the hanging fetch was not abandoned")
	}
}

// failing is a sink whose every Send returns err.
func failing(err error) *sinktest.Sink {
	s := &sinktest.Sink{}
	s.Fail(err)
	return s
}
