package wire

import (
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/require"
)

func TestXMLEncoding(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"double quotes", `<?xml version="1.0" encoding="ISO-8859-1"?><rss/>`, "ISO-8859-1"},
		{"single quotes and spaces around the equals sign", "<?xml version='1.0' encoding = 'gb2312' ?>\n<rss/>", "gb2312"},
		{"after a byte-order mark and blank lines", "\ufeff\n  <?xml version=\"1.0\" encoding=\"windows-1252\"?><a/>", "windows-1252"},
		{"no declaration", `<rss encoding="utf-8"/>`, ""},
		{"a declaration without encoding", `<?xml version="1.0"?><a encoding="x"/>`, ""},
		{"an unterminated value", `<?xml version="1.0" encoding="utf-8?>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := XMLEncoding([]byte(tt.in)); got != tt.want {
				t.Fatalf("XMLEncoding(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func utf16Bytes(s string, bigEndian bool) []byte {
	var out []byte
	if bigEndian {
		out = []byte{0xfe, 0xff}
	} else {
		out = []byte{0xff, 0xfe}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

func TestByteOrderMarks(t *testing.T) {
	const text = "Café “quoted” — 5,000 km 😀"
	for _, tc := range []struct {
		name     string
		in       []byte
		declared string
	}{
		{"UTF-16LE", utf16Bytes(text, false), ""},
		{"UTF-16BE", utf16Bytes(text, true), ""},
		{"UTF-16LE declared as Latin-1: the mark wins", utf16Bytes(text, false), "iso-8859-1"},
		{"UTF-8 with a mark", append([]byte("\xef\xbb\xbf"), text...), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeBytes(tc.in, tc.declared)
			require.NoError(t, err)
			require.Equal(t, text, got)
			b, ok := DecodeBOM(tc.in)
			require.True(t, ok)
			require.Equal(t, text, string(b))
		})
	}
	b, ok := DecodeBOM([]byte("plain"))
	require.False(t, ok)
	require.Equal(t, "plain", string(b))
}
