package wire

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goldenfile "github.com/newsflow/newsflow/internal/golden"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

// itemSummary is what the golden file records per item: metadata and the
// first characters of the body, not the licensed text.
type itemSummary struct {
	ID             string `json:"id,omitempty"`
	Version        string `json:"version,omitempty"`
	Type           string `json:"type,omitempty"`
	Headline       string `json:"headline,omitempty"`
	Byline         string `json:"byline,omitempty"`
	Dateline       string `json:"dateline,omitempty"`
	Located        string `json:"located,omitempty"`
	Language       string `json:"language,omitempty"`
	FirstCreated   string `json:"first_created,omitempty"`
	VersionCreated string `json:"version_created,omitempty"`
	PubStatus      string `json:"pub_status,omitempty"`
	BodyType       string `json:"body_type,omitempty"`
	BodyBytes      int    `json:"body_bytes"`
	BodyStart      string `json:"body_start,omitempty"`
	HasDescription bool   `json:"has_description,omitempty"`
}

type fileSummary struct {
	File  string        `json:"file"`
	Error string        `json:"error,omitempty"`
	Items []itemSummary `json:"items,omitempty"`
}

func summarize(items []Item) []itemSummary {
	out := make([]itemSummary, 0, len(items))
	for _, it := range items {
		start := strings.Join(strings.Fields(it.Body), " ")
		if r := []rune(start); len(r) > 60 {
			start = string(r[:60])
		}
		out = append(out, itemSummary{
			ID: it.ID, Version: it.Version, Type: it.Type, Headline: it.Headline, Byline: it.Byline,
			Dateline: it.Dateline, Located: it.Located, Language: it.Language, FirstCreated: it.FirstCreated,
			VersionCreated: it.VersionCreated, PubStatus: it.PubStatus, BodyType: it.BodyType,
			BodyBytes: len(it.Body), BodyStart: start, HasDescription: it.Description != "",
		})
	}
	return out
}

// golden compares got, as indented JSON, with the golden file, or rewrites
// the file under -update.
func golden(t *testing.T, path string, got any) {
	t.Helper()
	goldenfile.JSON(t, path, got, *update)
}

// TestParseSamples parses every ninjs and NewsML-G2 sample of the shared
// feeds and compares a summary with testdata/samples.golden.json.
func TestParseSamples(t *testing.T) {
	dir := shared.Path(t, "feeds")
	var sums []fileSummary
	for _, kind := range []struct {
		dir   string
		parse func([]byte) ([]Item, error)
	}{{"ninjs", ParseNinjs}, {"newsml-g2", ParseNewsMLG2}} {
		files, err := filepath.Glob(filepath.Join(dir, kind.dir, "*"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			items, err := kind.parse(b)
			s := fileSummary{File: kind.dir + "/" + filepath.Base(f)}
			if err != nil {
				s.Error = err.Error()
			}
			s.Items = summarize(items)
			sums = append(sums, s)
		}
	}
	golden(t, "testdata/samples.golden.json", sums)
}

func TestParseNinjs(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr error
		check   func(t *testing.T, items []Item)
	}{
		{
			name: "ninjs 1.x lower-case properties with body_html preferred to body_text",
			in:   `{"uri":"u1","version":"2","type":"text","headline":"H","byline":"By A","language":"en","versioncreated":"2013-07-09T10:37:00Z","body_text":"plain","body_html":"<p>html</p>"}`,
			check: func(t *testing.T, items []Item) {
				require.Equal(t, Item{ID: "u1", Version: "2", Type: "text", Headline: "H", Byline: "By A", Language: "en",
					VersionCreated: "2013-07-09T10:37:00Z", Body: "<p>html</p>", BodyType: BodyHTML}, items[0])
			},
		},
		{
			name: "ninjs 3.x camel case with headlines and bodies",
			in: `{"uri":"u2","versionCreated":"2023-10-08T02:34:03+02:00","firstCreated":"2023-10-08T01:00:00+02:00","pubStatus":"stat:usable",
				"headlines":[{"role":"sub","value":"S"},{"role":"main","value":"M"}],"by":"B",
				"bodies":[{"role":"text","contentType":"text/plain","value":"plain body"}]}`,
			check: func(t *testing.T, items []Item) {
				it := items[0]
				require.Equal(t, "M", it.Headline)
				require.Equal(t, "S", it.Subheadline)
				require.Equal(t, "B", it.Byline)
				require.Equal(t, "usable", it.PubStatus)
				require.Equal(t, "2023-10-08T01:00:00+02:00", it.FirstCreated)
				require.Equal(t, "plain body", it.Body)
				require.Equal(t, BodyPlain, it.BodyType)
			},
		},
		{
			name: "a NITF body is converted to HTML and its head fills the item",
			in:   `{"uri":"u3","bodies":[{"role":"nitf","contentType":"text/vnd.IPTC.NITF","value":"<nitf><head><title>T</title></head><body><body.head><hedline><hl1>T</hl1></hedline><byline>By <person>Kim</person></byline></body.head><body.content><p>One.</p><block><p>Two &amp; three.</p></block></body.content></body></nitf>"}]}`,
			check: func(t *testing.T, items []Item) {
				it := items[0]
				require.Equal(t, "T", it.Headline)
				require.Equal(t, "By Kim", it.Byline)
				require.Equal(t, BodyHTML, it.BodyType)
				require.Contains(t, it.Body, "<p>One.</p>")
				require.Contains(t, it.Body, "<p>Two &amp; three.</p>")
				require.NotContains(t, it.Body, "Kim")
			},
		},
		{
			name: "properties of an unexpected type are ignored",
			in:   `{"uri":"u4","version":7,"headline":{"x":1},"located":["a"],"body_text":"text","authors":[{"name":"A"},{"name":"B"}]}`,
			check: func(t *testing.T, items []Item) {
				require.Equal(t, "7", items[0].Version)
				require.Empty(t, items[0].Headline)
				require.Empty(t, items[0].Located)
				require.Equal(t, "A, B", items[0].Byline)
			},
		},
		{
			name: "a top-level array is a collection of items",
			in:   `[{"uri":"a","title":"A"}, 5, {"uri":"b","title":"B"}]`,
			check: func(t *testing.T, items []Item) {
				require.Len(t, items, 2)
				require.Equal(t, "B", items[1].Headline)
			},
		},
		{
			name: "Latin-1 bytes are decoded",
			in:   "{\"uri\":\"l\",\"body_text\":\"caf\xe9 \x80 5\"}",
			check: func(t *testing.T, items []Item) {
				require.Equal(t, "café € 5", items[0].Body)
			},
		},
		{name: "an empty array holds no item", in: `[]`, wantErr: ErrNoItem},
		{name: "broken JSON is a syntax error", in: `{"uri": `, wantErr: ErrSyntax},
		{name: "a string is not a document", in: `"text"`, wantErr: ErrSyntax},
		{name: "empty input is a syntax error", in: ` `, wantErr: ErrSyntax},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, err := ParseNinjs([]byte(tc.in))
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.NotEmpty(t, items)
			tc.check(t, items)
		})
	}
}

func TestParseNewsMLG2(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr error
		check   func(t *testing.T, items []Item)
	}{
		{
			name: "prefixed elements, XHTML body, metadata",
			in: `<?xml version='1.0' encoding='utf8'?>
<ns0:newsMessage xmlns:ns0="http://iptc.org/std/nar/2006-10-01/" xmlns:html="http://www.w3.org/1999/xhtml"><ns0:itemSet>
<ns0:newsItem guid="g1" version="5" xml:lang="en"><ns0:itemMeta><ns0:itemClass qcode="icls:text"/>
<ns0:versionCreated>2016-01-04T15:43:34.000Z</ns0:versionCreated><ns0:firstCreated>2016-01-04T15:00:00.000Z</ns0:firstCreated>
<ns0:pubStatus qcode="stat:usable"/><ns0:embargoed>2016-01-05T00:00:00Z</ns0:embargoed></ns0:itemMeta>
<ns0:contentMeta><ns0:located literal="Chicago"/><ns0:by>By <ns0:name>Ann Lee</ns0:name></ns0:by><ns0:dateline>2016-01-04 15:43:34 GMT+00:00</ns0:dateline>
<ns0:headline>Main</ns0:headline><ns0:headline role="hld:subHeadline">Sub</ns0:headline></ns0:contentMeta>
<ns0:contentSet><ns0:inlineXML contenttype="application/xhtml+html"><html:html><html:head><html:title>ignored</html:title></html:head>
<html:body><html:p>One&nbsp;two.</html:p><html:script>x()</html:script></html:body></html:html></ns0:inlineXML></ns0:contentSet></ns0:newsItem>
</ns0:itemSet></ns0:newsMessage>`,
			check: func(t *testing.T, items []Item) {
				require.Len(t, items, 1)
				it := items[0]
				require.Equal(t, "g1", it.ID)
				require.Equal(t, "5", it.Version)
				require.Equal(t, "text", it.Type)
				require.Equal(t, "en", it.Language)
				require.Equal(t, "Main", it.Headline)
				require.Equal(t, "Sub", it.Subheadline)
				require.Equal(t, "By Ann Lee", it.Byline)
				require.Empty(t, it.Dateline, "a timestamp is not a dateline")
				require.Equal(t, "Chicago", it.Located)
				require.Equal(t, "usable", it.PubStatus)
				require.Equal(t, "2016-01-05T00:00:00Z", it.Embargoed)
				require.Equal(t, "2016-01-04T15:00:00.000Z", it.FirstCreated)
				require.Equal(t, BodyHTML, it.BodyType)
				require.Contains(t, it.Body, "<p>One\u00a0two.</p>")
				require.NotContains(t, it.Body, "x()")
				require.NotContains(t, it.Body, "ignored")
			},
		},
		{
			name: "declared ISO-8859-1 on UTF-8 bytes reads as UTF-8",
			in:   "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><newsItem guid=\"a\"><contentMeta><headline>Décès à Paris</headline></contentMeta></newsItem>",
			check: func(t *testing.T, items []Item) {
				require.Equal(t, "Décès à Paris", items[0].Headline)
			},
		},
		{
			name: "ISO-8859-1 bytes are decoded as declared",
			in:   "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><newsItem guid=\"a\"><contentMeta><headline>D\xe9c\xe8s</headline></contentMeta></newsItem>",
			check: func(t *testing.T, items []Item) {
				require.Equal(t, "Décès", items[0].Headline)
			},
		},
		{
			name: "inlineData keeps its text and says whether it is markup",
			in: `<newsItem guid="d"><contentSet><inlineData contenttype="text/plain"><![CDATA[<p>Line one
line two</p>]]></inlineData></contentSet></newsItem>`,
			check: func(t *testing.T, items []Item) {
				require.Equal(t, "<p>Line one\nline two</p>", items[0].Body)
				require.Equal(t, BodyPlain, items[0].BodyType)
			},
		},
		{
			name: "packages and concepts are skipped, news items kept",
			in:   `<newsMessage><itemSet><packageItem guid="p"><groupSet/></packageItem><newsItem guid="n"/><conceptItem guid="c"/></itemSet></newsMessage>`,
			check: func(t *testing.T, items []Item) {
				require.Len(t, items, 1)
				require.Equal(t, "n", items[0].ID)
			},
		},
		{
			name: "items complete before damage are kept",
			in:   `<newsMessage><itemSet><newsItem guid="ok"/><newsItem guid="cut"><contentMeta><headline>x`,
			check: func(t *testing.T, items []Item) {
				require.Len(t, items, 1)
				require.Equal(t, "ok", items[0].ID)
			},
		},
		{name: "a package alone holds no news item", in: `<packageItem guid="p"/>`, wantErr: ErrNoItem},
		{name: "a contentSet fragment holds no news item", in: `<contentSet><inlineXML/></contentSet>`, wantErr: ErrNoItem},
		{name: "truncated XML is a syntax error", in: `<newsItem guid="a"><contentMeta>`, wantErr: ErrSyntax},
		{name: "not XML at all holds no news item", in: `hello`, wantErr: ErrNoItem},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, err := ParseNewsMLG2([]byte(tc.in))
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, items)
		})
	}
}

func TestFixMojibake(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"UTF-8 read as Latin-1", "cafÃ© in SÃ£o Paulo", "café in São Paulo"},
		{"UTF-8 read as Windows-1252 punctuation", "Itâ€™s â€œquotedâ€\u009d â€“ ok", "It’s “quoted” – ok"},
		{"pound sign", "Â£3", "£3"},
		{"C1 controls from Windows-1252 read as Latin-1", "it\u0092s \u0093x\u0094 \u0085", "it’s “x” …"},
		{"undefined C1 controls are dropped", "a\u0081b", "ab"},
		{"double-encoded CJK", "ç¾Žåœ‹", "美國"},
		{"correct Latin-1 letters stay", "é à ü £ ß ’ “ ”", "é à ü £ ß ’ “ ”"},
		{"German sharp s before a closing quote stays", "„Straß“", "„Straß“"},
		{"Portuguese capital A tilde stays", "SÃO PAULO", "SÃO PAULO"},
		{"ASCII stays", "plain ASCII text", "plain ASCII text"},
		{"a lone lead without continuation stays", "Ã", "Ã"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, FixMojibake(tc.in))
		})
	}
}

func TestDecodeBytes(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		declared string
		want     string
		wantErr  bool
	}{
		{"valid UTF-8 wins over a Latin-1 declaration", "D\u00e9c\u00e8s", "iso-8859-1", "Décès", false},
		{"Latin-1 bytes without declaration", "D\xe9c\xe8s", "", "Décès", false},
		{"Windows-1252 punctuation", "\x93quoted\x94 \x96 \x80", "windows-1252", "“quoted” – €", false},
		{"UTF-8 with one stray Windows-1252 byte", "caf\u00e9 costs \xa35", "utf-8", "café costs £5", false},
		{"GB2312 as declared", "\xd6\xd0\xb9\xfa", "gb2312", "中国", false},
		{"KOI8-R as declared", "\xf0\xd2\xc9\xd7\xc5\xd4", "koi8-r", "Привет", false},
		{"an unknown charset falls back with an error", "caf\xe9", "x-unknown", "café", true},
		{"mojibake in valid UTF-8 is repaired", "cafÃ©", "", "café", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeBytes([]byte(tc.in), tc.declared)
			if tc.wantErr {
				require.ErrorIs(t, err, ErrCharset)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestCharsetOf(t *testing.T) {
	require.Equal(t, "windows-1252", CharsetOf("text/html; charset=windows-1252"))
	require.Equal(t, "utf-8", CharsetOf(`text/plain; Charset="utf-8"; format=flowed`))
	require.Equal(t, "", CharsetOf("text/plain"))
}
