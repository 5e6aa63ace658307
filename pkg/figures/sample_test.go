package figures_test

import (
	"flag"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/figures"
)

var (
	sampleN      = flag.Int("sample", 0, "TestCorpusSample: print this many random figures with context (0 skips)")
	sampleSeed   = flag.Int64("sample-seed", 20261125, "TestCorpusSample: random seed")
	sampleCorpus = flag.String("sample-corpus", "reuters-21578.jsonl", "TestCorpusSample: corpus file in ../shared/corpus")
)

// TestCorpusSample prints a random sample of the figures Extract finds in a
// corpus, each with 50 bytes of context, for review by eye (EVAL.md,
// "Precision on the corpora"). It only runs with -sample N:
//
//	go test ./pkg/figures -run TestCorpusSample -sample 200 -v
func TestCorpusSample(t *testing.T) {
	if *sampleN <= 0 {
		t.Skip("run with -sample N")
	}
	type item struct {
		article int
		f       article.Figure
	}
	bodies := loadBodies(t, *sampleCorpus)
	var all []item
	for i, b := range bodies {
		for _, f := range figures.Extract(b) {
			all = append(all, item{i, f})
		}
	}
	r := rand.New(rand.NewSource(*sampleSeed))
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	var out strings.Builder
	for n, it := range all[:min(*sampleN, len(all))] {
		b, f := bodies[it.article], it.f
		ctx := b[max(0, f.Start-50):f.Start] + "[[" + f.Text + "]]" + b[f.End:min(len(b), f.End+40)]
		to := ""
		if f.RangeTo != nil {
			to = fmt.Sprintf("..%v", *f.RangeTo)
		}
		fmt.Fprintf(&out, "%3d value=%v%s unit=%q kind=%s qualifier=%q subject=%q\n    %s\n", n+1, f.Value, to,
			f.Unit, f.Kind, f.Qualifier, f.Subject, strings.ReplaceAll(ctx, "\n", " "))
	}
	t.Logf("%d figures in %d articles; sample:\n%s", len(all), len(bodies), out.String())
}
