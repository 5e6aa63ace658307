package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// requireDecodeLikeArticle checks that DecodeRaw gives what
// article.DecodeRaw gives on the same input: the same article and the same
// error.
func requireDecodeLikeArticle(t testing.TB, in []byte) {
	t.Helper()
	want, wantErr := article.DecodeRaw(in)
	got, gotErr := DecodeRaw(in)
	if wantErr != nil {
		require.Error(t, gotErr, "input %q", in)
		require.Equal(t, wantErr.Error(), gotErr.Error(), "input %q", in)
		return
	}
	require.NoError(t, gotErr, "input %q", in)
	require.Equal(t, want, got, "input %q", in)
}

func TestDecodeRawIsArticleDecodeRaw(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"a producer's article", `{"id":"a1","source":"wire","title":"Storm","body":"A storm hit.\n\nMore than 5,000 fled.","published":"2024-05-01T10:00:00Z","received_at":"2024-05-01T10:00:01.5Z"}`},
		{"every field", `{"id":"i","source":"s","source_id":"si","url":"https://x/y","title":"t","body":"b","content_type":"text/html","published":"p","updated":"u","language":"en","byline":"by","received_at":"r"}`},
		{"whitespace everywhere", " \t\r\n{ \"source\" : \"s\" ,\n\"body\"\t:\"b\" } \n"},
		{"an empty object", `{}`},
		{"escapes", `{"source":"s","body":"q\" b\\ s\/ \b\f\n\r\t \u00e9\u20AC \ud83d\ude00 end"}`},
		{"a lone surrogate is refused", `{"source":"s","body":"x\ud800y"}`},
		{"a low surrogate first is refused", `{"source":"s","body":"\udc00\ud800"}`},
		{"a high surrogate before a letter is refused", `{"source":"s","body":"\ud800\u0041"}`},
		{"an escaped replacement character is kept", `{"source":"s","body":"\ufffd and \uFFFD and �"}`},
		{"a lone surrogate under an unknown key is refused", `{"source":"s","body":"b","x":"\ud800"}`},
		{"a high surrogate at the end", `{"source":"s","body":"x\ud83d"}`},
		{"raw UTF-8", `{"source":"s","body":"Café crème £3 — 東京 😀"}`},
		{"invalid UTF-8 is refused", "{\"source\":\"s\",\"body\":\"Caf\xe9 cr\xe8me\"}"},
		{"null leaves a field as it was", `{"source":null,"body":"b","title":null}`},
		{"the last of a repeated key wins", `{"source":"a","source":"b","body":"x"}`},
		{"unknown keys are skipped", `{"source":"s","topics":"x","n":-12.5e+3,"ok":true,"no":false,"z":null,"body":"b","zero":0}`},
		{"unknown keys with nested values", `{"source":"s","meta":{"a":[1,2,{"b":null}]},"body":"b"}`},
		{"keys matched in another case", `{"Source":"s","BODY":"b","Title":"t"}`},
		{"a key with an escape", `{"sourc\u0065":"s","body":"b"}`},
		{"a key with the Kelvin sign folds onto nothing here", "{\"\u212aind\":\"x\",\"source\":\"s\"}"},
		{"a number where a string belongs", `{"source":5,"body":"b"}`},
		{"an array where a string belongs", `{"source":["s"],"body":"b"}`},
		{"not an object", `["source"]`},
		{"a string", `"source"`},
		{"null", `null`},
		{"empty input", ``},
		{"cut off", `{"source":"s","body":"cut off`},
		{"a trailing comma", `{"source":"s",}`},
		{"trailing garbage", `{"source":"s"} x`},
		{"two objects", `{"source":"s"}{"body":"b"}`},
		{"a raw control character", "{\"source\":\"s\",\"body\":\"a\x01b\"}"},
		{"a raw newline", "{\"source\":\"s\",\"body\":\"a\nb\"}"},
		{"an escape JSON lacks", `{"source":"s","body":"it\'s"}`},
		{"a short unicode escape", `{"source":"s","body":"\u12"}`},
		{"a bad number", `{"source":"s","n":01}`},
		{"a number without digits", `{"source":"s","n":-}`},
		{"a fraction without digits", `{"source":"s","n":1.}`},
		{"an exponent without digits", `{"source":"s","n":1e+}`},
		{"a bare word", `{"source":"s","n":nul}`},
		{"a missing colon", `{"source" "s"}`},
		{"single quotes", `{'source':'s'}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { requireDecodeLikeArticle(t, []byte(tc.in)) })
	}
}

// TestDecodeRawOnTheCorpora: every line of both corpora decodes as
// article.DecodeRaw decodes it, on the fast path.
func TestDecodeRawOnTheCorpora(t *testing.T) {
	for _, name := range []string{shared.CorpusReuters, shared.CorpusBBC} {
		f, err := os.Open(shared.Path(t, filepath.Join("corpus", name)))
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		n := 0
		for sc.Scan() {
			line := sc.Bytes()
			requireDecodeLikeArticle(t, line)
			var r article.RawArticle
			d := rawDecoder{b: line}
			require.True(t, d.object(&r), "%s line %d leaves the fast path", name, n+1)
			n++
		}
		require.NoError(t, sc.Err())
		require.NoError(t, f.Close())
		t.Logf("%s: %d lines decoded as article.DecodeRaw does", name, n)
	}
}

func FuzzDecodeRaw(f *testing.F) {
	for _, s := range []string{
		`{"id":"a1","source":"wire","title":"Storm","body":"A storm hit.\n\nMore."}`,
		`{"source":"s","body":"\ud83d\ude00 \u00e9 \"q\""}`, `{"Source":1}`, `{"x":{"y":[1]}}`, `null`, ` {} `,
		"{\"body\":\"\xff\"}", `{"n":-0.5e-7,"t":true}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		requireDecodeLikeArticle(t, in)
	})
}

// requireEncodeLikeJSON checks AppendJSON against json.Marshal (HTML
// escaped) and a json.Encoder without HTML escaping.
func requireEncodeLikeJSON(t testing.TB, a *article.Article) {
	t.Helper()
	want, wantErr := json.Marshal(a)
	got, gotErr := AppendJSON([]byte("prefix"), a, true)
	if wantErr != nil {
		require.EqualError(t, gotErr, wantErr.Error())
		require.Equal(t, "prefix", string(got), "nothing appended on error")
		return
	}
	require.NoError(t, gotErr)
	require.Equal(t, "prefix"+string(want), string(got))

	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(a))
	got, err := AppendJSON(nil, a, false)
	require.NoError(t, err)
	require.Equal(t, strings.TrimSuffix(b.String(), "\n"), string(got))
}

func TestAppendJSONIsMarshal(t *testing.T) {
	rangeTo := 7.5
	tiny, huge := 1.5e-7, 2e21
	full := article.Article{
		ID: "id", Source: "s<&>", SourceID: "si", URL: "https://x/?a=1&b=<2>", Title: "T \u2028 \u2029 \x00\x1f\x7f",
		Language: "en", Byline: "By A", Dateline: "LONDON", PublishedAt: "p", UpdatedAt: "u", IngestedAt: "i", IndexedAt: "x",
		EmbargoedUntil: "e", Body: "q\" b\\ \b\f\n\r\t é 😀 \xff\xfe end",
		Paragraphs: []article.Paragraph{
			{Index: 0, Text: "one", Status: article.StatusUnique},
			{Index: 1, Text: "two", Status: article.StatusRepeated, DuplicateOf: &article.Ref{ArticleID: "other", Index: article.TitleIndex}},
		},
		Boilerplate: []string{"sign <off>"},
		Figures: []article.Figure{
			{Text: "5,000", Start: 3, End: 8, Value: 5000, Kind: article.KindCount, Qualifier: article.QualifierMoreThan, Subject: "people"},
			{Text: "3-7.5 km", Value: 3, RangeTo: &rangeTo, Unit: "km", Kind: article.KindDistance, Paragraph: 1, Sentence: 2},
			{Text: "tiny", Value: tiny, Kind: article.KindOther}, {Text: "huge", Value: huge, Kind: article.KindOther},
			{Text: "neg", Value: -0.001, Kind: article.KindOther}, {Text: "zero", Value: math.Copysign(0, -1), Kind: article.KindOther},
			{Text: "e-notation", Value: 1e-10, Kind: article.KindOther}, {Text: "big", Value: 123456789012345678, Kind: article.KindMoney},
		},
		StoryID: "story", Stats: article.Stats{ParagraphsIn: 2, ParagraphsOut: 2, Duplicates: 0, Figures: 8},
	}
	nan := full
	nan.Figures = []article.Figure{{Text: "x", Value: math.NaN()}}
	inf := full
	inf.Figures = []article.Figure{{Text: "x", Value: 1, RangeTo: func() *float64 { v := math.Inf(1); return &v }()}}
	for name, a := range map[string]article.Article{
		"every field and the awkward characters": full,
		"the zero document (null slices)":        {},
		"empty slices":                           {Paragraphs: []article.Paragraph{}, Boilerplate: []string{}, Figures: []article.Figure{}},
		"a NaN figure":                           nan,
		"an infinite range":                      inf,
	} {
		t.Run(name, func(t *testing.T) { requireEncodeLikeJSON(t, &a) })
	}
}

// TestAppendJSONOnTheCorpora: every document of both corpora, as the
// pipeline makes it, encodes as encoding/json encodes it.
func TestAppendJSONOnTheCorpora(t *testing.T) {
	for _, name := range []string{shared.CorpusReuters, shared.CorpusBBC} {
		var raws []article.RawArticle
		for _, r := range shared.LoadCorpus(t, name, 0) {
			raws = append(raws, article.RawArticle{ID: r.ID, Source: r.Source, Title: r.Title, Body: r.Body, Published: r.Published})
		}
		p := New(dedup.New(dedup.NewMemoryStore(0), dedup.Options{}), func() time.Time { return time.Unix(0, 0) }, nil)
		for i := 0; i < len(raws); i += 200 {
			arts, errs := p.Process(context.Background(), raws[i:min(i+200, len(raws))])
			for j := range arts {
				require.NoError(t, errs[j])
				requireEncodeLikeJSON(t, &arts[j])
			}
		}
		t.Logf("%s: %d documents encoded as encoding/json encodes them", name, len(raws))
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("title", "body <b>&amp;</b>\n", "unit", 1.5, int64(3), true)
	f.Add("\u2028\xff", "\x00", "", 1e21, int64(-1), false)
	f.Fuzz(func(t *testing.T, title, body, unit string, value float64, n int64, withRange bool) {
		a := article.Article{ID: title, Source: unit, Title: title, Body: body, Boilerplate: []string{body},
			Paragraphs: []article.Paragraph{{Index: int(n), Text: body, Status: article.Status(unit)}},
			Figures:    []article.Figure{{Text: title, Value: value, Unit: unit, Start: int(n)}}}
		if withRange {
			a.Figures[0].RangeTo = &value
			a.Paragraphs[0].DuplicateOf = &article.Ref{ArticleID: unit, Index: int(n)}
		}
		requireEncodeLikeJSON(t, &a)
	})
}
