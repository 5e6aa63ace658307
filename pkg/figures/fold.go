package figures

import (
	"sort"
	"unicode/utf8"
)

// Typographic folding. Extract reads raw text, as feeds deliver it after
// HTML clean-up: no-break and thin spaces, non-breaking hyphens, curly
// quotes, vulgar fractions, superscript unit exponents. The rules of the
// scanner are written for the ASCII forms, so Extract first folds the
// characters that mean the same as an ASCII form into a canonical copy,
// scans that, and maps every offset back so that a figure's Text is the
// raw input between its Start and End. Text that needs no folding (all
// ASCII, or no foldable character) is scanned as it is, without a copy.
// Characters with a meaning of their own (the minus sign, dashes, "±",
// "‰", primes, currency signs) are not folded; the rules read them.

// foldPt records one folded character: where its replacement starts in the
// canonical copy and how long it is, where the character starts in the raw
// text and how long it is there.
type foldPt struct {
	c, cl, r, rl int
}

// foldRune returns the ASCII replacement of the character at i of t and the
// character's size, or ok false when it is kept.
func foldRune(t string, i int) (rep string, size int, ok bool) {
	r, size := utf8.DecodeRuneInString(t[i:])
	switch r {
	case 0x00A0, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x202F:
		// No-break, fixed-width, thin and narrow no-break spaces.
		return " ", size, true
	case 0x2010, 0x2011:
		// Hyphen and non-breaking hyphen ("17‑year‑old", "Covid‑19").
		return "-", size, true
	case 0x2018, 0x2019, 0x201B:
		return "'", size, true
	case 0x201C, 0x201D, 0x201E:
		return "\"", size, true
	case 0x2044: // fraction slash: "3 1⁄2"
		return "/", size, true
	case 0x00D7: // ×, as "x" in multiples and dimensions ("40×", "12 × 8 m")
		return "x", size, true
	case 0x2248: // ≈
		return "~", size, true
	case 0x2265: // ≥
		return ">=", size, true
	case 0x2264: // ≤
		return "<=", size, true
	case 0x2103: // ℃
		return "°C", size, true
	case 0x2109: // ℉
		return "°F", size, true
	case 0x03BC: // Greek mu, written for the micro sign ("μg/m³")
		return "µ", size, true
	case 0x00B2, 0x00B3, 0x00B9:
		// A superscript after a letter is a unit's exponent ("km²", "m³");
		// after a digit it is a power ("10⁵") and stays.
		if letterBefore(t, i) == 0 {
			return "", size, false
		}
		switch r {
		case 0x00B2:
			return "2", size, true
		case 0x00B3:
			return "3", size, true
		}
		return "1", size, true
	}
	if r >= 0x2080 && r <= 0x2089 { // subscript digits: "CO₂", "PM₂.₅"
		return digitStr[r-0x2080 : r-0x2080+1], size, true
	}
	if f, ok := vulgar[r]; ok {
		if i > 0 && isDigit(t[i-1]) {
			// A mixed number: "2½" reads as "2.5", "2⅓" as "2 1/3".
			if f.dec != "" {
				return f.dec, size, true
			}
			return " " + f.frac, size, true
		}
		return f.frac, size, true
	}
	return "", size, false
}

const digitStr = "0123456789"

// vulgar gives the ASCII readings of the vulgar fraction characters: the
// fraction, and the decimal tail a mixed number takes when it is exact.
var vulgar = map[rune]struct{ frac, dec string }{
	'½': {"1/2", ".5"}, '¼': {"1/4", ".25"}, '¾': {"3/4", ".75"},
	'⅓': {"1/3", ""}, '⅔': {"2/3", ""}, '⅕': {"1/5", ".2"}, '⅖': {"2/5", ".4"},
	'⅗': {"3/5", ".6"}, '⅘': {"4/5", ".8"}, '⅙': {"1/6", ""}, '⅚': {"5/6", ""},
	'⅛': {"1/8", ".125"}, '⅜': {"3/8", ".375"}, '⅝': {"5/8", ".625"}, '⅞': {"7/8", ".875"},
}

// fold returns the canonical copy of t and its fold points, or t and nil
// when nothing folds.
func fold(t string) (string, []foldPt) {
	i := 0
	for i < len(t) && t[i] < utf8.RuneSelf {
		i++
	}
	var b []byte
	var pts []foldPt
	last := 0 // raw text copied up to here
	for i < len(t) {
		if t[i] < utf8.RuneSelf {
			i++
			continue
		}
		rep, size, ok := foldRune(t, i)
		if !ok {
			i += size
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(t)+8)
		}
		b = append(b, t[last:i]...)
		pts = append(pts, foldPt{c: len(b), cl: len(rep), r: i, rl: size})
		b = append(b, rep...)
		i += size
		last = i
	}
	if b == nil {
		return t, nil
	}
	b = append(b, t[last:]...)
	return string(b), pts
}

// rawPos maps an offset of the canonical copy back to the raw text. An
// offset inside a replacement maps to the start of the raw character, or
// to its end when end is set.
func (s *scanner) rawPos(p int, end bool) int {
	pts := s.folds
	k := sort.Search(len(pts), func(j int) bool { return pts[j].c >= p })
	if k == 0 {
		return p
	}
	f := pts[k-1]
	if p >= f.c+f.cl {
		return f.r + f.rl + (p - f.c - f.cl)
	}
	if end {
		return f.r + f.rl
	}
	return f.r
}

// span returns the text between a and b of the canonical copy as the raw
// input has it.
func (s *scanner) span(a, b int) string {
	if s.folds == nil {
		return s.text[a:b]
	}
	return s.raw[s.rawPos(a, false):s.rawPos(b, true)]
}

// foldedSpace reports whether the space at p of the canonical copy was a
// no-break, thin or other typographic space in the raw text.
func (s *scanner) foldedSpace(p int) bool {
	if s.folds == nil {
		return false
	}
	r := s.rawPos(p, false)
	return r < len(s.raw) && s.raw[r] != ' '
}

// unfold maps the figures found in the canonical copy back to the raw text.
func (s *scanner) unfold() {
	for i := range s.figs {
		f := &s.figs[i]
		f.Start, f.End = s.rawPos(f.Start, false), s.rawPos(f.End, true)
		f.Text = s.raw[f.Start:f.End]
	}
}
