package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold returns the comparison form of a text: lower case, typographic
// quotes and dashes folded to their ASCII forms and then, with all other
// punctuation and symbols, dropped; runs of white space become one space.
// Letters, digits and their order are kept, so "The “Tour”—2008." and
// "the tour 2008" fold alike while "Berdyansk" and "Energodar" do not.
// Normalize uses it to recognise a body paragraph that repeats the title;
// the text itself keeps its typography.
func Fold(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		var r rune
		if c < utf8.RuneSelf {
			r = rune(c)
			i++
		} else {
			var n int
			r, n = utf8.DecodeRuneInString(s[i:])
			i += n
		}
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case r < utf8.RuneSelf:
			space = space || sb.Len() > 0
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			r = unicode.ToLower(r)
		default:
			// Quotes, dashes, other punctuation, symbols, spaces.
			space = space || sb.Len() > 0
			continue
		}
		if space {
			sb.WriteByte(' ')
			space = false
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
