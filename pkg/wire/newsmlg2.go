package wire

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"
	"unicode/utf8"
)

// ParseNewsMLG2 decodes a NewsML-G2 document: a newsItem, or a newsMessage
// whose itemSet holds items. Only newsItems are news; packageItem,
// conceptItem, knowledgeItem, planningItem and catalogItem elements are
// skipped, and a document with no newsItem (including fragments whose root
// is groupSet, contentSet or contentMeta) is an error wrapping ErrNoItem.
//
// Elements are matched by local name, so any namespace prefix works
// ("ns0:newsItem", "html:p"). The body is the first inlineXML (XHTML, or
// NITF whose body.head gives headline, byline and dateline) converted to
// plain HTML elements, or the first inlineData as it is. Declared charsets
// are honoured unless the bytes are valid UTF-8 (see DecodeBytes), and HTML
// entities such as &nbsp; are accepted.
func ParseNewsMLG2(data []byte) ([]Item, error) {
	d := newXMLDecoder(data)
	var items []Item
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if len(items) > 0 {
				return items, nil // keep what was complete before the damage
			}
			return nil, fmt.Errorf("parse NewsML-G2: %w: %w", err, ErrSyntax)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "newsItem":
			it, err := g2Item(d, se)
			if err != nil {
				if len(items) > 0 {
					return items, nil
				}
				return nil, fmt.Errorf("parse NewsML-G2 item %q: %v: %w", it.ID, err, ErrSyntax)
			}
			items = append(items, it)
		case "packageItem", "conceptItem", "knowledgeItem", "planningItem", "catalogItem":
			_ = d.Skip() // a damaged tail ends the loop at the next Token
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("parse NewsML-G2: %w", ErrNoItem)
	}
	return items, nil
}

// newXMLDecoder returns a lenient decoder over data in UTF-8: bytes that are
// not valid UTF-8 are first decoded with the charset the XML declaration
// names (or Windows-1252), so the decoder never needs a CharsetReader.
func newXMLDecoder(data []byte) *xml.Decoder {
	if !utf8.Valid(data) {
		s, _ := DecodeBytes(data, XMLEncoding(data))
		data = []byte(s)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false // mismatched tags close, unknown entities stay as text
	d.Entity = xml.HTMLEntity
	// The bytes are UTF-8 by now whatever the declaration says.
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) { return r, nil }
	return d
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// readText returns the character data inside the element just opened,
// reading up to and including its end, with white space folded (a
// metadata value). readRaw keeps it as it is (a body).
func readText(d *xml.Decoder) (string, error) {
	s, err := readRaw(d)
	return strings.Join(strings.Fields(s), " "), err
}

func readRaw(d *xml.Decoder) (string, error) {
	var sb strings.Builder
	depth := 1
	for depth > 0 {
		tok, err := d.Token()
		if err != nil {
			return sb.String(), err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			sb.WriteByte(' ') // "By<person>Jane</person>" reads "By Jane"
		case xml.EndElement:
			depth--
			sb.WriteByte(' ')
		case xml.CharData:
			sb.Write(t)
		}
	}
	return sb.String(), nil
}

// firstName reads the element just opened (a located or a concept) and
// returns the text of its first name child.
func firstName(d *xml.Decoder) (string, error) {
	name := ""
	depth := 1
	for depth > 0 {
		tok, err := d.Token()
		if err != nil {
			return name, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "name" && name == "" {
				text, err := readText(d)
				if err != nil {
					return name, err
				}
				name = strings.TrimSpace(text)
				continue
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return name, nil
}

// g2Item reads one newsItem whose start tag is se.
func g2Item(d *xml.Decoder, se xml.StartElement) (Item, error) {
	it := Item{ID: attr(se, "guid"), Version: attr(se, "version")}
	for _, a := range se.Attr {
		if a.Name.Local == "lang" {
			it.Language = a.Value
		}
	}
	depth := 1
	for depth > 0 {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("unexpected end of document")
			}
			return it, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			depth--
			continue
		case xml.StartElement:
			depth++
			var text string
			switch t.Name.Local {
			case "itemClass":
				it.Type = afterColon(attr(t, "qcode"))
				continue
			case "pubStatus":
				it.PubStatus = afterColon(attr(t, "qcode"))
				continue
			case "language":
				if it.Language == "" {
					it.Language = attr(t, "tag")
				}
				continue
			case "located":
				if it.Located == "" {
					it.Located = attr(t, "literal")
				}
				name, err := firstName(d)
				depth--
				if err != nil {
					return it, err
				}
				if it.Located == "" {
					it.Located = name
				}
				continue
			case "inlineXML":
				if it.Body != "" {
					if err := d.Skip(); err != nil {
						return it, err
					}
					depth--
					continue
				}
				body, err := convertInline(d, &it)
				depth--
				if err != nil {
					return it, err
				}
				it.Body, it.BodyType = body, BodyHTML
				continue
			case "versionCreated", "firstCreated", "contentCreated", "embargoed", "headline", "by", "dateline", "description", "inlineData", "slugline":
				// Text-valued elements, read below.
			default:
				continue
			}
			if t.Name.Local == "inlineData" {
				text, err = readRaw(d)
			} else {
				text, err = readText(d)
			}
			depth--
			if err != nil {
				return it, err
			}
			switch t.Name.Local {
			case "versionCreated":
				it.VersionCreated = text
			case "firstCreated":
				it.FirstCreated = text
			case "contentCreated":
				it.ContentCreated = text
			case "embargoed":
				it.Embargoed = text
			case "headline":
				switch strings.ToLower(afterColon(attr(t, "role"))) {
				case "", "main", "headline":
					if it.Headline == "" {
						it.Headline = text
					}
				default:
					if it.Subheadline == "" {
						it.Subheadline = text
					}
				}
			case "by":
				if it.Byline == "" {
					it.Byline = text
				}
			case "dateline":
				// Reuters puts a timestamp here; only a place is a dateline.
				if _, err := ParseTime(text); it.Dateline == "" && err != nil {
					it.Dateline = text
				}
			case "description":
				if it.Description == "" {
					it.Description = text
				}
			case "inlineData":
				if it.Body == "" && strings.TrimSpace(text) != "" {
					it.Body = strings.TrimSpace(text)
					ct := strings.ToLower(attr(t, "contenttype"))
					if strings.Contains(ct, "html") || strings.Contains(ct, "xml") {
						it.BodyType = BodyHTML
					} else {
						it.BodyType = BodyPlain
					}
				}
			}
		}
	}
	if it.FirstCreated == "" {
		it.FirstCreated = it.ContentCreated
	}
	return it, nil
}

// xmlToHTML converts a whole XML document (NITF or XHTML) to simple HTML.
func xmlToHTML(data []byte, it *Item) (string, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return "", nil
	}
	d := newXMLDecoder(data)
	out, err := convertInline(d, it)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	return out, err
}

// htmlNames are the element names passed through to the HTML; others are
// mapped (htmlMap) or dropped with their text kept.
var htmlNames = map[string]bool{
	"p": true, "div": true, "br": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"ul": true, "ol": true, "li": true, "dl": true, "dt": true, "dd": true, "table": true, "thead": true, "tbody": true,
	"tr": true, "td": true, "th": true, "blockquote": true, "pre": true, "hr": true, "section": true, "article": true,
	"span": true, "a": true, "b": true, "i": true, "em": true, "strong": true, "sup": true, "sub": true, "q": true,
	"cite": true, "figure": true, "figcaption": true, "caption": true, "nav": true, "aside": true, "header": true,
	"footer": true, "script": true, "style": true, "img": true,
}

// htmlMap renames NITF elements to their HTML counterparts.
var htmlMap = map[string]string{
	"block": "div", "hl1": "h1", "hl2": "h2", "hedline": "div", "byline": "p", "dateline": "p",
	"abstract": "div", "fn": "div", "note": "div", "body.content": "div", "nitf-table": "div",
}

// convertInline reads the content of the element just opened (or of the
// whole document when called at its start) and writes it as HTML. NITF
// head and body.end are dropped; body.head fills it (headline, byline,
// dateline) and is dropped from the text.
func convertInline(d *xml.Decoder, it *Item) (string, error) {
	var sb strings.Builder
	depth := 1
	skip := 0   // depth at which a dropped element started, 0 when none
	headAt := 0 // depth of body.head while inside it
	var field *string
	fieldAt := 0
	var fieldBuf strings.Builder
	for depth > 0 {
		tok, err := d.Token()
		if err != nil {
			return sb.String(), err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			name := strings.ToLower(t.Name.Local)
			if field != nil {
				fieldBuf.WriteByte(' ') // "By<person>Kim</person>" reads "By Kim"
				continue
			}
			if name == "title" && it.Headline == "" {
				// NITF head/title or XHTML head/title, even inside a
				// dropped head.
				field, fieldAt = &it.Headline, depth
				fieldBuf.Reset()
				continue
			}
			if skip > 0 {
				continue
			}
			if headAt > 0 {
				switch name {
				case "hl1":
					field = &it.Headline
				case "hl2":
					field = &it.Subheadline
				case "byline":
					field = &it.Byline
				case "dateline":
					field = &it.Dateline
				}
				if field != nil {
					fieldAt = depth
					fieldBuf.Reset()
				}
				continue
			}
			switch name {
			case "head", "body.end", "docdata", "tobject", "media", "script", "style", "title":
				skip = depth
				continue
			case "body.head":
				headAt = depth
				continue
			}
			if m, ok := htmlMap[name]; ok {
				name = m
			}
			if htmlNames[name] {
				sb.WriteByte('<')
				sb.WriteString(name)
				sb.WriteByte('>')
			} else {
				sb.WriteByte(' ')
			}
		case xml.EndElement:
			name := strings.ToLower(t.Name.Local)
			switch {
			case field != nil:
				if depth == fieldAt {
					if *field == "" {
						*field = strings.Join(strings.Fields(fieldBuf.String()), " ")
					}
					field = nil
				} else {
					fieldBuf.WriteByte(' ')
				}
			case skip > 0:
				if depth == skip {
					skip = 0
				}
			case headAt > 0:
				if depth == headAt {
					headAt = 0
				}
			default:
				if m, ok := htmlMap[name]; ok {
					name = m
				}
				if htmlNames[name] && name != "br" && name != "hr" && name != "img" {
					sb.WriteString("</")
					sb.WriteString(name)
					sb.WriteByte('>')
				} else if !htmlNames[name] {
					sb.WriteByte(' ')
				}
			}
			depth--
		case xml.CharData:
			switch {
			case field != nil:
				fieldBuf.Write(t)
			case skip > 0:
			case headAt > 0:
			default:
				sb.WriteString(html.EscapeString(string(t)))
			}
		}
	}
	return sb.String(), nil
}
