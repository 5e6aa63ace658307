package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// API paths.
const (
	PathSearch   = "/api/search"
	PathArticles = "/api/articles/"
	PathStats    = "/api/stats"
)

// requestTimeout bounds one backend call.
const requestTimeout = 15 * time.Second

// Options configure the API handler.
type Options struct {
	// Searcher answers /api/search and /api/articles/{id}. Required.
	Searcher Searcher
	// Stats, when not nil, answers /api/stats.
	Stats *Stats
	// Logger receives backend errors. Default: discard.
	Logger *slog.Logger
}

// NewHandler returns the handler of the API paths:
//
//	GET /api/search?q=…&source=…&kind=…&unit=…&min=…&max=…&from=…&to=…&size=…&offset=…
//	    200 Result; 400 {"error": "…"} for a bad parameter
//	GET /api/articles/{id}
//	    200 the article document; 404 {"error": "article not found"}
//	GET /api/stats
//	    200 Snapshot (throughput, lag, dead letters, stage latency)
//
// Backend failures answer 502 with the error. Every answer is JSON with
// Cache-Control: no-store.
func NewHandler(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	h := &handler{o: o}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathSearch, h.search)
	mux.HandleFunc("GET "+PathArticles+"{id}", h.article)
	if o.Stats != nil {
		mux.HandleFunc("GET "+PathStats, h.stats)
	}
	return mux
}

type handler struct{ o Options }

func (h *handler) search(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	res, err := h.o.Searcher.Search(ctx, q)
	if err != nil {
		h.o.Logger.Warn("search failed", "query", r.URL.RawQuery, "err", err)
		writeJSON(w, http.StatusBadGateway, errorBody{"search failed: " + err.Error()})
		return
	}
	if res.Hits == nil {
		res.Hits = []Hit{}
	}
	writeJSON(w, http.StatusOK, res)
}

func (h *handler) article(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	doc, err := h.o.Searcher.Article(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		writeJSON(w, http.StatusNotFound, errorBody{ErrNotFound.Error()})
		return
	case err != nil:
		h.o.Logger.Warn("article lookup failed", "article_id", id, "err", err)
		writeJSON(w, http.StatusBadGateway, errorBody{"article lookup failed: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(doc)
}

func (h *handler) stats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, h.o.Stats.Snapshot())
}

type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ParseQuery reads the parameters of /api/search (see the package doc):
// q, source (repeatable, comma-separated), kind, unit, min, max, from, to,
// size and offset.
func ParseQuery(v url.Values) (Query, error) {
	q := Query{
		Text: strings.TrimSpace(v.Get("q")),
		Kind: strings.TrimSpace(v.Get("kind")),
		Unit: strings.TrimSpace(v.Get("unit")),
	}
	for _, s := range v["source"] {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				q.Sources = append(q.Sources, p)
			}
		}
	}
	var err error
	if q.Min, err = number(v, "min"); err != nil {
		return Query{}, err
	}
	if q.Max, err = number(v, "max"); err != nil {
		return Query{}, err
	}
	if q.From, err = date(v, "from", false); err != nil {
		return Query{}, err
	}
	if q.To, err = date(v, "to", true); err != nil {
		return Query{}, err
	}
	if q.Size, err = integer(v, "size"); err != nil {
		return Query{}, err
	}
	if q.Offset, err = integer(v, "offset"); err != nil {
		return Query{}, err
	}
	return q, q.Validate()
}

// number reads a decimal that may carry thousands separators ("1,000",
// "1 000", "1_000").
func number(v url.Values, name string) (*float64, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return nil, nil
	}
	clean := strings.NewReplacer(",", "", "_", "", " ", "", "\u00a0", "", "\u202f", "").Replace(s)
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil || f != f { // NaN
		return nil, fmt.Errorf("%s %q: want a number such as 1000 or 1,000", name, s)
	}
	return &f, nil
}

// date reads RFC 3339 or a day (2006-01-02, UTC); endOfDay makes a day
// mean its last nanosecond.
func date(v url.Values, name string, endOfDay bool) (time.Time, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want a date (2006-01-02) or an RFC 3339 time", name, s)
	}
	if endOfDay {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return t, nil
}

func integer(v url.Values, name string) (int, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s %q: want a whole number", name, s)
	}
	return n, nil
}
