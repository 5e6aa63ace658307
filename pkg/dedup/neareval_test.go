package dedup

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/figures"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// labelledPair is one line of testdata/nearpairs.tsv.
type labelledPair struct {
	a, b  string // paragraph texts
	label string // same, figures, distinct
	scope string // across, within
}

func loadLabelledPairs(t *testing.T) []labelledPair {
	t.Helper()
	byID := map[string]corpusArticle{}
	for _, name := range []string{"bbc-news", "reuters-21578"} {
		for _, c := range loadCorpus(t, name) {
			byID[c.ID] = c
		}
	}
	f, err := os.Open("testdata/nearpairs.tsv")
	require.NoError(t, err)
	defer f.Close()
	var out []labelledPair
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		col := strings.Split(line, "\t")
		require.Len(t, col, 6, line)
		para := func(id, idx string) string {
			c, ok := byID[id]
			require.True(t, ok, "article %s not in the corpus", id)
			i, err := strconv.Atoi(idx)
			require.NoError(t, err)
			ps := c.paragraphs()
			require.Less(t, i, len(ps), line)
			return ps[i]
		}
		out = append(out, labelledPair{a: para(col[0], col[1]), b: para(col[2], col[3]), label: col[4], scope: col[5]})
	}
	require.NoError(t, sc.Err())
	return out
}

// pairScore is what each method says about one labelled pair.
type pairScore struct {
	label, scope string
	minLen       int                // shorter folded length of the two
	numbersEqual bool               // same multiset of numeric words
	figuresEqual bool               // same figure keys (figures stage)
	namesDiff    int                // capitalised words added or dropped (bits of the names bitmaps)
	exact        float64            // exact Jaccard of masked 3-shingles (within an article)
	estimate     float64            // sketch estimate (across articles)
	candidate    bool               // some LSH band agrees (across articles)
	edits        int                // words inserted or deleted to turn one into the other (a substitution is 2)
	alt          map[string]float64 // exact Jaccard of alternative shingle sets
}

// alternatives are the shingle sets compared with the chosen one.
var alternatives = []struct {
	name string
	k    int
	mask bool
}{
	{"words (k=1)", 1, true},
	{"word 2-shingles", 2, true},
	{"word 3-shingles, masked (chosen)", 3, true},
	{"word 3-shingles, numbers kept", 3, false},
	{"word 4-shingles", 4, true},
}

func shingleSet(words []uint64, numeric []bool, k int, mask bool) []uint64 {
	var out []uint64
	for i := 0; i+k <= len(words) || (i == 0 && len(words) < k); i++ {
		h := uint64(k)
		for j := i; j < min(i+k, len(words)); j++ {
			w := words[j]
			if mask && numeric[j] {
				w = maskedNumber
			}
			h = mix(h ^ w)
		}
		out = append(out, h)
	}
	return sortUnique(out)
}

func scorePairs(pairs []labelledPair) []pairScore {
	var sc scratch
	out := make([]pairScore, len(pairs))
	for i, lp := range pairs {
		var a, b para
		sc.shingles, sc.tokens = sc.shingles[:0], sc.tokens[:0]
		sc.analyse(lp.a, 0, &a)
		wa, na := slices.Clone(sc.words), slices.Clone(sc.digit)
		sc.analyse(lp.b, 0, &b)
		wb, nb := sc.words, sc.digit
		s := pairScore{label: lp.label, scope: lp.scope, minLen: min(a.length, b.length),
			numbersEqual: a.numbers == b.numbers,
			figuresEqual: figureKey(lp.a) == figureKey(lp.b),
			namesDiff:    namesDiff(a.names, b.names),
			exact:        jaccard(a.set(), b.set()),
			estimate:     a.sketch.Similarity(&b.sketch)}
		s.edits = len(wa) + len(wb) - 2*lcs(wa, wb)
		s.alt = map[string]float64{}
		for _, alt := range alternatives {
			s.alt[alt.name] = jaccard(shingleSet(wa, na, alt.k, alt.mask), shingleSet(wb, nb, alt.k, alt.mask))
		}
		for k := range a.bandKeys {
			if a.bandKeys[k] == b.bandKeys[k] {
				s.candidate = true
			}
		}
		out[i] = s
	}
	return out
}

// lcs returns the length of the longest common subsequence of two words.
func lcs(a, b []uint64) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// figureKey is the pipeline's figure key of a paragraph.
func figureKey(text string) string { return pipeline.FigureKey(figures.Extract(text)) }

// outcome counts one decision rule's hits on the labelled pairs: "repeat"
// (duplicate within, repeated across) must find the pairs labelled same,
// "update" must find the pairs labelled figures.
type outcome struct {
	repTP, repFP, repFN int
	updTP, updFP, updFN int
	repLong, updLong    int // pairs labelled same (figures) where both paragraphs are long
}

func (o outcome) repeatPR() (p, r float64) { return pr(o.repTP, o.repFP, o.repFN) }
func (o outcome) updatePR() (p, r float64) { return pr(o.updTP, o.updFP, o.updFN) }

// recallLong is the recall among the pairs where both paragraphs are long
// (short ones are compared exactly only, by design).
func (o outcome) recallLong() (rep, upd float64) {
	return float64(o.repTP) / float64(max(o.repLong, 1)), float64(o.updTP) / float64(max(o.updLong, 1))
}

func pr(tp, fp, fn int) (p, r float64) {
	p, r = 1, 1
	if tp+fp > 0 {
		p = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		r = float64(tp) / float64(tp+fn)
	}
	return p, r
}

// evaluate applies the decision of Mark (classify) to every pair: both
// long (>= minNear) and, across articles, a band agrees; then a repeat or
// an update as classify says. The figure keys come from the figures stage.
func evaluate(scores []pairScore, across bool, minNear int, threshold float64) outcome {
	var o outcome
	for _, s := range scores {
		sim := s.exact
		if across {
			sim = s.estimate
		}
		long := s.minLen >= minNear && (!across || s.candidate)
		k := nearNone
		if long {
			k = classify(sim, threshold, s.figuresEqual, s.numbersEqual, s.namesDiff)
		}
		rep, upd := k == nearRepeat, k == nearUpdate
		if long && s.label == "same" {
			o.repLong++
		}
		if long && s.label == "figures" {
			o.updLong++
		}
		switch {
		case rep && s.label == "same":
			o.repTP++
		case rep:
			o.repFP++
		case s.label == "same":
			o.repFN++
		}
		switch {
		case upd && s.label == "figures":
			o.updTP++
		case upd:
			o.updFP++
		case s.label == "figures":
			o.updFN++
		}
	}
	return o
}

// TestNearDuplicateMethod measures the near-duplicate method on the labelled
// pairs of testdata/nearpairs.tsv and prints precision and recall per
// threshold and minimum length (go test -run NearDuplicateMethod -v). It
// fails when the defaults fall below the numbers the README states.
func TestNearDuplicateMethod(t *testing.T) {
	pairs := loadLabelledPairs(t)
	scores := scorePairs(pairs)
	counts := map[string]int{}
	for _, s := range scores {
		counts[s.label+"/"+s.scope]++
	}
	t.Logf("labelled pairs: %d %v", len(scores), counts)

	for _, across := range []bool{false, true} {
		method := "within an article: exact Jaccard of masked word 3-shingles"
		if across {
			method = fmt.Sprintf("across articles: %d-bin b-bit MinHash estimate, LSH %d bands x %d rows", SketchSize, bands, rows)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s\nminNear thr  repeat P/R/Rlong (tp fp fn)      update P/R/Rlong (tp fp fn)\n", method)
		for _, minNear := range []int{40, 60, 80, 100, 120} {
			for _, thr := range []float64{0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85} {
				o := evaluate(scores, across, minNear, thr)
				rp, rr := o.repeatPR()
				up, ur := o.updatePR()
				rl, ul := o.recallLong()
				fmt.Fprintf(&b, "%7d %.2f  %.3f/%.3f/%.3f (%3d %2d %3d)  %.3f/%.3f/%.3f (%3d %2d %3d)\n",
					minNear, thr, rp, rr, rl, o.repTP, o.repFP, o.repFN, up, ur, ul, o.updTP, o.updFP, o.updFN)
			}
		}
		t.Log(b.String())
	}

	var b strings.Builder
	fmt.Fprintf(&b, "alternatives, exact Jaccard, minNear 80: repeat P/R (tp fp), update P/R at thresholds 0.6 0.65 0.7 0.75 0.8\n")
	for _, alt := range alternatives {
		fmt.Fprintf(&b, "%-34s", alt.name)
		for _, thr := range []float64{0.6, 0.65, 0.7, 0.75, 0.8} {
			alts := make([]pairScore, len(scores))
			for i, s := range scores {
				s.exact = s.alt[alt.name]
				alts[i] = s
			}
			o := evaluate(alts, false, 80, thr)
			rp, rr := o.repeatPR()
			up, ur := o.updatePR()
			fmt.Fprintf(&b, " | %.2f/%.2f %.2f/%.2f", rp, rr, up, ur)
		}
		b.WriteString("\n")
	}
	t.Log(b.String())

	def := Options{}.withDefaults()
	for _, tc := range []struct {
		name             string
		across           bool
		minP, minR, minU float64 // repeat precision and recall, update recall
		minUP            float64 // update precision
	}{
		{name: "within an article", across: false, minP: 0.99, minR: 0.60, minU: 0.42, minUP: 0.87},
		{name: "across articles", across: true, minP: 0.98, minR: 0.58, minU: 0.42, minUP: 0.87},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := evaluate(scores, tc.across, def.MinNearLength, def.NearThreshold)
			p, r := o.repeatPR()
			up, u := o.updatePR()
			rl, ul := o.recallLong()
			t.Logf("defaults (minNear %d, threshold %.2f): repeat precision %.3f recall %.3f (long pairs %.3f), update precision %.3f recall %.3f (long pairs %.3f)",
				def.MinNearLength, def.NearThreshold, p, r, rl, up, u, ul)
			for _, bucket := range []struct{ lo, hi int }{{1, 2}, {3, 6}, {7, 1000}} {
				var in []pairScore
				for _, s := range scores {
					if s.label == "same" && s.minLen >= def.MinNearLength && s.edits >= bucket.lo && s.edits <= bucket.hi {
						in = append(in, s)
					}
				}
				ob := evaluate(in, tc.across, def.MinNearLength, def.NearThreshold)
				t.Logf("  long pairs labelled same with %d-%d words edited: %d, found %d (recall %.3f)",
					bucket.lo, bucket.hi, len(in), ob.repTP, float64(ob.repTP)/float64(max(len(in), 1)))
			}
			require.GreaterOrEqual(t, p, tc.minP, "repeat precision")
			require.GreaterOrEqual(t, r, tc.minR, "repeat recall")
			require.GreaterOrEqual(t, u, tc.minU, "update recall")
			require.GreaterOrEqual(t, up, tc.minUP, "update precision")
		})
	}
}
