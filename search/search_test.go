package search

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/stretchr/testify/require"
)

func TestParseText(t *testing.T) {
	w := func(s string) Term { return Term{Kind: Word, Text: s} }
	for _, tc := range []struct {
		name string
		in   string
		want []Term
	}{
		{"empty", "  ", nil},
		{"words", "oil  prices\trise", []Term{w("oil"), w("prices"), w("rise")}},
		{"stop words are words: the analyzer drops them", "the trial", []Term{w("the"), w("trial")}},
		{"a phrase between words", `tanks "5,000 troops"  border`, []Term{w("tanks"), {Kind: Phrase, Text: "5,000 troops"}, w("border")}},
		{"an unclosed quote runs to the end", `"Gomel on the   border`, []Term{{Kind: Phrase, Text: "Gomel on the border"}}},
		{"curly quotes", "“in search of” Gomel", []Term{{Kind: Phrase, Text: "in search of"}, w("Gomel")}},
		{"empty phrase dropped", `"" word`, []Term{w("word")}},
		{"markup is just text", `<script>alert(1)</script>`, []Term{w("<script>alert(1)</script>")}},
		{"a lone star is everything", "*", nil},
		{"a star among words changes nothing", "* trial", []Term{w("trial")}},
		{"exclusion", "trial -Italy", []Term{w("trial"), {Kind: Word, Text: "Italy", Exclude: true}}},
		{"an excluded phrase", `-"per barrel"`, []Term{{Kind: Phrase, Text: "per barrel", Exclude: true}}},
		{"a dash alone is punctuation", "Paris - Rome", []Term{w("Paris"), w("Rome")}},
		{"a hyphenated word is a word", "U.S.-led", []Term{w("U.S.-led")}},
		{"a prefix is lower-cased", "Tri*", []Term{{Kind: Prefix, Text: "tri"}}},
		{"title field", "title:trial", []Term{{Kind: Word, Text: "trial", Field: FieldTitle}}},
		{"field names ignore case", "Title:trial", []Term{{Kind: Word, Text: "trial", Field: FieldTitle}}},
		{"body phrase", `body:"the trial"`, []Term{{Kind: Phrase, Text: "the trial", Field: FieldBody}}},
		{"title prefix", "title:tri*", []Term{{Kind: Prefix, Text: "tri", Field: FieldTitle}}},
		{"source is exact", "source:bbc", []Term{{Kind: Exact, Text: "bbc", Field: FieldSource}}},
		{"source with spaces", `source:"BBC News"`, []Term{{Kind: Exact, Text: "BBC News", Field: FieldSource}}},
		{"excluded source", "-source:wire", []Term{{Kind: Exact, Text: "wire", Field: FieldSource, Exclude: true}}},
		{"a time is not a field", "10:30", []Term{w("10:30")}},
		{"a trailing colon is not a field", "Update: trial", []Term{w("Update:"), w("trial")}},
		{"AND, + and parentheses change nothing", "+trial AND (Rome)", []Term{w("trial"), w("Rome")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseText(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestParseTextRefusesWhatItCannotHonour(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Italy OR France", "alternatives are not supported"},
		{"Italy | France", "alternatives are not supported"},
		{"Italy|France", "alternatives (|) are not supported"},
		{"trial NOT Italy", `put "-" before what to exclude`},
		{"trial~2", "fuzzy matching (~) is not supported"},
		{`"trial Rome"~3`, "proximity (~) is not supported"},
		{"tr*al", "only a * at the end of a word"},
		{"*ial", "only a * at the end of a word"},
		{"author:smith", "unknown field author: (title:, body: and source: are supported)"},
		{"source:bb*", "source: takes a source name as it is"},
		{"-*", "-* would exclude every article"},
		{strings.Repeat("a", MaxTextBytes+1), "longer than 1024 bytes"},
		{"caf\xe9", "not valid UTF-8"},
	} {
		t.Run(tc.in[:min(len(tc.in), 20)], func(t *testing.T) {
			_, err := ParseText(tc.in)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func ptr(f float64) *float64 { return &f }

func TestParseQuery(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	for _, tc := range []struct {
		name string
		in   string
		want Query
		err  string
	}{
		{"nothing", "", Query{}, ""},
		{"everything", "q=oil+%22per+barrel%22&source=a,b&source=c&kind=money&unit=USD&min=1,000&max=2000.5&from=2024-01-02&to=2024-01-03&size=5&offset=10",
			Query{Text: `oil "per barrel"`, Sources: []string{"a", "b", "c"}, Kind: "money", Unit: "USD", Min: ptr(1000), Max: ptr(2000.5),
				From: day("2024-01-02"), To: day("2024-01-04").Add(-time.Nanosecond), Size: 5, Offset: 10}, ""},
		{"RFC 3339 bounds are taken as they are", "from=2024-01-02T10:00:00%2B02:00", Query{From: time.Date(2024, 1, 2, 8, 0, 0, 0, time.UTC)}, ""},
		{"bad number", "min=lots", Query{}, `min "lots": want a number`},
		{"NaN is not a number", "max=NaN", Query{}, `max "NaN"`},
		{"min above max", "min=10&max=5", Query{}, "min 10 is above max 5"},
		{"bad date", "from=yesterday", Query{}, `from "yesterday": want a date`},
		{"from after to", "from=2024-02-01&to=2024-01-01", Query{}, "is after to"},
		{"size too large", "size=1000", Query{}, "size 1000: want 1 to 100"},
		{"negative offset", "offset=-1", Query{}, "offset -1"},
		{"size not a number", "size=ten", Query{}, `size "ten": want a whole number`},
		{"infinity is not a number", "min=Infinity", Query{}, `min "Infinity": want a number`},
		{"a number beyond a double", "max=1e400", Query{}, `max "1e400": want a number`},
		{"a page past the result window", "offset=9990&size=20", Query{}, "offset + size at most 10000"},
		{"an offset that overflows", "offset=9223372036854775807", Query{}, "offset 9223372036854775807"},
		{"an unknown parameter", "q=x&sorce=wire", Query{}, `unknown parameter "sorce"`},
		{"a repeated parameter", "q=a&q=b", Query{}, "parameter q given 2 times"},
		{"sort", "sort=newest", Query{Sort: SortNewest}, ""},
		{"an unknown sort", "sort=date", Query{}, `sort "date": want relevance or newest`},
		{"grouped by story", "group=story", Query{Group: true}, ""},
		{"an unknown grouping", "group=source", Query{}, `group "source"`},
		{"ids repeat", "id=a&id=b", Query{IDs: []string{"a", "b"}}, ""},
		{"an empty id", "id=", Query{}, "no article id"},
		{"query syntax is checked", "q=a+OR+b", Query{}, "alternatives are not supported"},
		{"a value that is not UTF-8", "kind=%ff", Query{}, "not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := url.ParseQuery(tc.in)
			require.NoError(t, err)
			got, err := ParseQuery(v)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// fakeSearcher records the query and answers canned results.
type fakeSearcher struct {
	got  Query
	res  Result
	err  error
	docs map[string]string
}

func (f *fakeSearcher) Search(_ context.Context, q Query) (Result, error) {
	f.got = q
	return f.res, f.err
}

func (f *fakeSearcher) Article(_ context.Context, id string) (json.RawMessage, error) {
	d, ok := f.docs[id]
	if !ok {
		return nil, ErrNotFound
	}
	return json.RawMessage(d), nil
}

func TestHandler(t *testing.T) {
	fs := &fakeSearcher{
		res:  Result{Total: 1, Hits: []Hit{{ID: "a1", Title: "<b>T</b>", Source: "wire", Highlight: []string{"&lt;b&gt; <mark>oil</mark>"}}}},
		docs: map[string]string{"a/1": `{"id":"a/1","title":"x"}`},
	}
	h := NewHandler(Options{Searcher: fs, Stats: NewStats(prometheus.NewRegistry(), 0, nil)})
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	for _, tc := range []struct {
		name   string
		path   string
		status int
		body   string
	}{
		{"search", "/api/search?q=oil&kind=count&min=1,000", 200,
			`{"total":1,"hits":[{"id":"a1","title":"<b>T</b>","source":"wire","highlight":["&lt;b&gt; <mark>oil</mark>"]}],"facets":{"source":null,"kind":null,"unit":null,"published":null}}`},
		{"bad parameter", "/api/search?min=x", 400, `{"error":"min \"x\": want a number such as 1000 or 1,000"}`},
		{"unsupported syntax", "/api/search?q=trial+NOT+Italy", 400, `{"error":"q: \"NOT\": NOT is not supported: put \"-\" before what to exclude (trial -Italy)"}`},
		{"an unknown API path", "/api/nope", 404, ""},
		{"no article id", "/api/articles/", 400, `{"error":"no article id: GET /api/articles/{id}"}`},
		{"an id too long", "/api/articles/" + strings.Repeat("x", 513), 400, `{"error":"article id of 513 bytes: at most 512"}`},
		{"an article takes no parameters", "/api/articles/a%2F1?x=1", 400, `{"error":"an article takes no parameters"}`},
		{"article with an escaped slash in its id", "/api/articles/a%2F1", 200, `{"id":"a/1","title":"x"}`},
		{"unknown article", "/api/articles/nope", 404, `{"error":"article not found"}`},
		{"stats", "/api/stats", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(tc.path)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
			require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			if tc.body != "" {
				require.JSONEq(t, tc.body, rec.Body.String())
			}
		})
	}
	require.Equal(t, "oil", fs.got.Text)
	require.Equal(t, "count", fs.got.Kind)
	require.Equal(t, 1000.0, *fs.got.Min)

	t.Run("backend failure is a 502", func(t *testing.T) {
		fs.err = errors.New("index closed")
		rec := get("/api/search?q=x")
		require.Equal(t, http.StatusBadGateway, rec.Code)
		require.JSONEq(t, `{"error":"search failed: index closed"}`, rec.Body.String())
	})
	t.Run("no hits is an empty list, not null", func(t *testing.T) {
		fs.err, fs.res = nil, Result{}
		rec := get("/api/search")
		require.Contains(t, rec.Body.String(), `"hits":[]`)
	})
	t.Run("only GET", func(t *testing.T) {
		for _, p := range []string{"/api/search", "/api/articles/x", "/api/stats"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, p, nil))
			require.Equal(t, http.StatusMethodNotAllowed, rec.Code, p)
			require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
			require.JSONEq(t, `{"error":"use GET"}`, rec.Body.String())
		}
	})
}

func TestStats(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := promauto.With(reg)
	produced := f.NewCounterVec(prometheus.CounterOpts{Name: metricProduced}, []string{"source", "result"})
	messages := f.NewCounterVec(prometheus.CounterOpts{Name: metricMessages}, []string{"result"})
	lag := f.NewGaugeVec(prometheus.GaugeOpts{Name: metricLag}, []string{"topic", "partition"})
	stage := f.NewHistogramVec(prometheus.HistogramOpts{Name: metricStage, Buckets: []float64{0.001, 0.01, 0.1}}, []string{"stage"})
	dlq := f.NewCounterVec(prometheus.CounterOpts{Name: metricDLQ}, []string{"stage"})

	now := time.Unix(1000, 0)
	s := NewStats(reg, 10*time.Second, func() time.Time { return now })

	produced.WithLabelValues("a", "sent").Add(10)
	produced.WithLabelValues("b", "sent").Add(5)
	produced.WithLabelValues("b", "unchanged").Add(3)
	messages.WithLabelValues("indexed").Add(4)
	for range 10 {
		stage.WithLabelValues("normalize").Observe(0.005) // bucket (0.001, 0.01]
	}
	first := s.Snapshot()
	require.Equal(t, 15.0, first.Produced)
	require.Equal(t, 3.0, first.Unchanged)
	require.Equal(t, 0.0, first.ProducedRate, "one sample has no rate")
	require.Len(t, first.Stages, 1)
	require.Equal(t, "normalize", first.Stages[0].Name)
	require.InDelta(t, 0.005, first.Stages[0].Mean, 1e-9)
	require.InDelta(t, 0.001+0.009*0.95, first.Stages[0].P95, 1e-9, "interpolated within the bucket")

	now = now.Add(5 * time.Second)
	produced.WithLabelValues("a", "sent").Add(10)
	messages.WithLabelValues("indexed").Add(20)
	messages.WithLabelValues("dead_lettered").Add(1)
	dlq.WithLabelValues("normalize").Add(1)
	lag.WithLabelValues("news.raw", "0").Set(3)
	lag.WithLabelValues("news.raw", "1").Set(4)
	for range 4 {
		stage.WithLabelValues("normalize").Observe(0.05) // bucket (0.01, 0.1]
	}
	snap := s.Snapshot()
	require.Equal(t, 5.0, snap.WindowSeconds)
	require.Equal(t, 2.0, snap.ProducedRate)
	require.Equal(t, 4.0, snap.IndexedRate)
	require.Equal(t, 24.0, snap.Indexed)
	require.Equal(t, 1.0, snap.DeadLettered)
	require.Equal(t, map[string]float64{"normalize": 1}, snap.DeadLettersByStage)
	require.Equal(t, 7.0, snap.Lag)
	n := snap.Stages[0]
	require.True(t, n.Recent)
	require.Equal(t, 14.0, n.Count, "the count is the total")
	require.InDelta(t, 0.05, n.Mean, 1e-9, "the mean is over the window")

	// A quiet window falls back to the totals.
	now = now.Add(20 * time.Second)
	s.Snapshot()
	now = now.Add(20 * time.Second)
	quiet := s.Snapshot()
	require.Equal(t, 0.0, quiet.ProducedRate)
	require.False(t, quiet.Stages[0].Recent)
	require.InDelta(t, (10*0.005+4*0.05)/14, quiet.Stages[0].Mean, 1e-9)
}

func TestStatsFeedAndWatchHealth(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := promauto.With(reg)
	polls := f.NewCounterVec(prometheus.CounterOpts{Name: metricPolls}, []string{"feed", "result"})
	errs := f.NewCounterVec(prometheus.CounterOpts{Name: metricFeedErrs}, []string{"feed", "reason"})
	okAt := f.NewGaugeVec(prometheus.GaugeOpts{Name: metricFeedOK}, []string{"feed"})
	files := f.NewCounterVec(prometheus.CounterOpts{Name: metricWatch}, []string{"result"})
	for _, r := range []string{"done", "failed", "retry"} {
		files.WithLabelValues(r)
	}
	now := time.Unix(1000, 0)
	s := NewStats(reg, 10*time.Second, func() time.Time { return now })

	okAt.WithLabelValues("bbc").Set(0)
	okAt.WithLabelValues("down").Set(0)
	okAt.WithLabelValues("later").Set(0)
	polls.WithLabelValues("bbc", "ok").Add(3)
	okAt.WithLabelValues("bbc").Set(990)
	errs.WithLabelValues("down", "network").Add(2)
	polls.WithLabelValues("down", "error").Add(2)
	files.WithLabelValues("done").Add(4)
	files.WithLabelValues("failed").Add(1)

	snap := s.Snapshot()
	require.Len(t, snap.Feeds, 3)
	bbc, down, later := snap.Feeds[0], snap.Feeds[1], snap.Feeds[2]
	require.Equal(t, "bbc", bbc.Name)
	require.Equal(t, StateOK, bbc.State)
	require.Equal(t, 3.0, bbc.Polls)
	require.Equal(t, time.Unix(990, 0).UTC(), *bbc.LastSuccess)
	require.Equal(t, StateFailing, down.State, "it never succeeded")
	require.Equal(t, "network", down.LastError)
	require.Nil(t, down.LastSuccess)
	require.Equal(t, StateWaiting, later.State, "not polled yet")
	require.Equal(t, &WatchHealth{State: StateOK, Done: 4, Failed: 1}, snap.Watch)

	// bbc fails after its success; down recovers.
	now = now.Add(5 * time.Second)
	errs.WithLabelValues("bbc", "timeout").Inc()
	polls.WithLabelValues("down", "ok").Inc()
	okAt.WithLabelValues("down").Set(float64(now.Unix()) + 1)
	files.WithLabelValues("retry").Inc()
	snap = s.Snapshot()
	require.Equal(t, StateFailing, snap.Feeds[0].State)
	require.Equal(t, "timeout", snap.Feeds[0].LastError)
	require.Equal(t, StateOK, snap.Feeds[1].State, "a success after the errors")
	require.Equal(t, StateRetrying, snap.Watch.State, "Kafka refused a file in the window")

	// A quiet minute: bbc still failing (nothing succeeded since).
	now = now.Add(30 * time.Second)
	s.Snapshot()
	now = now.Add(30 * time.Second)
	snap = s.Snapshot()
	require.Equal(t, StateFailing, snap.Feeds[0].State)
	require.Equal(t, StateOK, snap.Watch.State)
}

func TestStatsWithoutFeedsOrWatch(t *testing.T) {
	snap := NewStats(prometheus.NewRegistry(), 0, nil).Snapshot()
	require.Empty(t, snap.Feeds)
	require.Nil(t, snap.Watch)
}

// validatingSearcher answers like a backend: it refuses what Validate
// refuses, with the error a backend would return.
type validatingSearcher struct{ fakeSearcher }

func (v *validatingSearcher) Search(ctx context.Context, q Query) (Result, error) {
	if err := q.Validate(); err != nil {
		return Result{}, err
	}
	return v.fakeSearcher.Search(ctx, q)
}

// Bad input is a 4xx with a JSON message: never a 5xx, never a backend
// call with a query the backend could choke on.
func TestBadInputIsA4xx(t *testing.T) {
	h := NewHandler(Options{Searcher: &validatingSearcher{}, Stats: NewStats(prometheus.NewRegistry(), 0, nil)})
	for _, p := range []string{
		"/api/search?min=Infinity", "/api/search?max=-Inf", "/api/search?min=NaN", "/api/search?min=1e999",
		"/api/search?offset=99999999999999999999", "/api/search?offset=9999&size=100", "/api/search?size=-1",
		"/api/search?from=2024-02-30", "/api/search?to=yesterday", "/api/search?q=%ff%fe", "/api/search?q=" + strings.Repeat("x", 2000),
		"/api/search?q=a+OR+b", "/api/search?q=*foo", "/api/search?q=nope:x", "/api/search?sort=date", "/api/search?group=1",
		"/api/search?id=" + strings.Repeat("x", 600), "/api/search?q=a&q=b", "/api/search?page=2", "/api/search?source=%ff",
		"/api/articles/%ff", "/api/articles/", "/api/articles/" + strings.Repeat("y", 600), "/api/articles/a/b", "/api/nope", "/api/",
		"/api/deadletters", // not configured here
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		require.True(t, rec.Code >= 400 && rec.Code < 500, "%s: %d %s", p, rec.Code, rec.Body)
		var body struct{ Error string }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), p)
		require.NotEmpty(t, body.Error, p)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"q=the+trial", `q="a b"~2`, "q=-*", "min=1,000&max=2", "from=2024-01-01", "q=title:x*", "offset=10000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseQuery(v)
		if err != nil {
			return
		}
		// Whatever ParseQuery accepts, Validate and ParseText accept.
		require.NoError(t, q.Validate())
		_, err = ParseText(q.Text)
		require.NoError(t, err)
	})
}
