package figures

// The scanner walks the text once; words are skipped whole and digits,
// number words and a few marks start a figure (scanner.anchor).

import (
	"unicode/utf8"
)

// key returns the lower-case form of the word w as a string without
// allocating: w itself when it is lower case already, else the table entry
// it matches, else a marker that matches no table.
func (s *scanner) key(w string) string {
	lower := true
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= 'A' && c <= 'Z' {
			lower = false
			break
		}
	}
	if lower {
		return w
	}
	k := lowerKey(s.kbuf[:0:cap(s.kbuf)], w)
	if k == nil {
		return unknownWord
	}
	if c, ok := vocab[string(k)]; ok {
		return c
	}
	return unknownWord
}

// unknownWord is the key of a word with capitals that no table holds: a
// name, most often.
const unknownWord = "\x00"

// prevKey is prevWord at p with the key of the word, remembered for the
// last p: the rules around one number ask for the same word many times.
func (s *scanner) prevKey(p int) (ws, we int, dot, ok bool, k string) {
	if c := &s.prev; c.valid && c.p == p {
		return c.ws, c.we, c.dot, c.ok, c.k
	}
	ws, we, dot, ok = prevWord(s.text, p)
	if ok {
		k = s.key(s.text[ws:we])
	}
	s.prev = prevCache{valid: true, p: p, ws: ws, we: we, dot: dot, ok: ok, k: k}
	return ws, we, dot, ok, k
}

// prevCache is the memory of prevKey.
type prevCache struct {
	valid, dot, ok bool
	p, ws, we      int
	k              string
}

// run scans the text once. Words are skipped whole; digits, number words
// and a few marks start a figure (an anchor).
func (s *scanner) run() {
	t := s.text
	n := len(t)
	i := 0
	for i < n {
		c := t[i]
		switch {
		case asciiLetter[c]:
			j := i + 1
			for j < n && asciiLetter[t[j]] {
				j++
			}
			if j < n && t[j] >= utf8.RuneSelf {
				j = wordEnd(t, i)
			}
			if j-i <= 9 && isTriggerStart(c) && s.isTrigger(t[i:j]) {
				i = s.anchor(i)
			} else {
				i = j
			}
		case isDigit(c):
			i = s.anchor(i)
		case c < utf8.RuneSelf:
			switch {
			case c == '.' && i+1 < n && isDigit(t[i+1]) && (i == 0 || !isDigit(t[i-1]) && letterBefore(t, i) == 0):
				i = s.anchor(i)
			case c == '<':
				i = skipAngle(t, i)
			default:
				i++
			}
		default:
			if k := letterAtSlow(t, i); k > 0 {
				i = wordEnd(t, i)
				continue
			}
			_, size := utf8.DecodeRuneInString(t[i:])
			i += size
		}
	}
}

// triggerShape[len][first][last] marks the length and end letters of the
// trigger words, a cheap filter before the full comparison.
var triggerShape = func() (a [10][32][32]bool) {
	for _, w := range []string{"a", "an", "half", "zero", "nought", "naught", "one", "two", "three",
		"four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
		"fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
		"forty", "fifty", "sixty", "seventy", "eighty", "ninety", "nil"} {
		a[len(w)][w[0]-'a'][w[len(w)-1]-'a'] = true
	}
	return a
}()

func isTriggerStart(c byte) bool {
	switch c | 0x20 {
	case 'a', 'e', 'f', 'h', 'n', 'o', 's', 't', 'z':
		return true
	}
	return false
}

func (s *scanner) isTrigger(w string) bool {
	var buf [9]byte
	if len(w) > len(buf) || len(w) == 0 || !triggerShape[len(w)][((w[0]|0x20)-'a')&31][((w[len(w)-1]|0x20)-'a')&31] {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(w)]) {
	case "a", "an", "half", "zero", "nought", "naught", "one", "two", "three", "four", "five", "six",
		"seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
		"sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty",
		"seventy", "eighty", "ninety", "nil":
		return true
	}
	return false
}

// skipAngle skips a wire code in angle brackets ("<SRD>", "<Systems 4
// Inc>") when it closes on the same line within 80 bytes.
func skipAngle(t string, i int) int {
	digit := i+1 < len(t) && (isDigit(t[i+1]) || t[i+1] == '=' || t[i+1] == ' ')
	for j := i + 1; j < len(t) && j-i <= 80; j++ {
		switch t[j] {
		case '>':
			return j + 1
		case '\n', '<':
			return i + 1
		case ' ':
			if digit {
				return i + 1 // "<5 %", "< 30": a sign, not a code ("<0005.HK>" has no space)
			}
		}
	}
	return i + 1
}
