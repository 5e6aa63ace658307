package itest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
)

// TestIntegrationElasticsearchNode pins down what the test node of
// scripts/testenv.sh offers (testenv/README.md lists it): go-elasticsearch
// accepts it as Elasticsearch 8, external versioning works as the delivery
// guarantee needs, and the modules Maven Central does not serve are absent.
func TestIntegrationElasticsearchNode(t *testing.T) {
	url := itest.Elasticsearch(t)
	es := itest.ESClient(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	t.Run("Info answers as Elasticsearch 8", func(t *testing.T) {
		res, err := es.Info(es.Info.WithContext(ctx))
		require.NoError(t, err, "go-elasticsearch refused the node (product check)")
		defer res.Body.Close()
		require.False(t, res.IsError(), res.String())
		require.Equal(t, "Elasticsearch", res.Header.Get("X-Elastic-Product"))
		var info struct {
			Version struct {
				Number string `json:"number"`
			} `json:"version"`
			Tagline string `json:"tagline"`
		}
		require.NoError(t, json.NewDecoder(res.Body).Decode(&info))
		require.True(t, strings.HasPrefix(info.Version.Number, "8."), "version %q", info.Version.Number)
		t.Logf("Elasticsearch %s", info.Version.Number)
	})

	t.Run("external versions: an older copy of a document is refused with 409", func(t *testing.T) {
		index := itest.NewIndexName(t, url)
		put := func(version int, title string) int {
			res, err := es.Index(index, strings.NewReader(`{"title":"`+title+`"}`),
				es.Index.WithDocumentID("story-1"), es.Index.WithVersion(version),
				es.Index.WithVersionType("external"), es.Index.WithContext(ctx))
			require.NoError(t, err)
			defer res.Body.Close()
			return res.StatusCode
		}
		require.Equal(t, http.StatusCreated, put(1700000000, "first"))
		require.Equal(t, http.StatusOK, put(1700000100, "newer"))
		require.Equal(t, http.StatusConflict, put(1700000050, "late older copy"))

		var doc strings.Builder
		require.NoError(t, itest.ESDo(ctx, url, http.MethodGet, "/"+index+"/_doc/story-1", "", &doc))
		require.Contains(t, doc.String(), `"title":"newer"`)
	})

	cases := []struct {
		name     string
		analyzer string
		wantOK   bool
	}{
		{name: "the standard analyzer (server core) is there", analyzer: "standard", wantOK: true},
		{name: "the english analyzer (Lucene's, registered by the testenv plugin) is there", analyzer: "english", wantOK: true},
		{name: "the french analyzer (analysis-common module, not on Maven Central) is not", analyzer: "french", wantOK: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := itest.ESDo(ctx, url, http.MethodPost, "/_analyze",
				`{"analyzer": "`+tc.analyzer+`", "text": "Leaders called an emergency summit"}`, nil)
			if tc.wantOK {
				require.NoError(t, err)
			} else {
				require.Error(t, err, "analyzer %s exists: update testenv/README.md and this test", tc.analyzer)
				require.Contains(t, err.Error(), "400")
			}
		})
	}
}
