package dedup

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
)

// doc describes an input article of a table case.
type doc struct {
	id, source string
	paras      []string
	figs       []string // figure keys; nil: none
	titleDup   bool     // paragraph 0 repeats the title (as normalize marks it)
}

func (d doc) article() *article.Article {
	src := d.source
	if src == "" {
		src = "wire"
	}
	a := &article.Article{ID: d.id, Source: src}
	for i, p := range d.paras {
		a.Paragraphs = append(a.Paragraphs, article.Paragraph{Index: i, Text: p, Status: article.StatusUnique})
	}
	if d.titleDup {
		a.Paragraphs[0].Status = article.StatusDuplicate
		a.Paragraphs[0].DuplicateOf = &article.Ref{ArticleID: d.id, Index: article.TitleIndex}
	}
	return a
}

// ref writes a DuplicateOf as "id#index" ("" for nil) for compact tables.
func ref(r *article.Ref) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("%s#%d", r.ArticleID, r.Index)
}

func statusesOf(a *article.Article) []string {
	out := make([]string, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		out[i] = string(p.Status)
	}
	return out
}

func refsOf(a *article.Article) []string {
	out := make([]string, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		out[i] = ref(p.DuplicateOf)
	}
	return out
}

// Paragraphs of the table cases.
const (
	lede = "Representatives from Moscow and Kiev are meeting at this hour in the town of Gomel, on Ukraine's border with Belarus, in search of an unlikely agreement."
	// ledeFolded differs from lede only in case, quotes, dashes, whitespace and punctuation.
	ledeFolded = "REPRESENTATIVES from Moscow and Kiev — are meeting at this hour in the town of Gomel; on Ukraine’s border with Belarus,   in search of an “unlikely” agreement!"
	ledeEdited = "Representatives from Moscow and Kyiv are meeting at this hour in the town of Gomel, on Ukraine's border with Belarus, in search of an unlikely agreement."
	ledeTypo   = "Representatives from Moscow and Kiev are meeting at this hour in the town of Gomel, on Ukraine's border with Belarus, in search of an unlikley agreement."
	ledeClause = "Representatives from Moscow and Kiev are meeting at this hour in the town of Gomel, on Ukraine's border with Belarus, in search of an unlikely agreement, Belta said."
	losses     = "According to various sources, the number of casualties in the Russian ranks on the fifth day of the invasion exceeds 5,000 soldiers, the general staff said."
	lossesNew  = "According to various sources, the number of casualties in the Russian ranks on the fifth day of the invasion exceeds 6,000 soldiers, the general staff said."
	article5   = "The alliance said on Tuesday that Article 5 of its founding treaty would apply to any attack on the member states along its eastern border with Russia."
	article7   = "The alliance said on Tuesday that Article 7 of its founding treaty would apply to any attack on the member states along its eastern border with Russia."
	berdyansk  = "Russian troops have taken the city of Berdyansk."
	energodar  = "Russian troops have taken the city of Energodar."
	talks      = "The diplomatic delegations of Russia and Ukraine began the first talks this afternoon since Russia invaded Ukraine last Thursday, the Belarusian news agency Belta reported."
	zelensky   = "The Kremlin accepted on Friday the offer of neutrality and dialogue from the Ukrainian president, and it seemed that it was not going to materialize due to the offensive."
	convoy     = "Yesterday, Sunday, the Ukrainian Army warned of the advance of a large convoy of Russian armored vehicles towards the Ukrainian capital, satellite images showed."
	// notesCAD, notesDlrs and notesTonnes hold the same digits; the figures
	// stage reads a currency or a unit from the words next to them.
	notesCAD       = "The notes are sold in denominations of 1,000 and 10,000 Canadian dlrs and will be listed on the Luxembourg stock exchange, with a selling concession of 1-1/4 pct and combined fees of 5/8 pct, the lead manager said."
	notesDlrs      = "The notes are sold in denominations of 1,000 and 10,000 dlrs and will be listed on the Luxembourg stock exchange, with a selling concession of 1-1/4 pct and combined fees of 5/8 pct, the lead manager said."
	notesTonnes    = "The notes are sold in denominations of 1,000 and 10,000 tonnes and will be listed on the Luxembourg stock exchange, with a selling concession of 1-1/4 pct and combined fees of 5/8 pct, the lead manager said."
	exportsWheat   = "The board expects wheat exports of three mln tonnes worth five mln dlrs in the season that began this month, against the forecast it gave in its last monthly report."
	exportsSwapped = "The board expects wheat exports of three mln dlrs worth five mln tonnes in the season that began this month, against the forecast it gave in its last monthly report."
	reuter         = "Reuter"
	thompsonBio    = "Bill Thompson is a regular commentator on the BBC World Service programme Go Digital."
	shr            = "Shr 45 cts vs 58 cts"
	nineMths       = "Nine mths"
)

func TestMark(t *testing.T) {
	ctx := context.Background()
	// An earnings table: headers and rows recur across companies.
	table := []string{"Qtr ended March 31", nineMths, shr, "Year", "Shr 1.20 dlrs", "Record March 31", reuter}
	for _, tc := range []struct {
		name   string
		opts   Options
		before []doc
		doc    doc
		want   []string // statuses of doc's paragraphs
		refs   []string // DuplicateOf of doc's paragraphs as id#index
		story  string
	}{
		{
			name:  "an exact repeat after folding case, quotes, dashes, whitespace and punctuation is a duplicate",
			doc:   doc{id: "a", paras: []string{lede, talks, ledeFolded}},
			want:  []string{"unique", "unique", "duplicate"},
			refs:  []string{"", "", "a#0"},
			story: "a",
		},
		{
			name: "near repeats of a long paragraph (word substitution, typo fix, added clause) are duplicates of the first occurrence",
			doc:  doc{id: "a", paras: []string{lede, ledeEdited, talks, ledeTypo, ledeClause}},
			want: []string{"unique", "duplicate", "unique", "duplicate", "duplicate"},
			refs: []string{"", "a#0", "", "a#0", "a#0"},
		},
		{
			name: "short paragraphs are compared exactly only",
			doc:  doc{id: "a", paras: []string{berdyansk, energodar, "Russian troops have taken the city of berdyansk!"}},
			want: []string{"unique", "unique", "duplicate"},
			refs: []string{"", "", "a#0"},
		},
		{
			name: "a heading continued further down the table is the heading; a sentence that continues is a fact of its own",
			doc: doc{id: "a", paras: []string{"LONG GRAIN RICE, in mln CWTs (100 lbs) --", "ALL WHEAT", "The search for the crew",
				"LONG GRAIN RICE, in mln CWTs (100 lbs), cont. --", "ALL WHEAT Continued", "The search for the crew continued."}},
			want: []string{"unique", "unique", "unique", "duplicate", "duplicate", "unique"},
			refs: []string{"", "", "", "a#0", "a#1", ""},
		},
		{
			name: "a sentence of an earlier paragraph restated word for word is a duplicate of it; with a number, a weekday or a word of its own it stays",
			doc: doc{id: "a", paras: []string{
				"Du Plessis said 34 banks holding more than 70 pct of the debt agreed to the new arrangement on Tuesday. About 300 other creditor banks also are expected to approve the agreement, he said.",
				talks,
				"About 300 other creditor banks also are expected to approve the agreement, he said.",
				"About 350 other creditor banks also are expected to approve the agreement, he said.",
				"Du Plessis said 34 banks holding more than 70 pct of the debt agreed to the new arrangement on Monday.",
				"About 300 other creditor banks also are expected to approve the agreement soon, he said.",
				"Du Plessis said 34 banks holding more than 70 pct of the debt agreed",
			}},
			want: []string{"unique", "unique", "duplicate", "unique", "unique", "unique", "duplicate"},
			refs: []string{"", "", "a#0", "", "", "", "a#0"},
		},
		{
			name: "a short line that restates a clause of a longer paragraph stays",
			doc:  doc{id: "a", paras: []string{"The fire started in a kitchen on the third floor and spread to the roof, but no one was injured, firefighters said.", "No one was injured."}},
			want: []string{"unique", "unique"},
			refs: []string{"", ""},
		},
		{
			name: "a near copy whose figures differ inside one article is updated, not a duplicate",
			doc:  doc{id: "a", paras: []string{losses, lossesNew}, figs: []string{"5000 soldiers", "6000 soldiers"}},
			want: []string{"unique", "updated"},
			refs: []string{"", "a#0"},
		},
		{
			name: "paragraphs whose numbers differ are not duplicates even without figure keys",
			doc:  doc{id: "a", paras: []string{article5, article7}},
			want: []string{"unique", "unique"},
			refs: []string{"", ""},
		},
		{
			name: "equal text with other figure keys is a duplicate: the same digits read otherwise, no number changed",
			doc:  doc{id: "a", paras: []string{losses, losses}, figs: []string{"5000 soldiers", "5000 troops"}},
			want: []string{"unique", "duplicate"},
			refs: []string{"", "a#0"},
		},
		{
			name: "the same digits with a unit word dropped are a duplicate (the figures read otherwise)",
			doc: doc{id: "a", paras: []string{notesCAD, notesDlrs},
				figs: []string{"0.625 %;1.25 %;1000 CAD;10000 CAD", "0.625 %;1.25 %;1000 USD;10000 USD"}},
			want: []string{"unique", "duplicate"},
			refs: []string{"", "a#0"},
		},
		{
			name: "the same digits with a unit word in the place of another are two facts",
			doc: doc{id: "a", paras: []string{notesDlrs, notesTonnes},
				figs: []string{"0.625 %;1.25 %;1000 USD;10000 USD", "0.625 %;1.25 %;1000 t;10000 t"}},
			want: []string{"unique", "unique"},
			refs: []string{"", ""},
		},
		{
			name: "the same digits and words with the units moved to other numbers are two facts",
			doc: doc{id: "a", paras: []string{exportsWheat, exportsSwapped},
				figs: []string{"3e+06 t;5e+06 USD", "3e+06 USD;5e+06 t"}},
			want: []string{"unique", "unique"},
			refs: []string{"", ""},
		},
		{
			name:   "the same digits with a unit word dropped repeat an earlier article's paragraph",
			before: []doc{{id: "b1", paras: []string{notesCAD, talks}, figs: []string{"0.625 %;1.25 %;1000 CAD;10000 CAD", ""}}},
			doc:    doc{id: "b2", paras: []string{notesDlrs, talks}, figs: []string{"0.625 %;1.25 %;1000 USD;10000 USD", ""}},
			want:   []string{"repeated", "repeated"},
			refs:   []string{"b1#0", "b1#1"},
			story:  "b1",
		},
		{
			name:   "the same text with other figure keys repeats an earlier article's paragraph, not updates it",
			before: []doc{{id: "f1", paras: []string{losses, talks}, figs: []string{"5000 soldiers", ""}}},
			doc:    doc{id: "f2", paras: []string{losses, talks}, figs: []string{"5000 troops", ""}},
			want:   []string{"repeated", "repeated"},
			refs:   []string{"f1#0", "f1#1"},
			story:  "f1",
		},
		{
			name:  "a title duplicate is left alone and later repeats point at the title",
			doc:   doc{id: "a", titleDup: true, paras: []string{"Russia and Ukraine sit down to negotiate", lede, "Russia and Ukraine sit down to negotiate"}},
			want:  []string{"duplicate", "unique", "duplicate"},
			refs:  []string{"a#-1", "", "a#-1"},
			story: "a",
		},
		{
			name:   "paragraphs of an earlier article are repeated, exactly or nearly, and the story is shared",
			before: []doc{{id: "first", paras: []string{lede, talks, zelensky, berdyansk}}},
			doc:    doc{id: "second", paras: []string{ledeEdited, talks, convoy, berdyansk}},
			want:   []string{"repeated", "repeated", "unique", "repeated"},
			refs:   []string{"first#0", "first#1", "", "first#3"},
			story:  "first",
		},
		{
			name:   "a paragraph whose figures changed since an earlier article is updated",
			before: []doc{{id: "v1", paras: []string{lede, losses, talks}, figs: []string{"", "5000 soldiers", ""}}},
			doc:    doc{id: "v2", paras: []string{lede, lossesNew, talks}, figs: []string{"", "6000 soldiers", ""}},
			want:   []string{"repeated", "updated", "repeated"},
			refs:   []string{"v1#0", "v1#1", "v1#2"},
			story:  "v1",
		},
		{
			name:   "an article whose long paragraphs are all updates is not the same story",
			before: []doc{{id: "monday", paras: []string{losses, reuter}, figs: []string{"5000 soldiers", ""}}},
			doc:    doc{id: "tuesday", paras: []string{lossesNew, reuter}, figs: []string{"6000 soldiers", ""}},
			want:   []string{"updated", "unique"},
			refs:   []string{"monday#0", ""},
			story:  "tuesday",
		},
		{
			name:   "numbers that changed without figures (dates, identifiers) make neither a repeat nor an update",
			before: []doc{{id: "nato1", paras: []string{article5}}},
			doc:    doc{id: "nato2", paras: []string{article7}},
			want:   []string{"unique"},
			refs:   []string{""},
			story:  "nato2",
		},
		{
			name:   "the story follows an exact copy of an earlier body, even of short paragraphs",
			before: []doc{{id: "t1", paras: []string{shr, "Net 1.1 mln vs 829,000", reuter}}, {id: "t1-again", paras: []string{shr, "Net 1.1 mln vs 829,000", reuter}}},
			doc:    doc{id: "t1-third", paras: []string{shr, "Net 1.1 mln vs 829,000", reuter}},
			want:   []string{"repeated", "repeated", "repeated"},
			refs:   []string{"t1#0", "t1#1", "t1#2"},
			story:  "t1",
		},
		{
			name:   "the Reuters sign-off is boilerplate from the third story of the source on",
			before: []doc{{id: "r1", paras: []string{lede, reuter}}, {id: "r2", paras: []string{talks, reuter}}},
			doc:    doc{id: "r3", paras: []string{zelensky, reuter}},
			want:   []string{"unique", "boilerplate"},
			refs:   []string{"", "r1#1"},
			story:  "r3",
		},
		{
			name:   "a columnist's sign-off is boilerplate from the third column on",
			before: []doc{{id: "c1", source: "bbc", paras: []string{lede, talks, thompsonBio}}, {id: "c2", source: "bbc", paras: []string{zelensky, thompsonBio}}},
			doc:    doc{id: "c3", source: "bbc", paras: []string{convoy, berdyansk, thompsonBio}},
			want:   []string{"unique", "unique", "boilerplate"},
			refs:   []string{"", "", "c1#2"},
			story:  "c3",
		},
		{
			name:   "with BoilerplateStories 5 the third column's sign-off is only repeated",
			opts:   Options{BoilerplateStories: 5},
			before: []doc{{id: "c1", source: "bbc", paras: []string{lede, thompsonBio}}, {id: "c2", source: "bbc", paras: []string{zelensky, thompsonBio}}},
			doc:    doc{id: "c3", source: "bbc", paras: []string{convoy, thompsonBio}},
			want:   []string{"unique", "repeated"},
			refs:   []string{"", "c1#1"},
			story:  "c3",
		},
		{
			name:   "copies of one story do not make a paragraph boilerplate",
			before: []doc{{id: "s1", paras: []string{lede, talks, reuter}}, {id: "s1-copy", paras: []string{lede, talks, reuter}}},
			doc:    doc{id: "s1-edited", paras: []string{ledeEdited, talks, reuter}},
			want:   []string{"repeated", "repeated", "repeated"},
			refs:   []string{"s1#0", "s1#1", "s1#2"},
			story:  "s1",
		},
		{
			name: "recurring lines in the middle of a body or holding digits are never boilerplate",
			before: []doc{
				{id: "e0", paras: append([]string{talks}, table...)},
				{id: "e1", paras: append([]string{zelensky}, table...)},
				{id: "e2", paras: append([]string{convoy}, table...)},
				{id: "e3", paras: append([]string{article5}, table...)},
			},
			doc:   doc{id: "earnings", paras: append([]string{lede}, table...)},
			want:  []string{"unique", "unique", "unique", "unique", "unique", "unique", "unique", "boilerplate"},
			refs:  []string{"", "", "", "", "", "", "", "e0#7"},
			story: "earnings",
		},
		{
			name: "a duplicate points at the first occurrence, not at another duplicate",
			doc:  doc{id: "a", paras: []string{ledeEdited, lede, ledeTypo, talks, ledeTypo}},
			want: []string{"unique", "duplicate", "duplicate", "unique", "duplicate"},
			refs: []string{"", "a#0", "a#0", "", "a#0"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New(NewMemoryStore(0), tc.opts)
			for _, b := range tc.before {
				require.NoError(t, d.Mark(ctx, b.article(), b.figs))
			}
			a := tc.doc.article()
			require.NoError(t, d.Mark(ctx, a, tc.doc.figs))
			require.Equal(t, tc.want, statusesOf(a), "statuses")
			require.Equal(t, tc.refs, refsOf(a), "duplicate_of")
			if tc.story != "" {
				require.Equal(t, tc.story, a.StoryID)
			}
		})
	}
}

func TestMarkReplayIsIdentical(t *testing.T) {
	ctx := context.Background()
	d := New(NewMemoryStore(0), Options{})
	docs := []doc{
		{id: "a1", paras: []string{lede, talks, reuter}},
		{id: "a2", paras: []string{ledeEdited, zelensky, reuter}},
		{id: "a3", paras: []string{convoy, losses, reuter}, figs: []string{"", "5000 soldiers", ""}},
		{id: "a4", paras: []string{lede, lossesNew, talks, talks, reuter}, figs: []string{"", "6000 soldiers", "", "", ""}},
		{id: "a5", titleDup: true, paras: []string{"Title", berdyansk, energodar, "Title", reuter}},
	}
	first := map[string]*article.Article{}
	for _, dc := range docs {
		a := dc.article()
		require.NoError(t, d.Mark(ctx, a, dc.figs))
		first[dc.id] = a
	}
	require.Equal(t, "boilerplate", string(first["a3"].Paragraphs[2].Status), "the set-up reaches boilerplate")
	require.Equal(t, "updated", string(first["a4"].Paragraphs[1].Status), "the set-up has an update")
	// Other traffic in between, then every article again, last first.
	for i := range 20 {
		b := doc{id: fmt.Sprintf("x%d", i), paras: []string{lede, fmt.Sprintf("Filler paragraph %d.", i), talks, reuter}}
		require.NoError(t, d.Mark(ctx, b.article(), nil))
	}
	for i := len(docs) - 1; i >= 0; i-- {
		a := docs[i].article()
		require.NoError(t, d.Mark(ctx, a, docs[i].figs))
		require.Equal(t, first[docs[i].id], a, "replay of %s", docs[i].id)
	}
}

func TestMarkErrors(t *testing.T) {
	ctx := context.Background()
	d := New(NewMemoryStore(0), Options{})
	for _, tc := range []struct {
		name string
		a    *article.Article
		figs []string
		want error
	}{
		{name: "an article without id", a: &article.Article{Paragraphs: []article.Paragraph{{Text: "x"}}}, want: ErrNoID},
		{name: "figure keys that do not match the paragraphs", a: doc{id: "a", paras: []string{"x", "y"}}.article(), figs: []string{""}, want: ErrFigureKeysLen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, d.Mark(ctx, tc.a, tc.figs), tc.want)
		})
	}
	t.Run("a store error is returned with context", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := d.Mark(cctx, doc{id: "a", paras: []string{lede}}.article(), nil)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorContains(t, err, "look up")
	})
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{name: "zero options take the defaults", opts: Options{}},
		{name: "negative minimum length", opts: Options{MinNearLength: -1}, want: "MinNearLength -1 is negative"},
		{name: "threshold above one", opts: Options{NearThreshold: 1.5}, want: "NearThreshold 1.5 is not within [0, 1]"},
		{name: "one story is not many", opts: Options{BoilerplateStories: 1}, want: "BoilerplateStories 1 must be at least 2"},
		{name: "negative tail", opts: Options{BoilerplateTail: -2}, want: "BoilerplateTail -2 is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, "dedup: "+tc.want)
			require.Panics(t, func() { New(nil, tc.opts) })
		})
	}
}

func TestZeroDeduperMarksWithinArticlesOnly(t *testing.T) {
	var d Deduper
	for range 2 {
		a := doc{id: "a", paras: []string{lede, ledeEdited, reuter}}.article()
		require.NoError(t, d.Mark(context.Background(), a, nil))
		require.Equal(t, []string{"unique", "duplicate", "unique"}, statusesOf(a))
		require.Equal(t, "a", a.StoryID)
	}
}

// TestSeedArticle marks the seed article as normalize splits it: on blank
// lines, and on the single newline between its repeated lede sentences and
// after the author's name. The repeated lede is a duplicate of the first.
func TestSeedArticle(t *testing.T) {
	raw, err := os.ReadFile(shared.Path(t, "seed/article.txt"))
	require.NoError(t, err)
	blocks := strings.Split(strings.TrimSpace(string(raw)), "\n\n")
	title := blocks[0]
	var paras []string
	for _, b := range blocks[1:] {
		paras = append(paras, strings.Split(b, "\n")...)
	}
	require.Equal(t, title, paras[0], "the body opens with the title")
	a := &article.Article{ID: "seed", Source: "globe-live-media", Title: title}
	for i, p := range paras {
		a.Paragraphs = append(a.Paragraphs, article.Paragraph{Index: i, Text: p, Status: article.StatusUnique})
	}
	a.Paragraphs[0].Status = article.StatusDuplicate
	a.Paragraphs[0].DuplicateOf = &article.Ref{ArticleID: "seed", Index: article.TitleIndex}

	d := New(NewMemoryStore(0), Options{})
	require.NoError(t, d.Mark(context.Background(), a, nil))

	require.True(t, strings.HasPrefix(paras[1], "Representatives from Moscow"))
	require.Equal(t, paras[1], paras[2])
	want := make([]string, len(paras))
	for i := range want {
		want[i] = "unique"
	}
	want[0], want[2] = "duplicate", "duplicate"
	require.Equal(t, want, statusesOf(a))
	require.Equal(t, "seed#-1", ref(a.Paragraphs[0].DuplicateOf), "the title duplicate is untouched")
	require.Equal(t, "seed#1", ref(a.Paragraphs[2].DuplicateOf), "the repeated lede points at the first")
	require.Equal(t, "seed", a.StoryID)
}

// TestAddsNumbers checks the numbers gate's one allowance: a paragraph may
// add one or two numeric words (a date) to another's, all others kept.
func TestAddsNumbers(t *testing.T) {
	for _, tc := range []struct {
		later, earlier string
		adds           bool
	}{
		{"It is due by April 30, 1988.", "It is due by April 1988.", true},
		{"LONDON, April 7 - Sales rose 5 pct.", "LONDON - Sales rose 5 pct.", true},
		{"Sales rose 5 pct on 7 April 1988.", "Sales rose 5 pct.", false},                // three added
		{"It is due by April 30.", "It is due by April 29.", false},                      // changed
		{"It is due by April 30.", "It is due by April 30.", false},                      // the same: not added
		{"It is due by April.", "It is due by April 30.", false},                         // dropped: the other way
		{"Five ships sank, two of them on Monday.", "5 ships sank, two of them.", false}, // a weekday is no number
		{"Five ships sank on 2 May.", "5 ships sank.", true},                             // number words as digits
	} {
		var sc scratch
		var later, earlier para
		sc.analyse(tc.later, 0, &later)
		sc.analyse(tc.earlier, 0, &earlier)
		require.Equal(t, tc.adds, later.addsNumbers(earlier.numbers), "%q after %q", tc.later, tc.earlier)
	}
}

// TestDropsNumbers checks the other way of the allowance, which a record's
// sum of numbers cannot answer and its sketch's number tags can: a later
// paragraph may drop one or two of the earlier one's numeric words, all
// others kept; a number changed, or three dropped, is not that.
func TestDropsNumbers(t *testing.T) {
	for _, tc := range []struct {
		later, earlier string
		drops          bool
	}{
		{"LONDON - Sales rose 5 pct.", "LONDON, April 7 - Sales rose 5 pct.", true},
		{"It is due by April 1988.", "It is due by April 30, 1988.", true},
		{"It was announced on Monday.", "It was announced on Monday, 12 March.", true},
		{"A senior official said so.", "One senior official said so.", true},
		{"Sales rose 5 pct.", "Sales rose 5 pct on 7 April 1988.", false},                      // three dropped
		{"It is due by April 29.", "It is due by April 30.", false},                            // changed
		{"It is due by April 30.", "It is due by April 30.", false},                            // the same: not dropped
		{"It is due by April 30, 1988.", "It is due by April 1988.", false},                    // added: the other way
		{"It closes on 10 April.", "It closes from 3 April to 17 April.", false},               // one dropped, one changed
		{"Five ships sank.", "5 ships sank on 2 May.", true},                                   // number words as digits
		{"The plan has no date.", "The plan has no date.", false},                              // no numbers at all
		{"Rates: 1 2 3 4 5 6 7 8 9 10 11 12.", "Rates: 1 2 3 4 5 6 7 8 9 10 11 12 13.", false}, // more than the slots: unknown
		{"Rates: 1 2 3 4 5 6 7 8 9 10.", "Rates: 1 2 3 4 5 6 7 8 9 10 11 12.", true},           // twelve tags kept
	} {
		var sc scratch
		var later, earlier para
		sc.analyse(tc.later, 0, &later)
		sc.analyse(tc.earlier, 0, &earlier)
		require.Equal(t, tc.drops, later.dropsNumbers(&earlier.sketch), "%q after %q", tc.later, tc.earlier)
	}
}
