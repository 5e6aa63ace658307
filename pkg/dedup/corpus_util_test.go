package dedup

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
)

// corpusArticle is one line of ../shared/corpus/*.jsonl.
type corpusArticle struct {
	ID        string `json:"id"`
	Source    string `json:"source"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	Published string `json:"published"`
}

var corpusCache sync.Map // file name → []corpusArticle

// loadCorpus reads ../shared/corpus/<name>.jsonl (skipping the test when the
// shared data is absent).
func loadCorpus(tb testing.TB, name string) []corpusArticle {
	tb.Helper()
	path := shared.Path(tb, "corpus/"+name+".jsonl")
	if v, ok := corpusCache.Load(name); ok {
		return v.([]corpusArticle)
	}
	f, err := os.Open(path)
	require.NoError(tb, err)
	defer f.Close()
	var out []corpusArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var a corpusArticle
		require.NoError(tb, json.Unmarshal(sc.Bytes(), &a))
		out = append(out, a)
	}
	require.NoError(tb, sc.Err())
	corpusCache.Store(name, out)
	return out
}

// paragraphs splits a corpus body the way its README describes.
func (c corpusArticle) paragraphs() []string { return strings.Split(c.Body, "\n\n") }

// toArticle builds the Article dedup sees after normalize: every paragraph
// unique, no title duplicate (the corpus bodies carry no title).
func (c corpusArticle) toArticle() *article.Article {
	ps := c.paragraphs()
	a := &article.Article{ID: c.ID, Source: c.Source, Title: c.Title, PublishedAt: c.Published}
	a.Paragraphs = make([]article.Paragraph, len(ps))
	for i, p := range ps {
		a.Paragraphs[i] = article.Paragraph{Index: i, Text: p, Status: article.StatusUnique}
	}
	return a
}
