package normalize_test

import (
	"fmt"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/normalize"
)

func ExampleNormalize() {
	raw := article.RawArticle{
		Source:    "wire",
		SourceID:  "42",
		Published: "Thu, 26 Feb 1987 15:01:01 GMT",
		Body: "Coffee exports fall\n\n" +
			"By Ana Silva\n\n" +
			"SALVADOR, Feb 26 - Brazilian coffee exports fell 12 pct in\n" +
			"January, the trade ministry said on Thursday.\n" +
			"   Shipments to Europe were lower.",
	}
	a, err := normalize.Normalize(raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("title:", a.Title)
	fmt.Println("byline:", a.Byline)
	fmt.Println("dateline:", a.Dateline)
	fmt.Println("published:", a.PublishedAt)
	fmt.Println("language:", a.Language)
	for _, p := range a.Paragraphs {
		fmt.Printf("%d %s: %s\n", p.Index, p.Status, p.Text)
	}
	// Output:
	// title: Coffee exports fall
	// byline: Ana Silva
	// dateline: SALVADOR, Feb 26
	// published: 1987-02-26T15:01:01Z
	// language: en
	// 0 duplicate: Coffee exports fall
	// 1 unique: Brazilian coffee exports fell 12 pct in January, the trade ministry said on Thursday.
	// 2 unique: Shipments to Europe were lower.
}
