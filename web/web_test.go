package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHandler(t *testing.T) {
	h := Handler()
	for _, tc := range []struct {
		name, path string
		status     int
		typ        string
		contains   string
	}{
		{"the page", "/", 200, "text/html; charset=utf-8", `<script src="/static/app.js" defer></script>`},
		{"the script", "/static/app.js", 200, "text/javascript; charset=utf-8", "fragmentNode"},
		{"the style", "/static/style.css", 200, "text/css; charset=utf-8", ".status-duplicate"},
		{"an unknown path", "/nope", 404, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			require.Equal(t, tc.status, rec.Code)
			require.Equal(t, CSP, rec.Header().Get("Content-Security-Policy"))
			require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			if tc.typ != "" {
				require.Equal(t, tc.typ, rec.Header().Get("Content-Type"))
			}
			b, _ := io.ReadAll(rec.Body)
			require.Contains(t, string(b), tc.contains)
		})
	}
}

// The script never hands data to an HTML parser.
func TestTheScriptNeverParsesDataAsHTML(t *testing.T) {
	b, err := static.ReadFile("static/app.js")
	require.NoError(t, err)
	for _, sink := range []string{`\.innerHTML`, `\.outerHTML`, `insertAdjacentHTML`, `document\.write`, `\beval\(`, `new Function`, `DOMParser`, `createContextualFragment`} {
		require.Nil(t, regexp.MustCompile(sink).Find(b), "app.js uses %s", sink)
	}
}

// Nothing is loaded from another origin: the machine may be offline.
func TestThePageLoadsNothingFromElsewhere(t *testing.T) {
	for _, f := range []string{"static/index.html", "static/style.css", "static/app.js"} {
		b, err := static.ReadFile(f)
		require.NoError(t, err)
		for _, m := range regexp.MustCompile(`(?:src|href)="([^"]+)"|url\(([^)]+)\)|fetch\("([^"]+)"`).FindAllSubmatch(b, -1) {
			u := string(m[1]) + string(m[2]) + string(m[3])
			if regexp.MustCompile(`^https://creativecommons\.org/`).MatchString(u) {
				continue // a link the reader may follow, not a resource
			}
			require.Regexp(t, `^(/|#)`, u, "%s refers to %s", f, u)
		}
	}
}

// Bad requests to the page are 4xx (a path with dots a redirect to its
// clean form), never 5xx nor a page.
func TestBadRequestsAreA4xx(t *testing.T) {
	h := Handler()
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, "/"}, {http.MethodDelete, "/static/app.js"}, {http.MethodGet, "/static/"}, {http.MethodGet, "/static/nope.js"},
		{http.MethodGet, "/static/../../etc/passwd"}, {http.MethodGet, "/%ff"}, {http.MethodGet, "/index.html/x"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		require.True(t, rec.Code >= 300 && rec.Code < 500, "%s %s: %d", tc.method, tc.path, rec.Code)
		require.Equal(t, CSP, rec.Header().Get("Content-Security-Policy"))
	}
}
