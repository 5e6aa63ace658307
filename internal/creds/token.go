package creds

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
)

// Token is a bearer token HTTP endpoints require (--token-file), compared
// in constant time: both sides are hashed first, so neither the length nor
// a prefix leaks. The zero Token allows nothing.
type Token struct {
	hash [32]byte
	set  bool
}

// NewToken returns the token s (trimmed); an empty s allows nothing.
func NewToken(s string) Token {
	s = strings.TrimSpace(s)
	if s == "" {
		return Token{}
	}
	return Token{hash: sha256.Sum256([]byte(s)), set: true}
}

// Set reports whether the token is not empty.
func (t Token) Set() bool { return t.set }

// Allows reports whether r carries the token: "Authorization: Bearer
// <token>" (clients, curl), or HTTP Basic with the token as the password
// and any user name (what a browser sends once its login prompt was
// answered).
func (t Token) Allows(r *http.Request) bool {
	if !t.set {
		return false
	}
	var got string
	if _, pass, ok := r.BasicAuth(); ok {
		got = pass
	} else {
		scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return false
		}
		got = strings.TrimSpace(tok)
	}
	h := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(h[:], t.hash[:]) == 1
}

// Require lets through the requests that carry the token and answers the
// others 401 with a JSON {"error": "…"} and a WWW-Authenticate challenge
// of both schemes: a browser prompts for the Basic one (any user, the token
// as password), API clients send the Bearer one.
func (t Token) Require(realm string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t.Allows(r) {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Add("WWW-Authenticate", `Basic realm="`+realm+`", charset="UTF-8"`)
		w.Header().Add("WWW-Authenticate", `Bearer realm="`+realm+`"`)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "missing or wrong token: send Authorization: Bearer <token> (the --token-file's), or sign in with any user name and the token as password"})
	})
}
