package wire

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func FuzzNinjs(f *testing.F) {
	for _, s := range []string{
		`{"uri":"u","headline":"H","body_html":"<p>x</p>","versioncreated":"2013-07-09T10:37:00Z"}`,
		`[{"uri":"a"},{"uri":"b","bodies":[{"role":"nitf","contentType":"text/vnd.IPTC.NITF","value":"<nitf><body><body.content><p>x</p></body.content></body></nitf>"}]}]`,
		`{"headlines":[{"role":"main","value":"M"}],"by":5}`,
		"{\"body_text\":\"caf\xe9\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := ParseNinjs(b)
		if err != nil {
			return
		}
		require.NotEmpty(t, items)
		for _, it := range items {
			require.True(t, utf8.ValidString(it.Body))
		}
	})
}

func FuzzNewsMLG2(f *testing.F) {
	for _, s := range []string{
		`<newsItem guid="g" version="1" xml:lang="en"><contentMeta><headline>H</headline></contentMeta><contentSet><inlineXML><html><body><p>x</p></body></html></inlineXML></contentSet></newsItem>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><newsMessage><itemSet><newsItem guid="a"/></itemSet></newsMessage>`,
		`<newsItem><contentSet><inlineData contenttype="text/plain"><![CDATA[<p>a</p>]]></inlineData></contentSet></newsItem>`,
		`<newsItem><contentSet><inlineXML><nitf><body><body.head><byline>By <person>X</person></byline></body.head></body></nitf></inlineXML></contentSet></newsItem>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := ParseNewsMLG2(b)
		if err != nil {
			return
		}
		require.NotEmpty(t, items)
		for _, it := range items {
			require.True(t, utf8.ValidString(it.Body))
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2016-01-04T15:43:34.000Z", "mer, 16 nov 2022 00:38:15 +0100", "Sat, Dec 16 2023 02:02:33 PM", "26-FEB-1987 15:01:01.79", "2020/1/10 14:03:00", "20130516T040100+0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err != nil {
			return
		}
		require.True(t, tm.Year() >= 1000 && tm.Year() <= 10000, "year %d from %q", tm.Year(), s)
	})
}

func FuzzDecodeBytes(f *testing.F) {
	for _, s := range []string{"caf\xe9", "cafÃ©", "\x93x\x94", "\xd6\xd0\xb9\xfa"} {
		f.Add([]byte(s), "")
		f.Add([]byte(s), "gb2312")
	}
	f.Fuzz(func(t *testing.T, b []byte, label string) {
		s, _ := DecodeBytes(b, label)
		require.True(t, utf8.ValidString(s))
		if utf8.Valid(b) && isASCIIBytes(b) {
			require.Equal(t, string(b), s, "ASCII is never changed")
		}
	})
}

func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// TestParsePathological bounds the time spent on hostile documents.
func TestParsePathological(t *testing.T) {
	tests := []struct {
		name  string
		parse func([]byte) ([]Item, error)
		in    string
	}{
		{"100k nested XML elements", ParseNewsMLG2, `<newsItem guid="g"><contentSet><inlineXML>` + strings.Repeat("<a>", 100_000) + "x" + strings.Repeat("</a>", 100_000) + `</inlineXML></contentSet></newsItem>`},
		{"100k nested news items", ParseNewsMLG2, strings.Repeat("<newsItem>", 100_000)},
		{"megabytes of digits in XML", ParseNewsMLG2, `<newsItem guid="g"><contentSet><inlineData>` + strings.Repeat("9", 4<<20) + `</inlineData></contentSet></newsItem>`},
		{"100k entities", ParseNewsMLG2, `<newsItem guid="g"><contentMeta><headline>` + strings.Repeat("&amp;&nbsp;&bogus;", 100_000) + `</headline></contentMeta></newsItem>`},
		{"deeply nested JSON", ParseNinjs, `{"uri":"u","x":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + "}"},
		{"megabytes of digits in JSON", ParseNinjs, `{"uri":"u","body_text":"` + strings.Repeat("9", 4<<20) + `"}`},
		{"a NITF body nested 100k deep", ParseNinjs, `{"bodies":[{"role":"nitf","value":"` + strings.Repeat("<p>", 100_000) + `"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, _ = tc.parse([]byte(tc.in))
			// A guard against super-linear parsing, not a speed claim
			// (the benchmarks measure speed): generous for a loaded machine.
			require.Less(t, time.Since(start), 30*time.Second)
		})
	}
	start := time.Now()
	_, err := ParseTime(strings.Repeat("9", 4<<20))
	require.Error(t, err)
	require.Less(t, time.Since(start), 30*time.Second, "parsing 4 MB of digits must stay linear")
}
