package dedup

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

// contextPair is a labelled pair with the articles that hold it.
type contextPair struct {
	label, scope string
	first, later corpusArticle // first in corpus order (the same article within)
	a, b         int           // paragraph of first; of later (b > a within)
}

// loadContextPairs reads testdata/nearpairs.tsv with the articles of each
// pair, ordered as the corpus stream orders them.
func loadContextPairs(t *testing.T) []contextPair {
	t.Helper()
	byID, pos := pairCorpus(t)
	var out []contextPair
	for _, col := range tsvRows(t, "testdata/nearpairs.tsv", 6) {
		ai, err := strconv.Atoi(col[1])
		require.NoError(t, err)
		bi, err := strconv.Atoi(col[3])
		require.NoError(t, err)
		p := contextPair{label: col[4], scope: col[5], first: byID[col[0]], later: byID[col[2]], a: ai, b: bi}
		if pos[col[0]] > pos[col[2]] || (col[0] == col[2] && ai > bi) {
			p.first, p.later, p.a, p.b = p.later, p.first, p.b, p.a
		}
		out = append(out, p)
	}
	return out
}

// markedWithFigures returns the article of c and its figure keys (figures
// stage).
func markedWithFigures(c corpusArticle) (*article.Article, []string) {
	a := c.toArticle()
	keys := make([]string, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		keys[i] = figureKey(p.Text)
	}
	return a, keys
}

// contextCounts are the hits of one kind ("within/repeat", ...) in context.
type contextCounts struct{ tp, fp, fn int }

// inContext marks every pair's articles (on the text normalize gives dedup
// when normalized) and counts the hits, a hit naming the other paragraph or
// the first occurrence of which it is a duplicate in its article (res), or
// the other paragraph itself (strict). On normalized text the pairs that
// normalize made the same text, or whose label rested on the dateline only,
// are left out (as TestNearDuplicateMethod leaves them out). allowed counts
// as res does over the pairs the contract allows: a pair of short lines of
// two stories (testdata/nearpairs-two-stories.tsv) is one that issue 12
// forbids to find (a short line is never a repeat of another story's), and
// is left out of it (forbidden counts them).
func inContext(t *testing.T, pairs []contextPair, normalized bool) (res, strict, allowed map[string]*contextCounts, left, forbidden, restatedPairs int, issuers issuerCounts) {
	ctx := context.Background()
	res, strict, allowed = map[string]*contextCounts{}, map[string]*contextCounts{}, map[string]*contextCounts{}
	for _, k := range contextKinds {
		res[k], strict[k], allowed[k] = &contextCounts{}, &contextCounts{}, &contextCounts{}
	}
	build := func(c corpusArticle) (*article.Article, []string) {
		a, keys := markedWithFigures(c)
		if normalized {
			for i, text := range normalizedParagraphs(t, c) {
				a.Paragraphs[i].Text, keys[i] = text, figureKey(text)
			}
		}
		return a, keys
	}
	var sc scratch
	two := loadTwoStories(t)
	other := loadOtherIssuers(t)
	for _, p := range pairs {
		d := New(NewMemoryStore(0), Options{})
		first, keys := build(p.first)
		later, lkeys := first, keys
		if p.scope != "within" {
			later, lkeys = build(p.later)
		}
		if normalized {
			var ra, rb, na, nb para
			sc.analyse(p.first.paragraphs()[p.a], 0, &ra)
			sc.analyse(p.later.paragraphs()[p.b], 0, &rb)
			sc.analyse(first.Paragraphs[p.a].Text, 0, &na)
			sc.analyse(later.Paragraphs[p.b].Text, 0, &nb)
			if na.exact == nb.exact || p.label != "same" && ra.numbers != rb.numbers && na.numbers == nb.numbers {
				left++
				continue
			}
		}
		require.NoError(t, d.Mark(ctx, first, keys))
		if p.scope != "within" {
			require.NoError(t, d.Mark(ctx, later, lkeys))
		}
		forbid := two[pairKey(p)]
		if forbid {
			forbidden++
		}
		twoIssuers := other[pairKey(p)]
		got := later.Paragraphs[p.b]
		// A later paragraph of the article that the earlier holds word for
		// word is labelled distinct when the earlier says more (the labels'
		// "dropped sentence"); the decision's restatement rule, the issue's
		// split rule, makes it a duplicate (README, "Splits and merges").
		restated := p.scope == "within" && p.label == "distinct" && wordsInside(got.Text, first.Paragraphs[p.a].Text)
		if restated {
			restatedPairs++
		}
		target := article.Ref{ArticleID: p.first.ID, Index: p.a}
		alias := target
		if fp := first.Paragraphs[p.a]; fp.Status == article.StatusDuplicate && fp.DuplicateOf != nil && fp.DuplicateOf.ArticleID == p.first.ID {
			alias = *fp.DuplicateOf
		}
		hit := got.DuplicateOf != nil && (*got.DuplicateOf == target || *got.DuplicateOf == alias)
		if twoIssuers {
			issuers.pairs++
			if hit && got.Status == article.StatusUpdated {
				issuers.updated++
			}
		}
		for _, to := range []struct {
			res  map[string]*contextCounts
			ok   bool
			skip bool
		}{
			{res, hit, false},
			{strict, got.DuplicateOf != nil && *got.DuplicateOf == target, false},
			{allowed, hit, forbid || twoIssuers || restated},
		} {
			if to.skip {
				continue
			}
			repeat := to.ok && (got.Status == article.StatusDuplicate || got.Status == article.StatusRepeated)
			update := to.ok && got.Status == article.StatusUpdated
			for _, c := range []struct {
				kind  string
				found bool
				label string
			}{{"repeat", repeat, "same"}, {"update", update, "figures"}} {
				r := to.res[p.scope+"/"+c.kind]
				switch {
				case c.found && p.label == c.label:
					r.tp++
				case c.found:
					r.fp++
				case p.label == c.label:
					r.fn++
				}
			}
		}
	}
	return res, strict, allowed, left, forbidden, restatedPairs, issuers
}

var contextKinds = []string{"within/repeat", "within/update", "across/repeat", "across/update"}

// issuerCounts are the pairs of testdata/nearpairs-other-issuers.tsv met
// (one formula written for two issuers) and how many came out updated.
type issuerCounts struct{ pairs, updated int }

// loadOtherIssuers reads testdata/nearpairs-other-issuers.tsv, keyed as
// pairKey keys a contextPair (in both orders of the pair).
func loadOtherIssuers(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, col := range tsvRows(t, "testdata/nearpairs-other-issuers.tsv", 5) {
		out[col[0]+":"+col[1]+" "+col[2]+":"+col[3]] = true
		out[col[2]+":"+col[3]+" "+col[0]+":"+col[1]] = true
	}
	return out
}

// TestNearDuplicatesInContext measures the whole decision (Mark, with the
// figures stage's keys) on the labelled pairs in their articles: for a pair
// within one article, that article is marked alone; across, the earlier
// article and then the later one, with a fresh store. A pair labelled same
// must come out as a duplicate (within) or repeated (across) of the other
// paragraph, or of the first occurrence of which that one is itself a
// duplicate in its article (duplicate_of names the first occurrence); one
// labelled figures as updated of it; one labelled distinct as neither.
// Unlike TestNearDuplicateMethod this counts what the story, split and
// merge rules add, and the short paragraphs. Logged too: the counts when a
// hit must name the other paragraph itself (the protocol until fingerprint
// v3), and the same on the text normalize gives dedup (the dateline gone).
//
//	go test ./pkg/dedup -run NearDuplicatesInContext -v
func TestNearDuplicatesInContext(t *testing.T) {
	pairs := loadContextPairs(t)
	var res, allowedRes map[string]*contextCounts
	var issuers issuerCounts
	for _, normalized := range []bool{false, true} {
		r, strict, allowed, left, forbidden, restated, iss := inContext(t, pairs, normalized)
		if !normalized {
			res, allowedRes, issuers = r, allowed, iss
		} else {
			t.Logf("normalized text (%d pairs left out: the same text, or told apart by the dateline only):", left)
		}
		for _, k := range contextKinds {
			c, sc := r[k], strict[k]
			prec, rec := pr(c.tp, c.fp, c.fn)
			sp, sr := pr(sc.tp, sc.fp, sc.fn)
			t.Logf("%-14s precision %.3f recall %.3f (tp %d fp %d fn %d); naming the pair's paragraph itself %.3f / %.3f", k, prec, rec, c.tp, c.fp, c.fn, sp, sr)
		}
		w := allowed["within/repeat"]
		wp, wr := pr(w.tp, w.fp, w.fn)
		t.Logf("within/repeat over the pairs the contract allows (%d labelled distinct left out: the later paragraph word for word inside the earlier, a restatement): precision %.3f recall %.3f (tp %d fp %d fn %d)",
			restated, wp, wr, w.tp, w.fp, w.fn)
		a := allowed["across/repeat"]
		ap, ar := pr(a.tp, a.fp, a.fn)
		t.Logf("across/repeat over the pairs the contract allows (%d labelled same left out: short lines of two stories, issue 12, testdata/nearpairs-two-stories.tsv): precision %.3f recall %.3f (tp %d fp %d fn %d)",
			forbidden, ap, ar, a.tp, a.fp, a.fn)
		u := allowed["across/update"]
		up, ur := pr(u.tp, u.fp, u.fn)
		fp, _ := pr(u.tp, u.fp+iss.updated, u.fn)
		t.Logf("across/update over the pairs the contract allows (%d labelled figures left out: one formula of two issuers, testdata/nearpairs-other-issuers.tsv, of which %d come out updated): precision %.3f recall %.3f (tp %d fp %d fn %d); precision counting those updates as false %.3f",
			iss.pairs, iss.updated, up, ur, u.tp, u.fp, u.fn, fp)
	}
	// The figures reached (EVAL.md), so that a change for the worse fails.
	for _, c := range []struct {
		k          string
		minP, minR float64
	}{
		{"within/repeat", 0.89, 0.83}, // 0.944 before restatements were duplicates; 1.000 over the pairs the contract allows, below
		{"across/repeat", 0.97, 0.84},
		{"across/update", 0.97, 0.33}, // 0.455 while the 54 formulas of two issuers counted as updates (README)
	} {
		n := res[c.k]
		prec, rec := pr(n.tp, n.fp, n.fn)
		require.GreaterOrEqual(t, prec, c.minP, "%s precision", c.k)
		require.GreaterOrEqual(t, rec, c.minR, "%s recall", c.k)
	}
	w := allowedRes["within/repeat"]
	prec, rec := pr(w.tp, w.fp, w.fn)
	require.GreaterOrEqual(t, prec, 0.97, "within/repeat precision over the pairs the contract allows")
	require.GreaterOrEqual(t, rec, 0.83, "within/repeat recall over the pairs the contract allows")
	a := allowedRes["across/repeat"]
	prec, rec = pr(a.tp, a.fp, a.fn)
	require.GreaterOrEqual(t, prec, 0.97, "across/repeat precision over the pairs the contract allows")
	require.GreaterOrEqual(t, rec, 0.89, "across/repeat recall over the pairs the contract allows")
	u := allowedRes["across/update"]
	prec, rec = pr(u.tp, u.fp, u.fn)
	require.GreaterOrEqual(t, prec, 0.97, "across/update precision over the pairs the contract allows")
	require.GreaterOrEqual(t, rec, 0.48, "across/update recall over the pairs the contract allows")
	require.Equal(t, 54, issuers.pairs, "pairs of nearpairs-other-issuers.tsv met")
	require.LessOrEqual(t, issuers.updated, maxIssuerUpdates, "formula paragraphs of two issuers that come out updated (issue 12)")
}

// maxIssuerUpdates is how many of the 54 pairs of one formula written for two
// issuers still come out updated in context (EVAL.md): a change that makes
// more of them updates fails.
const maxIssuerUpdates = 0
