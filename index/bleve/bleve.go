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
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
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
	// AnalyzerEnglish stems and drops English stop words (bleve "en", like
	// Elasticsearch's english). The default.
	AnalyzerEnglish = "english"
	// AnalyzerStandard splits on Unicode word boundaries and lower-cases
	// (Elasticsearch's standard analyzer).
	AnalyzerStandard = "standard"
)

// mappingVersion is stored in the index; an index built with another
// mapping is refused rather than queried wrongly.
const mappingVersion = "newsflow-bleve-1"

// Field names in the index.
const (
	fieldTitle     = "title"
	fieldBody      = "body"
	fieldSource    = "source"
	fieldPublished = "published_at"
	fieldPubText   = "published"
	fieldKinds     = "fig_kind"
	fieldUnits     = "fig_unit"
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
			return nil, fmt.Errorf("bleve index in %s has mapping %q, this version uses %q: move the directory away to build a new one", dir, v, mappingVersion)
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
	const standard = "newsflow_standard"
	if err := im.AddCustomAnalyzer(standard, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, fmt.Errorf("bleve mapping: %w", err)
	}
	textAnalyzer := en.AnalyzerName
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
	d := map[string]any{
		fieldTitle:  a.Title,
		fieldBody:   a.Body,
		fieldSource: a.Source,
		fieldDoc:    string(src),
	}
	if a.PublishedAt != "" {
		if t, err := time.Parse(time.RFC3339Nano, a.PublishedAt); err == nil {
			d[fieldPublished] = t.UTC()
			d[fieldPubText] = a.PublishedAt
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
	var must []query.Query
	clauses := search.ParseText(q.Text)
	for _, c := range clauses {
		var perField []query.Query
		for _, f := range []string{fieldTitle, fieldBody} {
			if c.Phrase {
				p := blevesearch.NewMatchPhraseQuery(c.Text)
				p.SetField(f)
				perField = append(perField, p)
			} else {
				m := blevesearch.NewMatchQuery(c.Text)
				m.SetField(f)
				m.SetOperator(query.MatchQueryOperatorAnd)
				perField = append(perField, m)
			}
		}
		must = append(must, blevesearch.NewDisjunctionQuery(perField...))
	}
	if len(q.Sources) > 0 {
		var any []query.Query
		for _, s := range q.Sources {
			t := blevesearch.NewTermQuery(s)
			t.SetField(fieldSource)
			any = append(any, t)
		}
		must = append(must, blevesearch.NewDisjunctionQuery(any...))
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
	var bq query.Query
	switch len(must) {
	case 0:
		bq = blevesearch.NewMatchAllQuery()
	case 1:
		bq = must[0]
	default:
		bq = blevesearch.NewConjunctionQuery(must...)
	}
	req := blevesearch.NewSearchRequestOptions(bq, q.Limit(), q.Offset, false)
	req.Fields = []string{fieldTitle, fieldSource, fieldPubText}
	byDate := &bsearch.SortField{Field: fieldPublished, Desc: true, Type: bsearch.SortFieldAsDate, Missing: bsearch.SortFieldMissingLast}
	if len(clauses) > 0 {
		req.SortByCustom(bsearch.SortOrder{&bsearch.SortScore{Desc: true}, byDate, &bsearch.SortDocID{}})
		req.Highlight = blevesearch.NewHighlightWithStyle("html")
		req.Highlight.AddField(fieldTitle)
		req.Highlight.AddField(fieldBody)
	} else {
		req.SortByCustom(bsearch.SortOrder{byDate, &bsearch.SortDocID{}})
	}
	req.AddFacet("source", blevesearch.NewFacetRequest(fieldSource, search.FacetSize))
	req.AddFacet("kind", blevesearch.NewFacetRequest(fieldKinds, search.FacetSize))
	req.AddFacet("unit", blevesearch.NewFacetRequest(fieldUnits, search.FacetSize))

	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return search.Result{}, fmt.Errorf("bleve search: %w", err)
	}
	out := search.Result{Total: int(res.Total), Hits: make([]search.Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		hit := search.Hit{ID: h.ID, Title: str(h.Fields[fieldTitle]), Source: str(h.Fields[fieldSource]), PublishedAt: str(h.Fields[fieldPubText])}
		var frags []string
		frags = append(frags, h.Fragments[fieldTitle]...)
		frags = append(frags, h.Fragments[fieldBody]...)
		hit.Highlight = search.Marked(frags)
		out.Hits = append(out.Hits, hit)
	}
	out.Facets = search.Facets{
		Source: facet(res.Facets["source"]),
		Kind:   facet(res.Facets["kind"]),
		Unit:   facet(res.Facets["unit"]),
	}
	return out, nil
}

func facet(fr *bsearch.FacetResult) []search.Facet {
	m := map[string]int{}
	if fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			m[t.Term] = t.Count
		}
	}
	return search.SortFacets(m)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
