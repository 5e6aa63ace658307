package esdedup

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/index/elastic"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/stretchr/testify/require"
)

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
	require.Equal(t, []elastic.Class{elastic.ClassDone, elastic.ClassOlder, elastic.ClassRetry}, []elastic.Class{items[0].Class, items[1].Class, items[2].Class})
	require.Equal(t, "exists", items[1].Error.Reason)

	_, err = parseCreateItems([]byte(`{"items":[{"create":{"status":201}}]}`), 2)
	require.ErrorContains(t, err, "1 items for 2 actions")
	_, err = parseCreateItems([]byte(`{"items":[{"index":{"status":201}}]}`), 1)
	require.ErrorContains(t, err, "is not a create")
}

// doerFunc is an elastic.Doer from a function.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Perform(r *http.Request) (*http.Response, error) { return f(r) }

func answer(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
}
