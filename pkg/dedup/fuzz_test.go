package dedup

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

// FuzzMark: any text, split into paragraphs on newlines, is marked without
// panic; statuses are of the five kinds, references point backwards; a short
// sentence or a quotation is never boilerplate; and a replay after another
// article comes out identical. A short clause without a full stop ("**
// Company did not respond to a request for comment") is never
// boilerplate either.
//
//	go test ./pkg/dedup -run '^$' -fuzz FuzzMark -fuzztime 30s
func FuzzMark(f *testing.F) {
	f.Add(lede+"\n"+ledeEdited+"\nReuter", talks+"\nReuter")
	f.Add("U.S. 2,000 1.5 it’s “quoted” — dash\n\n\n", "Ünïcödé ДЕКАБРЬ 12 march\u0301 ’tis")
	f.Add(strings.Repeat("9", 5000), "a\nb\na\n")
	f.Add("Shares fell in early trade after the results\n** Company did not respond to a request for comment", "Police are appealing for witnesses")
	f.Fuzz(func(t *testing.T, one, two string) {
		ctx := context.Background()
		d := New(NewMemoryStore(64), Options{})
		mk := func(id, text string) doc {
			return doc{id: id, paras: strings.Split(text, "\n")}
		}
		first := mk("one", one).article()
		require.NoError(t, d.Mark(ctx, first, nil))
		require.NoError(t, d.Mark(ctx, mk("two", two).article(), nil))
		again := mk("one", one).article()
		require.NoError(t, d.Mark(ctx, again, nil))
		require.Equal(t, first, again)
		// Three unrelated stories of one source end with one's paragraphs:
		// the third may turn some into boilerplate, never a short sentence
		// or a quotation.
		var sc scratch
		for k := range 3 {
			paras := append([]string{fmt.Sprintf("Unrelated story number %d opens with a lede of its own that no other story shares.", k)},
				strings.Split(one, "\n")...)
			a := doc{id: fmt.Sprintf("tail%d", k), source: "tails", paras: paras}.article()
			keys := make([]string, len(paras))
			for j, p := range paras {
				keys[j] = figureKey(p)
			}
			require.NoError(t, d.Mark(ctx, a, keys))
			for _, p := range a.Paragraphs {
				var pp para
				sc.analyse(p.Text, DefaultMinNearLength, &pp)
				if (pp.sentence || pp.clause) && pp.length < minBoilerplateSentence || strings.ContainsAny(p.Text, "\"“”") {
					require.NotEqual(t, article.StatusBoilerplate, p.Status, "a short sentence, a short clause or a quotation: %q", p.Text)
				}
			}
		}
		for i, p := range first.Paragraphs {
			switch p.Status {
			case "unique":
				require.Nil(t, p.DuplicateOf)
			case "duplicate":
				require.Equal(t, "one", p.DuplicateOf.ArticleID)
				require.Less(t, p.DuplicateOf.Index, i)
			case "repeated", "updated", "boilerplate":
				require.NotNil(t, p.DuplicateOf)
			default:
				t.Fatalf("status %q", p.Status)
			}
		}
		var p, q para
		sc.analyse(one, 0, &p)
		sc.analyse(two, 0, &q)
		sim := p.sketch.Similarity(&q.sketch)
		require.True(t, sim >= 0 && sim <= 1, "similarity %v", sim)
		if utf8.ValidString(one) {
			require.LessOrEqual(t, p.length, len(one))
		}
	})
}
