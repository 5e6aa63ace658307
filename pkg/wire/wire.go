// Package wire decodes the news-agency formats newsflow ingests, IPTC ninjs
// (JSON, versions 1.x to 3.x) and IPTC NewsML-G2 (XML), into one flat Item,
// and reads the dates and charsets real feeds use. It is pure: bytes in,
// values out. The normalize stage uses it for RawArticle bodies of those
// content types; producers can use it to split a feed document into items.
//
// Parsers are lenient where real feeds are sloppy (unknown fields, numbers
// where strings belong, wrong charset declarations, namespace prefixes,
// HTML entities in XML) and return an error only when the document cannot
// be read at all or holds no news item.
package wire

import "errors"

// Errors the parsers wrap.
var (
	// ErrSyntax means the document is not well-formed JSON or XML.
	ErrSyntax = errors.New("malformed document")
	// ErrNoItem means the document is well-formed but holds no news item
	// (a NewsML-G2 packageItem, conceptItem, planningItem, a fragment whose
	// root is groupSet or contentSet, an empty ninjs array…).
	ErrNoItem = errors.New("no news item in document")
)

// Body types of Item.BodyType.
const (
	BodyHTML  = "text/html"
	BodyPlain = "text/plain"
)

// Item is one news item as the formats describe it. Text fields are as
// found (entities decoded, whitespace untouched); dates are the raw strings,
// to be read with ParseTime.
type Item struct {
	// ID is the item's identifier: ninjs uri (or guid), NewsML-G2 guid.
	ID string
	// Version is the item's version as written ("5", "978556838").
	Version string
	// Type is the item class: text, picture, video, audio, graphic,
	// composite, event… (ninjs type, G2 itemClass without its scheme).
	Type string
	// Headline is the main headline; Subheadline a secondary one.
	Headline    string
	Subheadline string
	// Byline names the authors (ninjs by/byline/authors, G2 by or NITF
	// byline).
	Byline string
	// Dateline is the dateline the format carries separately (G2
	// dateline, NITF dateline), Located the place of the story.
	Dateline string
	Located  string
	// Language is the declared language tag ("en", "fi-FI").
	Language string
	// FirstCreated, VersionCreated, ContentCreated and Embargoed are raw
	// date strings.
	FirstCreated   string
	VersionCreated string
	ContentCreated string
	Embargoed      string
	// PubStatus is usable, withheld or canceled (scheme prefix removed).
	PubStatus string
	// Body is the story text; BodyType says whether it is markup
	// (BodyHTML: HTML, XHTML, or NITF/XHTML converted to plain HTML
	// elements) or text (BodyPlain).
	Body     string
	BodyType string
	// Description is a caption, lead or summary in plain text or simple
	// HTML, the text of items without a body (pictures, events).
	Description string
}

// afterColon strips a scheme prefix from a QCode ("icls:text" → "text").
func afterColon(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' || s[i] == '/' {
			return s[i+1:]
		}
	}
	return s
}
