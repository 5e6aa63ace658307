package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = realMain(args, streams{strings.NewReader(stdin), &out, &errb})
	return code, out.String(), errb.String()
}

func TestProcessReportsBadLinesAndGoesOn(t *testing.T) {
	in := strings.Join([]string{
		`{"source":"wire","source_id":"a1","title":"Storm","body":"A storm hit the coast.\n\nMore than 5,000 people fled."}`,
		`not json`,
		`{"body":"no source"}`,
		`{"source":"wire","body":"x","content_type":"application/pdf"}`,
		``,
		`{"source":"wire","source_id":"a2","body":"Second article."}`,
	}, "\n")
	code, out, errs := runCLI(t, in, "process")
	require.Equal(t, 1, code, "a failed line makes the exit status non-zero")
	require.Contains(t, errs, "line 2: decode RawArticle")
	require.Contains(t, errs, `line 3: raw article has no "source"`)
	require.Contains(t, errs, `line 4: raw article has unknown content_type "application/pdf"`)
	require.Contains(t, errs, "3 line(s) failed")

	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, "the good lines are all processed, in order")
	var a article.Article
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &a))
	require.Equal(t, article.RawArticle{Source: "wire", SourceID: "a1"}.DeriveID(), a.ID)
	require.NotEmpty(t, a.Paragraphs)
	require.NotNil(t, a.Figures)
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &a))
	require.Equal(t, article.RawArticle{Source: "wire", SourceID: "a2"}.DeriveID(), a.ID)
}

func TestExtractWritesOneLinePerInput(t *testing.T) {
	code, out, errs := runCLI(t, "{\"id\":\"1\",\"text\":\"nothing here\"}\n{\"id\":\"2\"}\n", "extract")
	require.Equal(t, 1, code)
	require.Contains(t, errs, `line 2: no "text" field`)
	require.Equal(t, "{\"id\":\"1\",\"figures\":[]}\n", out)
}

func TestUnknownCommandAndHelp(t *testing.T) {
	code, _, errs := runCLI(t, "", "frobnicate")
	require.Equal(t, 2, code)
	require.Contains(t, errs, `unknown command "frobnicate"`)
	for _, c := range commands() {
		code, out, _ := runCLI(t, "", c.name, "--help")
		require.Equal(t, 0, code, c.name)
		require.Contains(t, out, "newsflow "+c.name, c.name)
	}
}

func TestProcessCarriesDedupStateAcrossTheStream(t *testing.T) {
	shared := "The central bank left its key interest rate unchanged on Thursday, citing persistent uncertainty over the pace of the recovery in exports."
	in := strings.Join([]string{
		`{"source":"wire","source_id":"s1","title":"Rates","body":"Markets opened higher in Tokyo after a quiet night.\n\n` + shared + `"}`,
		`{"source":"wire","source_id":"s2","title":"Rates again","body":"` + shared + `\n\nAnalysts had expected the decision."}`,
	}, "\n")
	code, out, errs := runCLI(t, in, "process")
	require.Equal(t, 0, code, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	var first, second article.Article
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	require.Equal(t, article.StatusRepeated, second.Paragraphs[0].Status, "the second article repeats a paragraph of the first")
	require.Equal(t, &article.Ref{ArticleID: first.ID, Index: 1}, second.Paragraphs[0].DuplicateOf)
	require.Contains(t, second.Body, "central bank", "a repeated paragraph stays in body")
}
