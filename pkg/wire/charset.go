package wire

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// ErrCharset is returned by DecodeBytes for a declared charset that is
// neither known nor recoverable by detection.
var ErrCharset = errors.New("unknown charset")

// cp1252High maps the bytes 0x80–0x9F of Windows-1252 to runes; 0 marks the
// five bytes Windows-1252 leaves undefined (they decode as the C1 control of
// the same value, as ISO-8859-1 does). Bytes 0xA0–0xFF equal their code point.
var cp1252High = [32]rune{
	'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
	0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ',
}

// cp1252Rune decodes one Windows-1252 byte.
func cp1252Rune(b byte) rune {
	if b >= 0x80 && b < 0xA0 {
		if r := cp1252High[b-0x80]; r != 0 {
			return r
		}
	}
	return rune(b)
}

// cp1252Byte encodes r as one Windows-1252 byte (C1 controls map to
// themselves, as a Latin-1 decoder would have produced them).
func cp1252Byte(r rune) (byte, bool) {
	switch {
	case r < 0x80:
		return byte(r), true
	case r >= 0xA0 && r <= 0xFF:
		return byte(r), true
	case r >= 0x80 && r < 0xA0:
		return byte(r), true
	}
	for i, c := range cp1252High {
		if c == r {
			return byte(0x80 + i), true
		}
	}
	return 0, false
}

// charsetUTF8 reports whether label names UTF-8 (or an ASCII subset).
func charsetUTF8(label string) bool {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "", "utf-8", "utf8", "unicode-1-1-utf-8", "us-ascii", "ascii":
		return true
	}
	return false
}

// charsetLatin reports whether label names ISO-8859-1 or Windows-1252, which
// WHATWG (and we) decode the same way.
func charsetLatin(label string) bool {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "windows-1252", "cp1252", "x-cp1252", "cp819", "ibm819":
		return true
	}
	return false
}

// DecodeBytes turns bytes of a file, an HTTP body or a feed field into UTF-8.
// declared is the charset the source claims ("" when it claims none).
//
// Detection wins over a wrong declaration where it is confident:
//   - bytes that are valid UTF-8 are taken as UTF-8 whatever the
//     declaration (a Latin-1 declaration on UTF-8 bytes is the common lie,
//     and decoding them as Latin-1 would produce "DÃ©cÃ¨s");
//   - otherwise a declared charset other than UTF-8 is used (GB2312,
//     Shift_JIS, KOI8-R, … through the WHATWG index);
//   - otherwise (declared UTF-8, Latin-1 or nothing) each valid UTF-8
//     sequence is kept and every other byte is read as Windows-1252, the
//     superset of ISO-8859-1 that real "Latin-1" text is written in.
//
// The result is then repaired with FixMojibake. An error means the declared
// charset is unknown and the bytes are not UTF-8; the result is still the
// Windows-1252 reading, usable when the caller prefers some text to none.
func DecodeBytes(b []byte, declared string) (string, error) {
	if out, ok := DecodeBOM(b); ok {
		return FixMojibake(string(out)), nil
	}
	if utf8.Valid(b) {
		return FixMojibake(string(b)), nil
	}
	if !charsetUTF8(declared) && !charsetLatin(declared) {
		enc, err := htmlindex.Get(declared)
		if err == nil {
			out, derr := enc.NewDecoder().Bytes(b)
			if derr == nil {
				return FixMojibake(string(out)), nil
			}
		} else {
			return FixMojibake(decodeMixed(b)), fmt.Errorf("decode %q: %w", declared, ErrCharset)
		}
	}
	return FixMojibake(decodeMixed(b)), nil
}

// DecodeBOM reads text that starts with a byte-order mark: UTF-16 (little
// or big endian) is decoded to UTF-8, and the mark is removed (UTF-8's
// too). ok is false, and b returned as it is, without a mark. A mark wins
// over any declared charset, as in the WHATWG encoding standard.
func DecodeBOM(b []byte) (out []byte, ok bool) {
	var enc encoding.Encoding
	switch {
	case bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}):
		return b[3:], true
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}):
		enc = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}):
		enc = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	default:
		return b, false
	}
	// The decoder replaces what cannot be read (an odd last byte) by
	// U+FFFD and does not fail.
	out, _ = enc.NewDecoder().Bytes(b)
	return out, true
}

// decodeMixed keeps valid UTF-8 sequences and reads every other byte as
// Windows-1252: right for Latin-1 text, for UTF-8 text with a stray
// Windows-1252 byte (a "£" as 0xA3), and for a mix of both.
func decodeMixed(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			sb.WriteRune(cp1252Rune(b[0]))
			b = b[1:]
			continue
		}
		sb.Write(b[:n])
		b = b[n:]
	}
	return sb.String()
}

// FixMojibake repairs text that went through a wrong decoding once:
//   - UTF-8 bytes read as Windows-1252 or ISO-8859-1 ("Ã©" → "é",
//     "â€™" → "’", "Â£" → "£"): a run of characters that re-encodes to a
//     valid multi-byte UTF-8 sequence whose result is a plausible character
//     (Latin, punctuation, currency, CJK) is replaced by it;
//   - Windows-1252 bytes read as ISO-8859-1: C1 control characters
//     (U+0080–U+009F) become the Windows-1252 characters ("\u0092" → "’").
//
// Correct text is left alone: a lone "é" or "£" does not re-encode to valid
// UTF-8, and pairs that do but give an implausible character (German "ß“"
// would give U+07D3) are kept. Valid UTF-8 input without characters in
// U+0080–U+00FF or the Windows-1252 punctuation is returned unchanged
// without allocating.
func FixMojibake(s string) string {
	// Fast path: every mojibake lead (U+00C2–U+00F4) and every C1 control
	// (U+0080–U+009F) is encoded with a 0xC3 or 0xC2 byte.
	if strings.IndexByte(s, 0xC3) < 0 && strings.IndexByte(s, 0xC2) < 0 {
		return s
	}
	var sb strings.Builder
	changed := false
	var buf [4]byte
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r < 0x80 {
			if changed {
				sb.WriteByte(s[i])
			}
			i++
			continue
		}
		// Try to read a mojibake sequence starting here: the rune must
		// encode to a UTF-8 lead byte and the next 1–3 runes to
		// continuation bytes.
		lead, ok := cp1252Byte(r)
		need := 0
		switch {
		case ok && lead >= 0xC2 && lead <= 0xDF:
			need = 1
		case ok && lead >= 0xE0 && lead <= 0xEF:
			need = 2
		case ok && lead >= 0xF0 && lead <= 0xF4:
			need = 3
		}
		if need > 0 {
			buf[0] = lead
			j := i + n
			k := 1
			for ; k <= need && j < len(s); k++ {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				b2, ok2 := cp1252Byte(r2)
				if !ok2 || b2 < 0x80 || b2 > 0xBF {
					break
				}
				buf[k] = b2
				j += n2
			}
			if k == need+1 {
				dr, dn := utf8.DecodeRune(buf[:k])
				if dn == k && dr != utf8.RuneError && plausible(dr) {
					if !changed {
						sb.Grow(len(s))
						sb.WriteString(s[:i])
						changed = true
					}
					sb.WriteRune(dr)
					i = j
					continue
				}
			}
		}
		if r >= 0x80 && r < 0xA0 {
			// C1 control: Windows-1252 read as Latin-1.
			if !changed {
				sb.Grow(len(s))
				sb.WriteString(s[:i])
				changed = true
			}
			if c := cp1252High[r-0x80]; c != 0 {
				sb.WriteRune(c)
			}
			i += n
			continue
		}
		if changed {
			sb.WriteString(s[i : i+n])
		}
		i += n
	}
	if !changed {
		return s
	}
	return sb.String()
}

// plausible reports whether r is a character that mojibake repair may
// produce: Latin letters, common punctuation and symbols, Greek, Cyrillic,
// CJK and emoji. Rare scripts are refused so that correct Latin-1 pairs are
// never turned into them.
func plausible(r rune) bool {
	switch {
	case r >= 0xA0 && r <= 0x24F: // Latin-1 supplement, Latin extended A/B
		return true
	case r >= 0x370 && r <= 0x4FF: // Greek, Cyrillic
		return true
	case r >= 0x1E00 && r <= 0x1EFF: // Latin extended additional (Vietnamese)
		return true
	case r >= 0x2000 && r <= 0x206F: // general punctuation
		return true
	case r >= 0x20A0 && r <= 0x20CF: // currency symbols
		return true
	case r >= 0x2100 && r <= 0x215F: // letterlike (™, №), number forms
		return true
	case r >= 0x3000 && r <= 0x9FFF: // CJK punctuation, kana, ideographs
		return true
	case r >= 0xAC00 && r <= 0xD7A3: // Hangul
		return true
	case r >= 0xFF00 && r <= 0xFFEF: // full-width forms
		return true
	case r >= 0x1F300 && r <= 0x1FAFF: // emoji
		return true
	}
	return false
}

// CharsetOf returns the charset parameter of a MIME content type such as
// "text/html; charset=windows-1252", or "".
func CharsetOf(contentType string) string {
	i := strings.Index(strings.ToLower(contentType), "charset=")
	if i < 0 {
		return ""
	}
	v := contentType[i+len("charset="):]
	if j := strings.IndexAny(v, "; \t"); j >= 0 {
		v = v[:j]
	}
	return strings.Trim(v, `"'`)
}

// XMLEncoding returns the encoding named in the XML declaration at the
// start of data (after an optional byte-order mark), or "" when there is none.
func XMLEncoding(data []byte) string {
	head := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(head) > 256 {
		head = head[:256]
	}
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := head[:end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return ""
	}
	v := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n=")
	if len(v) == 0 || (v[0] != '"' && v[0] != '\'') {
		return ""
	}
	q := v[0]
	v = v[1:]
	j := bytes.IndexByte(v, q)
	if j < 0 {
		return ""
	}
	return string(v[:j])
}
