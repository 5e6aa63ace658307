package ops

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

func TestEndpoints(t *testing.T) {
	reg := NewRegistry()
	promauto.With(reg).NewCounter(prometheus.CounterOpts{Name: "newsflow_test_total", Help: "t"}).Add(3)
	p := NewProber()
	h := Handler(reg, p)

	code, body := get(t, h, "/metrics")
	require.Equal(t, 200, code)
	require.Contains(t, body, "newsflow_test_total 3")
	require.Contains(t, body, "go_goroutines")

	code, _ = get(t, h, "/healthz")
	require.Equal(t, 200, code)

	code, _ = get(t, h, "/readyz")
	require.Equal(t, 200, code, "no checks means ready")

	down := errors.New("connection refused")
	p.AddCheck("kafka", func(context.Context) error { return down })
	code, body = get(t, h, "/readyz")
	require.Equal(t, 503, code)
	require.True(t, strings.Contains(body, "kafka: connection refused"), body)

	p.AddCheck("kafka", func(context.Context) error { return nil })
	code, _ = get(t, h, "/readyz")
	require.Equal(t, 200, code)

	p.NotReady()
	code, body = get(t, h, "/readyz")
	require.Equal(t, 503, code)
	require.Contains(t, body, "shutting down")
	code, _ = get(t, h, "/healthz")
	require.Equal(t, 200, code, "liveness stays up while shutting down")
}

// TestOpsEndpointsAnswerBadRequestsWithJSON: another method or path is a
// 4xx with a JSON message.
func TestOpsEndpointsAnswerBadRequestsWithJSON(t *testing.T) {
	h := Handler(NewRegistry(), NewProber())
	tests := []struct {
		method, path string
		want         int
		msg          string
	}{
		{http.MethodPost, "/metrics", http.StatusMethodNotAllowed, "POST /metrics: use GET"},
		{http.MethodDelete, "/healthz", http.StatusMethodNotAllowed, "DELETE /healthz: use GET"},
		{http.MethodPut, "/readyz", http.StatusMethodNotAllowed, "PUT /readyz: use GET"},
		{http.MethodGet, "/nope", http.StatusNotFound, `no such endpoint "/nope"`},
		{http.MethodHead, "/healthz", http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			require.Equal(t, tc.want, rec.Code, rec.Body.String())
			if tc.msg == "" {
				return
			}
			require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
			require.Contains(t, e.Error, tc.msg)
			if tc.want == http.StatusMethodNotAllowed {
				require.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))
			}
		})
	}
}
