package producers_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
	"github.com/newsflow/newsflow/internal/itest/ktest"
	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/producers"
	"github.com/newsflow/newsflow/producers/feed"
	"github.com/newsflow/newsflow/producers/format"
	"github.com/newsflow/newsflow/producers/publish"
	"github.com/newsflow/newsflow/producers/push"
	"github.com/newsflow/newsflow/producers/watch"
)

// feedServer serves documents by path with ETag support; documents can be
// changed while it runs.
type feedServer struct {
	*httptest.Server
	mu    sync.Mutex
	docs  map[string][]byte
	types map[string]string
}

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{docs: map[string][]byte{}, types: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/feeds/", func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		body, ok := fs.docs[r.URL.Path]
		ct := fs.types[r.URL.Path]
		fs.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256(body)
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		_, _ = w.Write(body)
	})
	// Broken feeds.
	mux.HandleFunc("/broken/500", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "internal error", http.StatusInternalServerError)
	})
	mux.HandleFunc("/broken/malformed", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><item><title>cut here`)
	})
	mux.HandleFunc("/broken/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/broken/charset", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = io.WriteString(w, "<?xml version=\"1.0\" encoding=\"x-unheard-of\"?><rss><channel><item><guid>1</guid><title>Caf\xe9 cr\xe8me</title></item></channel></rss>")
	})
	fs.Server = httptest.NewServer(mux)
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) set(path string, body []byte, contentType string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.docs[path] = body
	fs.types[path] = contentType
}

func (fs *feedServer) get(path string) []byte {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.docs[path]
}

// sampleFeed is a sample served as a feed, with the number of items a
// reader counts in the file.
type sampleFeed struct {
	name, file, contentType string
}

var sampleFeeds = []sampleFeed{
	{"kc0011", "rss/kc0011-gb2312.xml", "application/rss+xml"}, // GB2312, declared in the XML only
	{"inovacao", "rss/inovacaotecnologica-iso8859-1-pt.xml", "text/xml; charset=ISO-8859-1"},
	{"nbc", "rss/nbc-new-york.xml", "application/rss+xml; charset=utf-8"},
	{"livemint", "rss/livemint-news.xml", ""},
	{"gcloud", "rss/google-cloudblog.xml", "application/rss+xml"},
	{"messaggero", "rss/ilmessaggero-mondo-it.xml", "text/xml"},
	{"fireball", "atom/daringfireball-2017.xml", "application/atom+xml"},
	{"wenn", "atom/wenn-entertainment-wire.xml", "application/atom+xml"},
	{"timeline", "ninjs/iptc-ninjs-3.0-20231016-event-timeline-sample.json", "application/json"},
	{"info360", "ninjs/superdesk-360info-embargoed-text.json", "application/json"},
	{"ap", "newsml-g2/ap-automated-earnings-3items.xml", "application/xml"},
	{"reuters", "newsml-g2/reuters-2016-L1N14N0FF-rev-b-text.xml", "application/xml"},
	{"iptc", "newsml-g2/iptc-LISTING_1_A_NewsML-G2_News_Item.xml", "application/xml"},
}

var (
	reItem     = regexp.MustCompile(`<item[\s>]`)
	reEntry    = regexp.MustCompile(`<entry[\s>]`)
	reNewsItem = regexp.MustCompile(`<(\w+:)?newsItem[\s>/]`)
)

// countItems counts items the way a reader of the file would, without the
// parser under test.
func countItems(t *testing.T, file string, b []byte) int {
	switch strings.Split(file, "/")[0] {
	case "rss":
		return len(reItem.FindAll(b, -1))
	case "atom":
		return len(reEntry.FindAll(b, -1))
	case "newsml-g2":
		return len(reNewsItem.FindAll(b, -1))
	case "ninjs":
		var v any
		require.NoError(t, json.Unmarshal(b, &v))
		if arr, ok := v.([]any); ok {
			return len(arr)
		}
		return 1
	}
	t.Fatalf("unknown sample %s", file)
	return 0
}

// metric sums the series of name whose labels include want.
func metric(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if got[k] != v {
					continue series
				}
			}
			switch {
			case m.GetCounter() != nil:
				sum += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				sum += m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return sum
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// running is a producer running in the background.
type running struct {
	p       *producers.Producer
	reg     *prometheus.Registry
	logs    *syncBuffer
	dataDir string
	stop    func() error
}

func start(t *testing.T, cfg producers.Config) *running {
	t.Helper()
	reg := prometheus.NewRegistry()
	logs := &syncBuffer{}
	p, err := producers.New(cfg, producers.Options{
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Registerer: reg,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	r := &running{p: p, reg: reg, logs: logs, dataDir: cfg.DataDir}
	var once sync.Once
	var runErr error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(60 * time.Second):
				runErr = fmt.Errorf("producer did not stop within 60s")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = r.stop() })
	return r
}

func keysOf(msgs []kafka.Message) map[string]int {
	out := map[string]int{}
	for _, m := range msgs {
		out[string(m.Key)]++
	}
	return out
}

func TestIntegrationFeeds(t *testing.T) {
	addr := itest.Kafka(t)
	topic := itest.NewTopic(t, addr, 3)
	fs := newFeedServer(t)
	dataDir := t.TempDir()

	want := map[string]int{} // articles per feed, counted in the files
	var feeds []feed.Feed
	total := 0
	for _, sf := range sampleFeeds {
		b, err := os.ReadFile(shared.Path(t, "feeds/"+sf.file))
		require.NoError(t, err)
		path := "/feeds/" + sf.name
		fs.set(path, b, sf.contentType)
		want[sf.name] = countItems(t, sf.file, b)
		total += want[sf.name]
		feeds = append(feeds, feed.Feed{Name: sf.name, URL: fs.URL + path})
	}
	broken := map[string]string{"malformed": feed.ReasonParse, "http500": feed.ReasonStatus, "slow": feed.ReasonTimeout, "charset": feed.ReasonCharset}
	for name, path := range map[string]string{"malformed": "/broken/malformed", "http500": "/broken/500", "slow": "/broken/slow", "charset": "/broken/charset"} {
		feeds = append(feeds, feed.Feed{Name: name, URL: fs.URL + path})
	}
	cfg := producers.Config{
		Kafka:   publish.Config{Brokers: []string{addr}, Topic: topic},
		DataDir: dataDir,
		Feeds:   feed.Config{Feeds: feeds, Interval: time.Second, Timeout: 500 * time.Millisecond, BackoffMax: 2 * time.Second},
	}
	polled := func(r *running, name string) float64 {
		return metric(t, r.reg, "newsflow_producer_polls_total", map[string]string{"feed": name, "result": "ok"}) +
			metric(t, r.reg, "newsflow_producer_polls_total", map[string]string{"feed": name, "result": "not_modified"})
	}

	// First run: every item of every good feed once; broken feeds are
	// logged and counted and do not hold up the others.
	r := start(t, cfg)
	require.Eventually(t, func() bool {
		for _, sf := range sampleFeeds {
			if polled(r, sf.name) < 1 {
				return false
			}
		}
		for name := range broken {
			if metric(t, r.reg, "newsflow_producer_feed_errors_total", map[string]string{"feed": name}) < 1 {
				return false
			}
		}
		return true
	}, 60*time.Second, 50*time.Millisecond)
	require.NoError(t, r.stop())

	msgs := ktest.ReadAll(t, addr, topic)
	require.Len(t, msgs, total)
	perFeed := map[string]int{}
	for k, n := range keysOf(msgs) {
		require.Equal(t, 1, n, "key %s sent once", k)
	}
	for _, m := range msgs {
		var a article.RawArticle
		require.NoError(t, json.Unmarshal(m.Value, &a))
		require.NoError(t, a.Validate())
		perFeed[a.Source]++
		require.Equal(t, publish.OriginFeed, ktest.Header(m, article.HeaderOrigin))
		switch {
		case a.Source == "kc0011" && strings.Contains(a.URL, "ID=25164257"):
			require.Equal(t, "建国35周年纪念，华表，和平鸽", a.Title, "GB2312 decoded")
		case a.Source == "inovacao":
			require.Equal(t, "Revolução nas telas com pontos quânticos impressos em 3D", a.Title, "ISO-8859-1 decoded")
		case a.Source == "reuters":
			require.Equal(t, "canceled", ktest.Header(m, article.HeaderPubStatus))
			require.Equal(t, article.ContentTypeNewsMLG2, a.ContentType)
		case a.Source == "iptc":
			require.Equal(t, "2018-10-23T12:00:00Z", ktest.Header(m, article.HeaderEmbargoedUntil))
		case a.Source == "info360":
			require.NotEmpty(t, ktest.Header(m, article.HeaderEmbargoedUntil))
			require.Equal(t, article.ContentTypeNinjs, a.ContentType)
		}
	}
	require.Equal(t, want, perFeed, "every item of every feed, as counted in the files")
	for name, reason := range broken {
		require.GreaterOrEqual(t, metric(t, r.reg, "newsflow_producer_feed_errors_total", map[string]string{"feed": name, "reason": reason}), 1.0, name)
		require.Contains(t, r.logs.String(), "feed="+name, "the failure is logged")
		require.Equal(t, 0.0, metric(t, r.reg, "newsflow_producer_last_success_timestamp_seconds", map[string]string{"feed": name}))
	}
	for _, sf := range sampleFeeds {
		require.Greater(t, metric(t, r.reg, "newsflow_producer_last_success_timestamp_seconds", map[string]string{"feed": sf.name}), 0.0, sf.name)
		require.Equal(t, float64(want[sf.name]), metric(t, r.reg, "newsflow_producer_articles_total", map[string]string{"source": sf.name, "result": publish.ResultSent}), sf.name)
		require.GreaterOrEqual(t, metric(t, r.reg, "newsflow_producer_poll_duration_seconds", map[string]string{"feed": sf.name}), 1.0)
	}

	// Second run on the same data directory: the feeds are fetched in
	// full again (validators live in memory) and nothing is re-sent.
	r = start(t, cfg)
	require.Eventually(t, func() bool {
		for _, sf := range sampleFeeds {
			if polled(r, sf.name) < 1 {
				return false
			}
		}
		return true
	}, 60*time.Second, 50*time.Millisecond)
	require.Equal(t, int64(total), ktest.Count(t, addr, topic), "nothing re-sent after a restart")
	require.Equal(t, float64(total), metric(t, r.reg, "newsflow_producer_articles_total", map[string]string{"result": publish.ResultUnchanged}))

	// One item changes (a corrected headline): exactly that one is re-sent.
	nbc := fs.get("/feeds/nbc")
	fixed := bytes.Replace(nbc, []byte("NYC cops search for stabbing suspect"), []byte("CORRECTED: NYC police search for stabbing suspect"), 1)
	require.NotEqual(t, nbc, fixed)
	fs.set("/feeds/nbc", fixed, "application/rss+xml")
	require.Eventually(t, func() bool { return ktest.Count(t, addr, topic) > int64(total) }, 30*time.Second, 100*time.Millisecond)
	// Let every feed poll at least twice more: still only that one.
	before := map[string]float64{}
	for _, sf := range sampleFeeds {
		before[sf.name] = polled(r, sf.name)
	}
	require.Eventually(t, func() bool {
		for _, sf := range sampleFeeds {
			if polled(r, sf.name) < before[sf.name]+2 {
				return false
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond)
	require.NoError(t, r.stop())
	msgs = ktest.ReadAll(t, addr, topic)
	require.Len(t, msgs, total+1)
	keys := keysOf(msgs)
	var twice []string
	for k, n := range keys {
		if n > 1 {
			twice = append(twice, k)
		}
	}
	require.Equal(t, []string{"nbc:4956764"}, twice)
	var last article.RawArticle
	for _, m := range msgs {
		if string(m.Key) == "nbc:4956764" {
			require.NoError(t, json.Unmarshal(m.Value, &last))
		}
	}
	require.True(t, strings.HasPrefix(last.Title, "CORRECTED:"), "the later message is the corrected item: %s", last.Title)
}

const token = "integration-token"

func pushReq(t *testing.T, url, auth, body string) (int, push.Response) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var resp push.Response
	require.NoError(t, json.NewDecoder(res.Body).Decode(&resp))
	return res.StatusCode, resp
}

func TestIntegrationPush(t *testing.T) {
	addr := itest.Kafka(t)
	topic := itest.NewTopic(t, addr, 2)
	r := start(t, producers.Config{
		Kafka:  publish.Config{Brokers: []string{addr}, Topic: topic},
		Push:   &push.Config{Token: token, MaxBytes: 4096},
		Listen: "127.0.0.1:0",
	})
	url := "http://" + r.p.PushAddr() + push.Path
	require.Eventually(t, func() bool { return r.p.Ready(context.Background()) == nil }, 30*time.Second, 20*time.Millisecond)

	code, resp := pushReq(t, url, "wrong", `{"source":"s","body":"b"}`)
	require.Equal(t, http.StatusUnauthorized, code)
	require.Contains(t, resp.Error, "bearer token")

	code, resp = pushReq(t, url, token, `{"source":"s","body":"`+strings.Repeat("x", 5000)+`"}`)
	require.Equal(t, http.StatusRequestEntityTooLarge, code)
	require.Contains(t, resp.Error, "body larger than 4 KiB (4096 bytes)")

	code, resp = pushReq(t, url, token, strings.Join([]string{
		`{"source":"agency","source_id":"a1","title":"One","body":"First."}`,
		`{"source":"agency","source_id":"a2","body":`,
		`{"source":"agency","source_id":"a3","title":"Three","body":"<p>Third.</p>","content_type":"text/html"}`,
		`{"source":"agency","source_id":"a4"}`,
	}, "\n"))
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, 2, *resp.Accepted)
	require.Len(t, resp.Errors, 2)
	require.Equal(t, 2, resp.Errors[0].Line)
	require.Equal(t, 4, resp.Errors[1].Line)

	code, resp = pushReq(t, url, token, `{"source":"agency","source_id":"a5","body":"Fifth."}`)
	require.Equal(t, http.StatusAccepted, code)
	require.Equal(t, 1, *resp.Accepted)

	require.NoError(t, r.stop())
	msgs := ktest.ReadAll(t, addr, topic)
	require.Len(t, msgs, 3, "Kafka holds exactly the accepted lines")
	require.Equal(t, map[string]int{"agency:a1": 1, "agency:a3": 1, "agency:a5": 1}, keysOf(msgs))
	for _, m := range msgs {
		require.Equal(t, publish.OriginPush, ktest.Header(m, article.HeaderOrigin))
	}
	require.Equal(t, 3.0, metric(t, r.reg, "newsflow_producer_articles_total", map[string]string{"source": "agency", "result": publish.ResultSent}))
	require.Equal(t, 2.0, metric(t, r.reg, "newsflow_producer_articles_total", map[string]string{"result": publish.ResultRejected}))
	for code, n := range map[string]float64{"401": 1, "413": 1, "400": 1, "202": 1} {
		require.Equal(t, n, metric(t, r.reg, "newsflow_producer_push_requests_total", map[string]string{"code": code}), code)
	}
}

func TestIntegrationWatch(t *testing.T) {
	addr := itest.Kafka(t)
	topic := itest.NewTopic(t, addr, 2)
	dir := t.TempDir()
	files := map[string][]byte{
		"a-lines.jsonl": []byte(`{"source":"agency","source_id":"l1","body":"One."}` + "\n" + `{"source":"agency","source_id":"l2","body":"Two."}` + "\n"),
		"b-story.txt":   []byte("Storm hits the coast.\n\nMore than 5,000 people fled."),
		"c-page.html":   []byte("<html><body><h1>Title</h1><p>Text.</p></body></html>"),
		"d-ninjs.json":  readSample(t, "feeds/ninjs/iptc-ninjs-3.0-dpa_text.json"),
		"e-g2.xml":      readSample(t, "feeds/newsml-g2/ap-automated-earnings-3items.xml"),
		"f-broken.xml":  []byte("<newsItem><contentSet>"),
	}
	for name, b := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, ".tmp-"+name), b, 0o644))
		require.NoError(t, os.Rename(filepath.Join(dir, ".tmp-"+name), filepath.Join(dir, name)))
	}
	r := start(t, producers.Config{
		Kafka:   publish.Config{Brokers: []string{addr}, Topic: topic},
		DataDir: t.TempDir(),
		Watch:   &watch.Config{Dir: dir, Source: "drop", Interval: 50 * time.Millisecond, Settle: 100 * time.Millisecond},
	})
	require.Eventually(t, func() bool {
		left, _ := filepath.Glob(filepath.Join(dir, "*.*"))
		return len(left) == 0
	}, 30*time.Second, 20*time.Millisecond, "every file moved")
	require.NoError(t, r.stop())

	for name := range files {
		sub := watch.DoneDir
		if name == "f-broken.xml" {
			sub = watch.FailedDir
		}
		_, err := os.Stat(filepath.Join(dir, sub, name))
		require.NoError(t, err, "%s in %s/", name, sub)
	}
	reason, err := os.ReadFile(filepath.Join(dir, watch.FailedDir, "f-broken.xml"+watch.ReasonSuffix))
	require.NoError(t, err)
	require.Contains(t, string(reason), "unexpected EOF")

	msgs := ktest.ReadAll(t, addr, topic)
	cts := map[string]int{}
	for _, m := range msgs {
		cts[ktest.Header(m, article.HeaderContentType)]++
		require.Equal(t, publish.OriginWatch, ktest.Header(m, article.HeaderOrigin))
	}
	require.Equal(t, map[string]int{
		article.ContentTypePlain:    3, // two lines and the .txt
		article.ContentTypeHTML:     1,
		article.ContentTypeNinjs:    1,
		article.ContentTypeNewsMLG2: 3,
	}, cts)
	require.Contains(t, keysOf(msgs), "drop:"+format.ContentID("", "Storm hits the coast.\n\nMore than 5,000 people fled."), "a text file is identified by its text")
	require.Equal(t, 5.0, metric(t, r.reg, "newsflow_producer_watch_files_total", map[string]string{"result": "done"}))
	require.Equal(t, 1.0, metric(t, r.reg, "newsflow_producer_watch_files_total", map[string]string{"result": "failed"}))

	// A second delivery, on the same data directory: another story saved
	// under a name used before is a new article; the first story under
	// another name is the same article (not sent again); a line with an id
	// sent before and a new text replaces that article, which is logged.
	again := map[string][]byte{
		"b-story.txt":       []byte("Markets rally.\n\nShares rose 3% in Tokyo."),
		"copy-of-story.txt": files["b-story.txt"],
		"a-lines.jsonl":     []byte(`{"source":"agency","source_id":"l1","body":"One, corrected."}` + "\n"),
	}
	for name, b := range again {
		require.NoError(t, os.WriteFile(filepath.Join(dir, ".tmp-"+name), b, 0o644))
		require.NoError(t, os.Rename(filepath.Join(dir, ".tmp-"+name), filepath.Join(dir, name)))
	}
	r = start(t, producers.Config{
		Kafka:   publish.Config{Brokers: []string{addr}, Topic: topic},
		DataDir: r.dataDir,
		Watch:   &watch.Config{Dir: dir, Source: "drop", Interval: 50 * time.Millisecond, Settle: 100 * time.Millisecond},
	})
	require.Eventually(t, func() bool {
		left, _ := filepath.Glob(filepath.Join(dir, "*.*"))
		return len(left) == 0
	}, 30*time.Second, 20*time.Millisecond, "every file moved")
	require.NoError(t, r.stop())
	all := ktest.ReadAll(t, addr, topic)
	require.Len(t, all, len(msgs)+2, "the new story and the corrected line; the copy is unchanged")
	require.Equal(t, 1.0, metric(t, r.reg, "newsflow_producer_articles_total", map[string]string{"result": publish.ResultUnchanged}))
	require.Equal(t, 1, keysOf(all)["drop:"+format.ContentID("", "Markets rally.\n\nShares rose 3% in Tokyo.")])
	require.Equal(t, 2, keysOf(all)["agency:l1"])
	require.Contains(t, r.logs.String(), "article replaces an earlier version")
	require.Contains(t, r.logs.String(), "key=agency:l1")
	require.Equal(t, 1, strings.Count(r.logs.String(), "article replaces an earlier version"), "a new story replaces nothing")
}

func readSample(t *testing.T, rel string) []byte {
	b, err := os.ReadFile(shared.Path(t, rel))
	require.NoError(t, err)
	return b
}
