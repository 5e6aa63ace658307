package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// API paths.
const (
	PathSearch      = "/api/search"
	PathArticles    = "/api/articles/"
	PathStats       = "/api/stats"
	PathDeadLetters = "/api/deadletters"
	PathInfo        = "/api/info"
)

// requestTimeout bounds one backend call.
const requestTimeout = 15 * time.Second

// Limits of GET /api/deadletters.
const (
	DefaultDeadLetters = 20
	MaxDeadLetters     = 200
)

// Options configure the API handler.
type Options struct {
	// Searcher answers /api/search and /api/articles/{id}. Required.
	Searcher Searcher
	// Stats, when not nil, answers /api/stats.
	Stats *Stats
	// DeadLetters, when not nil, answers /api/deadletters.
	DeadLetters DeadLetterLister
	// Info, when not nil, is the answer of /api/info.
	Info *Info
	// Logger receives backend errors. Default: discard.
	Logger *slog.Logger
}

// Info describes the process serving the page: what the empty state and
// the dead-letter panel tell an editor to do.
type Info struct {
	// Version and Commit of the binary.
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	// Watch is the watched directory ("" when none).
	Watch string `json:"watch,omitempty"`
	// Push is the push endpoint's URL ("" when none); PushToken says it
	// needs the bearer token.
	Push      string `json:"push,omitempty"`
	PushToken bool   `json:"push_token,omitempty"`
	// Index names where the articles are (the bleve directory or the
	// Elasticsearch alias).
	Index string `json:"index,omitempty"`
	// SyntaxHint is the one-line summary of the query syntax.
	SyntaxHint string `json:"syntax_hint"`
}

// DeadLetter is one message of the dead-letter topic (consumers/dlq).
type DeadLetter struct {
	Partition int       `json:"partition"`
	Offset    int64     `json:"offset"`
	Time      time.Time `json:"time"`
	Key       string    `json:"key"`
	// Stage and Error are why it was dead-lettered (newsflow.stage,
	// newsflow.error).
	Stage string `json:"stage"`
	Error string `json:"error"`
	// Topic, SourcePartition and SourceOffset are where it was read.
	Topic           string `json:"topic,omitempty"`
	SourcePartition int    `json:"source_partition"`
	SourceOffset    int64  `json:"source_offset"`
	// Replays counts earlier replays of the message.
	Replays int `json:"replays,omitempty"`
	// Replayed: the replay group has passed this letter already.
	Replayed bool `json:"replayed"`
	// Bytes is the size of the original message.
	Bytes int `json:"bytes"`
}

// DeadLetters is the answer of GET /api/deadletters.
type DeadLetters struct {
	// Topic is the dead-letter topic.
	Topic string `json:"topic"`
	// Total is the number of letters the topic holds; Pending those the
	// replay group has not passed.
	Total   int64 `json:"total"`
	Pending int64 `json:"pending"`
	// Letters are the newest ones, newest first.
	Letters []DeadLetter `json:"letters"`
	// Replay is the command that re-publishes the pending letters.
	Replay string `json:"replay"`
}

// DeadLetterLister returns the newest limit dead letters.
type DeadLetterLister func(ctx context.Context, limit int) (DeadLetters, error)

// NewHandler returns the handler of the API paths:
//
//	GET /api/search?q=…&source=…&kind=…&unit=…&min=…&max=…&from=…&to=…&id=…&sort=…&group=…&size=…&offset=…
//	    200 Result; 400 {"error": "…"} for a bad parameter or query syntax
//	GET /api/articles/{id}
//	    200 the article document; 404 {"error": "article not found"}
//	GET /api/stats
//	    200 Snapshot (throughput, lag, dead letters, stage latency, feeds, watch)
//	GET /api/deadletters?limit=…
//	    200 DeadLetters
//	GET /api/info
//	    200 Info
//
// Backend failures answer 502 with the error; other paths under /api/ 404,
// other methods 405, all with a JSON {"error": "…"}. Every answer is JSON
// with Cache-Control: no-store.
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
	if o.DeadLetters != nil {
		mux.HandleFunc("GET "+PathDeadLetters, h.deadLetters)
	}
	if o.Info != nil {
		mux.HandleFunc("GET "+PathInfo, h.info)
	}
	mux.HandleFunc("/", h.other)
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
	if err := checkID(id); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	if len(r.URL.Query()) > 0 {
		writeJSON(w, http.StatusBadRequest, errorBody{"an article takes no parameters"})
		return
	}
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

func checkID(id string) error {
	switch {
	case id == "":
		return errors.New("no article id")
	case len(id) > MaxIDBytes:
		return fmt.Errorf("article id of %d bytes: at most %d", len(id), MaxIDBytes)
	case !utf8.ValidString(id):
		return errors.New("article id is not valid UTF-8")
	}
	return nil
}

func (h *handler) stats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, h.o.Stats.Snapshot())
}

func (h *handler) info(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, h.o.Info)
}

func (h *handler) deadLetters(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	if err := known(v, "limit"); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	limit, err := integer(v, "limit")
	switch {
	case err != nil:
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	case limit < 0 || limit > MaxDeadLetters:
		writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("limit %d: want 1 to %d", limit, MaxDeadLetters)})
		return
	case limit == 0:
		limit = DefaultDeadLetters
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	d, err := h.o.DeadLetters(ctx, limit)
	if err != nil {
		h.o.Logger.Warn("list dead letters failed", "err", err)
		writeJSON(w, http.StatusBadGateway, errorBody{"list dead letters failed: " + err.Error()})
		return
	}
	if d.Letters == nil {
		d.Letters = []DeadLetter{}
	}
	writeJSON(w, http.StatusOK, d)
}

// other answers what no route takes: a known path with another method
// (405), anything else (404).
func (h *handler) other(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	knownPath := p == PathSearch || p == PathStats || p == PathDeadLetters || p == PathInfo ||
		(strings.HasPrefix(p, PathArticles) && len(p) > len(PathArticles))
	if knownPath && r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{"use GET"})
		return
	}
	if p == PathArticles {
		writeJSON(w, http.StatusBadRequest, errorBody{"no article id: GET " + PathArticles + "{id}"})
		return
	}
	writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("no such API path %q (see search/README.md: %s, %s{id}, %s, %s, %s)",
		truncate(p, 80), PathSearch, PathArticles, PathStats, PathDeadLetters, PathInfo)})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
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

// searchParams are the parameters of /api/search.
var searchParams = []string{"q", "source", "kind", "unit", "min", "max", "from", "to", "id", "sort", "group", "size", "offset"}

// repeatable are the parameters that may be given more than once.
var repeatable = map[string]bool{"source": true, "id": true}

// known refuses parameters outside names, repeated single-valued ones and
// values that are not UTF-8: a typo must not be a silently ignored filter.
func known(v url.Values, names ...string) error {
	for k, vals := range v {
		if !slices.Contains(names, k) {
			return fmt.Errorf("unknown parameter %q (known: %s)", truncate(k, 40), strings.Join(names, ", "))
		}
		if len(vals) > 1 && !repeatable[k] {
			return fmt.Errorf("parameter %s given %d times: give it once", k, len(vals))
		}
		for _, s := range vals {
			if !utf8.ValidString(s) {
				return fmt.Errorf("parameter %s is not valid UTF-8", k)
			}
		}
	}
	return nil
}

// ParseQuery reads the parameters of /api/search (see the package doc):
// q, source (repeatable, comma-separated), kind, unit, min, max, from, to,
// id (repeatable), sort, group (story), size and offset. Unknown and
// repeated parameters, bad values and unsupported query syntax are errors.
func ParseQuery(v url.Values) (Query, error) {
	if err := known(v, searchParams...); err != nil {
		return Query{}, err
	}
	q := Query{
		Text: strings.TrimSpace(v.Get("q")),
		Kind: strings.TrimSpace(v.Get("kind")),
		Unit: strings.TrimSpace(v.Get("unit")),
		Sort: strings.TrimSpace(v.Get("sort")),
	}
	for _, s := range v["source"] {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				q.Sources = append(q.Sources, p)
			}
		}
	}
	for _, id := range v["id"] {
		if err := checkID(id); err != nil {
			return Query{}, err
		}
		q.IDs = append(q.IDs, id)
	}
	switch g := strings.TrimSpace(v.Get("group")); g {
	case "", "none":
	case "story":
		q.Group = true
	default:
		return Query{}, fmt.Errorf("group %q: want story (or none)", g)
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
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
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
