package pipeline_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/golden"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

var update = flag.Bool("update", false, "rewrite golden files")

var fixedNow = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }

func newPipeline(reg prometheus.Registerer) *pipeline.Pipeline {
	return pipeline.New(dedup.New(dedup.NewMemoryStore(0), dedup.Options{}), fixedNow, reg)
}

// seedSummary is the golden form of the seed document: statuses, the first
// words of each paragraph and the figures, not the licensed text itself.
type seedSummary struct {
	Title      string
	Byline     string
	Language   string
	Paragraphs []string
	Figures    []string
	Stats      article.Stats
}

func summarize(a article.Article) seedSummary {
	s := seedSummary{Title: a.Title, Byline: a.Byline, Language: a.Language, Stats: a.Stats}
	for _, p := range a.Paragraphs {
		line := string(p.Status) + " " + excerpt(p.Text, 48)
		if p.DuplicateOf != nil {
			line += " (of " + itoa(p.DuplicateOf.Index) + ")"
		}
		s.Paragraphs = append(s.Paragraphs, line)
	}
	for _, f := range a.Figures {
		b, _ := json.Marshal(struct {
			Text, Unit, Subject, Kind, Qualifier string
			Value                                float64
		}{f.Text, f.Unit, f.Subject, f.Kind, f.Qualifier, f.Value})
		s.Figures = append(s.Figures, string(b))
	}
	return s
}

func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestSeedArticle(t *testing.T) {
	body, err := os.ReadFile(shared.Path(t, "seed/article.txt"))
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	p := newPipeline(reg)
	a, err := p.ProcessOne(context.Background(), article.RawArticle{Source: "seed", Body: string(body), ContentType: article.ContentTypePlain})
	require.NoError(t, err)

	t.Run("the lede appears once in body and the title at most once", func(t *testing.T) {
		lede := "Representatives from Moscow and Kiev are meeting at this hour"
		require.Equal(t, 1, strings.Count(a.Body, lede))
		require.LessOrEqual(t, strings.Count(a.Body, "Russia and Ukraine sit down to negotiate"), 1)
		require.Equal(t, "Russia and Ukraine sit down to negotiate while the offensive continues", a.Title)
	})
	t.Run("every other paragraph appears in body exactly once", func(t *testing.T) {
		for _, para := range strings.Split(strings.TrimSpace(string(body)), "\n") {
			para = strings.TrimSpace(para)
			if len(para) < 60 || strings.HasPrefix(para, "Representatives") || strings.HasPrefix(para, "Russia and Ukraine sit down") {
				continue
			}
			require.Equal(t, 1, strings.Count(a.Body, para[:60]), para[:60])
		}
	})
	t.Run("the figures of the issue come out with units and qualifiers", func(t *testing.T) {
		type fig struct {
			text, unit, qual, subject string
			value                     float64
		}
		var got []fig
		for _, f := range a.Figures {
			got = append(got, fig{f.Text, f.Unit, f.Qualifier, f.Subject, f.Value})
			require.Equal(t, f.Text, a.Body[f.Start:f.End], "offsets point into body")
		}
		for _, want := range []fig{
			{"1,114", "", "", "military installations", 1114},
			{"314", "", "", "tanks", 314},
			{"57", "", "", "multiple rocket launchers", 57},
			{"121", "", "", "pieces of field artillery", 121},
			{"274", "", "", "units of military vehicles", 274},
			{"5,000", "", article.QualifierMoreThan, "soldiers", 5000},
			{"five kilometers", "km", article.QualifierMoreThan, "", 5},
			{"65 kilometers", "km", article.QualifierApprox, "", 65},
		} {
			require.Contains(t, got, want)
		}
	})
	t.Run("metrics count paragraphs by status and figures by kind", func(t *testing.T) {
		require.Equal(t, float64(3), testutil.ToFloat64(counter(t, reg, "newsflow_paragraphs_total", "status", "duplicate")))
		require.Equal(t, float64(a.Stats.Figures), sumCounter(t, reg, "newsflow_figures_total"))
	})
	t.Run("golden summary", func(t *testing.T) {
		golden.JSON(t, filepath.Join("testdata", "seed.golden.json"), summarize(a), *update)
	})
}

func counter(t *testing.T, reg *prometheus.Registry, name, label, value string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			for _, lp := range m.Label {
				if lp.GetName() == label && lp.GetValue() == value {
					return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "x", Help: "x"}, func() float64 { return m.GetCounter().GetValue() })
				}
			}
		}
	}
	t.Fatalf("no %s{%s=%q}", name, label, value)
	return nil
}

func sumCounter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.Metric {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

func corpusRaws(tb testing.TB, name string, limit int) ([]article.RawArticle, int) {
	recs := shared.LoadCorpus(tb, name, limit)
	raws := make([]article.RawArticle, len(recs))
	size := 0
	for i, r := range recs {
		raws[i] = article.RawArticle{ID: r.ID, Source: r.Source, Title: r.Title, Body: r.Body, Published: r.Published}
		size += len(r.Body)
	}
	return raws, size
}

// TestReplayYieldsTheSameDocument is the determinism contract of DESIGN.md:
// a redelivered message comes out exactly as the first time, whatever was
// processed in between.
func TestReplayYieldsTheSameDocument(t *testing.T) {
	raws, _ := corpusRaws(t, shared.CorpusBBC, 600)
	p := newPipeline(nil)
	ctx := context.Background()
	first := make([]article.Article, len(raws))
	for i, r := range raws {
		a, err := p.ProcessOne(ctx, r)
		require.NoError(t, err)
		first[i] = a
	}
	for i := 0; i < len(raws); i += 7 {
		again, err := p.ProcessOne(ctx, raws[i])
		require.NoError(t, err)
		require.Equal(t, first[i], again, "replay of %s", raws[i].ID)
	}
}

// BenchmarkChain runs normalize → figures → dedup → assemble over a corpus
// on one goroutine, carrying dedup state; one iteration is one article.
// MB/s counts body bytes; MB/cpu-s divides by CPU time, which is what one
// core does even when the machine is shared.
func BenchmarkChain(b *testing.B) {
	for _, name := range []string{shared.CorpusReuters, shared.CorpusBBC} {
		b.Run(name, func(b *testing.B) {
			raws, size := corpusRaws(b, name, 0)
			avg := float64(size) / float64(len(raws))
			p := newPipeline(nil)
			ctx := context.Background()
			b.SetBytes(int64(avg))
			b.ReportAllocs()
			cpu0 := cpuTime()
			i := 0
			for b.Loop() {
				r := raws[i%len(raws)]
				if i >= len(raws) {
					r.ID = r.ID + "#" + itoa(i/len(raws))
				}
				if _, err := p.ProcessOne(ctx, r); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
			if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
				b.ReportMetric(avg*float64(b.N)/cpu/1e6, "MB/cpu-s")
			}
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
