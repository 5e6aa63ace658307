package wire

import "testing"

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
