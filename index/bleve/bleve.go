// Package bleve is the article index of `newsflow up`: a bleve index on
// disk behind the same Indexer interface as Elasticsearch (consumers.Indexer)
// and the same Searcher as the Elasticsearch backend (search.Searcher), so
// the consumer worker and the search page run unchanged on one machine.
//
// # Delivery
//
// Index keeps the Elasticsearch contract of index/elastic: a document
// replaces the stored one of the same id unless the stored one has a newer
// external version (consumers.Version of its own dates), in which case it is
// SkippedOlder; an equal version rewrites (external_gte). A batch returns
// once bleve has persisted it (scorch's safe batches), so the worker
// commits offsets only behind documents on disk. A document bleve cannot
// take is Rejected (dead-lettered); a failing batch is retried with backoff
// until the context ends, then Unfinished.
//
// # Figures
//
// Elasticsearch keeps figures as nested objects, so "a figure of kind
// distance, unit km and value above 1,000" must hold for one figure. bleve
// flattens arrays of objects, so each figure's value is indexed under four
// numeric fields: fv.any, fv.k.<kind>, fv.u.<unit> and fv.ku.<kind>.<unit>.
// A range query on the field chosen by the filter's kind and unit then
// matches exactly the articles with one figure satisfying all three, the
// nested semantics.
//
// # Text
//
// The english analyzer is Elasticsearch's (Lucene's EnglishAnalyzer):
// Unicode word boundaries, possessive 's removed, lower case, the 33 stop
// words of Lucene's English set, Porter stemmer, so that a query finds the
// same articles here as on a cluster. Stories are grouped (search.Query
// Group) by scanning the ranked hits for the first of each story_id, as
// Elasticsearch's field collapsing does.
//
// # Upgrades
//
// The mapping is versioned (mappingVersion). Open refuses an index built
// with another one with ErrMappingChanged: `newsflow up` then moves it
// aside and rebuilds it from the embedded broker, which keeps every
// message.
package bleve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	blevesearch "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/search"
)

// Analyzers of title and body, named as the --text-analyzer values of
// Elasticsearch they mirror.
const (
	// AnalyzerEnglish stems and drops English stop words, as
	// Elasticsearch's english analyzer does (see the package doc). The
	// default.
	AnalyzerEnglish = "english"
	// AnalyzerStandard splits on Unicode word boundaries and lower-cases
	// (Elasticsearch's standard analyzer).
	AnalyzerStandard = "standard"
)

// mappingVersion is stored in the index; an index built with another
// mapping is refused rather than queried wrongly. 2: Elasticsearch's
// english analyzer, story_id and published_day.
const mappingVersion = "newsflow-bleve-2"

// ErrMappingChanged is wrapped by Open's error for an index built by
// another version of newsflow: move it aside and build it again.
var ErrMappingChanged = errors.New("index built with another mapping")

// englishStopWords are Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET,
// the stop words of Elasticsearch's english analyzer.
var englishStopWords = []any{
	"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
	"on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
}

// Field names in the index.
const (
	fieldTitle     = "title"
	fieldBody      = "body"
	fieldSource    = "source"
	fieldPublished = "published_at"
	fieldPubText   = "published"
	fieldKinds     = "fig_kind"
	fieldUnits     = "fig_unit"
	fieldStory     = "story_id"
	fieldDay       = "published_day"
	fieldDoc       = "doc_json"
	figRoot        = "fv"
	internalKey    = "newsflow_mapping"
)

// Result labels of newsflow_bleve_documents_total.
const (
	DocIndexed      = "indexed"
	DocDeleted      = "deleted"
	DocSkippedOlder = "skipped_older"
	DocRejected     = "rejected"
)

// Options configure an Index.
type Options struct {
	// Analyzer of title and body: AnalyzerEnglish or AnalyzerStandard. It
	// applies when the index is created. Default: AnalyzerEnglish.
	Analyzer string
	// Backoff spaces retries of a failing batch. Default: 100ms to 30s.
	Backoff backoff.Policy
	// Logger: default discard. Registerer: nil means no metrics.
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Index is the bleve article index. It is safe for concurrent use.
type Index struct {
	idx     blevesearch.Index
	o       Options
	mu      sync.Mutex // serialises Index (version checks and batch)
	metrics *metrics

	closeOnce sync.Once
}

type metrics struct {
	docs  *prometheus.CounterVec
	batch prometheus.Histogram
}

// Open opens the index in dir, creating it when dir does not exist.
func Open(dir string, o Options) (*Index, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Analyzer == "" {
		o.Analyzer = AnalyzerEnglish
	}
	if o.Analyzer != AnalyzerEnglish && o.Analyzer != AnalyzerStandard {
		return nil, fmt.Errorf("bleve index: analyzer %q: want %s or %s", o.Analyzer, AnalyzerEnglish, AnalyzerStandard)
	}
	var idx blevesearch.Index
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		m, err := newMapping(o.Analyzer)
		if err != nil {
			return nil, err
		}
		if idx, err = blevesearch.New(dir, m); err != nil {
			return nil, fmt.Errorf("create bleve index in %s: %w", dir, err)
		}
		if err := idx.SetInternal([]byte(internalKey), []byte(mappingVersion)); err != nil {
			_ = idx.Close()
			return nil, fmt.Errorf("create bleve index in %s: %w", dir, err)
		}
	} else {
		if idx, err = blevesearch.Open(dir); err != nil {
			return nil, fmt.Errorf("open bleve index in %s (another newsflow up using this --data-dir, or a damaged index: move the directory away and the index is rebuilt from Kafka only if its messages are consumed again): %w", dir, err)
		}
		v, err := idx.GetInternal([]byte(internalKey))
		if err != nil || string(v) != mappingVersion {
			_ = idx.Close()
			return nil, fmt.Errorf("bleve index in %s has mapping %q, this version uses %q (move the directory away to build a new one): %w", dir, v, mappingVersion, ErrMappingChanged)
		}
	}
	f := promauto.With(o.Registerer)
	m := &metrics{
		docs: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_bleve_documents_total",
			Help: "Documents written to the embedded bleve index, by result: indexed, skipped_older (a newer version is indexed), rejected.",
		}, []string{"result"}),
		batch: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_bleve_batch_duration_seconds",
			Help:    "Time to write and persist one batch in the embedded bleve index.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}),
	}
	for _, r := range []string{DocIndexed, DocDeleted, DocSkippedOlder, DocRejected} {
		m.docs.WithLabelValues(r)
	}
	return &Index{idx: idx, o: o, metrics: m}, nil
}

// Close closes the index; batches were persisted when Index returned.
// Later calls do nothing.
func (x *Index) Close() error {
	var err error
	x.closeOnce.Do(func() { err = x.idx.Close() })
	return err
}

// Count returns the number of documents in the index.
func (x *Index) Count() (uint64, error) { return x.idx.DocCount() }

func newMapping(analyzer string) (*mapping.IndexMappingImpl, error) {
	im := blevesearch.NewIndexMapping()
	const (
		standard  = "newsflow_standard"
		english   = "newsflow_english"
		stopWords = "newsflow_english_stop_words"
		stopOut   = "newsflow_english_stop"
	)
	if err := im.AddCustomAnalyzer(standard, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, fmt.Errorf("bleve mapping: %w", err)
	}
	if err := im.AddCustomTokenMap(stopWords, map[string]any{"type": tokenmap.Name, "tokens": englishStopWords}); err != nil {
		return nil, fmt.Errorf("bleve mapping: %w", err)
	}
	if err := im.AddCustomTokenFilter(stopOut, map[string]any{"type": stop.Name, "stop_token_map": stopWords}); err != nil {
		return nil, fmt.Errorf("bleve mapping: %w", err)
	}
	if err := im.AddCustomAnalyzer(english, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{en.PossessiveName, lowercase.Name, stopOut, porter.Name},
	}); err != nil {
		return nil, fmt.Errorf("bleve mapping: %w", err)
	}
	textAnalyzer := english
	if analyzer == AnalyzerStandard {
		textAnalyzer = standard
	}
	im.DefaultAnalyzer = textAnalyzer
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.IndexDynamic = true

	text := func() *mapping.FieldMapping {
		f := blevesearch.NewTextFieldMapping()
		f.Analyzer = textAnalyzer
		f.Store = true // the highlighter reads the stored text
		f.IncludeTermVectors = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	keyword := func(store bool) *mapping.FieldMapping {
		f := blevesearch.NewKeywordFieldMapping()
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		return f
	}
	date := blevesearch.NewDateTimeFieldMapping()
	date.Store = false
	date.IncludeInAll = false
	stored := blevesearch.NewTextFieldMapping()
	stored.Index = false
	stored.Store = true
	stored.IncludeInAll = false
	stored.IncludeTermVectors = false
	stored.DocValues = false

	doc := blevesearch.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldTitle, text())
	doc.AddFieldMappingsAt(fieldBody, text())
	doc.AddFieldMappingsAt(fieldSource, keyword(true))
	doc.AddFieldMappingsAt(fieldPublished, date)
	doc.AddFieldMappingsAt(fieldPubText, stored)
	doc.AddFieldMappingsAt(fieldKinds, keyword(false))
	doc.AddFieldMappingsAt(fieldUnits, keyword(false))
	doc.AddFieldMappingsAt(fieldStory, keyword(true))
	doc.AddFieldMappingsAt(fieldDay, keyword(false))
	doc.AddFieldMappingsAt(fieldDoc, stored)
	figs := blevesearch.NewDocumentMapping() // dynamic: fv.k.<kind> etc. are numbers
	doc.AddSubDocumentMapping(figRoot, figs)
	im.DefaultMapping = doc
	return im, im.Validate()
}

// fieldSafe makes a kind or unit usable as a field path element.
func fieldSafe(s string) string {
	return strings.NewReplacer(".", "_", " ", "_").Replace(s)
}

// figureField is the numeric field a figure filter of kind and unit
// queries (see the package doc).
func figureField(kind, unit string) string {
	switch {
	case kind != "" && unit != "":
		return figRoot + ".ku." + fieldSafe(kind) + "." + fieldSafe(unit)
	case kind != "":
		return figRoot + ".k." + fieldSafe(kind)
	case unit != "":
		return figRoot + ".u." + fieldSafe(unit)
	default:
		return figRoot + ".any"
	}
}

// toDoc is what bleve indexes for a.
func toDoc(a article.Article, src []byte) map[string]any {
	story := a.StoryID
	if story == "" {
		story = a.ID
	}
	d := map[string]any{
		fieldTitle:  a.Title,
		fieldBody:   a.Body,
		fieldSource: a.Source,
		fieldStory:  story,
		fieldDoc:    string(src),
	}
	if a.PublishedAt != "" {
		if t, err := time.Parse(time.RFC3339Nano, a.PublishedAt); err == nil {
			d[fieldPublished] = t.UTC()
			d[fieldPubText] = a.PublishedAt
			d[fieldDay] = t.UTC().Format(search.DayLayout)
		}
	}
	anyVals := []float64{}
	byKind := map[string][]float64{}
	byUnit := map[string][]float64{}
	byKU := map[string]map[string][]float64{}
	for _, f := range a.Figures {
		if math.IsNaN(f.Value) || math.IsInf(f.Value, 0) {
			continue
		}
		anyVals = append(anyVals, f.Value)
		k := fieldSafe(f.Kind)
		byKind[k] = append(byKind[k], f.Value)
		if f.Unit != "" {
			u := fieldSafe(f.Unit)
			byUnit[u] = append(byUnit[u], f.Value)
			if byKU[k] == nil {
				byKU[k] = map[string][]float64{}
			}
			byKU[k][u] = append(byKU[k][u], f.Value)
		}
	}
	if len(anyVals) > 0 {
		d[figRoot] = map[string]any{"any": anyVals, "k": byKind, "u": byUnit, "ku": byKU}
		d[fieldKinds] = distinct(a.Figures, func(f article.Figure) string { return f.Kind })
		d[fieldUnits] = distinct(a.Figures, func(f article.Figure) string { return f.Unit })
	}
	return d
}

func distinct(figs []article.Figure, key func(article.Figure) string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, f := range figs {
		if k := key(f); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// Index implements consumers.Indexer (see the package doc).
func (x *Index) Index(ctx context.Context, docs []consumers.Doc) []consumers.Result {
	x.mu.Lock()
	defer x.mu.Unlock()
	results := make([]consumers.Result, len(docs))
	batch := x.idx.NewBatch()
	pending := map[string]int64{}
	var written []int
	for i, d := range docs {
		var a article.Article
		if !d.Delete {
			if err := json.Unmarshal(d.Source, &a); err != nil {
				results[i] = consumers.Result{Outcome: consumers.Rejected, Reason: "decode document: " + err.Error()}
				continue
			}
		}
		cur, ok := pending[d.ID]
		if !ok {
			var err error
			if cur, ok, err = x.storedVersion(d.ID); err != nil {
				// The stored copy cannot be read: write the new one.
				x.o.Logger.Warn("bleve index: read stored version", "article_id", d.ID, "err", err)
			}
		}
		if ok && cur > d.Version {
			results[i] = consumers.Result{Outcome: consumers.SkippedOlder}
			continue
		}
		if d.Delete {
			batch.Delete(d.ID)
		} else if err := batch.Index(d.ID, toDoc(a, d.Source)); err != nil {
			results[i] = consumers.Result{Outcome: consumers.Rejected, Reason: "bleve: " + err.Error()}
			continue
		}
		pending[d.ID] = d.Version
		written = append(written, i)
	}
	if len(written) > 0 {
		for attempt := 0; ; attempt++ {
			start := time.Now()
			err := x.idx.Batch(batch)
			x.metrics.batch.Observe(time.Since(start).Seconds())
			if err == nil {
				break
			}
			x.o.Logger.Warn("bleve index: write batch failed; retrying", "docs", len(written), "attempt", attempt+1, "err", err)
			if x.o.Backoff.Wait(ctx, attempt, 0) != nil {
				for _, i := range written {
					results[i] = consumers.Result{Outcome: consumers.Unfinished}
				}
				written = nil
				break
			}
		}
	}
	for _, i := range written {
		results[i] = consumers.Result{Outcome: consumers.Indexed}
		if docs[i].Delete {
			results[i].Outcome = consumers.Withdrawn
		}
	}
	for _, r := range results {
		switch r.Outcome {
		case consumers.Indexed:
			x.metrics.docs.WithLabelValues(DocIndexed).Inc()
		case consumers.Withdrawn:
			x.metrics.docs.WithLabelValues(DocDeleted).Inc()
		case consumers.SkippedOlder:
			x.metrics.docs.WithLabelValues(DocSkippedOlder).Inc()
		case consumers.Rejected:
			x.metrics.docs.WithLabelValues(DocRejected).Inc()
		}
	}
	return results
}

// storedVersion returns the external version of the stored document id.
func (x *Index) storedVersion(id string) (int64, bool, error) {
	raw, err := x.stored(id)
	if err != nil || raw == nil {
		return 0, false, err
	}
	var dates struct {
		UpdatedAt   string `json:"updated_at"`
		PublishedAt string `json:"published_at"`
		IngestedAt  string `json:"ingested_at"`
	}
	if err := json.Unmarshal(raw, &dates); err != nil {
		return 0, false, fmt.Errorf("decode stored document %s: %w", id, err)
	}
	return (&article.Article{UpdatedAt: dates.UpdatedAt, PublishedAt: dates.PublishedAt, IngestedAt: dates.IngestedAt}).Version(), true, nil
}

// stored returns the document JSON of id, nil when there is none.
func (x *Index) stored(id string) ([]byte, error) {
	doc, err := x.idx.Document(id)
	if err != nil || doc == nil {
		return nil, err
	}
	var raw []byte
	doc.VisitFields(func(f bindex.Field) {
		if f.Name() == fieldDoc {
			raw = append([]byte(nil), f.Value()...)
		}
	})
	return raw, nil
}

// Article implements search.Searcher.
func (x *Index) Article(_ context.Context, id string) (json.RawMessage, error) {
	raw, err := x.stored(id)
	if err != nil {
		return nil, fmt.Errorf("read article %s: %w", id, err)
	}
	if raw == nil {
		return nil, search.ErrNotFound
	}
	return raw, nil
}

// Search implements search.Searcher with the semantics of package search.
func (x *Index) Search(ctx context.Context, q search.Query) (search.Result, error) {
	if err := q.Validate(); err != nil {
		return search.Result{}, err
	}
	terms, err := search.ParseText(q.Text)
	if err != nil {
		return search.Result{}, err
	}
	bq := x.query(q, terms)
	byRelevance := q.ByRelevance(terms)
	if q.Group {
		return x.searchStories(ctx, q, bq, byRelevance)
	}
	req := x.request(bq, q.Limit(), q.Offset, byRelevance)
	x.highlight(req, byRelevance)
	addFacets(req)
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return search.Result{}, fmt.Errorf("bleve search: %w", err)
	}
	out := search.Result{Total: int(res.Total), Hits: make([]search.Hit, 0, len(res.Hits)), Facets: facets(res)}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, hitOf(h))
	}
	if err := x.addFigures(q, out.Hits); err != nil {
		return search.Result{}, err
	}
	return out, nil
}

// query is the bleve query of q: every positive term and filter must
// match, no excluded term may.
func (x *Index) query(q search.Query, terms []search.Term) query.Query {
	var must, mustNot []query.Query
	for _, t := range terms {
		tq := x.termQuery(t)
		switch {
		case tq == nil: // a stop word: ignored
		case t.Exclude:
			mustNot = append(mustNot, tq)
		default:
			must = append(must, tq)
		}
	}
	if len(q.Sources) > 0 {
		var any []query.Query
		for _, s := range q.Sources {
			any = append(any, fieldQuery(blevesearch.NewTermQuery(s), fieldSource))
		}
		must = append(must, blevesearch.NewDisjunctionQuery(any...))
	}
	if len(q.IDs) > 0 {
		must = append(must, blevesearch.NewDocIDQuery(q.IDs))
	}
	if q.HasFigureFilter() {
		lo, hi := -math.MaxFloat64, math.MaxFloat64
		if q.Min != nil {
			lo = *q.Min
		}
		if q.Max != nil {
			hi = *q.Max
		}
		yes := true
		r := blevesearch.NewNumericRangeInclusiveQuery(&lo, &hi, &yes, &yes)
		r.SetField(figureField(q.Kind, q.Unit))
		must = append(must, r)
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		// Zero is open; bleve takes dates in [1677, 2262] only.
		from, to := q.From, q.To
		if !from.IsZero() && from.Before(query.MinRFC3339CompatibleTime) {
			from = query.MinRFC3339CompatibleTime
		}
		if !to.IsZero() && to.After(query.MaxRFC3339CompatibleTime) {
			to = query.MaxRFC3339CompatibleTime
		}
		yes := true
		r := blevesearch.NewDateRangeInclusiveQuery(from, to, &yes, &yes)
		r.SetField(fieldPublished)
		must = append(must, r)
	}
	switch {
	case len(must) == 0 && len(mustNot) == 0:
		return blevesearch.NewMatchAllQuery()
	case len(mustNot) == 0 && len(must) == 1:
		return must[0]
	default:
		// Only exclusions: bleve starts from every document.
		return query.NewBooleanQuery(must, nil, mustNot)
	}
}

// termQuery is the query of one term of q, nil when the analyzer leaves
// nothing of it (a stop word), which is then ignored.
func (x *Index) termQuery(t search.Term) query.Query {
	if t.Kind == search.Exact {
		return fieldQuery(blevesearch.NewTermQuery(t.Text), fieldSource)
	}
	if t.Kind != search.Prefix && len(x.analyze(t.Text)) == 0 {
		return nil
	}
	var perField []query.Query
	for _, f := range t.Fields() {
		switch t.Kind {
		case search.Phrase:
			perField = append(perField, fieldQuery(blevesearch.NewMatchPhraseQuery(t.Text), f))
		case search.Prefix:
			perField = append(perField, fieldQuery(blevesearch.NewPrefixQuery(t.Text), f))
		default:
			m := blevesearch.NewMatchQuery(t.Text)
			m.SetOperator(query.MatchQueryOperatorAnd)
			perField = append(perField, fieldQuery(m, f))
		}
	}
	if len(perField) == 1 {
		return perField[0]
	}
	return blevesearch.NewDisjunctionQuery(perField...)
}

// fieldQuery sets the field of a query that has one.
func fieldQuery[Q interface {
	query.Query
	SetField(string)
}](q Q, field string) Q {
	q.SetField(field)
	return q
}

// analyze returns the tokens the title and body analyzer makes of text.
func (x *Index) analyze(text string) [][]byte {
	m := x.idx.Mapping()
	a := m.AnalyzerNamed(m.AnalyzerNameForPath(fieldBody))
	if a == nil {
		return [][]byte{[]byte(text)}
	}
	var out [][]byte
	for _, tok := range a.Analyze([]byte(text)) {
		out = append(out, tok.Term)
	}
	return out
}

// sortOrder ranks by score (then newest, then id), or newest first.
func sortOrder(byRelevance bool) bsearch.SortOrder {
	byDate := &bsearch.SortField{Field: fieldPublished, Desc: true, Type: bsearch.SortFieldAsDate, Missing: bsearch.SortFieldMissingLast}
	if byRelevance {
		return bsearch.SortOrder{&bsearch.SortScore{Desc: true}, byDate, &bsearch.SortDocID{}}
	}
	return bsearch.SortOrder{byDate, &bsearch.SortDocID{}}
}

func (x *Index) request(bq query.Query, size, from int, byRelevance bool) *blevesearch.SearchRequest {
	req := blevesearch.NewSearchRequestOptions(bq, size, from, false)
	req.Fields = []string{fieldTitle, fieldSource, fieldPubText, fieldStory}
	req.SortByCustom(sortOrder(byRelevance))
	return req
}

func (x *Index) highlight(req *blevesearch.SearchRequest, byRelevance bool) {
	if !byRelevance {
		// Highlighting needs scoring terms; without them there are none.
		if _, all := req.Query.(*query.MatchAllQuery); all {
			return
		}
	}
	req.Highlight = blevesearch.NewHighlightWithStyle("html")
	req.Highlight.AddField(fieldTitle)
	req.Highlight.AddField(fieldBody)
}

// allTerms is a facet size that keeps every value.
const allTerms = 1 << 20

func addFacets(req *blevesearch.SearchRequest) {
	req.AddFacet("source", blevesearch.NewFacetRequest(fieldSource, search.FacetSize))
	req.AddFacet("kind", blevesearch.NewFacetRequest(fieldKinds, search.FacetSize))
	req.AddFacet("unit", blevesearch.NewFacetRequest(fieldUnits, search.FacetSize))
	// Days are listed newest first, so every one is counted.
	req.AddFacet("published", blevesearch.NewFacetRequest(fieldDay, allTerms))
}

func facets(res *blevesearch.SearchResult) search.Facets {
	return search.Facets{
		Source:    facet(res.Facets["source"]),
		Kind:      facet(res.Facets["kind"]),
		Unit:      facet(res.Facets["unit"]),
		Published: search.SortDays(counts(res.Facets["published"])),
	}
}

func hitOf(h *bsearch.DocumentMatch) search.Hit {
	hit := search.Hit{ID: h.ID, Title: str(h.Fields[fieldTitle]), Source: str(h.Fields[fieldSource]),
		PublishedAt: str(h.Fields[fieldPubText]), StoryID: str(h.Fields[fieldStory])}
	var frags []string
	frags = append(frags, h.Fragments[fieldTitle]...)
	frags = append(frags, h.Fragments[fieldBody]...)
	hit.Highlight = search.Marked(frags)
	return hit
}

// addFigures sets the figures of each hit that satisfy q's figure filter.
func (x *Index) addFigures(q search.Query, hits []search.Hit) error {
	if !q.HasFigureFilter() {
		return nil
	}
	for i := range hits {
		raw, err := x.stored(hits[i].ID)
		if err != nil {
			return fmt.Errorf("read figures of %s: %w", hits[i].ID, err)
		}
		var a struct {
			Figures []article.Figure `json:"figures"`
		}
		if raw != nil {
			if err := json.Unmarshal(raw, &a); err != nil {
				return fmt.Errorf("decode figures of %s: %w", hits[i].ID, err)
			}
		}
		hits[i].Figures = q.MatchedFigures(a.Figures)
	}
	return nil
}

// searchStories answers a grouped query (see the package doc): the ranked
// hits are scanned for the first article of each story until the page is
// full, then the page's best articles are fetched with highlights and each
// story's other articles, newest first.
func (x *Index) searchStories(ctx context.Context, q search.Query, bq query.Query, byRelevance bool) (search.Result, error) {
	// Totals and facets, and the number of matching articles per story.
	freq := blevesearch.NewSearchRequestOptions(bq, 0, 0, false)
	addFacets(freq)
	freq.AddFacet("story", blevesearch.NewFacetRequest(fieldStory, allTerms))
	fres, err := x.idx.SearchInContext(ctx, freq)
	if err != nil {
		return search.Result{}, fmt.Errorf("bleve search: %w", err)
	}
	sizes := counts(fres.Facets["story"])
	out := search.Result{Total: int(fres.Total), Stories: len(sizes), Hits: []search.Hit{}, Facets: facets(fres)}

	want := q.Offset + q.Limit()
	var order []string // best article of each story, in rank order
	seen := map[string]bool{}
	chunk := max(200, 2*want)
	for from := 0; len(order) < want && from < int(fres.Total); from += chunk {
		req := x.request(bq, chunk, from, byRelevance)
		req.Fields = []string{fieldStory}
		res, err := x.idx.SearchInContext(ctx, req)
		if err != nil {
			return search.Result{}, fmt.Errorf("bleve search: %w", err)
		}
		for _, h := range res.Hits {
			st := str(h.Fields[fieldStory])
			if st == "" {
				st = h.ID
			}
			if !seen[st] {
				seen[st] = true
				order = append(order, h.ID)
			}
		}
		if len(res.Hits) < chunk {
			break
		}
	}
	if q.Offset >= len(order) {
		return out, nil
	}
	page := order[q.Offset:min(len(order), want)]

	req := x.request(blevesearch.NewConjunctionQuery(bq, blevesearch.NewDocIDQuery(page)), len(page), 0, byRelevance)
	x.highlight(req, byRelevance)
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return search.Result{}, fmt.Errorf("bleve search: %w", err)
	}
	byID := map[string]search.Hit{}
	for _, h := range res.Hits {
		byID[h.ID] = hitOf(h)
	}
	for _, id := range page {
		hit, ok := byID[id]
		if !ok {
			continue // deleted meanwhile
		}
		hit.StorySize = sizes[hit.StoryID]
		if hit.StorySize > 1 {
			members, err := x.members(ctx, bq, hit)
			if err != nil {
				return search.Result{}, err
			}
			hit.Story = members
		}
		out.Hits = append(out.Hits, hit)
	}
	if err := x.addFigures(q, out.Hits); err != nil {
		return search.Result{}, err
	}
	return out, nil
}

// members returns the other matching articles of hit's story, newest
// first.
func (x *Index) members(ctx context.Context, bq query.Query, hit search.Hit) ([]search.Member, error) {
	sq := fieldQuery(blevesearch.NewTermQuery(hit.StoryID), fieldStory)
	req := x.request(blevesearch.NewConjunctionQuery(bq, sq), search.StoryMembers+1, 0, false)
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("bleve search of story %s: %w", hit.StoryID, err)
	}
	var out []search.Member
	for _, h := range res.Hits {
		if h.ID == hit.ID || len(out) == search.StoryMembers {
			continue
		}
		out = append(out, search.Member{ID: h.ID, Title: str(h.Fields[fieldTitle]), Source: str(h.Fields[fieldSource]), PublishedAt: str(h.Fields[fieldPubText])})
	}
	return out, nil
}

func counts(fr *bsearch.FacetResult) map[string]int {
	m := map[string]int{}
	if fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			m[t.Term] = t.Count
		}
	}
	return m
}

func facet(fr *bsearch.FacetResult) []search.Facet {
	return search.SortFacets(counts(fr))
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
