package dedup_test

import (
	"context"
	"fmt"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// One Deduper with one store carries the state across a stream, as
// `newsflow process` does; the consumer passes a shared store instead.
func ExampleDeduper_Mark() {
	d := dedup.New(dedup.NewMemoryStore(dedup.DefaultMemoryKeys), dedup.Options{})
	doc := func(id string, paragraphs ...string) *article.Article {
		a := &article.Article{ID: id, Source: "wire"}
		for i, p := range paragraphs {
			a.Paragraphs = append(a.Paragraphs, article.Paragraph{Index: i, Text: p, Status: article.StatusUnique})
		}
		return a
	}
	lede := "Representatives from Moscow and Kiev are meeting at this hour in the town of Gomel, on Ukraine's border with Belarus."
	ctx := context.Background()

	first := doc("a1", lede, lede, "Reuter")
	_ = d.Mark(ctx, first, nil)
	second := doc("a2", "Representatives from Moscow and Kyiv are meeting at this hour in the town of Gomel, on Ukraine's border with Belarus.", "Reuter")
	_ = d.Mark(ctx, second, nil)

	for _, a := range []*article.Article{first, second} {
		for _, p := range a.Paragraphs {
			of := ""
			if p.DuplicateOf != nil {
				of = fmt.Sprintf(" of %s#%d", p.DuplicateOf.ArticleID, p.DuplicateOf.Index)
			}
			fmt.Printf("%s#%d %s%s\n", a.ID, p.Index, p.Status, of)
		}
		fmt.Println("story", a.StoryID)
	}
	// Output:
	// a1#0 unique
	// a1#1 duplicate of a1#0
	// a1#2 unique
	// story a1
	// a2#0 repeated of a1#0
	// a2#1 repeated of a1#2
	// story a1
}
