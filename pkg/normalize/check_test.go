package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

func TestTitles(t *testing.T) {
	long := strings.Repeat("word ", 100)
	for _, tc := range []struct {
		name, contentType, title, want string
	}{
		{"plain text", "", "Storm hits the coast", "Storm hits the coast"},
		{"an HTML article's title is HTML", article.ContentTypeHTML, "<b>Storm</b> hits <i>the</i> coast", "Storm hits the coast"},
		{"an image in an HTML title is dropped", article.ContentTypeHTML, "<img src=x onerror=alert(1)> Quay", "Quay"},
		{"escaped markup in an HTML title is text", article.ContentTypeHTML, "&lt;img src=x&gt; Quay", "<img src=x> Quay"},
		{"a script in an HTML title is dropped", article.ContentTypeHTML, "<script>alert(1)</script>Headline", "Headline"},
		{"closing inline tags mark a plain title as HTML", "", "<b>Storm</b> hits", "Storm hits"},
		{"wire copy's angle brackets stay in a plain title", "", "<Sale Tilney Plc> buys <I> stake", "<Sale Tilney Plc> buys <I> stake"},
		{"a comparison stays", "", "x < y and y > z", "x < y and y > z"},
		{"entities in a plain title", "", "AT&amp;T &amp; partners", "AT&T & partners"},
		{"a long title is cut at a word", "", long, strings.Repeat("word ", 59) + "word…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Normalize(article.RawArticle{Source: "s", Title: tc.title, Body: "Body text here.", ContentType: tc.contentType})
			require.NoError(t, err)
			require.Equal(t, tc.want, a.Title)
			require.LessOrEqual(t, utf8.RuneCountInString(a.Title), MaxTitleRunes+1)
		})
	}
	t.Run("a word longer than the cap is cut", func(t *testing.T) {
		a, err := Normalize(article.RawArticle{Source: "s", Title: strings.Repeat("é", 400), Body: "Body."})
		require.NoError(t, err)
		require.Equal(t, strings.Repeat("é", MaxTitleRunes)+"…", a.Title)
	})
}

func TestCheck(t *testing.T) {
	ok := article.RawArticle{Source: "desk", SourceID: "1", Title: "Storm", Body: "More than 5,000 people fled.", Published: "2024-03-01T09:30:00Z"}
	for _, tc := range []struct {
		name string
		edit func(*article.RawArticle)
		want string
	}{
		{"a good article", func(*article.RawArticle) {}, ""},
		{"a feed date", func(a *article.RawArticle) { a.Published = "Fri, 01 Mar 2024 09:30:00 GMT" }, ""},
		{"no source", func(a *article.RawArticle) { a.Source = "" }, `no "source"`},
		{"no body", func(a *article.RawArticle) { a.Body = "" }, `no "body"`},
		{"a body of white space", func(a *article.RawArticle) { a.Body = " \n\t " }, "article has no text"},
		{"a body of markup only", func(a *article.RawArticle) {
			a.Body, a.ContentType = "<p> </p><script>x()</script>", article.ContentTypeHTML
		}, "article has no text"},
		{"a published date that is not one", func(a *article.RawArticle) { a.Published = "yesterday" }, `"published" "yesterday" is not a date`},
		{"an updated date that is not one", func(a *article.RawArticle) { a.Updated = "2024-13-45" }, `"updated" "2024-13-45" is not a date`},
		{"a received_at that is not a date", func(a *article.RawArticle) { a.ReceivedAt = "now" }, `"received_at" "now" is not a date`},
		{"an unknown content type", func(a *article.RawArticle) { a.ContentType = "image/png" }, "unknown content_type"},
		{"a ninjs body that is not ninjs", func(a *article.RawArticle) { a.ContentType = article.ContentTypeNinjs }, "undecodable document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := ok
			tc.edit(&a)
			err := Check(a)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}
