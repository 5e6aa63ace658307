package dedup

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

// streamResult is the outcome of marking a corpus in order with one store.
type streamResult struct {
	docs    []*article.Article
	byID    map[string]*article.Article
	counts  map[article.Status]int
	d       *Deduper
	corpora []corpusArticle
}

func markStream(t *testing.T, name string) streamResult {
	t.Helper()
	ctx := context.Background()
	corp := loadCorpus(t, name)
	res := streamResult{byID: map[string]*article.Article{}, counts: map[article.Status]int{}, corpora: corp,
		d: New(NewMemoryStore(0), Options{})}
	for _, c := range corp {
		a := c.toArticle()
		require.NoError(t, res.d.Mark(ctx, a, nil))
		res.docs = append(res.docs, a)
		res.byID[a.ID] = a
		for _, p := range a.Paragraphs {
			res.counts[p.Status]++
		}
	}
	return res
}

// TestBBCStream marks the BBC corpus in order (the way `newsflow process`
// carries state across a stream) and checks what its README states.
func TestBBCStream(t *testing.T) {
	res := markStream(t, "bbc-news")
	t.Logf("BBC paragraph statuses: %v", res.counts)

	t.Run("every exact-duplicate body is repeated and shares the story of its first copy", func(t *testing.T) {
		first := map[string]*article.Article{}
		dups := 0
		for i, c := range res.corpora {
			a := res.docs[i]
			orig, ok := first[c.Body]
			if !ok {
				first[c.Body] = a
				continue
			}
			dups++
			require.Equal(t, orig.StoryID, a.StoryID, "%s copies %s", a.ID, orig.ID)
			for j, p := range a.Paragraphs {
				if p.Status == article.StatusDuplicate { // repeated inside the article too
					continue
				}
				require.Contains(t, []article.Status{article.StatusRepeated, article.StatusBoilerplate}, p.Status, "%s#%d", a.ID, j)
				require.NotNil(t, p.DuplicateOf, "%s#%d", a.ID, j)
				require.NotEqual(t, a.ID, p.DuplicateOf.ArticleID, "%s#%d", a.ID, j)
			}
		}
		require.Equal(t, 133, dups, "the corpus README counts 133 duplicate bodies")
	})

	t.Run("every exact repeat of a long paragraph or within a story is found", func(t *testing.T) {
		// Recall of exact cross-article repeats: a paragraph whose folded
		// text an earlier article carried is repeated (or boilerplate, or a
		// duplicate inside its own article) when it is long or the two
		// articles are one story. Short lines repeated by another story
		// stay unique by design; they are counted.
		first := map[uint64]*article.Article{}
		var sc scratch
		found, exact, shortOther := 0, 0, 0
		for _, a := range res.docs {
			for _, p := range a.Paragraphs {
				var pp para
				sc.analyse(p.Text, DefaultMinNearLength, &pp)
				if pp.words == 0 {
					continue
				}
				orig, seen := first[pp.exact]
				if !seen {
					first[pp.exact] = a
					continue
				}
				if orig.ID == a.ID {
					continue
				}
				if !pp.long && orig.StoryID != a.StoryID {
					shortOther++
					continue
				}
				exact++
				if p.Status == article.StatusRepeated || p.Status == article.StatusBoilerplate || p.Status == article.StatusDuplicate {
					found++
				} else {
					t.Errorf("%s: %s, an exact repeat of %s: %.80s", a.ID, p.Status, orig.ID, p.Text)
				}
			}
		}
		t.Logf("exact cross-article repeats found: %d/%d; short lines repeated by another story, left unique: %d", found, exact, shortOther)
	})

	t.Run("the repeated paragraph inside bbc-sport-190 is a duplicate", func(t *testing.T) {
		a := res.byID["bbc-sport-190"]
		var dup []string
		for _, p := range a.Paragraphs {
			if p.Status == article.StatusDuplicate {
				dup = append(dup, p.Text+" → "+ref(p.DuplicateOf))
			}
		}
		require.Equal(t, []string{"Winners meet in final match → bbc-sport-190#4", "Winners meet in final match → bbc-sport-190#4"}, dup)
	})

	t.Run("the Bill Thompson sign-off is boilerplate from the third column on", func(t *testing.T) {
		var got []string
		stories := map[string]bool{}
		for _, a := range res.docs {
			for _, p := range a.Paragraphs {
				if strings.HasPrefix(p.Text, "Bill Thompson is a regular commentator") {
					got = append(got, string(p.Status))
					stories[a.StoryID] = true
				}
			}
		}
		t.Logf("Bill Thompson sign-offs in stream order: %v (%d stories)", got, len(stories))
		require.Len(t, got, 7, "the corpus README counts 7 articles")
		require.Equal(t, []string{"unique", "repeated", "boilerplate", "boilerplate", "boilerplate", "boilerplate", "boilerplate"}, got)
	})

	t.Run("only columnist sign-offs are boilerplate", func(t *testing.T) {
		byAuthor := map[string]int{}
		for _, a := range res.docs {
			for _, p := range a.Paragraphs {
				if p.Status != article.StatusBoilerplate {
					continue
				}
				t.Logf("boilerplate in %s: %.90s", a.ID, p.Text)
				switch {
				case strings.HasPrefix(p.Text, "Bill Thompson is a regular commentator"):
					byAuthor["Bill Thompson"]++
				case strings.HasPrefix(p.Text, "Clark Boyd is technology correspondent"):
					byAuthor["Clark Boyd"]++
				default:
					t.Errorf("unexpected boilerplate in %s: %s", a.ID, p.Text)
				}
			}
		}
		require.Equal(t, map[string]int{"Bill Thompson": 5, "Clark Boyd": 5}, byAuthor)
	})

	t.Run("a replay of any article is identical", func(t *testing.T) {
		ctx := context.Background()
		for i := 0; i < len(res.docs); i += 7 {
			a := res.corpora[i].toArticle()
			require.NoError(t, res.d.Mark(ctx, a, nil))
			require.Equal(t, res.docs[i], a, "replay of %s", a.ID)
		}
	})
}

// TestReutersStream marks the Reuters corpus in order: the sign-off is
// boilerplate from the third story on, nothing with a digit ever is, and
// replays are identical.
func TestReutersStream(t *testing.T) {
	if testing.Short() {
		t.Skip("19,043 articles; skipped with -short")
	}
	res := markStream(t, "reuters-21578")
	t.Logf("Reuters paragraph statuses: %v", res.counts)

	texts := map[string]int{}
	signOffs := map[article.Status]int{}
	for _, a := range res.docs {
		for i, p := range a.Paragraphs {
			if p.Status == article.StatusBoilerplate {
				texts[strings.ToLower(p.Text)]++
				require.False(t, strings.ContainsAny(p.Text, "0123456789"), p.Text)
				require.GreaterOrEqual(t, i, len(a.Paragraphs)-DefaultBoilerplateTail, p.Text)
			}
			if i == len(a.Paragraphs)-1 && strings.EqualFold(p.Text, "reuter") {
				signOffs[p.Status]++
			}
		}
	}
	top := slices.SortedFunc(maps.Keys(texts), func(x, y string) int { return texts[y] - texts[x] })
	var b strings.Builder
	for i, text := range top {
		if i == 25 {
			break
		}
		fmt.Fprintf(&b, "  ×%d %.80s\n", texts[text], text)
	}
	t.Logf("%d distinct boilerplate paragraphs, most frequent:\n%s", len(texts), b.String())
	t.Logf("closing Reuter lines: %v", signOffs)
	// The second story's sign-off is unique: a short line repeats only
	// within its story.
	require.Equal(t, map[article.Status]int{"unique": 2, "duplicate": 1, "boilerplate": 18794}, signOffs)

	ctx := context.Background()
	for i := 0; i < len(res.docs); i += 97 {
		a := res.corpora[i].toArticle()
		require.NoError(t, res.d.Mark(ctx, a, nil))
		require.Equal(t, res.docs[i], a, "replay of %s", a.ID)
	}

	t.Run("with the figures stage's keys", func(t *testing.T) {
		// Figure keys let a long tail paragraph with numbers be a
		// boilerplate candidate; its copies must repeat its numbers (but
		// the article's own times), so formula paragraphs whose dates or
		// rates change from story to story ("completed by April 1988",
		// "the spot riyal was steady at 3.7500") stay in the body.
		d := New(NewMemoryStore(0), Options{})
		texts := map[string]int{}
		statuses := map[article.Status]int{}
		joined := 0
		for _, c := range res.corpora {
			a, keys := markedWithFigures(c)
			require.NoError(t, d.Mark(ctx, a, keys))
			if a.StoryID != a.ID {
				joined++
			}
			for i, p := range a.Paragraphs {
				statuses[p.Status]++
				if p.Status != article.StatusBoilerplate {
					continue
				}
				texts[strings.ToLower(p.Text)]++
				var sc scratch
				var pp para
				sc.analyse(p.Text, DefaultMinNearLength, &pp)
				require.Empty(t, keys[i], p.Text)
				require.False(t, pp.sentence && pp.length < minBoilerplateSentence, p.Text)
			}
		}
		var b strings.Builder
		for text, n := range texts {
			fmt.Fprintf(&b, "\n  ×%d %.100s", n, text)
		}
		t.Logf("Reuters paragraph statuses with figure keys: %v; %d articles join an earlier story", statuses, joined)
		t.Logf("%d distinct boilerplate paragraphs:%s", len(texts), b.String())
		require.Less(t, len(texts), 15, "sign-offs, table lines and a few recurring long sentences")
	})
}
