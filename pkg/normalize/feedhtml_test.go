package normalize

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
)

// feedHTMLSnippets returns the HTML of the item descriptions and contents
// of the RSS and Atom samples (description, content:encoded, content,
// summary), XML-unescaped as a feed parser hands them over.
func feedHTMLSnippets(t *testing.T) map[string][]string {
	t.Helper()
	dir := shared.Path(t, "feeds")
	out := map[string][]string{}
	for _, sub := range []string{"rss", "atom"} {
		files, err := filepath.Glob(filepath.Join(dir, sub, "*.xml"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			text, _ := DecodeBytes(b, xmlEncoding(b))
			d := xml.NewDecoder(strings.NewReader(text))
			d.Strict = false
			d.Entity = xml.HTMLEntity
			d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
			var cur *strings.Builder
			depth := 0
			for {
				tok, err := d.Token()
				if err != nil {
					break
				}
				switch tt := tok.(type) {
				case xml.StartElement:
					depth++
					switch tt.Name.Local {
					case "description", "encoded", "content", "summary":
						if cur == nil {
							cur = &strings.Builder{}
							depth = 1
						}
					}
				case xml.EndElement:
					depth--
					if cur != nil && depth == 0 {
						if s := strings.TrimSpace(cur.String()); s != "" {
							out[sub+"/"+filepath.Base(f)] = append(out[sub+"/"+filepath.Base(f)], s)
						}
						cur = nil
					}
				case xml.CharData:
					if cur != nil {
						cur.Write(tt)
					}
				}
			}
		}
	}
	return out
}

func xmlEncoding(b []byte) string {
	head := string(b[:min(len(b), 200)])
	i := strings.Index(head, "encoding=")
	if i < 0 || len(head) < i+10 {
		return ""
	}
	v := head[i+len("encoding="):]
	q := v[0]
	if j := strings.IndexByte(v[1:], q); j > 0 {
		return v[1 : 1+j]
	}
	return ""
}

// TestNormalizeFeedHTMLSnippets normalizes every RSS and Atom item snippet
// as text/html: no markup, entity or script text survives, the text is
// valid and trimmed, and only snippets without text fail (ErrEmpty).
func TestNormalizeFeedHTMLSnippets(t *testing.T) {
	snippets := feedHTMLSnippets(t)
	n, empty, paras := 0, 0, 0
	for file, list := range snippets {
		for i, s := range list {
			n++
			a, err := Normalize(article.RawArticle{Source: "feed", SourceID: file, Body: s, ContentType: article.ContentTypeHTML})
			if errors.Is(err, ErrEmpty) {
				empty++
				continue
			}
			require.NoError(t, err, "%s #%d", file, i)
			checkArticle(t, a)
			for _, p := range a.Paragraphs {
				paras++
				for _, bad := range []string{"<p>", "<p ", "</p>", "<div", "<br", "<img", "<a href", "&amp;", "&lt;", "&#8217;", "&nbsp;", "function(", "\u00a0"} {
					require.NotContains(t, p.Text, bad, "%s #%d", file, i)
				}
			}
		}
	}
	require.Greater(t, n, 200, "the samples hold hundreds of item snippets")
	t.Logf("%d snippets from %d feeds: %d paragraphs, %d without text", n, len(snippets), paras, empty)
}

// TestMisdeclaredFeedCharsets reads the sample whose declaration lies (AFP,
// declared ISO-8859-1, bytes UTF-8) and the real ISO-8859-1 RSS sample:
// neither comes out garbled.
func TestMisdeclaredFeedCharsets(t *testing.T) {
	tests := []struct {
		file, declared, want string
	}{
		{"newsml-1.2/afp-20-text.xml", "iso-8859-1", "Décès"},
		{"rss/inovacaotecnologica-iso8859-1-pt.xml", "ISO-8859-1", "Inovação"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(shared.Path(t, "feeds/"+tc.file))
			require.NoError(t, err)
			require.Equal(t, strings.ToLower(tc.declared), strings.ToLower(xmlEncoding(bytes.TrimSpace(b))))
			s, err := DecodeBytes(b, tc.declared)
			require.NoError(t, err)
			require.Contains(t, s, tc.want)
			require.NotContains(t, s, "Ã")
		})
	}
}
