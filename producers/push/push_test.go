package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
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

	"github.com/newsflow/newsflow/internal/ops"
	"github.com/newsflow/newsflow/producers/publish"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakePublisher records items; failIDs fail with a retryable error,
// tooLarge with publish.ErrTooLarge; block holds Publish until closed.
type fakePublisher struct {
	mu       sync.Mutex
	items    []publish.Item
	counts   map[string]int
	failIDs  map[string]bool
	tooLarge map[string]bool
	block    chan struct{}
	entered  chan struct{}
}

func (p *fakePublisher) Publish(_ context.Context, items []publish.Item) error {
	if p.entered != nil {
		close(p.entered)
	}
	if p.block != nil {
		<-p.block
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	errs := make(publish.Errors, len(items))
	for i, it := range items {
		switch {
		case p.failIDs[it.Article.SourceID]:
			errs[i] = errors.New("kafka: leader not available")
		case p.tooLarge[it.Article.SourceID]:
			errs[i] = fmt.Errorf("article is huge: %w", publish.ErrTooLarge)
		default:
			p.items = append(p.items, it)
		}
	}
	if errs.Failed() > 0 {
		return errs
	}
	return nil
}

func (p *fakePublisher) Count(source, result string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.counts == nil {
		p.counts = map[string]int{}
	}
	p.counts[source+"/"+result] += n
}

const token = "s3cret-token"

func newHandler(t *testing.T, pub *fakePublisher) *Handler {
	t.Helper()
	h, err := New(Config{Token: token, MaxBytes: 2048}, pub, slog.New(slog.DiscardHandler), prometheus.NewRegistry(),
		func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) })
	require.NoError(t, err)
	h.Open()
	return h
}

func do(t *testing.T, h http.Handler, method, auth string, body io.Reader, contentLength int64) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest(method, Path, body)
	if contentLength >= 0 {
		req.ContentLength = contentLength
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Header(), rec.Body.String()
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name string
		auth string
		want int
	}{
		{"no header", "", http.StatusUnauthorized},
		{"wrong token", "Bearer nope", http.StatusUnauthorized},
		{"a prefix of the token", "Bearer s3cret", http.StatusUnauthorized},
		{"basic scheme", "Basic " + token, http.StatusUnauthorized},
		{"right token", "Bearer " + token, http.StatusAccepted},
		{"scheme in lower case", "bearer " + token, http.StatusAccepted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pub := &fakePublisher{}
			code, hdr, body := do(t, newHandler(t, pub), http.MethodPost, tc.auth, strings.NewReader(`{"source":"s","body":"b"}`), -1)
			require.Equal(t, tc.want, code, body)
			if code == http.StatusUnauthorized {
				require.Equal(t, `Bearer realm="newsflow"`, hdr.Get("WWW-Authenticate"))
				require.JSONEq(t, `{"error":"missing or wrong bearer token (Authorization: Bearer <token>)"}`, body)
				require.Empty(t, pub.items, "nothing is published without the token")
			}
		})
	}
}

func TestAnEmptyTokenNeedsAllowAnonymous(t *testing.T) {
	_, err := New(Config{}, &fakePublisher{}, slog.New(slog.DiscardHandler), nil, time.Now)
	require.ErrorContains(t, err, "no token")
	h, err := New(Config{AllowAnonymous: true}, &fakePublisher{}, slog.New(slog.DiscardHandler), nil, time.Now)
	require.NoError(t, err)
	h.Open()
	code, _, _ := do(t, h, http.MethodPost, "", strings.NewReader(`{"source":"s","body":"b"}`), -1)
	require.Equal(t, http.StatusAccepted, code)
}

func TestBeforeOpenRequestsAreRefusedAtOnce(t *testing.T) {
	pub := &fakePublisher{}
	h, err := New(Config{Token: token}, pub, nil, nil, nil)
	require.NoError(t, err)
	code, hdr, body := do(t, h, http.MethodPost, "Bearer "+token, strings.NewReader(`{"source":"s","body":"b"}`), -1)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.JSONEq(t, `{"accepted":0,"error":"starting: waiting for Kafka"}`, body)
	require.Equal(t, "5", hdr.Get("Retry-After"))
	require.Empty(t, pub.items)
}

func TestOversizedBodies(t *testing.T) {
	big := `{"source":"s","body":"` + strings.Repeat("x", 3000) + `"}`
	tests := []struct {
		name          string
		contentLength int64
	}{
		{"declared by Content-Length", int64(len(big))},
		{"sent chunked, without a length", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pub := &fakePublisher{}
			body := io.Reader(strings.NewReader(big))
			if tc.contentLength < 0 {
				body = io.MultiReader(strings.NewReader(big)) // hides the length
			}
			code, _, resp := do(t, newHandler(t, pub), http.MethodPost, "Bearer "+token, body, tc.contentLength)
			require.Equal(t, http.StatusRequestEntityTooLarge, code)
			require.JSONEq(t, `{"error":"body larger than 2 KiB (2048 bytes), the limit of one push request (--push-max-bytes): split it into several requests"}`, resp)
			require.Empty(t, pub.items)
		})
	}
}

func TestBodies(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		code     int
		response string
		sent     []string // source_ids published
	}{
		{"one object", `{"source":"s","source_id":"1","body":"b"}`, 202, `{"accepted":1}`, []string{"1"}},
		{"one object spread over lines", "\n\n{\n \"source\": \"s\",\n \"source_id\": \"1\",\n \"body\": \"b\"\n}\n", 202, `{"accepted":1}`, []string{"1"}},
		{"JSON lines", `{"source":"s","source_id":"1","body":"b"}` + "\n" + `{"source":"s","source_id":"2","body":"b"}` + "\n", 202, `{"accepted":2}`, []string{"1", "2"}},
		{"a mixed batch: good lines accepted, bad ones listed by line",
			strings.Join([]string{
				`{"source":"s","source_id":"1","body":"b"}`,
				`{"source":"s","source_id":"2",`,
				`{"source":"s","source_id":"3"}`,
				``,
				`{"source":"s","source_id":"5","body":"b"}`,
				`{"source":"s","source_id":"6","body":"b","content_type":"application/pdf"}`,
				`{"body":"no source"}`,
			}, "\n"),
			400, `{"accepted":2,"errors":[
				{"line":2,"error":"decode RawArticle JSON: unexpected end of JSON input"},
				{"line":3,"error":"raw article has no \"body\""},
				{"line":6,"error":"raw article has unknown content_type \"application/pdf\" (want text/plain, text/html, application/ninjs+json or application/vnd.iptc.g2.newsitem+xml)"},
				{"line":7,"error":"raw article has no \"source\""}]}`,
			[]string{"1", "5"}},
		{"what the worker would dead-letter or change is refused at the door",
			strings.Join([]string{
				`{"source":"s","source_id":"1","body":" \n\t "}`,
				`{"source":"s","source_id":"2","body":"<p> </p><script>x()</script>","content_type":"text/html"}`,
				`{"source":"s","source_id":"3","body":"b","published":"yesterday"}`,
				"{\"source\":\"s\",\"source_id\":\"4\",\"body\":\"Caf\xe9\"}",
				`{"source":"s","source_id":"5","body":"half a pair \ud83d"}`,
				`{"source":"s","source_id":"6","body":"{}","content_type":"application/ninjs+json"}`,
				`{"source":"s","source_id":"7","body":"Good.","published":"Fri, 01 Mar 2024 09:30:00 GMT"}`,
			}, "\n"),
			400, `{"accepted":1,"errors":[
				{"line":1,"error":"normalize 6da563b76406e94ed364: article has no text"},
				{"line":2,"error":"normalize 87c97aa36f9734628c87: article has no text"},
				{"line":3,"error":"\"published\" \"yesterday\" is not a date: send RFC 3339 (2024-03-01T09:30:00Z) or a feed date (Fri, 01 Mar 2024 09:30:00 GMT), or leave it out"},
				{"line":4,"error":"not valid UTF-8 (first bad byte at offset 41): a RawArticle is UTF-8 JSON (RFC 8259); transcode the text first"},
				{"line":5,"error":"a \\u escape that is not a character (half of a UTF-16 surrogate pair) would become U+FFFD: escape whole characters"},
				{"line":6,"error":"normalize 4d68d6ada911943ea330: article has no text"}]}`,
			[]string{"7"}},
		{"an empty body", " \n", 400, `{"accepted":0,"errors":[{"line":0,"error":"empty body: send a RawArticle JSON object or JSON lines of them"}]}`, nil},
		{"a JSON array", `[{"source":"s","body":"b"}]`, 400, `{"accepted":0,"errors":[{"line":1,"error":"a JSON array: send one JSON object per line (JSON lines) instead"}]}`, nil},
		{"Kafka fails some lines: 503, those marked retry",
			`{"source":"s","source_id":"1","body":"b"}` + "\n" + `{"source":"s","source_id":"fail","body":"b"}`,
			503, `{"accepted":1,"errors":[{"line":2,"error":"kafka: leader not available","retry":true}]}`, []string{"1"}},
		{"an article over the batch limit is rejected, not retried",
			`{"source":"s","source_id":"huge","body":"b"}` + "\n" + `{"source":"s","source_id":"2","body":"b"}`,
			400, `{"accepted":1,"errors":[{"line":1,"error":"article is huge: message too large"}]}`, []string{"2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pub := &fakePublisher{failIDs: map[string]bool{"fail": true}, tooLarge: map[string]bool{"huge": true}}
			code, hdr, body := do(t, newHandler(t, pub), http.MethodPost, "Bearer "+token, strings.NewReader(tc.body), -1)
			require.Equal(t, tc.code, code, body)
			require.JSONEq(t, tc.response, body)
			require.Equal(t, "application/json", hdr.Get("Content-Type"))
			var got []string
			for _, it := range pub.items {
				got = append(got, it.Article.SourceID)
				require.Equal(t, "2024-05-06T07:08:09.000Z", it.Article.ReceivedAt)
				require.Equal(t, publish.OriginPush, it.Origin)
			}
			require.Equal(t, tc.sent, got)
			if code == 503 {
				require.Equal(t, "5", hdr.Get("Retry-After"))
			}
		})
	}
}

func TestRejectedLinesAreCounted(t *testing.T) {
	pub := &fakePublisher{}
	code, _, _ := do(t, newHandler(t, pub), http.MethodPost, "Bearer "+token, strings.NewReader("{\"source\":\"ap\"}\nnope\n"), -1)
	require.Equal(t, 400, code)
	require.Equal(t, map[string]int{"ap/rejected": 1, "unknown/rejected": 1}, pub.counts)
}

func TestMethodNotAllowed(t *testing.T) {
	code, hdr, _ := do(t, newHandler(t, &fakePublisher{}), http.MethodGet, "Bearer "+token, nil, -1)
	require.Equal(t, http.StatusMethodNotAllowed, code)
	require.Equal(t, "POST", hdr.Get("Allow"))
}

func TestDrainWaitsForRequestsInFlightThenRefuses(t *testing.T) {
	pub := &fakePublisher{block: make(chan struct{}), entered: make(chan struct{})}
	h := newHandler(t, pub)
	first := make(chan int)
	go func() {
		code, _, _ := do(t, h, http.MethodPost, "Bearer "+token, strings.NewReader(`{"source":"s","body":"b"}`), -1)
		first <- code
	}()
	<-pub.entered // the first request is publishing

	drained := make(chan error)
	go func() { drained <- h.Drain(context.Background()) }()
	require.Eventually(t, func() bool {
		h.mu.RLock()
		defer h.mu.RUnlock()
		return h.draining
	}, time.Second, time.Millisecond)

	code, _, body := do(t, h, http.MethodPost, "Bearer "+token, strings.NewReader(`{"source":"s","body":"b"}`), -1)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.JSONEq(t, `{"accepted":0,"error":"shutting down"}`, body)
	select {
	case <-drained:
		t.Fatal("Drain returned while a request was still publishing")
	case <-time.After(50 * time.Millisecond):
	}
	close(pub.block)
	require.Equal(t, http.StatusAccepted, <-first, "the request in flight completes")
	require.NoError(t, <-drained)
	require.Len(t, pub.items, 1)
	require.Equal(t, 1.0, testutil.ToFloat64(h.requests.WithLabelValues("503")))
	require.Equal(t, 1.0, testutil.ToFloat64(h.requests.WithLabelValues("202")))
}

func TestResponseShape(t *testing.T) {
	// Accepted is always present where articles may have been taken.
	b, err := json.Marshal(Response{Accepted: new(int)})
	require.NoError(t, err)
	require.Equal(t, `{"accepted":0}`, string(b))
}

// TestBadInputIsAClearJSON4xx sends what clients get wrong to the handler
// on the server every newsflow HTTP surface runs on (ops.Listen): each is
// a 4xx with a JSON message, never a 500 or a stack trace, and nothing is
// published.
func TestBadInputIsAClearJSON4xx(t *testing.T) {
	pub := &fakePublisher{}
	mux := http.NewServeMux()
	mux.Handle(Path, newHandler(t, pub))
	srv, err := ops.ListenWith("push endpoint", "127.0.0.1:0", mux, ops.Limits{BodyGrace: 300 * time.Millisecond}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	go func() { _ = srv.Run() }()
	defer srv.Stop(5 * time.Second)
	url := "http://" + srv.Addr() + Path
	auth := "Bearer " + token
	// stall writes the start of a body, then nothing until the pipe is
	// closed at the end of its case.
	stall := func(w *io.PipeWriter) { _, _ = w.Write([]byte(`{"source":`)) }

	tests := []struct {
		name        string
		method      string
		auth        string
		contentType string
		body        string
		chunked     func(w *io.PipeWriter) // a body written as it comes, no Content-Length
		want        int
		wantMsg     string
	}{
		{name: "malformed JSON", body: `{"source": "s", "body": `, want: http.StatusBadRequest, wantMsg: "decode RawArticle"},
		{name: "a JSON array", body: `[{"source":"s","body":"b"}]`, want: http.StatusBadRequest, wantMsg: "JSON array"},
		{name: "an empty body", body: "", want: http.StatusBadRequest, wantMsg: "empty body"},
		{name: "GET", method: http.MethodGet, want: http.StatusMethodNotAllowed, wantMsg: "use POST"},
		{name: "PUT", method: http.MethodPut, body: `{"source":"s","body":"b"}`, want: http.StatusMethodNotAllowed, wantMsg: "use POST"},
		{name: "no token", auth: "-", body: `{"source":"s","body":"b"}`, want: http.StatusUnauthorized, wantMsg: "bearer token"},
		{name: "a wrong token", auth: "Bearer nope", body: `{"source":"s","body":"b"}`, want: http.StatusUnauthorized, wantMsg: "bearer token"},
		{name: "XML", contentType: "application/xml", body: "<newsMessage/>", want: http.StatusUnsupportedMediaType, wantMsg: "takes RawArticle JSON"},
		{name: "a form upload", contentType: "multipart/form-data; boundary=x", body: "--x--", want: http.StatusUnsupportedMediaType, wantMsg: "Content-Type multipart/form-data"},
		{name: "HTML", contentType: "text/html", body: "<p>x</p>", want: http.StatusUnsupportedMediaType, wantMsg: "Content-Type text/html"},
		{name: "a Content-Type that does not parse", contentType: "application/json; =", body: "{}", want: http.StatusUnsupportedMediaType, wantMsg: "does not parse"},
		{name: "over the size limit, announced", body: strings.Repeat(" ", 4096), want: http.StatusRequestEntityTooLarge, wantMsg: "split it"},
		{name: "over the size limit, chunked", chunked: func(w *io.PipeWriter) { _, _ = w.Write([]byte(strings.Repeat(" ", 4096))); _ = w.Close() },
			want: http.StatusRequestEntityTooLarge, wantMsg: "split it"},
		{name: "a body that stalls", chunked: stall, want: http.StatusRequestTimeout, wantMsg: "request body too slow"},
	}
	ok := []string{"", "application/json", "application/x-ndjson; charset=utf-8", "text/plain", "application/x-www-form-urlencoded"}
	for _, ct := range ok {
		tests = append(tests, struct {
			name        string
			method      string
			auth        string
			contentType string
			body        string
			chunked     func(w *io.PipeWriter)
			want        int
			wantMsg     string
		}{name: "accepted as " + ct, contentType: ct, body: `{"source":"s","source_id":"ct","body":"b"}`, want: http.StatusAccepted})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			var body io.Reader = strings.NewReader(tc.body)
			if tc.chunked != nil {
				pr, pw := io.Pipe()
				defer pw.Close()
				go tc.chunked(pw)
				body = pr
			}
			req, err := http.NewRequest(method, url, body)
			require.NoError(t, err)
			switch tc.auth {
			case "":
				req.Header.Set("Authorization", auth)
			case "-":
			default:
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			before := len(pub.items)
			client := &http.Client{}
			defer client.CloseIdleConnections()
			res, err := client.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			require.Equal(t, tc.want, res.StatusCode, string(b))
			require.Equal(t, "application/json", res.Header.Get("Content-Type"))
			require.NotContains(t, string(b), "goroutine")
			var r Response
			require.NoError(t, json.Unmarshal(b, &r), string(b))
			if tc.want == http.StatusAccepted {
				return
			}
			msg := r.Error
			for _, e := range r.Errors {
				msg += " " + e.Error
			}
			require.Contains(t, msg, tc.wantMsg)
			pub.mu.Lock()
			require.Len(t, pub.items, before, "nothing published")
			pub.mu.Unlock()
		})
	}
}
