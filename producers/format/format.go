// Package format turns a fetched document, a feed or a wire item, into the
// articles a producer publishes. It recognises the format by content, not
// by name or MIME type (feeds lie about both): RSS 2.0 (and RSS 1.0/RDF),
// Atom 1.0, IPTC ninjs JSON (one object or a top-level array) and NewsML-G2
// XML (a newsItem or a newsMessage of several).
//
// RSS and Atom entries become text/html articles whose body is
// content:encoded, Atom content, or the description/summary. ninjs and
// NewsML-G2 items keep their own document as the body (one item each, in
// UTF-8: a newsItem cut out of a newsMessage carries the namespace
// declarations it inherited), with the matching content type, so the
// normalize stage parses them; the producer fills the RawArticle metadata
// and the headers (pub status, embargo, version) from pkg/wire.
//
// Bytes that are not UTF-8 are decoded with the charset the document
// declares (the XML declaration, which is written by whoever wrote the
// bytes, wins over the HTTP header, which is server configuration) through
// wire.DecodeBytes. Parse is pure: bytes and options in, items out.
package format

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/language"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/wire"
	"github.com/newsflow/newsflow/producers/publish"
)

// Formats reported in Doc.Format.
const (
	RSS      = "rss"
	Atom     = "atom"
	Ninjs    = "ninjs"
	NewsMLG2 = "newsml-g2"
)

// Errors Parse wraps.
var (
	// ErrSyntax: the document is not well-formed (truncated XML, bad JSON).
	ErrSyntax = wire.ErrSyntax
	// ErrNoItem: a wire document that holds no news item (a NewsML-G2
	// package, concept or planning item, an empty ninjs array).
	ErrNoItem = wire.ErrNoItem
	// ErrCharset: the bytes are not UTF-8 and the declared charset is
	// unknown.
	ErrCharset = wire.ErrCharset
	// ErrUnknown: none of the formats (an HTML page, a JSON Feed, …).
	ErrUnknown = errors.New("not a feed or wire document")
)

// Options say where a document came from.
type Options struct {
	// Source is the RawArticle source of every item (the feed name).
	Source string
	// Origin is the publish.Origin* of the items.
	Origin string
	// Charset is the charset the transport declared (the HTTP
	// Content-Type parameter); "" when none.
	Charset string
	// BaseURL resolves relative links (the feed URL).
	BaseURL string
	// Now is the receive time (RawArticle.received_at).
	Now time.Time
}

// Doc is what Parse found.
type Doc struct {
	// Format is RSS, Atom, Ninjs or NewsMLG2.
	Format string
	// Items are the articles, in document order.
	Items []publish.Item
	// Rejected names the entries that could not become articles (no text,
	// an item wire could not read), one error each.
	Rejected []error
}

// Parse decodes data and returns its articles. An error wraps ErrSyntax,
// ErrNoItem, ErrCharset or ErrUnknown; entries that cannot become articles
// are reported in Doc.Rejected, not as an error.
func Parse(data []byte, opts Options) (Doc, error) {
	head := bytes.TrimLeft(data, " \t\r\n")
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 {
		return Doc{}, fmt.Errorf("empty document: %w", ErrSyntax)
	}
	switch head[0] {
	case '{', '[':
		text, err := toUTF8(head, opts.Charset)
		if err != nil {
			return Doc{}, err
		}
		return parseNinjs(text, opts)
	case '<':
		declared := wire.XMLEncoding(head)
		if declared == "" {
			declared = opts.Charset
		}
		text, err := toUTF8(head, declared)
		if err != nil {
			return Doc{}, err
		}
		root, err := parseXML(text)
		if err != nil {
			return Doc{}, fmt.Errorf("parse XML: %w", err)
		}
		switch root.name.Local {
		case "rss", "RDF":
			return parseRSS(root, opts), nil
		case "feed":
			return parseAtom(root, text, opts), nil
		case "newsItem", "newsMessage", "packageItem", "conceptItem", "knowledgeItem", "planningItem", "catalogItem",
			"groupSet", "contentSet", "contentMeta":
			return parseG2(root, text, opts)
		case "html", "HTML":
			return Doc{}, fmt.Errorf("got an HTML page (is the feed URL right?): %w", ErrUnknown)
		default:
			return Doc{}, fmt.Errorf("XML root element <%s>: %w", root.name.Local, ErrUnknown)
		}
	}
	return Doc{}, fmt.Errorf("document starts with %q: %w", truncate(string(head), 20), ErrUnknown)
}

// toUTF8 returns data in UTF-8, decoding it with declared when it is not.
func toUTF8(data []byte, declared string) ([]byte, error) {
	if utf8.Valid(data) {
		return data, nil
	}
	s, err := wire.DecodeBytes(data, declared)
	if err != nil {
		return nil, fmt.Errorf("bytes are not UTF-8 and the declared charset %q is unknown: %w", declared, ErrCharset)
	}
	return []byte(s), nil
}

// RSS 2.0 has no namespace; RSS 1.0 and the odd 2.0 feed declare one.
var rssCore = []string{"", "http://purl.org/rss/1.0/", "http://backend.userland.com/rss2", "http://my.netscape.com/rdf/simple/0.9/"}

const (
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsAtom03  = "http://purl.org/atom/ns#"
)

var atomSpaces = []string{nsAtom, nsAtom03, "", "atom"}

func parseRSS(root *node, opts Options) Doc {
	doc := Doc{Format: RSS}
	channel := root.child("channel")
	var lang string
	if channel != nil {
		lang = channel.childText("language", rssCore...)
		if lang == "" {
			lang = channel.childText("language", nsDC, "dc")
		}
	}
	items := root.find(func(n *node) bool { return n.name.Local == "item" && n != root }, nil)
	for i, it := range items {
		a := article.RawArticle{
			Source:   opts.Source,
			SourceID: it.childText("guid", rssCore...),
			URL:      resolve(opts.BaseURL, it.childText("link", rssCore...)),
			Title:    plainText(it.childText("title", rssCore...)),
			Language: canonicalLang(lang),
		}
		if a.URL == "" {
			if g := it.child("guid", rssCore...); g != nil && !strings.EqualFold(g.attrValue("isPermaLink"), "false") && looksLikeURL(a.SourceID) {
				a.URL = a.SourceID
			}
		}
		date := it.childText("pubDate", rssCore...)
		if date == "" {
			date = it.childText("date", nsDC, "dc")
		}
		a.Published = rfc3339(date)
		if u := it.childText("updated", nsAtom, "atom", "a10"); u != "" {
			a.Updated = rfc3339(u)
		}
		a.Byline = rssAuthor(it)
		body := it.childText("encoded", nsContent, "content")
		if body == "" {
			body = it.childText("description", rssCore...)
		}
		a.Body, a.ContentType = body, article.ContentTypeHTML
		pi, err := finish(a, opts)
		if err != nil {
			doc.Rejected = append(doc.Rejected, fmt.Errorf("rss item %d (%s): %w", i+1, describe(a), err))
			continue
		}
		doc.Items = append(doc.Items, pi)
	}
	return doc
}

// rssAuthor reads <author> (a name, an e-mail address, or child elements
// such as Google's <name> and <title>) or the dc:creator elements.
func rssAuthor(it *node) string {
	if au := it.child("author", rssCore...); au != nil {
		if n := au.child("name"); n != nil {
			return plainText(n.deepText())
		}
		if s := plainText(au.text.String()); s != "" {
			return s
		}
	}
	var names []string
	for _, c := range it.children {
		if c.is("creator", nsDC, "dc") {
			if s := plainText(c.deepText()); s != "" {
				names = append(names, s)
			}
		}
	}
	return strings.Join(names, ", ")
}

func parseAtom(root *node, data []byte, opts Options) Doc {
	doc := Doc{Format: Atom}
	feedAuthors := atomAuthors(root)
	i := 0
	for _, e := range root.children {
		if !e.is("entry", atomSpaces...) {
			continue
		}
		i++
		a := article.RawArticle{
			Source:   opts.Source,
			SourceID: e.childText("id", atomSpaces...),
			URL:      resolve(opts.BaseURL, atomLink(e)),
			Title:    atomTitle(e.child("title", atomSpaces...), data),
			Language: canonicalLang(e.lang()),
		}
		pub := e.childText("published", atomSpaces...)
		if pub == "" {
			pub = e.childText("issued", atomSpaces...)
		}
		upd := e.childText("updated", atomSpaces...)
		if upd == "" {
			upd = e.childText("modified", atomSpaces...)
		}
		a.Updated = rfc3339(upd)
		a.Published = rfc3339(pub)
		if a.Published == "" {
			a.Published = a.Updated
		}
		a.Byline = strings.Join(atomAuthors(e), ", ")
		if a.Byline == "" {
			a.Byline = strings.Join(feedAuthors, ", ")
		}
		a.Body, a.ContentType = atomContent(e.child("content", atomSpaces...), data)
		if strings.TrimSpace(a.Body) == "" {
			a.Body, a.ContentType = atomContent(e.child("summary", atomSpaces...), data)
		}
		pi, err := finish(a, opts)
		if err != nil {
			doc.Rejected = append(doc.Rejected, fmt.Errorf("atom entry %d (%s): %w", i, describe(a), err))
			continue
		}
		doc.Items = append(doc.Items, pi)
	}
	return doc
}

func atomAuthors(n *node) []string {
	var out []string
	for _, c := range n.children {
		if c.is("author", atomSpaces...) {
			if s := plainText(c.childText("name", atomSpaces...)); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// atomLink is the href of the first rel="alternate" (or rel-less) link.
func atomLink(e *node) string {
	for _, c := range e.children {
		if c.is("link", atomSpaces...) {
			if rel := c.attrValue("rel"); rel == "" || rel == "alternate" {
				return strings.TrimSpace(c.attrValue("href"))
			}
		}
	}
	return ""
}

func atomTitle(n *node, data []byte) string {
	if n == nil {
		return ""
	}
	if n.attrValue("type") == "xhtml" {
		return plainText(n.deepText())
	}
	return plainText(n.text.String())
}

// atomContent returns an Atom text construct as a body and content type:
// type html (escaped markup) and xhtml (inline markup) are HTML, text and no
// type plain text; out-of-line (src) and binary content give nothing.
func atomContent(n *node, data []byte) (string, string) {
	if n == nil || n.attrValue("src") != "" {
		return "", ""
	}
	switch t := strings.ToLower(n.attrValue("type")); {
	case t == "" || t == "text" || t == "text/plain":
		return strings.TrimSpace(n.text.String()), article.ContentTypePlain
	case t == "html" || t == "text/html":
		return strings.TrimSpace(n.text.String()), article.ContentTypeHTML
	case t == "xhtml" || t == "application/xhtml+xml":
		return strings.TrimSpace(n.inner(data)), article.ContentTypeHTML
	}
	return "", ""
}

func parseNinjs(data []byte, opts Options) (Doc, error) {
	doc := Doc{Format: Ninjs}
	var raws []json.RawMessage
	if data[0] == '[' {
		if err := json.Unmarshal(data, &raws); err != nil {
			return Doc{}, fmt.Errorf("parse ninjs array: %w: %w", err, ErrSyntax)
		}
	} else {
		if !json.Valid(data) {
			var v any
			err := json.Unmarshal(data, &v)
			return Doc{}, fmt.Errorf("parse ninjs: %w: %w", err, ErrSyntax)
		}
		raws = []json.RawMessage{data}
	}
	for i, raw := range raws {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil || buf.Len() == 0 || buf.Bytes()[0] != '{' {
			doc.Rejected = append(doc.Rejected, fmt.Errorf("ninjs element %d: not a JSON object", i+1))
			continue
		}
		items, err := wire.ParseNinjs(buf.Bytes())
		if err != nil || len(items) != 1 {
			doc.Rejected = append(doc.Rejected, fmt.Errorf("ninjs element %d: %w", i+1, err))
			continue
		}
		pi, err := fromWire(items[0], buf.String(), article.ContentTypeNinjs, opts)
		if err != nil {
			doc.Rejected = append(doc.Rejected, fmt.Errorf("ninjs element %d (%s): %w", i+1, items[0].ID, err))
			continue
		}
		doc.Items = append(doc.Items, pi)
	}
	if len(doc.Items) == 0 && len(doc.Rejected) == 0 {
		return Doc{}, fmt.Errorf("empty ninjs array: %w", ErrNoItem)
	}
	return doc, nil
}

func parseG2(root *node, data []byte, opts Options) (Doc, error) {
	doc := Doc{Format: NewsMLG2}
	items := root.find(func(n *node) bool { return n.name.Local == "newsItem" }, nil)
	if len(items) == 0 {
		return Doc{}, fmt.Errorf("NewsML-G2 document with root <%s> holds no newsItem: %w", root.name.Local, ErrNoItem)
	}
	for i, n := range items {
		body := itemDocument(data, n)
		wi, err := wire.ParseNewsMLG2([]byte(body))
		if err != nil || len(wi) != 1 {
			doc.Rejected = append(doc.Rejected, fmt.Errorf("newsItem %d (%s): %w", i+1, n.attrValue("guid"), err))
			continue
		}
		pi, err := fromWire(wi[0], body, article.ContentTypeNewsMLG2, opts)
		if err != nil {
			doc.Rejected = append(doc.Rejected, fmt.Errorf("newsItem %d (%s): %w", i+1, wi[0].ID, err))
			continue
		}
		doc.Items = append(doc.Items, pi)
	}
	return doc, nil
}

// itemDocument cuts n out of data as a standalone UTF-8 document: an XML
// declaration, then n's source with the namespace declarations (and
// xml:lang) it inherited from its ancestors added to its start tag.
func itemDocument(data []byte, n *node) string {
	src := string(data[n.start:n.end])
	declared := map[string]bool{}
	hasLang := false
	for _, a := range n.attr {
		declared[nsKey(a)] = true
		if a.Name.Local == "lang" && (a.Name.Space == "xml" || a.Name.Space == xmlNS) {
			hasLang = true
		}
	}
	var extra strings.Builder
	for m := n.parent; m != nil; m = m.parent {
		for _, a := range m.attr {
			k := nsKey(a)
			isLang := a.Name.Local == "lang" && (a.Name.Space == "xml" || a.Name.Space == xmlNS)
			switch {
			case isLang && !hasLang:
				hasLang = true
				fmt.Fprintf(&extra, ` xml:lang="%s"`, escapeAttr(a.Value))
			case k == "" || declared[k]:
			default:
				declared[k] = true
				fmt.Fprintf(&extra, ` %s="%s"`, k, escapeAttr(a.Value))
			}
		}
	}
	if extra.Len() > 0 {
		end := strings.IndexAny(src, " \t\r\n/>")
		if end > 0 {
			src = src[:end] + extra.String() + src[end:]
		}
	}
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + src
}

// nsKey is "xmlns" or "xmlns:p" for a namespace declaration, else "".
func nsKey(a xml.Attr) string {
	switch {
	case a.Name.Space == "" && a.Name.Local == "xmlns":
		return "xmlns"
	case a.Name.Space == "xmlns":
		return "xmlns:" + a.Name.Local
	}
	return ""
}

func escapeAttr(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), `"`, "&quot;")
}

// fromWire fills a RawArticle from a ninjs or NewsML-G2 item whose own
// document is body.
func fromWire(it wire.Item, body, contentType string, opts Options) (publish.Item, error) {
	if strings.TrimSpace(it.Headline+it.Subheadline+it.Body+it.Description) == "" {
		return publish.Item{}, errors.New("item has no headline, body or description")
	}
	a := article.RawArticle{
		Source:      opts.Source,
		SourceID:    strings.TrimSpace(it.ID),
		Title:       plainText(it.Headline),
		Body:        body,
		ContentType: contentType,
		Language:    canonicalLang(it.Language),
		Byline:      plainText(it.Byline),
		Updated:     rfc3339(it.VersionCreated),
	}
	for _, d := range []string{it.FirstCreated, it.ContentCreated, it.VersionCreated} {
		if a.Published = rfc3339(d); a.Published != "" {
			break
		}
	}
	if a.SourceID == "" {
		a.SourceID = "doc:" + article.HashID(body)
	}
	pi, err := finish(a, opts)
	pi.Version = strings.TrimSpace(it.Version)
	pi.PubStatus = strings.ToLower(strings.TrimSpace(it.PubStatus))
	pi.EmbargoedUntil = rfc3339(it.Embargoed)
	return pi, err
}

// finish completes an article (a title-only entry gets its title as the
// body, the receive time is set) and validates it.
func finish(a article.RawArticle, opts Options) (publish.Item, error) {
	if strings.TrimSpace(a.Body) == "" {
		if a.Title == "" {
			return publish.Item{}, errors.New("no title and no text")
		}
		a.Body, a.ContentType = a.Title, article.ContentTypePlain
	}
	if a.SourceID == "" && a.URL == "" {
		a.SourceID = ContentID(a.Title, a.Body)
	}
	if !opts.Now.IsZero() {
		a.ReceivedAt = opts.Now.UTC().Format(TimeLayout)
	}
	if err := a.Validate(); err != nil {
		return publish.Item{}, err
	}
	return publish.Item{Article: a, Origin: opts.Origin}, nil
}

// ContentID is the source_id of an item that has no identifier of its own
// (no id, guid or URL; a .txt or .html file): a hash of its title and text,
// so that identical copies are one item and different texts never share
// an id.
func ContentID(title, body string) string {
	return "hash:" + article.HashID(title, body)
}

// TimeLayout is how the producer writes times: RFC 3339, UTC, milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// rfc3339 reads a feed date with wire.ParseTime and writes it as RFC 3339
// in UTC; "" when it cannot be read (normalize would drop it too).
func rfc3339(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	t, err := wire.ParseTime(s)
	if err != nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// canonicalLang writes a language tag in BCP 47 form ("en_US" → "en-US",
// "IT-it" → "it-IT"); a tag it cannot read is kept as written.
func canonicalLang(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	t, err := language.Parse(strings.ReplaceAll(s, "_", "-"))
	if err != nil {
		return s
	}
	return t.String()
}

// plainText turns a title or name that may hold markup or entities into
// one line of text.
func plainText(s string) string {
	if strings.ContainsAny(s, "<&") {
		z := html.NewTokenizer(strings.NewReader(s))
		var sb strings.Builder
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			if tt == html.TextToken {
				sb.Write(z.Text())
			}
		}
		s = sb.String()
	}
	return strings.Join(strings.Fields(s), " ")
}

func resolve(base, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || base == "" {
		return ref
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

func looksLikeURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func describe(a article.RawArticle) string {
	switch {
	case a.SourceID != "":
		return a.SourceID
	case a.URL != "":
		return a.URL
	case a.Title != "":
		return truncate(a.Title, 60)
	}
	return "no id"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
