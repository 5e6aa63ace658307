package normalize

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
)

// sampleSummary is what the feed-sample golden file records per document:
// the metadata and an excerpt, not the licensed text.
type sampleSummary struct {
	File        string `json:"file"`
	Error       string `json:"error,omitempty"`
	SourceID    string `json:"source_id,omitempty"`
	Title       string `json:"title,omitempty"`
	Language    string `json:"language,omitempty"`
	Byline      string `json:"byline,omitempty"`
	Dateline    string `json:"dateline,omitempty"`
	PublishedAt string `json:"published_at,omitempty"`
	UpdatedAt   string `json:"updated_at,omitempty"`
	Paragraphs  int    `json:"paragraphs"`
	TitleDups   int    `json:"title_duplicates,omitempty"`
	First       string `json:"first,omitempty"`
}

// TestNormalizeFeedSamples normalizes every ninjs and NewsML-G2 sample as
// the body of a RawArticle of its content type and compares title, dates,
// language, byline, dateline, paragraph count and the first 80 characters
// of the first kept paragraph with testdata/feed-samples.golden.json.
func TestNormalizeFeedSamples(t *testing.T) {
	dir := shared.Path(t, "feeds")
	var sums []sampleSummary
	for _, kind := range []struct{ dir, contentType string }{
		{"ninjs", article.ContentTypeNinjs},
		{"newsml-g2", article.ContentTypeNewsMLG2},
	} {
		files, err := filepath.Glob(filepath.Join(dir, kind.dir, "*"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			a, err := Normalize(article.RawArticle{Source: "sample", Body: string(b), ContentType: kind.contentType})
			s := sampleSummary{File: kind.dir + "/" + filepath.Base(f)}
			if err != nil {
				s.Error = err.Error()
				sums = append(sums, s)
				continue
			}
			s.SourceID, s.Title, s.Language, s.Byline, s.Dateline = a.SourceID, a.Title, a.Language, a.Byline, a.Dateline
			s.PublishedAt, s.UpdatedAt, s.Paragraphs = a.PublishedAt, a.UpdatedAt, len(a.Paragraphs)
			for _, p := range a.Paragraphs {
				if p.Status == article.StatusDuplicate {
					s.TitleDups++
					continue
				}
				if s.First == "" {
					s.First = excerpt(p.Text, 80)
				}
				require.NotContains(t, p.Text, "<p>", "%s: markup left in the text", f)
				require.Equal(t, strings.TrimSpace(p.Text), p.Text)
			}
			sums = append(sums, s)
		}
	}
	golden(t, "testdata/feed-samples.golden.json", sums)
}

// TestNormalizeCorpusSample checks 100 articles of each corpus, which
// already separate paragraphs with blank lines: normalizing keeps every
// paragraph that has a letter or digit, in order, and does not change
// correct text apart from decoding character references, folding runs of
// spaces and cutting the dateline from the first paragraph.
func TestNormalizeCorpusSample(t *testing.T) {
	for _, name := range []string{"corpus/reuters-21578.jsonl", "corpus/bbc-news.jsonl"} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			lines := readLines(t, shared.Path(t, name))
			checked := 0
			for i := 0; i < 100; i++ {
				// A spread-out sample of 100 articles.
				checked++
				var raw article.RawArticle
				require.NoError(t, json.Unmarshal(lines[i*len(lines)/100], &raw))
				a, err := Normalize(raw)
				require.NoError(t, err, raw.ID)
				var want []string
				for _, p := range strings.Split(raw.Body, "\n\n") {
					if hasWordChar(p) {
						want = append(want, strings.Join(strings.Fields(unescapeForTest(p)), " "))
					}
				}
				require.Len(t, a.Paragraphs, len(want), raw.ID)
				for i, p := range a.Paragraphs {
					w := want[i]
					if i == 0 && a.Dateline != "" {
						require.True(t, strings.HasPrefix(w, a.Dateline), "%s: dateline %q not at the start of %q", raw.ID, a.Dateline, w)
						w = strings.TrimLeft(w[len(a.Dateline):], " -–—_")
					}
					require.Equal(t, w, p.Text, "%s paragraph %d", raw.ID, i)
					require.Equal(t, article.StatusUnique, p.Status)
				}
				require.Equal(t, strings.Join(strings.Fields(raw.Title), " "), a.Title)
			}
			require.Equal(t, 100, checked)
		})
	}
}

func readLines(t testing.TB, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	require.NoError(t, sc.Err())
	return lines
}

// feedSampleRaws returns the ninjs and NewsML-G2 samples as raw articles.
func feedSampleRaws(t testing.TB) []article.RawArticle {
	t.Helper()
	dir := shared.Path(t, "feeds")
	var raws []article.RawArticle
	for _, kind := range []struct{ dir, contentType string }{
		{"ninjs", article.ContentTypeNinjs},
		{"newsml-g2", article.ContentTypeNewsMLG2},
	} {
		files, err := filepath.Glob(filepath.Join(dir, kind.dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			raws = append(raws, article.RawArticle{Source: "sample", Body: string(b), ContentType: kind.contentType})
		}
	}
	return raws
}

// unescapeForTest decodes the character references the BBC corpus carries
// ("&#233;"), which normalize decodes too.
func unescapeForTest(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	r := strings.NewReplacer("&#233;", "é", "&lt;", "<", "&gt;", ">", "&amp;", "&")
	return r.Replace(s)
}
