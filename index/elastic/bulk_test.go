package elastic

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

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/pkg/article"
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

func docs(n int) []consumers.Doc {
	out := make([]consumers.Doc, n)
	for i := range out {
		out[i] = consumers.Doc{ID: fmt.Sprintf("d%d", i), Version: 1, Source: []byte(`{"id":"x"}`)}
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
	require.Equal(t, []consumers.Outcome{consumers.Indexed, consumers.Indexed, consumers.SkippedOlder, consumers.Rejected, consumers.Indexed}, outcomes(got))
	require.Contains(t, got[3].Reason, "document_parsing_exception: bad field")
	require.Equal(t, [][]string{{"d0", "d1", "d2", "d3", "d4"}, {"d1", "d4"}}, calls)
	require.Equal(t, 1.0, testutil.ToFloat64(mustLabel(reg, "newsflow_elasticsearch_retries_total", RetryThrottled)))
}

func outcomes(rs []consumers.Result) []consumers.Outcome {
	out := make([]consumers.Outcome, len(rs))
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
			require.Equal(t, []consumers.Outcome{consumers.Indexed, consumers.Indexed}, outcomes(got))
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
	require.Equal(t, []consumers.Outcome{consumers.Indexed, consumers.Unfinished}, outcomes(got))
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
	require.Equal(t, []consumers.Outcome{consumers.Indexed, consumers.Indexed, consumers.Indexed, consumers.Indexed, consumers.Rejected}, outcomes(got))
	require.Equal(t, []int{5, 2, 3, 1, 2, 1, 1}, sizes)
}

func TestIndexerSendsExternalVersions(t *testing.T) {
	var body bytes.Buffer
	es := doerFunc(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(&body, r.Body)
		return answer(200, items(201)), nil
	})
	fastIndexer(es, nil).Index(context.Background(), []consumers.Doc{{ID: `we"ird`, Version: 42, Source: []byte("{\"id\":1}\n")}})
	require.Equal(t, `{"index":{"_id":"we\"ird","version":42,"version_type":"external_gte"}}`+"\n"+`{"id":1}`+"\n", body.String())
}

func TestTemplateWithAnotherAnalyzer(t *testing.T) {
	b, err := Template("x", "french")
	require.NoError(t, err)
	require.Equal(t, 3, strings.Count(string(b), `"analyzer":"french"`), "title, body and boilerplate")
	require.NotContains(t, string(b), "english")
}

func TestIndexerDeletesWithdrawnStoriesByVersion(t *testing.T) {
	var body string
	es := doerFunc(func(r *http.Request) (*http.Response, error) {
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		if body != "" {
			return answer(503, `{}`), nil // the retry of the missing index
		}
		body = string(b)
		return answer(200, `{"errors":true,"items":[`+
			`{"delete":{"_id":"gone","status":200}},`+
			`{"delete":{"_id":"never","status":404}},`+
			`{"delete":{"_id":"newer","status":409,"error":{"type":"version_conflict_engine_exception","reason":"newer"}}},`+
			`{"index":{"_id":"kept","status":201}},`+
			`{"delete":{"_id":"noindex","status":404,"error":{"type":"index_not_found_exception","reason":"no such index"}}}]}`), nil
	})
	reg := prometheus.NewRegistry()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	got := fastIndexer(es, reg).Index(ctx, []consumers.Doc{
		{ID: "gone", Version: 7, Delete: true},
		{ID: "never", Version: 7, Delete: true},
		{ID: "newer", Version: 7, Delete: true},
		{ID: "kept", Version: 7, Source: []byte(`{"id":"kept"}`)},
		{ID: "noindex", Version: 7, Delete: true},
	})
	require.Equal(t, []consumers.Outcome{consumers.Withdrawn, consumers.Withdrawn, consumers.SkippedOlder, consumers.Indexed, consumers.Unfinished}, outcomes(got),
		"a missing document is withdrawn already; a missing index is the cluster's fault and is retried")
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	require.Equal(t, `{"delete":{"_id":"gone","version":7,"version_type":"external_gte"}}`, lines[0], "a delete carries the story's version and no source")
	require.True(t, strings.HasPrefix(lines[3], `{"index":{"_id":"kept"`), lines[3])
	require.Equal(t, `{"id":"kept"}`, lines[4])
	require.Equal(t, 2.0, testutil.ToFloat64(mustLabel(reg, "newsflow_elasticsearch_documents_total", DocDeleted)))
}
