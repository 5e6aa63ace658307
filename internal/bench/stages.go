package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/figures"
	"github.com/newsflow/newsflow/pkg/normalize"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// Stage names of StageResult.Stage, in the order the chain runs them.
const (
	StageNormalize = "normalize"
	StageFigures   = "figures"
	StageDedup     = "dedup"
	StageChain     = "chain"
	// StageProcess is the loop of `newsflow process`: a JSON line in,
	// pipeline.ProcessJSON, the document's line out (buffered, discarded).
	StageProcess = "process"
)

// Stages lists the measured stages in report order.
var Stages = []string{StageNormalize, StageFigures, StageDedup, StageChain, StageProcess}

// StageConfig configures RunStages.
type StageConfig struct {
	// Corpora are the inputs; each is measured on its own.
	Corpora []Corpus
	// Stages to measure (default: all of Stages).
	Stages []string
	// MinTime is how long each stage runs on each corpus at least: whole
	// passes over the corpus are repeated until it has passed. Default: 3s.
	MinTime time.Duration
	// Progress receives a line per measurement; nil: none.
	Progress io.Writer
}

// StageResult is one stage measured on one corpus.
type StageResult struct {
	Stage  string
	Corpus string
	// Passes over the corpus, Articles and Bytes (title + body of the raw
	// articles, whatever the stage reads) processed in all of them.
	Passes   int
	Articles int
	Bytes    int64
	// Wall is the elapsed time; CPU the process's user + system time,
	// garbage collection included.
	Wall, CPU time.Duration
	// Mallocs is the number of heap allocations.
	Mallocs uint64
}

// MBPerCPUSecond is the throughput per core: megabytes (10^6) of raw text
// per CPU second.
func (r StageResult) MBPerCPUSecond() float64 { return perSecond(float64(r.Bytes)/1e6, r.CPU) }

// ArticlesPerCPUSecond is articles per CPU second.
func (r StageResult) ArticlesPerCPUSecond() float64 { return perSecond(float64(r.Articles), r.CPU) }

// MBPerSecond is the wall-clock throughput of one goroutine.
func (r StageResult) MBPerSecond() float64 { return perSecond(float64(r.Bytes)/1e6, r.Wall) }

// AllocsPerArticle is heap allocations per article.
func (r StageResult) AllocsPerArticle() float64 {
	if r.Articles == 0 {
		return 0
	}
	return float64(r.Mallocs) / float64(r.Articles)
}

func perSecond(x float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return x / d.Seconds()
}

// prepared is a corpus after normalize and figures: the inputs of the
// later stages, computed outside their clocks.
type prepared struct {
	arts []article.Article
	keys [][]string
}

func prepare(c Corpus) (prepared, error) {
	p := prepared{arts: make([]article.Article, 0, len(c.Raws)), keys: make([][]string, 0, len(c.Raws))}
	for _, r := range c.Raws {
		a, err := normalize.Normalize(r)
		if err != nil {
			return p, fmt.Errorf("normalize %s: %w", r.ID, err)
		}
		keys := make([]string, len(a.Paragraphs))
		for i, para := range a.Paragraphs {
			keys[i] = pipeline.FigureKey(figures.Extract(para.Text))
		}
		p.arts = append(p.arts, a)
		p.keys = append(p.keys, keys)
	}
	return p, nil
}

// RunStages measures each stage on each corpus, one goroutine at a time:
//
//   - normalize: normalize.Normalize of every raw article;
//   - figures: figures.Extract of every paragraph of the normalized
//     articles and the figure key the dedup stage compares;
//   - dedup: Mark of every normalized article, in order, with a fresh
//     memory store per pass (so its growth is included);
//   - chain: pipeline.Process (all of the above plus assembly) with a fresh
//     memory store per pass;
//   - process: what `newsflow process` adds to the chain: each article as
//     a JSON line (encoded before the clock starts) decoded, validated,
//     processed and its document encoded and written to a buffered
//     discarding writer, a fresh memory store per pass.
//
// Throughput is always counted in raw text bytes (title + body), so the
// stages' figures add up: 1/chain ≈ 1/normalize + 1/figures + 1/dedup +
// assembly.
func RunStages(ctx context.Context, cfg StageConfig) ([]StageResult, error) {
	if cfg.MinTime <= 0 {
		cfg.MinTime = 3 * time.Second
	}
	stages := cfg.Stages
	if len(stages) == 0 {
		stages = Stages
	}
	for _, s := range stages {
		switch s {
		case StageNormalize, StageFigures, StageDedup, StageChain, StageProcess:
		default:
			return nil, fmt.Errorf("unknown stage %q: want %s, %s, %s, %s or %s", s, StageNormalize, StageFigures, StageDedup, StageChain, StageProcess)
		}
	}
	var out []StageResult
	for _, c := range cfg.Corpora {
		var prep prepared
		for _, s := range stages {
			if (s == StageFigures || s == StageDedup) && prep.arts == nil {
				var err error
				if prep, err = prepare(c); err != nil {
					return out, err
				}
			}
			pass, err := stagePass(s, c, prep)
			if err != nil {
				return out, err
			}
			r, err := measure(ctx, cfg.MinTime, pass)
			if err != nil {
				return out, err
			}
			r.Stage, r.Corpus = s, c.Name
			r.Articles = r.Passes * len(c.Raws)
			r.Bytes = int64(r.Passes) * c.Bytes
			if cfg.Progress != nil {
				fmt.Fprintf(cfg.Progress, "bench stages: %-9s %-20s %6.1f MB/cpu-s %8.0f articles/cpu-s %6.1f allocs/article (%d passes, load %s)\n",
					s, c.Name, r.MBPerCPUSecond(), r.ArticlesPerCPUSecond(), r.AllocsPerArticle(), r.Passes, LoadString(LoadAverage()))
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// stagePass returns a function that runs stage s once over the corpus.
func stagePass(s string, c Corpus, prep prepared) (func(ctx context.Context) error, error) {
	switch s {
	case StageNormalize:
		return func(context.Context) error {
			for _, r := range c.Raws {
				if _, err := normalize.Normalize(r); err != nil {
					return fmt.Errorf("normalize %s: %w", r.ID, err)
				}
			}
			return nil
		}, nil
	case StageFigures:
		return func(context.Context) error {
			for i := range prep.arts {
				for _, para := range prep.arts[i].Paragraphs {
					_ = pipeline.FigureKey(figures.Extract(para.Text))
				}
			}
			return nil
		}, nil
	case StageDedup:
		return func(ctx context.Context) error {
			d := dedup.New(dedup.NewMemoryStore(0), dedup.Options{})
			for i := range prep.arts {
				if err := d.MarkBatch(ctx, []*article.Article{&prep.arts[i]}, [][]string{prep.keys[i]}); err != nil {
					return fmt.Errorf("mark %s: %w", prep.arts[i].ID, err)
				}
			}
			return nil
		}, nil
	case StageProcess:
		lines := make([][]byte, len(c.Raws))
		for i, r := range c.Raws {
			b, err := json.Marshal(r)
			if err != nil {
				return nil, err
			}
			lines[i] = b
		}
		now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
		return func(ctx context.Context) error {
			p := pipeline.New(dedup.New(dedup.NewMemoryStore(0), dedup.Options{}), now, nil)
			out := bufio.NewWriterSize(io.Discard, 256<<10)
			var buf []byte
			for i, line := range lines {
				var err error
				if buf, err = p.ProcessJSON(ctx, buf[:0], line, false); err != nil {
					return fmt.Errorf("process %s: %w", c.Raws[i].ID, err)
				}
				_, _ = out.Write(buf)
				_ = out.WriteByte('\n')
			}
			return out.Flush()
		}, nil
	default:
		now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
		return func(ctx context.Context) error {
			p := pipeline.New(dedup.New(dedup.NewMemoryStore(0), dedup.Options{}), now, nil)
			for _, r := range c.Raws {
				if _, err := p.ProcessOne(ctx, r); err != nil {
					return fmt.Errorf("process %s: %w", r.ID, err)
				}
			}
			return nil
		}, nil
	}
}

// measure runs pass until minTime has passed (at least once).
func measure(ctx context.Context, minTime time.Duration, pass func(context.Context) error) (StageResult, error) {
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := CPUTime()
	start := time.Now()
	var r StageResult
	for r.Passes == 0 || time.Since(start) < minTime {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		if err := pass(ctx); err != nil {
			return r, err
		}
		r.Passes++
	}
	r.Wall = time.Since(start)
	r.CPU = CPUTime() - cpu0
	runtime.ReadMemStats(&ms1)
	r.Mallocs = ms1.Mallocs - ms0.Mallocs
	return r, nil
}

// TotalRow sums the results of one stage over the corpora, as if they were
// one stream (the corpora share no text, so the sum is what one stream of
// both would measure, up to the memory store's growth).
func TotalRow(results []StageResult, stage string) (StageResult, bool) {
	t := StageResult{Stage: stage, Corpus: "all"}
	n := 0
	for _, r := range results {
		if r.Stage != stage {
			continue
		}
		n++
		t.Articles += r.Articles
		t.Bytes += r.Bytes
		t.Wall += r.Wall
		t.CPU += r.CPU
		t.Mallocs += r.Mallocs
		t.Passes += r.Passes
	}
	return t, n > 1
}
