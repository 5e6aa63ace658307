package itest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"testing"
)

// SearchDo runs one request against Elasticsearch: ESDo on a URL, or a
// cluster's request that tries its nodes in turn.
type SearchDo func(ctx context.Context, method, path, body string, out io.Writer) error

// IndexedIDs returns every document id behind alias with how often it
// occurs (search_after over the id keyword, 5,000 a page).
func IndexedIDs(t testing.TB, do SearchDo, alias string) map[string]int {
	t.Helper()
	ctx := context.Background()
	out := map[string]int{}
	var after []any
	for {
		q := map[string]any{"size": 5000, "_source": false, "sort": []any{map[string]string{"id": "asc"}}, "track_total_hits": false}
		if after != nil {
			q["search_after"] = after
		}
		body, _ := json.Marshal(q)
		var b bytes.Buffer
		if err := do(ctx, http.MethodPost, "/"+alias+"/_search", string(body), &b); err != nil {
			t.Fatalf("list the ids behind %s: %v", alias, err)
		}
		var res struct {
			Hits struct {
				Hits []struct {
					ID   string `json:"_id"`
					Sort []any  `json:"sort"`
				} `json:"hits"`
			} `json:"hits"`
		}
		if err := json.Unmarshal(b.Bytes(), &res); err != nil {
			t.Fatalf("list the ids behind %s: decode %q: %v", alias, b.Bytes(), err)
		}
		if len(res.Hits.Hits) == 0 {
			return out
		}
		for _, h := range res.Hits.Hits {
			out[h.ID]++
		}
		after = res.Hits.Hits[len(res.Hits.Hits)-1].Sort
	}
}

// RequireExactIDs fails t unless got (IndexedIDs) holds exactly the ids of
// want, each once, naming the missing, unexpected and doubled ones.
func RequireExactIDs(t testing.TB, got map[string]int, want map[string]bool) {
	t.Helper()
	var missing, extra, twice []string
	for id := range want {
		if got[id] == 0 {
			missing = append(missing, id)
		}
	}
	for id, n := range got {
		if !want[id] {
			extra = append(extra, id)
		}
		if n > 1 {
			twice = append(twice, id)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	sort.Strings(twice)
	for _, c := range []struct {
		what string
		ids  []string
	}{{"documents missing", missing}, {"unexpected documents", extra}, {"documents indexed twice", twice}} {
		if len(c.ids) > 0 {
			t.Fatalf("%s: %d, e.g. %v", c.what, len(c.ids), c.ids[:min(len(c.ids), 20)])
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d documents, want %d", len(got), len(want))
	}
}
