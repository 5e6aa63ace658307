package search

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/stretchr/testify/require"
)

func TestParseText(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []Clause
	}{
		{"empty", "  ", nil},
		{"words", "oil  prices\trise", []Clause{{"oil", false}, {"prices", false}, {"rise", false}}},
		{"a phrase between words", `tanks "5,000 troops"  border`, []Clause{{"tanks", false}, {"5,000 troops", true}, {"border", false}}},
		{"an unclosed quote runs to the end", `"Gomel on the   border`, []Clause{{"Gomel on the border", true}}},
		{"curly quotes", "“in search of” Gomel", []Clause{{"in search of", true}, {"Gomel", false}}},
		{"empty phrase dropped", `"" word`, []Clause{{"word", false}}},
		{"markup is just text", `<script>alert(1)</script>`, []Clause{{"<script>alert(1)</script>", false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, ParseText(tc.in))
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
			`{"total":1,"hits":[{"id":"a1","title":"<b>T</b>","source":"wire","highlight":["&lt;b&gt; <mark>oil</mark>"]}],"facets":{"source":null,"kind":null,"unit":null}}`},
		{"bad parameter", "/api/search?min=x", 400, `{"error":"min \"x\": want a number such as 1000 or 1,000"}`},
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
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/search", nil))
		require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
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
