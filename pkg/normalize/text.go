package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// cleanText folds the characters that carry no text: line ends become "\n"
// (U+2029 and form feed a paragraph break), tabs and the no-break and other
// fixed-width spaces become a space, zero-width and directional marks, the
// soft hyphen and control characters are removed. Zero-width joiners
// (U+200C, U+200D) stay: they spell words in Persian, Indic scripts and
// emoji. The result is in Unicode NFC.
func cleanText(s string) string {
	if !needsClean(s) {
		return toNFC(s)
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\r':
				sb.WriteByte('\n')
				if i+1 < len(s) && s[i+1] == '\n' {
					i++
				}
			case c == '\n':
				sb.WriteByte('\n')
			case c == '\t':
				sb.WriteByte(' ')
			case c == '\f' || c == '\v':
				sb.WriteString("\n\n")
			case c < 0x20 || c == 0x7f:
				// wire control codes (SOH, STX, ETX…): dropped
			default:
				sb.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == 0x2028:
			sb.WriteByte('\n')
		case r == 0x2029:
			sb.WriteString("\n\n")
		case r == 0xA0 || r == 0x202F || r == 0x205F || r == 0x3000 || (r >= 0x2000 && r <= 0x200A) || r == 0x1680:
			sb.WriteByte(' ')
		case r == 0x200B || r == 0x2060 || r == 0xFEFF || r == 0xAD || r == 0x200E || r == 0x200F ||
			(r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x180E:
			// zero-width and directional marks, soft hyphen: dropped
		case r >= 0x80 && r < 0xA0:
			// C1 controls left after mojibake repair: dropped
		default:
			sb.WriteRune(r)
		}
	}
	return toNFC(sb.String())
}

// needsClean reports whether s holds anything cleanText changes.
func needsClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' || c == 0x7f {
			return true
		}
		if c >= 0xC2 {
			// Multi-byte: check the rune.
			r, _ := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == 0x2028, r == 0x2029, r == 0xA0, r == 0x202F, r == 0x205F, r == 0x3000, r >= 0x2000 && r <= 0x200F,
				r == 0x2060, r == 0xFEFF, r == 0xAD, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069,
				r == 0x1680, r == 0x180E, r >= 0x80 && r < 0xA0:
				if r != 0x200C && r != 0x200D {
					return true
				}
			}
		}
	}
	return false
}

// toNFC composes s, skipping the work for text that is already NFC (all
// ASCII text is).
func toNFC(s string) string {
	if isASCII(s) || norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// collapseSpaces trims s and folds runs of spaces into one.
func collapseSpaces(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") && !strings.ContainsAny(s, "\n\t") {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\n' || c == '\t' {
			space = true
			continue
		}
		if space && sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		space = false
		sb.WriteByte(c)
	}
	return sb.String()
}

// line is one line of a text block.
type line struct {
	text   string // without leading and trailing spaces
	indent int    // leading spaces
	width  int    // length in runes of text
}

// splitParagraphs cuts cleaned text into paragraphs: at blank lines, and at
// single line breaks that end a paragraph. Within a block of consecutive
// lines a break is kept when
//   - the next line is indented more than the block (the wire's paragraph
//     start), or starts a list item;
//   - the previous line ends a sentence and the next starts one (upper case,
//     digit, quote), unless the block is hard-wrapped and the next line's
//     first word would not have fitted on the previous one;
//   - the previous line does not end a sentence, the next does not start in
//     lower case, and the block is not hard-wrapped, or it is but the next
//     line's first word would have fitted (a heading, a table row, a name).
//
// Otherwise the lines are joined with a space (no space after a hyphen that
// splits a word). A block is hard-wrapped when its longest line is 40 to
// 110 columns and most lines come close to it, as agency copy cut at a
// fixed width does.
func splitParagraphs(text string) []string {
	var paras []string
	var block []line
	flush := func() {
		if len(block) > 0 {
			paras = appendBlock(paras, block)
			block = block[:0]
		}
	}
	for len(text) > 0 {
		var ln string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			ln, text = text[:i], text[i+1:]
		} else {
			ln, text = text, ""
		}
		indent := 0
		for indent < len(ln) && ln[indent] == ' ' {
			indent++
		}
		t := strings.TrimRight(ln[indent:], " ")
		if t == "" {
			flush()
			continue
		}
		block = append(block, line{text: t, indent: indent}) // width set by appendBlock
	}
	flush()
	return paras
}

// appendBlock splits one block of lines into paragraphs.
func appendBlock(paras []string, block []line) []string {
	if len(block) == 1 {
		if p := collapseSpaces(block[0].text); hasWordChar(p) {
			paras = append(paras, p)
		}
		return paras
	}
	maxW, minIndent := 0, block[0].indent
	for i := range block {
		l := &block[i]
		l.width = utf8.RuneCountInString(l.text)
		maxW = max(maxW, l.width)
		minIndent = min(minIndent, l.indent)
	}
	wrapped := false
	if maxW >= 40 && maxW <= 110 && len(block) >= 3 {
		long := 0
		for _, l := range block[:len(block)-1] {
			if l.width*10 >= maxW*7 {
				long++
			}
		}
		wrapped = long*2 >= len(block)-1
	}
	var sb strings.Builder
	emit := func() {
		if p := collapseSpaces(sb.String()); hasWordChar(p) {
			paras = append(paras, p)
		}
		sb.Reset()
	}
	for i, l := range block {
		if i == 0 {
			sb.WriteString(l.text)
			continue
		}
		prev := block[i-1]
		if breakBetween(prev, l, wrapped, maxW, minIndent) {
			emit()
			sb.WriteString(l.text)
			continue
		}
		if endsWithWordHyphen(prev.text) && startsLower(l.text) {
			sb.WriteString(l.text) // "inter-\nnational" → "inter-national"
			continue
		}
		sb.WriteByte(' ')
		sb.WriteString(l.text)
	}
	emit()
	return paras
}

// breakBetween decides whether a paragraph ends between prev and next.
func breakBetween(prev, next line, wrapped bool, width, minIndent int) bool {
	if next.indent > minIndent && (wrapped || endsSentence(prev.text)) {
		return true
	}
	if startsListItem(next.text) {
		return true
	}
	lower := startsLower(next.text)
	if lower {
		return false
	}
	if strings.HasSuffix(prev.text, ",") {
		return false
	}
	fits := prev.width+1+firstWordWidth(next.text) <= width
	if wrapped {
		return fits
	}
	return true
}

// endsSentence reports whether s ends with . ! ? … (or their CJK forms),
// possibly followed by closing quotes or brackets.
func endsSentence(s string) bool {
	for len(s) > 0 {
		r, n := utf8.DecodeLastRuneInString(s)
		switch r {
		case '"', '\'', '”', '’', '»', ')', ']', '›', '」', '』':
			s = s[:len(s)-n]
			continue
		case '.', '!', '?', '…', '。', '！', '？':
			return true
		}
		return false
	}
	return false
}

// startsLower reports whether s starts (after opening quotes and brackets)
// with a lower-case letter: the line continues a sentence.
func startsLower(s string) bool {
	for _, r := range s {
		switch r {
		case '"', '\'', '“', '‘', '«', '(', '[', '„', '‚', '‹':
			continue
		}
		return unicode.IsLower(r)
	}
	return false
}

// startsListItem reports whether s starts with a bullet ("* ", "- ", "• ").
func startsListItem(s string) bool {
	if len(s) < 2 {
		return false
	}
	switch {
	case (s[0] == '*' || s[0] == '-' || s[0] == '+') && s[1] == ' ':
		return true
	case strings.HasPrefix(s, "• "), strings.HasPrefix(s, "– "), strings.HasPrefix(s, "— "):
		return true
	}
	return false
}

func firstWordWidth(s string) int {
	n := 0
	for _, r := range s {
		if r == ' ' {
			break
		}
		n++
	}
	return n
}

// endsWithWordHyphen reports whether s ends with a letter and a hyphen.
func endsWithWordHyphen(s string) bool {
	if len(s) < 2 || s[len(s)-1] != '-' {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:len(s)-1])
	return unicode.IsLetter(r)
}

// hasWordChar reports whether s holds a letter or digit; paragraphs without
// one ("***", "—") are separators, not text.
func hasWordChar(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			for _, r := range s[i:] {
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					return true
				}
			}
			return false
		}
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}
