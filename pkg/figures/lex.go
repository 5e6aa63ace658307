package figures

import (
	"unicode"
	"unicode/utf8"
)

// Byte-level helpers. The scanner works on byte offsets into the text and
// never copies it; lower-casing for table lookups goes into a small stack
// buffer (see lowerKey).

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// asciiLetter marks the ASCII letters.
var asciiLetter = func() (a [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		a[c], a[c-'a'+'A'] = true, true
	}
	return a
}()

// letterAt reports the byte size of the letter starting at i, or 0.
func letterAt(t string, i int) int {
	if i >= len(t) {
		return 0
	}
	if c := t[i]; c < utf8.RuneSelf {
		if asciiLetter[c] {
			return 1
		}
		return 0
	}
	return letterAtSlow(t, i)
}

func letterAtSlow(t string, i int) int {
	r, size := utf8.DecodeRuneInString(t[i:])
	if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) {
		return size
	}
	return 0
}

// letterBefore reports the byte size of the letter ending at j, or 0.
func letterBefore(t string, j int) int {
	if j <= 0 {
		return 0
	}
	c := t[j-1]
	if c < utf8.RuneSelf {
		if isASCIILetter(c) {
			return 1
		}
		return 0
	}
	r, size := utf8.DecodeLastRuneInString(t[:j])
	if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) {
		return size
	}
	return 0
}

// spaceAt reports the byte size of a horizontal space at i (ASCII space,
// tab, CR, no-break and thin spaces, zero-width space), or 0. Line feeds are
// not spaces here: a figure never spans lines.
func spaceAt(t string, i int) int {
	if i >= len(t) {
		return 0
	}
	switch c := t[i]; c {
	case ' ', '\t', '\r', '\v', '\f':
		return 1
	case 0xC2:
		if i+1 < len(t) && t[i+1] == 0xA0 { // U+00A0
			return 2
		}
	case 0xE2:
		if i+2 < len(t) && t[i+1] == 0x80 {
			switch t[i+2] {
			case 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0xAF: // U+2000–U+200B, U+202F
				return 3
			}
		}
	}
	return 0
}

// groupSpaceAt reports the size of a space that may separate digit groups
// ("40 000", "1 234 567.89") and whether it is a plain ASCII space.
func groupSpaceAt(t string, i int) (size int, plain bool) {
	if i >= len(t) {
		return 0, false
	}
	switch t[i] {
	case ' ':
		return 1, true
	case 0xC2:
		if i+1 < len(t) && t[i+1] == 0xA0 {
			return 2, false
		}
	case 0xE2:
		if i+2 < len(t) && t[i+1] == 0x80 && (t[i+2] == 0xAF || t[i+2] == 0x89 || t[i+2] == 0x87) {
			return 3, false
		}
	}
	return 0, false
}

// skipSp returns the first position at or after i that is not a space.
func skipSp(t string, i int) int {
	for {
		k := spaceAt(t, i)
		if k == 0 {
			return i
		}
		i += k
	}
}

// skipSpBack returns the smallest j ≤ end such that t[j:end] is all spaces.
func skipSpBack(t string, end int) int {
	for end > 0 {
		c := t[end-1]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			end--
		case c == 0xA0 && end >= 2 && t[end-2] == 0xC2:
			end -= 2
		case end >= 3 && t[end-3] == 0xE2 && t[end-2] == 0x80 && (c <= 0x8B || c == 0xAF) && c >= 0x80:
			end -= 3
		default:
			return end
		}
	}
	return end
}

// wordEnd returns the end of the word starting at i. Single letters joined
// by dots form one word ("U.S", "a.m", "p.m"); the final dot is not part of
// it.
func wordEnd(t string, i int) int {
	j := i
	for j < len(t) && asciiLetter[t[j]] {
		j++
	}
	for {
		k := letterAt(t, j)
		if k == 0 {
			break
		}
		j += k
	}
	// Dotted abbreviations: up to two letters, a dot, a letter.
	for j-i <= 4 && j+1 < len(t) && t[j] == '.' && isASCIILetter(t[j+1]) && segLen(t, i, j) <= 2 {
		k := j + 1
		for k < len(t) && isASCIILetter(t[k]) {
			k++
		}
		if k-(j+1) > 2 {
			break
		}
		j = k
	}
	return j
}

// segLen is the length of the last dot-separated segment of t[i:j].
func segLen(t string, i, j int) int {
	n := 0
	for k := j - 1; k >= i && t[k] != '.'; k-- {
		n++
	}
	return n
}

// wordStart returns the start of the word ending at j (t[j-1] is a letter).
func wordStart(t string, j int) int {
	i := j
	for i > 0 && asciiLetter[t[i-1]] {
		i--
	}
	for {
		k := letterBefore(t, i)
		if k == 0 {
			break
		}
		i -= k
	}
	// "U.S" written before "$": join single letters separated by dots.
	for i >= 2 && t[i-1] == '.' && isASCIILetter(t[i-2]) && j-i <= 2 && (i < 3 || !isASCIILetter(t[i-3])) {
		i -= 2
	}
	return i
}

// prevWord returns the word that ends just before end, skipping spaces, and
// whether one was found. A dot right after the word is reported.
func prevWord(t string, end int) (ws, we int, dot bool, ok bool) {
	j := skipSpBack(t, end)
	if j > 0 && t[j-1] == '.' {
		dot = true
		j--
	}
	if letterBefore(t, j) == 0 {
		return 0, 0, false, false
	}
	return wordStart(t, j), j, dot, true
}

// lowerKey writes the lower-case form of s into buf and returns it, or nil
// when s does not fit. Non-ASCII bytes are copied unchanged.
func lowerKey(buf []byte, s string) []byte {
	if len(s) > cap(buf) {
		return nil
	}
	b := buf[:len(s)]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return b
}

// isUpperWord reports whether w starts with an upper-case ASCII letter.
func isCapitalized(w string) bool { return len(w) > 0 && w[0] >= 'A' && w[0] <= 'Z' }

// sentenceStartBefore reports whether position i starts a sentence: only
// spaces, quotes or brackets stand between it and the text start, a line
// break, or a sentence-final mark.
func sentenceStartBefore(t string, i int) bool {
	j := skipSpBack(t, i)
	for j > 0 {
		c := t[j-1]
		switch c {
		case '"', '\'', '(', '[', '`':
			j = skipSpBack(t, j-1)
			continue
		case '\n', '.', '!', '?', ':', ';':
			return true
		}
		if c >= 0x80 {
			r, size := utf8.DecodeLastRuneInString(t[:j])
			if r == '“' || r == '‘' || r == '«' || r == '—' || r == '–' {
				j = skipSpBack(t, j-size)
				continue
			}
		}
		return false
	}
	return true
}
