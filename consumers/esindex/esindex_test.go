package esindex

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
)

func TestParseBulkResponseOnRecordedResponses(t *testing.T) {
	tests := []struct {
		file   string
		n      int
		want   []Class
		status []int
	}{
		{"bulk-created.json", 2, []Class{ClassDone, ClassDone}, []int{201, 201}},
		{"bulk-mixed.json", 6, []Class{ClassDone, ClassOlder, ClassReject, ClassReject, ClassReject, ClassDone}, []int{200, 409, 400, 400, 400, 201}},
		{"bulk-alias-missing.json", 2, []Class{ClassRetry, ClassRetry}, []int{404, 404}},
		{"bulk-flood-stage-block.json", 2, []Class{ClassRetry, ClassRetry}, []int{429, 429}},
		{"bulk-crafted-rejected-execution.json", 3, []Class{ClassDone, ClassRetry, ClassRetry}, []int{201, 429, 503}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			items, err := ParseBulkResponse(body, tc.n)
			require.NoError(t, err)
			var classes []Class
			var statuses []int
			for _, it := range items {
				classes = append(classes, it.Class)
				statuses = append(statuses, it.Status)
			}
			require.Equal(t, tc.want, classes)
			require.Equal(t, tc.status, statuses)
		})
	}
}

func TestParseBulkResponseRejectsAMismatch(t *testing.T) {
	body, err := os.ReadFile("testdata/bulk-created.json")
	require.NoError(t, err)
	_, err = ParseBulkResponse(body, 3)
	require.ErrorContains(t, err, "2 items for 3 actions")
	_, err = ParseBulkResponse([]byte("<html>"), 1)
	require.Error(t, err)
}

func TestRejectionReasonNamesTheCause(t *testing.T) {
	body, err := os.ReadFile("testdata/bulk-mixed.json")
	require.NoError(t, err)
	items, err := ParseBulkResponse(body, 6)
	require.NoError(t, err)
	require.Contains(t, items[2].Error.String(), "immense term")
	require.Contains(t, items[3].Error.String(), "failed to parse date field [yesterday]")
}

func TestVersion(t *testing.T) {
	tests := []struct {
		name                         string
		updated, published, ingested string
		want                         int64
	}{
		{"update time wins", "2024-05-02T10:00:00Z", "2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z", 1714644000000},
		{"published time without an update", "", "2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z", 1714521600000},
		{"ingest time without any story time", "", "", "2024-06-01T00:00:00Z", 1717200000000},
		{"an unparsable time is passed over", "soon", "2024-05-01T00:00:00Z", "", 1714521600000},
		{"times before 1970 count as 0", "", "1969-07-20T20:17:00Z", "", 0},
		{"no time at all is 0", "", "", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Version(tc.updated, tc.published, tc.ingested))
		})
	}
}

func TestTemplateFollowsTheAlias(t *testing.T) {
	b, err := Template("news-test", "")
	require.NoError(t, err)
	var tmpl struct {
		IndexPatterns []string `json:"index_patterns"`
		Version       int      `json:"version"`
		Template      struct {
			Mappings struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"mappings"`
		} `json:"template"`
	}
	require.NoError(t, json.Unmarshal(b, &tmpl))
	require.Equal(t, []string{"news-test-*"}, tmpl.IndexPatterns)
	require.Contains(t, string(tmpl.Template.Mappings.Properties["body"]), `"analyzer":"english"`)
	require.Equal(t, TemplateVersion, tmpl.Version, "template.json version and TemplateVersion must agree")
	// Every field of the article document is mapped.
	doc, _ := json.Marshal(article.Article{
		SourceID: "x", URL: "x", Language: "x", Byline: "x", Dateline: "x",
		PublishedAt: "x", UpdatedAt: "x", IngestedAt: "x", IndexedAt: "x",
	})
	var fields map[string]any
	require.NoError(t, json.Unmarshal(doc, &fields))
	for f := range fields {
		require.Contains(t, tmpl.Template.Mappings.Properties, f, "field %q of the article document", f)
	}
}

// doerFunc is a Doer from a function.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Perform(r *http.Request) (*http.Response, error) { return f(r) }

func answer(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
}

// bulkIDs returns the _id of every action of a bulk body.
func bulkIDs(t *testing.T, r *http.Request) []string {
	t.Helper()
	var ids []string
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(nil, 1<<20)
	for i := 0; sc.Scan(); i++ {
		if i%2 == 1 {
			continue
		}
		var a map[string]struct {
			ID string `json:"_id"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &a))
		for _, v := range a {
			ids = append(ids, v.ID)
		}
	}
	return ids
}

func items(statuses ...int) string {
	var parts []string
	for i, s := range statuses {
		e := ""
		switch {
		case s == 409:
			e = `,"error":{"type":"version_conflict_engine_exception","reason":"older"}`
		case s == 400:
			e = `,"error":{"type":"document_parsing_exception","reason":"bad field"}`
		case s >= 300:
			e = `,"error":{"type":"some_exception","reason":"try later"}`
		}
		parts = append(parts, fmt.Sprintf(`{"index":{"_id":"%d","status":%d%s}}`, i, s, e))
	}
	return `{"errors":true,"items":[` + strings.Join(parts, ",") + `]}`
}

func docs(n int) []Doc {
	out := make([]Doc, n)
	for i := range out {
		out[i] = Doc{ID: fmt.Sprintf("d%d", i), Version: 1, Source: []byte(`{"id":"x"}`)}
	}
	return out
}

func fastIndexer(es Doer, reg prometheus.Registerer) *Indexer {
	return NewIndexer(es, IndexerConfig{Alias: "a", Backoff: backoff.Policy{Min: time.Millisecond, Max: 2 * time.Millisecond}, Registerer: reg})
}

func TestIndexerRetriesOnlyTheFailedItems(t *testing.T) {
	var mu sync.Mutex
	var calls [][]string
	es := doerFunc(func(r *http.Request) (*http.Response, error) {
		ids := bulkIDs(t, r)
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, ids)
		require.Contains(t, r.URL.String(), "/a/_bulk?require_alias=true")
		if len(calls) == 1 {
			return answer(200, items(201, 429, 409, 400, 503)), nil
		}
		return answer(200, items(201, 200)), nil
	})
	reg := prometheus.NewRegistry()
	got := fastIndexer(es, reg).Index(context.Background(), docs(5))
	require.Equal(t, []Outcome{Indexed, Indexed, SkippedOlder, Rejected, Indexed}, outcomes(got))
	require.Contains(t, got[3].Reason, "document_parsing_exception: bad field")
	require.Equal(t, [][]string{{"d0", "d1", "d2", "d3", "d4"}, {"d1", "d4"}}, calls)
	require.Equal(t, 1.0, testutil.ToFloat64(mustLabel(reg, "newsflow_elasticsearch_retries_total", RetryThrottled)))
}

func outcomes(rs []Result) []Outcome {
	out := make([]Outcome, len(rs))
	for i, r := range rs {
		out[i] = r.Outcome
	}
	return out
}

func mustLabel(reg *prometheus.Registry, name, label string) prometheus.Collector {
	v := 0.0
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					v = m.GetCounter().GetValue()
				}
			}
		}
	}
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "v"}, func() float64 { return v })
}

func TestIndexerRetriesWholeRequestFailures(t *testing.T) {
	tests := []struct {
		name   string
		fail   func() (*http.Response, error)
		reason string
	}{
		{"connection refused", func() (*http.Response, error) { return nil, errors.New("dial tcp: connection refused") }, RetryConnection},
		{"429 on the whole request", func() (*http.Response, error) {
			return answer(429, `{"error":{"type":"es_rejected_execution_exception"}}`), nil
		}, RetryThrottled},
		{"503 on the whole request", func() (*http.Response, error) {
			return answer(503, `{"error":{"type":"master_not_discovered_exception"}}`), nil
		}, RetryServer},
		{"unreadable answer", func() (*http.Response, error) { return answer(200, `<html>proxy error</html>`), nil }, RetryResponse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			es := doerFunc(func(r *http.Request) (*http.Response, error) {
				n++
				if n <= 3 {
					return tc.fail()
				}
				return answer(200, items(201, 201)), nil
			})
			reg := prometheus.NewRegistry()
			got := fastIndexer(es, reg).Index(context.Background(), docs(2))
			require.Equal(t, []Outcome{Indexed, Indexed}, outcomes(got))
			require.Equal(t, 4, n)
			require.Equal(t, 3.0, testutil.ToFloat64(mustLabel(reg, "newsflow_elasticsearch_retries_total", tc.reason)))
		})
	}
}

func TestIndexerLeavesDocumentsUnfinishedWhenTheContextEnds(t *testing.T) {
	es := doerFunc(func(r *http.Request) (*http.Response, error) {
		return answer(200, items(201, 503)), nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	got := fastIndexer(es, nil).Index(ctx, docs(2))
	require.Equal(t, []Outcome{Indexed, Unfinished}, outcomes(got))
}

func TestIndexerSplitsARequestTooLarge(t *testing.T) {
	var sizes []int
	es := doerFunc(func(r *http.Request) (*http.Response, error) {
		ids := bulkIDs(t, r)
		sizes = append(sizes, len(ids))
		if len(ids) > 2 {
			return answer(413, ""), nil
		}
		if ids[len(ids)-1] == "d4" {
			return answer(413, ""), nil
		}
		st := make([]int, len(ids))
		for i := range st {
			st[i] = 201
		}
		return answer(200, items(st...)), nil
	})
	got := fastIndexer(es, nil).Index(context.Background(), docs(5))
	require.Equal(t, []Outcome{Indexed, Indexed, Indexed, Indexed, Rejected}, outcomes(got))
	require.Equal(t, []int{5, 2, 3, 1, 2, 1, 1}, sizes)
}

func TestIndexerSendsExternalVersions(t *testing.T) {
	var body bytes.Buffer
	es := doerFunc(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(&body, r.Body)
		return answer(200, items(201)), nil
	})
	fastIndexer(es, nil).Index(context.Background(), []Doc{{ID: `we"ird`, Version: 42, Source: []byte("{\"id\":1}\n")}})
	require.Equal(t, `{"index":{"_id":"we\"ird","version":42,"version_type":"external_gte"}}`+"\n"+`{"id":1}`+"\n", body.String())
}

func TestRecordRoundTrip(t *testing.T) {
	var sk dedup.Sketch
	for i := range sk {
		sk[i] = uint8(i * 7)
	}
	tests := []struct {
		name string
		rec  dedup.Record
	}{
		{"exact key", dedup.Record{Ref: article.Ref{ArticleID: "a1", Index: 3}, StoryID: "s1", Figures: 1 << 63, Numbers: 12345}},
		{"band key with a sketch", dedup.Record{Ref: article.Ref{ArticleID: "a2", Index: 0}, Sketch: sk}},
		{"body key", dedup.Record{Ref: article.Ref{ArticleID: "a3", Index: article.TitleIndex}, StoryID: "s3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(encodeRecord(tc.rec))
			require.NoError(t, err)
			var sr storedRecord
			require.NoError(t, json.Unmarshal(b, &sr))
			got, err := decodeRecord(sr)
			require.NoError(t, err)
			require.Equal(t, tc.rec, got)
		})
	}
	require.Equal(t, "00000000000000ff", keyID(255))
	require.Equal(t, "ffffffffffffffff", keyID(^dedup.Key(0)))
}

func TestStoreCacheIsBounded(t *testing.T) {
	s := NewStore(nil, StoreConfig{CacheEntries: 2})
	for i := 0; i < 5; i++ {
		s.remember(dedup.Key(i), dedup.Record{Ref: article.Ref{ArticleID: "a"}})
	}
	require.Equal(t, 2, s.CacheLen())
	_, ok := s.cached(4)
	require.True(t, ok, "the most recent stays")
	_, ok = s.cached(0)
	require.False(t, ok, "the oldest went")
	s.remember(9, dedup.Record{})
	require.Equal(t, 2, s.CacheLen(), "absent records are never cached")
}

func TestTemplateWithAnotherAnalyzer(t *testing.T) {
	b, err := Template("x", "french")
	require.NoError(t, err)
	require.Equal(t, 3, strings.Count(string(b), `"analyzer":"french"`), "title, body and boilerplate")
	require.NotContains(t, string(b), "english")
}

// TestStoreLookupReadsAFilteredPlainAnswer checks the request the store
// sends (only the fields it reads, no compressed answer) and that it reads
// the records of a recorded answer in one pass.
func TestStoreLookupReadsAFilteredPlainAnswer(t *testing.T) {
	rec := dedup.Record{Ref: article.Ref{ArticleID: "a1", Index: 2}, StoryID: "s1", Figures: 0xabc}
	src, err := json.Marshal(encodeRecord(rec))
	require.NoError(t, err)
	var got *http.Request
	es := doerFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		return answer(200, `{"docs":[{"_id":"0000000000000001","found":true,"_source":`+string(src)+`},{"_id":"0000000000000002","found":false}]}`), nil
	})
	s := NewStore(es, StoreConfig{Index: "fp", CacheEntries: -1})
	out := make([]dedup.Record, 2)
	require.NoError(t, s.Lookup(context.Background(), []dedup.Key{1, 2}, out))
	require.Equal(t, []dedup.Record{rec, {}}, out)
	require.Equal(t, "identity", got.Header.Get("Accept-Encoding"))
	require.Contains(t, got.URL.RawQuery, "filter_path=docs._id,docs.found,docs._source,docs.error")

	es = doerFunc(func(r *http.Request) (*http.Response, error) {
		return answer(200, `{"docs":[{"_id":"0000000000000001","found":true}]}`), nil
	})
	err = NewStore(es, StoreConfig{Index: "fp"}).Lookup(context.Background(), []dedup.Key{1}, out[:1])
	require.ErrorContains(t, err, "found without a source")
}

func TestAppendRecordWritesWhatJSONMarshalWrites(t *testing.T) {
	var sk dedup.Sketch
	for i := range sk {
		sk[i] = uint8(255 - i)
	}
	for _, tc := range []struct {
		name string
		rec  dedup.Record
	}{
		{"plain ids", dedup.Record{Ref: article.Ref{ArticleID: "reuters-1.x.0", Index: 4}, StoryID: "reuters-1.x.0", Figures: 0xfeed, Numbers: 1, Sketch: sk}},
		{"title index and no story", dedup.Record{Ref: article.Ref{ArticleID: "a", Index: article.TitleIndex}}},
		{"ids that need escaping", dedup.Record{Ref: article.Ref{ArticleID: "a\"b\\c<d>&e\n", Index: 0}, StoryID: "s\u2028é"}},
		{"an id that is not UTF-8", dedup.Record{Ref: article.Ref{ArticleID: "caf\xe9", Index: 1}, StoryID: "\x7f"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(encodeRecord(tc.rec))
			require.NoError(t, err)
			require.Equal(t, string(want), string(appendRecord(nil, tc.rec)))
		})
	}
	require.Equal(t, "00000000000000ff", string(appendKeyID(nil, 255)))
}

func TestParseCreateItems(t *testing.T) {
	items, err := parseCreateItems([]byte(`{"items":[{"create":{"status":201}},{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists"}}},{"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"busy"}}}]}`), 3)
	require.NoError(t, err)
	require.Equal(t, []int{201, 409, 429}, []int{items[0].Status, items[1].Status, items[2].Status})
	require.Equal(t, []Class{ClassDone, ClassOlder, ClassRetry}, []Class{items[0].Class, items[1].Class, items[2].Class})
	require.Equal(t, "exists", items[1].Error.Reason)

	_, err = parseCreateItems([]byte(`{"items":[{"create":{"status":201}}]}`), 2)
	require.ErrorContains(t, err, "1 items for 2 actions")
	_, err = parseCreateItems([]byte(`{"items":[{"index":{"status":201}}]}`), 1)
	require.ErrorContains(t, err, "is not a create")
}
