package normalize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goldenfile "github.com/newsflow/newsflow/internal/golden"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// result is one line of a golden file: the article, or the error.
type result struct {
	Article *article.Article `json:"article,omitempty"`
	Error   string           `json:"error,omitempty"`
}

func normalizeAll(t *testing.T, raws []article.RawArticle) []result {
	t.Helper()
	out := make([]result, 0, len(raws))
	for _, raw := range raws {
		a, err := Normalize(raw)
		if err != nil {
			out = append(out, result{Error: err.Error()})
			continue
		}
		out = append(out, result{Article: &a})
	}
	return out
}

func readRaws(t *testing.T, path string) []article.RawArticle {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	var raws []article.RawArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var raw article.RawArticle
		d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		d.DisallowUnknownFields()
		require.NoError(t, d.Decode(&raw), "%s: %s", path, sc.Text())
		raws = append(raws, raw)
	}
	require.NoError(t, sc.Err())
	return raws
}

// golden compares got, as indented JSON, with the golden file, or rewrites
// the file under -update.
func golden(t *testing.T, path string, got any) {
	t.Helper()
	goldenfile.JSON(t, path, got, *update)
}

// TestNormalizeGolden runs every testdata/<case>.input.jsonl through
// Normalize and compares with testdata/<case>.golden.json.
func TestNormalizeGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.input.jsonl")
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".input.jsonl")
		t.Run(name, func(t *testing.T) {
			got := normalizeAll(t, readRaws(t, in))
			golden(t, filepath.Join("testdata", name+".golden.json"), got)
		})
	}
}

// paragraphSummary is a paragraph in a golden file of licensed text: its
// status and the first characters only, so that the text itself is not
// copied into the repository.
type paragraphSummary struct {
	Status string `json:"status"`
	Runes  int    `json:"runes"`
	Start  string `json:"start"`
}

func excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// TestNormalizeSeed is the golden test of the seed article as plain text
// without a title: the title is inferred, the two copies of the title are
// duplicates of it, the repeated lede is two paragraphs (dedup marks the
// second), the subheading is its own paragraph, the trailing name line is
// the byline, and every other paragraph appears exactly once.
func TestNormalizeSeed(t *testing.T) {
	b, err := os.ReadFile(shared.Path(t, "seed/article.txt"))
	require.NoError(t, err)
	a, err := Normalize(article.RawArticle{Source: "seed", Body: string(b), ContentType: "text/plain"})
	require.NoError(t, err)

	const title = "Russia and Ukraine sit down to negotiate while the offensive continues"
	require.Equal(t, title, a.Title)
	require.Equal(t, "Melissa Galbraith", a.Byline)
	require.Equal(t, "en", a.Language)
	require.Empty(t, a.Dateline)

	require.GreaterOrEqual(t, len(a.Paragraphs), 4)
	for i := 0; i < 2; i++ {
		require.Equal(t, title, a.Paragraphs[i].Text)
		require.Equal(t, article.StatusDuplicate, a.Paragraphs[i].Status)
		require.Equal(t, &article.Ref{ArticleID: a.ID, Index: article.TitleIndex}, a.Paragraphs[i].DuplicateOf)
	}
	lede := a.Paragraphs[2].Text
	require.True(t, strings.HasPrefix(lede, "Representatives from Moscow and Kiev"), lede)
	require.Equal(t, lede, a.Paragraphs[3].Text, "the lede repeated on the next line is a paragraph of its own")
	for _, p := range a.Paragraphs[2:] {
		require.Equal(t, article.StatusUnique, p.Status)
	}

	// Every paragraph of the file (blank-line separated, the lede pair split
	// in two, the name line gone to the byline) appears exactly once.
	var want []string
	for _, block := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n\n") {
		for _, ln := range strings.Split(block, "\n") {
			// The file separates sentences with no-break spaces, which
			// normalize folds.
			ln = strings.Join(strings.Fields(strings.ReplaceAll(ln, "\u00a0", " ")), " ")
			if ln != "" && ln != "Melissa Galbraith" {
				want = append(want, ln)
			}
		}
	}
	got := make([]string, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		got[i] = p.Text
	}
	require.Equal(t, want, got)
	require.Contains(t, got, "1,114 military installations attacked")

	sum := struct {
		Title      string             `json:"title"`
		Byline     string             `json:"byline"`
		Language   string             `json:"language"`
		Paragraphs []paragraphSummary `json:"paragraphs"`
	}{a.Title, a.Byline, a.Language, nil}
	for _, p := range a.Paragraphs {
		sum.Paragraphs = append(sum.Paragraphs, paragraphSummary{string(p.Status), len([]rune(p.Text)), excerpt(p.Text, 40)})
	}
	golden(t, "testdata/seed.golden.json", sum)
}
