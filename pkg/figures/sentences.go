package figures

// Sentence numbering of the figures.

import (
	"strings"
	"unicode/utf8"
)

// sentenceOf returns the sentence index of position pos, counting the
// sentence ends between the previous call and pos. Sentences are counted
// in the raw text (pos is mapped back when the text was folded), so that
// folding changes no sentence index.
func (s *scanner) sentenceOf(pos int) int {
	t := s.raw
	if s.folds != nil {
		pos = s.rawPos(pos, false)
	}
	for s.sentPos < pos {
		// The next sentence mark at or after sentPos, found with the
		// vectorised IndexByte and cached per mark.
		i := len(t)
		for k := range sentMarks {
			if s.nextMark[k] < s.sentPos {
				if j := strings.IndexByte(t[s.sentPos:], sentMarks[k]); j >= 0 {
					s.nextMark[k] = s.sentPos + j
				} else {
					s.nextMark[k] = len(t)
				}
			}
			i = min(i, s.nextMark[k])
		}
		if i >= pos {
			if !s.sentHas && hasContent(t[s.sentPos:pos]) {
				s.sentHas = true
			}
			s.sentPos = pos
			break
		}
		if !s.sentHas && hasContent(t[s.sentPos:i]) {
			s.sentHas = true
		}
		if s.sentHas && (t[i] == '\n' || sentenceEnd(t, i)) {
			s.sentIdx++
			s.sentHas = false
		}
		s.sentPos = i + 1
	}
	return s.sentIdx
}

// sentMarks end sentences.
var sentMarks = [...]byte{'\n', '.', '!', '?'}

// hasContent reports a byte in b that is neither space nor quote nor
// bracket.
func hasContent(b string) bool {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case ' ', '\t', '\r', '"', '\'', ')', ']', '(', '[':
		default:
			return true
		}
	}
	return false
}

// abbrevs end with a dot that does not end a sentence.
var abbrevs = setOf("mr", "mrs", "ms", "dr", "st", "jr", "sr", "inc", "corp", "co", "ltd", "no",
	"gen", "gov", "sen", "rep", "lt", "col", "capt", "sgt", "prof", "vs", "etc", "approx", "jan",
	"feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fig", "vol",
	"mt", "ft", "nos", "bros", "messrs", "rev", "hon", "est", "dept", "univ", "assn", "cos")

// sentenceEnd reports whether the mark at i ends a sentence: it is followed
// by space and a capital, digit, quote or line end, and does not close an
// abbreviation or an initial.
func sentenceEnd(t string, i int) bool {
	j := i + 1
	for j < len(t) && (t[j] == '"' || t[j] == '\'' || t[j] == ')' || t[j] == ']') {
		j++
	}
	if j+2 < len(t) && t[j] == 0xE2 && t[j+1] == 0x80 && (t[j+2] == 0x9D || t[j+2] == 0x99) {
		j += 3 // ” ’
	}
	if j >= len(t) {
		return true
	}
	if t[j] == '\n' {
		return true
	}
	k := skipSp(t, j)
	if k == j {
		return false
	}
	if k >= len(t) || t[k] == '\n' {
		return true
	}
	c := t[k]
	if !(c >= 'A' && c <= 'Z' || isDigit(c) || c == '"' || c == '\'' || c == '(' || c >= utf8.RuneSelf) {
		return false
	}
	if t[i] != '.' {
		return true
	}
	ws := wordStart(t, i)
	if ws == i {
		return true
	}
	w := t[ws:i]
	if len(w) == 1 || (len(w) == 3 && w[1] == '.') {
		return false // an initial or "U.S."
	}
	var buf [16]byte
	k2 := lowerKey(buf[:0:16], w)
	return k2 == nil || !abbrevs[string(k2)]
}
