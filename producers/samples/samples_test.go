package samples

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/producers/format"
)

func fetch(t *testing.T, c *http.Client, url, etag string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = res.Body.Close() })
	return res
}

func TestEverySampleBecomesAnArticle(t *testing.T) {
	c := &http.Client{Transport: Transport(nil)}
	p := pipeline.New(dedup.New(dedup.NewMemoryStore(0), dedup.Options{}), time.Now, nil)
	want := map[string]int{SourceNinjs: 9, SourceNewsMLG2: 3}
	figures, repeated := 0, 0
	for _, f := range Feeds() {
		t.Run(f.Name, func(t *testing.T) {
			res := fetch(t, c, f.URL, "")
			require.Equal(t, http.StatusOK, res.StatusCode)
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			doc, err := format.Parse(body, format.Options{Source: f.Name, Now: time.Now()})
			require.NoError(t, err)
			require.Empty(t, doc.Rejected)
			require.Len(t, doc.Items, want[f.Name])
			for _, it := range doc.Items {
				a, err := p.ProcessOne(context.Background(), it.Article)
				require.NoError(t, err, it.Article.SourceID)
				require.NotEmpty(t, a.Title, it.Article.SourceID)
				require.NotEmpty(t, a.Body, it.Article.SourceID)
				figures += len(a.Figures)
				for _, para := range a.Paragraphs {
					if para.Status == "repeated" {
						repeated++
					}
				}
			}
		})
	}
	require.Greater(t, figures, 20, "the samples show figures")
	require.Positive(t, repeated, "two samples share paragraphs, so the page shows 'repeated'")
}

func TestConditionalRequestsAreNotModified(t *testing.T) {
	c := &http.Client{Transport: Transport(nil)}
	url := Feeds()[0].URL
	etag := fetch(t, c, url, "").Header.Get("ETag")
	require.NotEmpty(t, etag)
	require.Equal(t, http.StatusNotModified, fetch(t, c, url, etag).StatusCode)
	require.Equal(t, http.StatusNotFound, fetch(t, c, "http://"+Host+"/nope", "").StatusCode)
	notice := fetch(t, c, "http://"+Host+"/NOTICE.md", "")
	b, _ := io.ReadAll(notice.Body)
	require.Contains(t, string(b), "CC BY 4.0")
	require.Contains(t, string(b), "MIT License")
}

type refuse struct{}

func (refuse) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("next transport")
}

func TestOtherHostsGoToTheNextTransport(t *testing.T) {
	c := &http.Client{Transport: Transport(refuse{})}
	_, err := c.Get("http://example.com/feed.xml")
	require.ErrorContains(t, err, "next transport")
}

func TestTheNoticeNamesEveryFile(t *testing.T) {
	notice := string(Notice())
	for _, dir := range []string{"ninjs", "newsml-g2"} {
		for _, n := range names(dir) {
			name := n[strings.LastIndex(n, "/")+1:]
			require.Contains(t, notice, "`"+name+"`", "NOTICE.md lists %s", n)
		}
	}
}
