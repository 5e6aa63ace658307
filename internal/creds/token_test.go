package creds

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestToken(t *testing.T) {
	tok := NewToken(" s3cret\n")
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := tok.Require("newsflow", ok)
	for _, tc := range []struct {
		name string
		set  func(r *http.Request)
		want int
	}{
		{"no credentials", func(*http.Request) {}, 401},
		{"the bearer token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer s3cret") }, 204},
		{"the scheme in another case", func(r *http.Request) { r.Header.Set("Authorization", "bearer s3cret") }, 204},
		{"a wrong token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer s3cre") }, 401},
		{"the token as a Basic password", func(r *http.Request) { r.SetBasicAuth("editor", "s3cret") }, 204},
		{"the token as a Basic user", func(r *http.Request) { r.SetBasicAuth("s3cret", "") }, 401},
		{"another scheme", func(r *http.Request) { r.Header.Set("Authorization", "Token s3cret") }, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			tc.set(r)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			require.Equal(t, tc.want, rec.Code)
			if tc.want == 401 {
				require.Equal(t, []string{`Basic realm="newsflow", charset="UTF-8"`, `Bearer realm="newsflow"`}, rec.Header().Values("WWW-Authenticate"))
				require.Contains(t, rec.Body.String(), `"error":"missing or wrong token`)
			}
		})
	}
	require.False(t, NewToken("  ").Allows(httptest.NewRequest(http.MethodGet, "/", nil)), "an empty token allows nothing")
	require.False(t, NewToken("").Set())
}
