package article

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVersion(t *testing.T) {
	tests := []struct {
		name                         string
		updated, published, ingested string
		want                         int64
	}{
		{"update time wins", "2024-05-02T10:00:00Z", "2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z", 1714644000000},
		{"published time without an update", "", "2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z", 1714521600000},
		{"ingest time without any story time", "", "", "2024-06-01T00:00:00Z", 1717200000000},
		{"an unparsable time is passed over", "soon", "2024-05-01T00:00:00Z", "", 1714521600000},
		{"times before 1970 count as 0", "", "1969-07-20T20:17:00Z", "", 0},
		{"no time at all is 0", "", "", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, (&Article{UpdatedAt: tc.updated, PublishedAt: tc.published, IngestedAt: tc.ingested}).Version())
		})
	}
}

func TestDecodeRaw(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"an article", `{"source":"s","body":"Caf\u00e9 ☕"}`, ""},
		{"a replacement character sent on purpose", `{"source":"s","body":"bad \ufffd byte, and �"}`, ""},
		{"a surrogate pair", `{"source":"s","body":"\ud83d\ude00"}`, ""},
		{"bytes that are not UTF-8", "{\"source\":\"s\",\"body\":\"Caf\xe9\"}", "not valid UTF-8 (first bad byte at offset 25)"},
		{"half a surrogate pair", `{"source":"s","body":"\ud83d alone"}`, "half of a UTF-16 surrogate pair"},
		{"not JSON", `{"source":`, "decode RawArticle JSON: unexpected end of JSON input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeRaw([]byte(tc.in))
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestDeskTag(t *testing.T) {
	for s, want := range map[string]bool{
		"(FXGS 1104)": true, "(LNGD 0930)": true, "(AB 1)": true, "(XYJN  1519)": true,
		"(FXGS 11045)": false, "(Fxgs 1104)": false, "(F 1104)": false, "(FXGS)": false, "(FXGS 11a4)": false,
		"FXGS 1104": false, "(FXGS 1104": false, "(USD54)": false, "(FXGS 1104.)": false,
	} {
		require.Equal(t, want, IsDeskTag(s), s)
	}
	require.Equal(t, 16, DeskTagAtEnd("Dealers said.   (FXGS 1104) \n"))
	require.Equal(t, -1, DeskTagAtEnd("Dealers said (in London)."))
	require.Equal(t, -1, DeskTagAtEnd("(FXGS 1104) Dealers said."))
}
