package normalize

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

// contentTypes are the body types FuzzNormalize exercises.
var contentTypes = []string{"", article.ContentTypeHTML, article.ContentTypeNinjs, article.ContentTypeNewsMLG2, "text/plain; charset=windows-1252"}

// checkArticle asserts the invariants every normalized article keeps.
func checkArticle(t *testing.T, a article.Article) {
	t.Helper()
	require.NotEmpty(t, a.Paragraphs)
	for i, p := range a.Paragraphs {
		require.Equal(t, i, p.Index)
		require.True(t, utf8.ValidString(p.Text), "paragraph %d is not UTF-8", i)
		require.NotEmpty(t, p.Text)
		require.Equal(t, strings.TrimSpace(p.Text), p.Text)
		require.NotContains(t, p.Text, "\n")
		require.True(t, p.Status == article.StatusUnique || p.Status == article.StatusDuplicate)
	}
	require.True(t, utf8.ValidString(a.Title))
}

// FuzzNormalize feeds arbitrary bytes as the body of every content type: no
// panic, valid UTF-8 out, and the invariants of checkArticle.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"Title\n\nBody text.\nSecond line.",
		"<p>One<br><br>Two</p><nav>x</nav>",
		`{"uri":"u","headline":"H","body_html":"<p>x</p>"}`,
		`<newsItem guid="g"><contentSet><inlineXML><p>x</p></inlineXML></contentSet></newsItem>`,
		"KYIV, March 1 (Reuters) - Text.\n\nBy Jane Doe",
		"cafÃ© \x93x\x94 \xff\xfe",
		strings.Repeat("<div>", 50) + "deep" + strings.Repeat("</div>", 50),
	} {
		for i := range contentTypes {
			f.Add(s, uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, body string, ct uint8) {
		raw := article.RawArticle{Source: "fuzz", Body: body, ContentType: contentTypes[int(ct)%len(contentTypes)]}
		a, err := Normalize(raw)
		if err != nil {
			return
		}
		checkArticle(t, a)
	})
}

// TestNormalizePathological bounds the time spent on hostile input.
func TestNormalizePathological(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		contentType string
	}{
		{"megabytes of digits", strings.Repeat("1234567890", 400_000), ""},
		{"megabytes of digits with commas", strings.Repeat("1,234,", 500_000), ""},
		{"100k nested divs", strings.Repeat("<div>", 100_000) + "deep" + strings.Repeat("</div>", 100_000), article.ContentTypeHTML},
		{"100k unclosed navs", strings.Repeat("<nav>", 100_000) + "text", article.ContentTypeHTML},
		{"100k nested XML elements", `<newsItem guid="g"><contentSet><inlineXML>` + strings.Repeat("<a>", 100_000) + "x" + strings.Repeat("</a>", 100_000) + `</inlineXML></contentSet></newsItem>`, article.ContentTypeNewsMLG2},
		{"deeply nested JSON", `{"uri":"u","body_text":"x","a":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + "}", article.ContentTypeNinjs},
		{"a million lines", strings.Repeat("a\n", 1_000_000), ""},
		{"one 4 MB line", strings.Repeat("word ", 800_000), ""},
		{"a million angle brackets", strings.Repeat("<", 1_000_000), ""},
		{"mojibake everywhere", strings.Repeat("Ã©â€™", 300_000), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			a, err := Normalize(article.RawArticle{Source: "p", Body: tc.body, ContentType: tc.contentType})
			elapsed := time.Since(start)
			if err == nil {
				checkArticle(t, a)
			}
			// Linear work on a few MB takes tens of milliseconds: the bound
			// guards against super-linear blowups (hours), it is not a speed
			// claim (the benchmarks measure speed), so a loaded CI machine
			// has all the room it needs.
			require.Less(t, elapsed, 30*time.Second, "took %v", elapsed)
		})
	}
}
