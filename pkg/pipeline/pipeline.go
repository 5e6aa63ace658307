// Package pipeline chains the stages (normalize → figures per paragraph →
// dedup → assemble) into the Article document of DESIGN.md. It is the one
// path shared by `newsflow process`, the consumer workers and `newsflow up`,
// so the same input yields the same document wherever it is processed.
//
// The chain is pure apart from the dedup Store the caller passes in and the
// clock used for ingested_at when the raw article carries no received_at.
//
// Its input and output in JSON (codec.go): DecodeRaw reads a RawArticle as
// json.Unmarshal does, AppendJSON writes the document as json.Marshal does,
// both without reflection; ProcessJSON is the two around ProcessOne, the
// loop of `newsflow process`.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/figures"
	"github.com/newsflow/newsflow/pkg/normalize"
)

// Stage names, the values of the stage label of newsflow_stage_duration_seconds.
const (
	StageNormalize = "normalize"
	StageFigures   = "figures"
	StageDedup     = "dedup"
)

// Marker is the dedup stage as the pipeline uses it (*dedup.Deduper): it
// marks a run of articles at once, in order, as if one after the other, with
// the dedup store's round trips shared by the run; on error it marked none of
// them.
type Marker interface {
	MarkBatch(ctx context.Context, arts []*article.Article, figureKeys [][]string) error
}

// Error is a failure of one stage on one article. Permanent errors (the
// input can never be processed) go to the dead-letter topic; others (the
// dedup store did not answer) are worth retrying.
type Error struct {
	Stage     string
	Permanent bool
	Err       error
}

func (e *Error) Error() string { return e.Stage + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Pipeline runs the stages on runs of articles (a single article is a run
// of one). It is safe for concurrent use when its Marker is.
type Pipeline struct {
	dedup   Marker
	now     func() time.Time
	metrics *metrics
}

// New returns a Pipeline using dedup for paragraph statuses. now stamps
// ingested_at when the raw article has no received_at. reg may be nil.
func New(dedup Marker, now func() time.Time, reg prometheus.Registerer) *Pipeline {
	if now == nil {
		now = time.Now
	}
	return &Pipeline{dedup: dedup, now: now, metrics: newMetrics(reg)}
}

type metrics struct {
	stageDuration *prometheus.HistogramVec
	paragraphs    *prometheus.CounterVec
	figures       *prometheus.CounterVec

	// The series of the known label values, made on first use (so /metrics
	// shows the same series as without them): a lookup per article and
	// paragraph in the vectors costs more than the assembly stage.
	stages   *series[prometheus.Observer]
	statuses *series[prometheus.Counter]
	kinds    *series[prometheus.Counter]
}

// series caches the series of a vector for a fixed set of label values.
type series[T any] struct {
	index map[string]int
	once  []sync.Once
	s     []T
	get   func(value string) T
}

func newSeries[T any](get func(string) T, values ...string) *series[T] {
	c := &series[T]{index: make(map[string]int, len(values)), once: make([]sync.Once, len(values)), s: make([]T, len(values)), get: get}
	for i, v := range values {
		c.index[v] = i
	}
	return c
}

// with returns the series of value (made once; values outside the set are
// looked up in the vector each time).
func (c *series[T]) with(value string) T {
	i, ok := c.index[value]
	if !ok {
		return c.get(value)
	}
	c.once[i].Do(func() { c.s[i] = c.get(value) })
	return c.s[i]
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	m := &metrics{
		stageDuration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "newsflow_stage_duration_seconds",
			Help:    "Time one article spends in a processing stage.",
			Buckets: prometheus.ExponentialBuckets(0.00002, 2.5, 12),
		}, []string{"stage"}),
		paragraphs: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_paragraphs_total",
			Help: "Paragraphs processed, by dedup status.",
		}, []string{"status"}),
		figures: f.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_figures_total",
			Help: "Figures extracted into article bodies, by kind.",
		}, []string{"kind"}),
	}
	m.stages = newSeries(func(v string) prometheus.Observer { return m.stageDuration.WithLabelValues(v) }, StageNormalize, StageFigures, StageDedup)
	m.statuses = newSeries(func(v string) prometheus.Counter { return m.paragraphs.WithLabelValues(v) },
		string(article.StatusUnique), string(article.StatusDuplicate), string(article.StatusRepeated), string(article.StatusBoilerplate), string(article.StatusUpdated))
	m.kinds = newSeries(func(v string) prometheus.Counter { return m.figures.WithLabelValues(v) },
		article.KindCount, article.KindMoney, article.KindPercent, article.KindDistance, article.KindWeight, article.KindArea,
		article.KindVolume, article.KindTemperature, article.KindDuration, article.KindAge, article.KindSpeed, article.KindOther,
		article.KindDate, article.KindTime, article.KindYear, article.KindOrdinal)
	return m
}

// errNotProcessed is the error of the articles after one whose dedup failed
// in a run: they were not processed, because dedup decisions depend on the
// articles before them.
var errNotProcessed = errors.New("not processed: an earlier article of the run failed")

// Process turns raws into their documents, in order, as if one after the
// other: normalize and figures per article, then dedup for the whole run at
// once (one store lookup and one claim for the run instead of per article),
// then assembly. errs[i] is nil when arts[i] is done, else an *Error: a
// Permanent one for an article that can never be processed (the others are
// processed all the same), or a retryable one when dedup failed; then every
// article of the run that normalized has a retryable error (the first the
// store's, the others "not processed"), since dedup marks all or none.
func (p *Pipeline) Process(ctx context.Context, raws []article.RawArticle) (arts []article.Article, errs []error) {
	arts = make([]article.Article, len(raws))
	errs = make([]error, len(raws))
	perPara := make([][][]article.Figure, len(raws))
	keys := make([][]string, len(raws))
	var todo []int // normalized: to mark
	for i, raw := range raws {
		t0 := time.Now()
		a, err := normalize.Normalize(raw)
		if err != nil {
			errs[i] = &Error{Stage: StageNormalize, Permanent: true, Err: err}
			continue
		}
		if a.IngestedAt == "" {
			a.IngestedAt = p.now().UTC().Format(time.RFC3339)
		}
		t1 := time.Now()
		p.metrics.stages.with(StageNormalize).Observe(t1.Sub(t0).Seconds())
		perPara[i], keys[i] = extract(&a)
		p.metrics.stages.with(StageFigures).Observe(time.Since(t1).Seconds())
		arts[i] = a
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return arts, errs
	}

	t := time.Now()
	ptrs := make([]*article.Article, len(todo))
	fk := make([][]string, len(todo))
	for j, i := range todo {
		ptrs[j], fk[j] = &arts[i], keys[i]
	}
	if err := p.dedup.MarkBatch(ctx, ptrs, fk); err != nil {
		first := todo[0]
		errs[first] = &Error{Stage: StageDedup, Err: fmt.Errorf("mark paragraphs of %s: %w", arts[first].ID, err)}
		for _, i := range todo[1:] {
			errs[i] = &Error{Stage: StageDedup, Err: errNotProcessed}
		}
		return arts, errs
	}
	per := time.Since(t).Seconds() / float64(len(todo))
	dedupObs := p.metrics.stages.with(StageDedup)
	for _, i := range todo {
		dedupObs.Observe(per)
		p.finish(&arts[i], perPara[i])
	}
	return arts, errs
}

// ProcessOne is Process of a run of one article.
func (p *Pipeline) ProcessOne(ctx context.Context, raw article.RawArticle) (article.Article, error) {
	arts, errs := p.Process(ctx, []article.RawArticle{raw})
	return arts[0], errs[0]
}

// extract runs the figures stage on every paragraph of a: the figures with
// offsets into their paragraph, and the figure keys dedup compares.
func extract(a *article.Article) (perPara [][]article.Figure, keys []string) {
	perPara = make([][]article.Figure, len(a.Paragraphs))
	keys = make([]string, len(a.Paragraphs))
	for i, para := range a.Paragraphs {
		perPara[i] = figures.Extract(para.Text)
		keys[i] = FigureKey(perPara[i])
	}
	return perPara, keys
}

// finish assembles a marked article and counts its paragraphs and figures.
func (p *Pipeline) finish(a *article.Article, perPara [][]article.Figure) {
	Assemble(a, perPara)
	for _, para := range a.Paragraphs {
		p.metrics.statuses.with(string(para.Status)).Inc()
	}
	for _, f := range a.Figures {
		p.metrics.kinds.with(f.Kind).Inc()
	}
}

// Assemble builds Body, Boilerplate, Figures and Stats from paragraphs whose
// statuses are final. perPara[i] holds the figures of paragraph i with
// offsets into that paragraph; the kept ones are moved into Body offsets.
func Assemble(a *article.Article, perPara [][]article.Figure) {
	var body strings.Builder
	a.Boilerplate = []string{}
	a.Figures = []article.Figure{}
	st := article.Stats{ParagraphsIn: len(a.Paragraphs)}
	for i, para := range a.Paragraphs {
		switch para.Status {
		case article.StatusDuplicate:
			st.Duplicates++
		case article.StatusBoilerplate:
			a.Boilerplate = append(a.Boilerplate, para.Text)
		}
		if !para.Status.Kept() {
			continue
		}
		if st.ParagraphsOut > 0 {
			body.WriteString(article.ParagraphSeparator)
		}
		st.ParagraphsOut++
		off := body.Len()
		body.WriteString(para.Text)
		if i < len(perPara) {
			for _, f := range perPara[i] {
				f.Start += off
				f.End += off
				f.Paragraph = para.Index
				a.Figures = append(a.Figures, f)
			}
		}
	}
	a.Body = body.String()
	st.Figures = len(a.Figures)
	a.Stats = st
}

// FigureKey is the canonical signature of a paragraph's figures that dedup
// compares: two paragraphs with different keys are never duplicates.
func FigureKey(figs []article.Figure) string {
	if len(figs) == 0 {
		return ""
	}
	parts := make([]string, len(figs))
	for i, f := range figs {
		s := strconv.FormatFloat(f.Value, 'g', -1, 64)
		if f.RangeTo != nil {
			s += "-" + strconv.FormatFloat(*f.RangeTo, 'g', -1, 64)
		}
		parts[i] = s + " " + f.Unit
	}
	sort.Strings(parts)
	return strings.Join(parts, ";")
}
