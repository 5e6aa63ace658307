package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// TestProcessOfARunIsProcessOneByOne: the documents of batches are those of
// Process one article after the other, whatever the batch size.
func TestProcessOfARunIsProcessOneByOne(t *testing.T) {
	raws, _ := corpusRaws(t, shared.CorpusBBC, 600)
	ctx := context.Background()
	p := newPipeline(nil)
	want := make([]article.Article, len(raws))
	for i, r := range raws {
		a, err := p.ProcessOne(ctx, r)
		require.NoError(t, err)
		want[i] = a
	}
	for _, n := range []int{1, 13, 200} {
		t.Run(fmt.Sprintf("batches of %d", n), func(t *testing.T) {
			reg := prometheus.NewRegistry()
			p := newPipeline(reg)
			for i := 0; i < len(raws); i += n {
				arts, errs := p.Process(ctx, raws[i:min(i+n, len(raws))])
				for j := range arts {
					require.NoError(t, errs[j])
					require.Equal(t, want[i+j], arts[j], "article %d", i+j)
				}
			}
			for _, stage := range []string{pipeline.StageNormalize, pipeline.StageFigures, pipeline.StageDedup} {
				require.Equal(t, uint64(len(raws)), stageCount(t, reg, stage), "one %s observation per article", stage)
			}
		})
	}
}

func stageCount(t *testing.T, reg *prometheus.Registry, stage string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "newsflow_stage_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "stage" && l.GetValue() == stage {
					return m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return 0
}

type downStore struct{ dedup.Store }

func (downStore) Lookup(context.Context, []dedup.Key, []dedup.Record) error {
	return errors.New("store down")
}

func TestProcessErrors(t *testing.T) {
	ctx := context.Background()
	good := func(id string) article.RawArticle {
		return article.RawArticle{ID: id, Source: "wire", Title: "Storm " + id, Body: "A storm hit the coast on Monday and more than 5,000 people fled.\n\nReporting by the wire."}
	}
	bad := article.RawArticle{ID: "bad", Source: "wire", Body: "x", ContentType: "application/pdf"}

	t.Run("a permanent failure is reported and the others are processed", func(t *testing.T) {
		arts, errs := newPipeline(nil).Process(ctx, []article.RawArticle{good("a"), bad, good("b")})
		var pe *pipeline.Error
		require.ErrorAs(t, errs[1], &pe)
		require.True(t, pe.Permanent)
		require.Equal(t, pipeline.StageNormalize, pe.Stage)
		require.NoError(t, errs[0])
		require.NoError(t, errs[2])
		require.Equal(t, "b", arts[2].ID)
		require.Equal(t, article.StatusRepeated, arts[2].Paragraphs[1].Status, "b repeats a's sign-off")
	})

	t.Run("a store failure leaves that article and the later ones retryable", func(t *testing.T) {
		p := pipeline.New(dedup.New(downStore{dedup.NewMemoryStore(0)}, dedup.Options{}), fixedNow, nil)
		_, errs := p.Process(ctx, []article.RawArticle{good("a"), bad, good("b")})
		for i, err := range errs {
			var pe *pipeline.Error
			require.ErrorAs(t, err, &pe, "article %d", i)
			require.Equal(t, i == 1, pe.Permanent, "article %d", i)
		}
		require.ErrorContains(t, errs[0], "store down")
		require.ErrorContains(t, errs[2], "not processed")
	})
}
