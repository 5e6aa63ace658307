package dedup

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/figures"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// labelledCase is one case of testdata/cases*.txt: articles marked in order
// with one store, and what every paragraph and story should come out as.
type labelledCase struct {
	name, family string
	line         int
	articles     []labelledArticle
}

type labelledArticle struct {
	id, source, story, published string
	paras                        []labelledPara
}

type labelledPara struct {
	text, status, ref string
}

// loadCases parses a case file (format in its header).
func loadCases(t *testing.T, path string) []labelledCase {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []labelledCase
	texts := map[string]string{} // "id#i" → text, within the current case
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "=== "):
			out = append(out, labelledCase{name: strings.TrimPrefix(line, "=== "), line: n})
			clear(texts)
		case strings.HasPrefix(line, "family: "):
			require.NotEmpty(t, out, "%s:%d", path, n)
			out[len(out)-1].family = strings.TrimPrefix(line, "family: ")
		case strings.HasPrefix(line, "--- "):
			require.NotEmpty(t, out, "%s:%d", path, n)
			fields := strings.Fields(strings.TrimPrefix(line, "--- "))
			a := labelledArticle{id: fields[0], source: "wire"}
			for _, kv := range fields[1:] {
				k, v, ok := strings.Cut(kv, "=")
				require.True(t, ok, "%s:%d: %q", path, n, kv)
				switch k {
				case "source":
					a.source = v
				case "story":
					a.story = v
				case "published":
					a.published = v
				default:
					t.Fatalf("%s:%d: unknown attribute %q", path, n, k)
				}
			}
			c := &out[len(out)-1]
			c.articles = append(c.articles, a)
		default:
			c := &out[len(out)-1]
			require.NotEmpty(t, c.articles, "%s:%d: paragraph before an article", path, n)
			head, text, ok := strings.Cut(line, " | ")
			require.True(t, ok, "%s:%d: no ' | '", path, n)
			p := labelledPara{text: text}
			hf := strings.Fields(head)
			p.status = hf[0]
			require.Contains(t, []string{"unique", "duplicate", "repeated", "updated", "boilerplate"}, p.status, "%s:%d", path, n)
			if len(hf) > 1 {
				p.ref = hf[1]
			}
			require.Equal(t, p.status == "unique", p.ref == "", "%s:%d: a reference for every status but unique", path, n)
			if r, ok := strings.CutPrefix(text, "= "); ok {
				p.text, ok = texts[r]
				require.True(t, ok, "%s:%d: no paragraph %s before", path, n, r)
			}
			a := &c.articles[len(c.articles)-1]
			texts[fmt.Sprintf("%s#%d", a.id, len(a.paras))] = p.text
			a.paras = append(a.paras, p)
		}
	}
	require.NoError(t, sc.Err())
	for _, c := range out {
		require.NotEmpty(t, c.family, "case %q", c.name)
	}
	return out
}

func (a labelledArticle) article() (*article.Article, []string) {
	art := &article.Article{ID: a.id, Source: a.source, PublishedAt: a.published}
	keys := make([]string, len(a.paras))
	for i, p := range a.paras {
		art.Paragraphs = append(art.Paragraphs, article.Paragraph{Index: i, Text: p.text, Status: article.StatusUnique})
		keys[i] = pipeline.FigureKey(figures.Extract(p.text))
	}
	return art, keys
}

// caseResult is what marking one case gave, paragraph by paragraph.
type caseResult struct {
	c    labelledCase
	arts []*article.Article
}

// markCase marks the articles of c in order with a fresh memory store, in
// runs of batch articles (MarkBatch).
func markCase(t *testing.T, c labelledCase, batch int) caseResult {
	t.Helper()
	ctx := context.Background()
	d := New(NewMemoryStore(0), Options{})
	res := caseResult{c: c}
	var arts []*article.Article
	var keys [][]string
	for _, la := range c.articles {
		a, k := la.article()
		arts, keys = append(arts, a), append(keys, k)
	}
	for i := 0; i < len(arts); i += batch {
		j := min(i+batch, len(arts))
		require.NoError(t, d.MarkBatch(ctx, arts[i:j], keys[i:j]), c.name)
	}
	res.arts = arts
	return res
}

// tally counts the outcomes of a set of cases per family.
type tally struct {
	paras, right            int // paragraphs; with the expected status and duplicate_of
	stories, storiesRight   int
	lost                    int // expected kept in body, removed (duplicate or boilerplate)
	classes                 map[string]*prCount
	wrong                   []string
	articles, articlesRight int
}

type prCount struct{ tp, fp, fn int }

// class groups statuses for precision and recall: a near or exact
// duplicate within the article, a repeat across articles, an update,
// boilerplate.
func class(status string) string {
	switch status {
	case "duplicate", "repeated", "updated", "boilerplate":
		return status
	}
	return ""
}

func (tl *tally) add(r caseResult) {
	if tl.classes == nil {
		tl.classes = map[string]*prCount{"duplicate": {}, "repeated": {}, "updated": {}, "boilerplate": {}}
	}
	for ai, la := range r.c.articles {
		a := r.arts[ai]
		tl.articles++
		ok := true
		tl.stories++
		if a.StoryID == la.story || la.story == "" {
			tl.storiesRight++
		} else {
			ok = false
			tl.wrong = append(tl.wrong, fmt.Sprintf("%s / %s: story %s, want %s", r.c.name, a.ID, a.StoryID, la.story))
		}
		for i, want := range la.paras {
			got := a.Paragraphs[i]
			gotRef := ""
			if got.DuplicateOf != nil {
				gotRef = fmt.Sprintf("%s#%d", got.DuplicateOf.ArticleID, got.DuplicateOf.Index)
			}
			tl.paras++
			if string(got.Status) == want.status && gotRef == want.ref {
				tl.right++
			} else {
				ok = false
				tl.wrong = append(tl.wrong, fmt.Sprintf("%s / %s#%d: %s %s, want %s %s (%.60s)", r.c.name, a.ID, i, got.Status, gotRef, want.status, want.ref, want.text))
			}
			if article.Status(want.status).Kept() && !got.Status.Kept() {
				tl.lost++
			}
			wc, gc := class(want.status), class(string(got.Status))
			// A hit needs the class and the article referred to.
			hit := wc != "" && wc == gc && strings.Split(want.ref, "#")[0] == strings.Split(gotRef, "#")[0]
			switch {
			case hit:
				tl.classes[wc].tp++
			default:
				if wc != "" {
					tl.classes[wc].fn++
				}
				if gc != "" {
					tl.classes[gc].fp++
				}
			}
		}
		if ok {
			tl.articlesRight++
		}
	}
}

func (tl *tally) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "paragraphs %d/%d, stories %d/%d, articles %d/%d, removed from body wrongly %d",
		tl.right, tl.paras, tl.storiesRight, tl.stories, tl.articlesRight, tl.articles, tl.lost)
	for _, c := range []string{"duplicate", "repeated", "updated", "boilerplate"} {
		pc := tl.classes[c]
		if pc.tp+pc.fp+pc.fn == 0 {
			continue
		}
		p, r := pr(pc.tp, pc.fp, pc.fn)
		fmt.Fprintf(&b, "; %s P %.2f R %.2f (%d/%d/%d)", c, p, r, pc.tp, pc.fp, pc.fn)
	}
	return b.String()
}

// labelledSet is one file of labelled cases, with how many paragraphs and
// stories must at least come out right (-1: not asserted).
type labelledSet struct {
	name           string
	path           string
	paras, stories int
}

// heldOutSets is the number of article-level held-out sets
// (testdata/cases-heldout.txt, then cases-heldout2.txt and on).
const heldOutSets = 13

// labelledSets lists the sets of TestLabelledCases: the development set,
// the held-out sets (out-of-sample checks, not asserted but for the body),
// and the sets of near-copy pairs.
func labelledSets() []labelledSet {
	sets := []labelledSet{{"dev", "testdata/cases.txt", 248, 97}, {"held-out", "testdata/cases-heldout.txt", -1, -1}}
	for n := 2; n <= heldOutSets; n++ {
		sets = append(sets, labelledSet{fmt.Sprintf("held-out %d", n), fmt.Sprintf("testdata/cases-heldout%d.txt", n), -1, -1})
	}
	return append(sets,
		labelledSet{"near dev", "testdata/near-cases.txt", 76, 43},
		labelledSet{"near held-out", "testdata/near-cases-heldout.txt", -1, -1},
		labelledSet{"numbers", "testdata/near-cases-numbers.txt", 46, 21})
}

// TestLabelledCases marks the labelled article-level cases and reports, per
// family, how many paragraphs, stories and articles come out as labelled,
// with precision and recall of repeats, updates and boilerplate.
//
//	go test ./pkg/dedup -run LabelledCases -v
//
// It asserts, on every set, that no paragraph labelled to stay in the body
// is removed from it, and that marking each case as one batch gives what
// marking its articles one by one gives; on the development sets, that the
// paragraphs and stories come out right at least as often as EVAL.md
// reports. The held-out set is not otherwise asserted: its figures are the
// out-of-sample check.
func TestLabelledCases(t *testing.T) {
	for _, set := range labelledSets() {
		t.Run(set.name, func(t *testing.T) {
			cases := loadCases(t, set.path)
			byFamily := map[string]*tally{}
			var all tally
			for _, c := range cases {
				r := markCase(t, c, 1)
				batch := markCase(t, c, len(c.articles))
				require.Equal(t, r.arts, batch.arts, "%s: one batch and one by one", c.name)
				if byFamily[c.family] == nil {
					byFamily[c.family] = &tally{}
				}
				byFamily[c.family].add(r)
				all.add(r)
			}
			families := make([]string, 0, len(byFamily))
			for f := range byFamily {
				families = append(families, f)
			}
			slices.Sort(families)
			for _, f := range families {
				t.Logf("%-20s %s", f, byFamily[f])
			}
			t.Logf("%-20s %s", "all", &all)
			for _, w := range all.wrong {
				t.Logf("  %s", w)
			}
			require.Zero(t, all.lost, "paragraphs labelled to stay in the body were removed")
			if set.paras >= 0 {
				require.GreaterOrEqual(t, all.right, set.paras, "paragraphs right")
				require.GreaterOrEqual(t, all.storiesRight, set.stories, "stories right")
			}
		})
	}
}
