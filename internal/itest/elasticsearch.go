package itest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
)

// ESClient returns a go-elasticsearch v8 client for the node at url. Unlike
// the client newsflow builds (internal/escfg: no client-side retries, the
// indexer and the stores retry themselves), it retries 429 and 502–504, so
// a test's own requests ride out a busy node.
func ESClient(t testing.TB, url string) *elasticsearch.Client {
	t.Helper()
	es, err := elasticsearch.NewClient(elasticsearch.Config{
		Addresses:     []string{url},
		RetryOnStatus: []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
		RetryBackoff:  func(attempt int) time.Duration { return time.Duration(attempt) * 100 * time.Millisecond },
	})
	if err != nil {
		t.Fatalf("elasticsearch client for %s: %v", url, err)
	}
	return es
}

// NewIndexName returns an index name unique to the test and this run, lower
// case as Elasticsearch requires. It creates nothing; when the test ends every
// index whose name starts with it (the index itself, or name-000001 behind an
// alias of that name) is deleted.
func NewIndexName(t testing.TB, url string) string {
	t.Helper()
	name := UniqueName(t, "itest-")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := ESDo(ctx, url, http.MethodDelete, "/"+name+"*?allow_no_indices=true&ignore_unavailable=true", "", nil); err != nil {
			t.Logf("cleanup: delete indices %s*: %v", name, err)
		}
	})
	return name
}

// ESDo sends one plain HTTP request to the node at url and fails on a status
// other than 2xx; when out is not nil the response body is copied into it. It is
// for test set-up and inspection that should not depend on the client under test.
func ESDo(ctx context.Context, url, method, path, body string, out io.Writer) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(url, "/")+path, rd)
	if err != nil {
		return err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	if out != nil {
		_, err = out.Write(b)
	}
	return err
}
