package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
)

// The pipeline's input and output in JSON, what article.DecodeRaw reads and
// the bytes encoding/json writes, without encoding/json's reflection: `newsflow process` and the consumer
// workers spend a fifth of their CPU in json.Unmarshal of the raw article and
// json.Marshal of the document otherwise (internal/bench/RESULTS.md). Both
// are checked against encoding/json on the corpora and by fuzzing
// (codec_test.go).

// ProcessJSON is ProcessOne of one JSON line of RawArticle, the loop of
// `newsflow process`: decoded as article.DecodeRaw decodes it, validated,
// processed, and its document appended to dst as encoding/json writes it
// (HTML escaped or not). On error dst comes back as it was.
func (p *Pipeline) ProcessJSON(ctx context.Context, dst, line []byte, escapeHTML bool) ([]byte, error) {
	raw, err := DecodeRaw(line)
	if err != nil {
		return dst, err
	}
	if err := raw.Validate(); err != nil {
		return dst, err
	}
	a, err := p.ProcessOne(ctx, raw)
	if err != nil {
		return dst, err
	}
	return AppendJSON(dst, &a, escapeHTML)
}

// DecodeRaw is article.DecodeRaw, the same result and error, without
// encoding/json's reflection for the objects producers write: known keys,
// string or null values, strings with any escapes but half a surrogate
// pair, valid UTF-8; unknown keys with string, number, boolean or null
// values. Everything else (nested values under unknown keys, keys in other
// cases or with escapes, invalid UTF-8, lone surrogates, any syntax error)
// goes through article.DecodeRaw itself.
func DecodeRaw(data []byte) (article.RawArticle, error) {
	var r article.RawArticle
	d := rawDecoder{b: data}
	if d.object(&r) {
		return r, nil
	}
	return article.DecodeRaw(data)
}

// rawDecoder reads one JSON object into a RawArticle; any method returning
// false means "not on the fast path" (the caller falls back), never that
// the input is wrong.
type rawDecoder struct {
	b []byte
	i int
}

func (d *rawDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *rawDecoder) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *rawDecoder) object(r *article.RawArticle) bool {
	d.ws()
	if !d.eat('{') {
		return false
	}
	d.ws()
	if !d.eat('}') {
		for {
			d.ws()
			key, ok := d.key()
			if !ok {
				return false
			}
			d.ws()
			if !d.eat(':') {
				return false
			}
			d.ws()
			if f := rawField(r, key); f != nil {
				if d.literal("null") {
					// encoding/json leaves a string field alone on null.
				} else if s, ok := d.str(); ok {
					*f = s
				} else {
					return false
				}
			} else if !d.skipScalar() {
				return false
			}
			d.ws()
			if d.eat(',') {
				continue
			}
			if d.eat('}') {
				break
			}
			return false
		}
	}
	d.ws()
	return d.i == len(d.b)
}

// rawFieldNames are the JSON names of RawArticle's fields.
var rawFieldNames = []string{"id", "source", "source_id", "url", "title", "body", "content_type", "published", "updated", "language", "byline", "received_at"}

func isRawField(key []byte) bool {
	for _, n := range rawFieldNames {
		if n == string(key) {
			return true
		}
	}
	return false
}

// rawField returns the field named exactly key, or nil.
func rawField(r *article.RawArticle, key []byte) *string {
	switch string(key) {
	case "id":
		return &r.ID
	case "source":
		return &r.Source
	case "source_id":
		return &r.SourceID
	case "url":
		return &r.URL
	case "title":
		return &r.Title
	case "body":
		return &r.Body
	case "content_type":
		return &r.ContentType
	case "published":
		return &r.Published
	case "updated":
		return &r.Updated
	case "language":
		return &r.Language
	case "byline":
		return &r.Byline
	case "received_at":
		return &r.ReceivedAt
	}
	return nil
}

// key reads an object key: a string without escapes that is either one of
// the fields or matches none of them in any case (encoding/json matches
// keys case-insensitively after the exact names).
func (d *rawDecoder) key() ([]byte, bool) {
	if !d.eat('"') {
		return nil, false
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			k := d.b[start:d.i]
			d.i++
			if !isRawField(k) {
				for _, n := range rawFieldNames {
					if strings.EqualFold(n, string(k)) {
						return nil, false
					}
				}
			}
			return k, true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return nil, false
		}
		d.i++
	}
	return nil, false
}

// str reads a string value: escapes as RFC 8259 allows them, surrogate
// pairs joined; lone surrogates (which article.DecodeRaw refuses), raw
// control characters or invalid UTF-8 leave the fast path.
func (d *rawDecoder) str() (string, bool) {
	if !d.eat('"') {
		return "", false
	}
	start := d.i
	// Most strings have no escape and are ASCII: one pass, one copy.
	for d.i < len(d.b) && plainByte[d.b[d.i]] {
		d.i++
	}
	if d.i < len(d.b) && d.b[d.i] == '"' {
		s := string(d.b[start:d.i])
		d.i++
		return s, true
	}
	// Escapes or non-ASCII: the unescaped text is at most as long as the
	// quoted one, up to the closing quote.
	end := d.i
	for end < len(d.b) {
		q := bytes.IndexByte(d.b[end:], '"')
		if q < 0 {
			return "", false
		}
		end += q
		bs := 0
		for k := end - 1; k >= d.i && d.b[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			break
		}
		end++
	}
	var buf strings.Builder
	buf.Grow(end - start)
	buf.Write(d.b[start:d.i])
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return buf.String(), true
		case c < 0x20:
			return "", false
		case c == '\\':
			if d.i+1 >= len(d.b) {
				return "", false
			}
			switch e := d.b[d.i+1]; e {
			case '"', '\\', '/':
				buf.WriteByte(e)
			case 'b':
				buf.WriteByte('\b')
			case 'f':
				buf.WriteByte('\f')
			case 'n':
				buf.WriteByte('\n')
			case 'r':
				buf.WriteByte('\r')
			case 't':
				buf.WriteByte('\t')
			case 'u':
				r := hex4(d.b[d.i:])
				if r < 0 {
					return "", false
				}
				d.i += 6
				if utf16.IsSurrogate(r) {
					r2 := hex4(d.b[d.i:])
					dec := utf16.DecodeRune(r, r2)
					if r2 < 0 || dec == utf8.RuneError {
						return "", false
					}
					d.i += 6
					buf.WriteRune(dec)
					continue
				}
				buf.WriteRune(r)
				continue
			default:
				return "", false
			}
			d.i += 2
		case c < utf8.RuneSelf:
			j := d.i + 1
			for j < len(d.b) && plainByte[d.b[j]] {
				j++
			}
			buf.Write(d.b[d.i:j])
			d.i = j
		default:
			r, n := utf8.DecodeRune(d.b[d.i:])
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			buf.Write(d.b[d.i : d.i+n])
			d.i += n
		}
	}
	return "", false
}

// plainByte marks the bytes a JSON string holds as they are: printable
// ASCII but the quote and the backslash. The same set is what encoding/json
// writes unescaped without HTML escaping; htmlPlainByte leaves out <, > and
// & too.
var plainByte, htmlPlainByte = func() (p, h [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		p[c] = c != '"' && c != '\\'
		h[c] = p[c] && c != '<' && c != '>' && c != '&'
	}
	return p, h
}()

// hex4 reads \uXXXX at the start of b, or -1.
func hex4(b []byte) rune {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

func (d *rawDecoder) literal(lit string) bool {
	if len(d.b)-d.i >= len(lit) && string(d.b[d.i:d.i+len(lit)]) == lit {
		d.i += len(lit)
		return true
	}
	return false
}

// skipScalar skips the value of an unknown key: a string, a number, true,
// false or null (anything else leaves the fast path).
func (d *rawDecoder) skipScalar() bool {
	if d.i >= len(d.b) {
		return false
	}
	switch c := d.b[d.i]; {
	case c == '"':
		_, ok := d.str()
		return ok
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		return d.number()
	}
	return false
}

// number skips a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *rawDecoder) number() bool {
	d.eat('-')
	digits := func() int {
		n := 0
		for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	switch {
	case d.eat('0'):
	case d.i < len(d.b) && '1' <= d.b[d.i] && d.b[d.i] <= '9':
		digits()
	default:
		return false
	}
	if d.eat('.') && digits() == 0 {
		return false
	}
	if d.eat('e') || d.eat('E') {
		if !d.eat('+') {
			d.eat('-')
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}

// AppendJSON appends the document a as encoding/json writes it, byte for
// byte: json.Marshal(a) with escapeHTML, a json.Encoder with
// SetEscapeHTML(false) (less its newline) without. A figure value that is
// NaN or infinite, which JSON cannot hold, is json.Marshal's error.
func AppendJSON(dst []byte, a *article.Article, escapeHTML bool) ([]byte, error) {
	e := jsonEnc{b: dst, html: escapeHTML}
	e.raw(`{"id":`)
	e.str(a.ID)
	e.raw(`,"source":`)
	e.str(a.Source)
	e.opt(`,"source_id":`, a.SourceID)
	e.opt(`,"url":`, a.URL)
	e.raw(`,"title":`)
	e.str(a.Title)
	e.opt(`,"language":`, a.Language)
	e.opt(`,"byline":`, a.Byline)
	e.opt(`,"dateline":`, a.Dateline)
	e.opt(`,"published_at":`, a.PublishedAt)
	e.opt(`,"updated_at":`, a.UpdatedAt)
	e.opt(`,"ingested_at":`, a.IngestedAt)
	e.opt(`,"indexed_at":`, a.IndexedAt)
	e.opt(`,"embargoed_until":`, a.EmbargoedUntil)
	e.raw(`,"body":`)
	e.str(a.Body)
	e.raw(`,"paragraphs":`)
	if a.Paragraphs == nil {
		e.raw("null")
	} else {
		e.b = append(e.b, '[')
		for i := range a.Paragraphs {
			p := &a.Paragraphs[i]
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.raw(`{"index":`)
			e.int(p.Index)
			e.raw(`,"text":`)
			e.str(p.Text)
			e.raw(`,"status":`)
			e.str(string(p.Status))
			e.raw(`,"duplicate_of":`)
			if p.DuplicateOf == nil {
				e.raw("null")
			} else {
				e.raw(`{"article_id":`)
				e.str(p.DuplicateOf.ArticleID)
				e.raw(`,"index":`)
				e.int(p.DuplicateOf.Index)
				e.b = append(e.b, '}')
			}
			e.b = append(e.b, '}')
		}
		e.b = append(e.b, ']')
	}
	e.raw(`,"boilerplate":`)
	if a.Boilerplate == nil {
		e.raw("null")
	} else {
		e.b = append(e.b, '[')
		for i, s := range a.Boilerplate {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.str(s)
		}
		e.b = append(e.b, ']')
	}
	e.raw(`,"figures":`)
	if a.Figures == nil {
		e.raw("null")
	} else {
		e.b = append(e.b, '[')
		for i := range a.Figures {
			f := &a.Figures[i]
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.raw(`{"text":`)
			e.str(f.Text)
			e.raw(`,"start":`)
			e.int(f.Start)
			e.raw(`,"end":`)
			e.int(f.End)
			e.raw(`,"value":`)
			if !e.float(f.Value) {
				return dst, marshalError(a)
			}
			if f.RangeTo != nil {
				e.raw(`,"range_to":`)
				if !e.float(*f.RangeTo) {
					return dst, marshalError(a)
				}
			}
			e.opt(`,"unit":`, f.Unit)
			e.opt(`,"subject":`, f.Subject)
			e.raw(`,"kind":`)
			e.str(f.Kind)
			e.opt(`,"qualifier":`, f.Qualifier)
			e.raw(`,"paragraph":`)
			e.int(f.Paragraph)
			e.raw(`,"sentence":`)
			e.int(f.Sentence)
			e.b = append(e.b, '}')
		}
		e.b = append(e.b, ']')
	}
	e.raw(`,"story_id":`)
	e.str(a.StoryID)
	e.raw(`,"stats":{"paragraphs_in":`)
	e.int(a.Stats.ParagraphsIn)
	e.raw(`,"paragraphs_out":`)
	e.int(a.Stats.ParagraphsOut)
	e.raw(`,"duplicates":`)
	e.int(a.Stats.Duplicates)
	e.raw(`,"figures":`)
	e.int(a.Stats.Figures)
	e.raw("}}")
	return e.b, nil
}

// marshalError is encoding/json's error for a value it cannot encode.
func marshalError(a *article.Article) error {
	_, err := json.Marshal(a)
	return err
}

type jsonEnc struct {
	b    []byte
	html bool
}

func (e *jsonEnc) raw(s string) { e.b = append(e.b, s...) }

func (e *jsonEnc) int(n int) { e.b = strconv.AppendInt(e.b, int64(n), 10) }

// opt writes name and s unless s is empty (omitempty).
func (e *jsonEnc) opt(name, s string) {
	if s != "" {
		e.raw(name)
		e.str(s)
	}
}

// float writes f as encoding/json does (ES6 number formatting); false for
// NaN and infinities.
func (e *jsonEnc) float(f float64) bool {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	e.b = strconv.AppendFloat(e.b, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9, as encoding/json cleans it up.
		if n := len(e.b); n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
			e.b[n-2] = e.b[n-1]
			e.b = e.b[:n-1]
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// str writes s quoted as encoding/json's appendString does: ", \ and
// control characters escaped (\b \f \n \r \t by name), invalid UTF-8 as
// \ufffd, U+2028 and U+2029 escaped, and with html also <, > and &.
func (e *jsonEnc) str(s string) {
	b := append(e.b, '"')
	plain := &plainByte
	if e.html {
		plain = &htmlPlainByte
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	e.b = append(b, '"')
}
