// Package normalize is the first stage: it turns a RawArticle of any
// supported content type into an Article with clean metadata and a list of
// paragraphs, so that the later stages (dedup, figures) see plain, well-formed
// text whatever the feed sent.
//
// What it does, in order:
//   - decodes the body: plain text, HTML, IPTC ninjs or NewsML-G2 (through
//     package wire), filling empty RawArticle fields from the document;
//   - repairs the charset: invalid UTF-8 is decoded as declared or as
//     Windows-1252, and mojibake (UTF-8 read as Latin-1: "Ã©", "â€™") and C1
//     controls (Windows-1252 read as Latin-1) are repaired where detection
//     is confident (see wire.FixMojibake); correct text is never changed;
//   - removes markup (scripts, styles, navigation, headers, footers, forms,
//     figures), decodes entities, folds white space (tabs, no-break and
//     zero-width characters) and composes Unicode NFC; typographic quotes
//     stay as they are;
//   - splits paragraphs at blank lines, HTML block elements, <br><br>, and
//     single line breaks between complete sentences, and joins hard-wrapped
//     lines back into paragraphs;
//   - cleans the title as the body (HTML in an HTML article, text
//     otherwise), caps it at MaxTitleRunes, takes it from the first
//     paragraph when none is given, and marks leading paragraphs that
//     repeat the title;
//   - moves the dateline ("SALVADOR, Feb 26 -") and byline ("By Jane Doe",
//     or a lone name line introducing the author's bio) out of the text;
//   - parses the dates and settles the language.
//
// The stage is pure: no clock, no I/O, no state between calls.
package normalize

import (
	"errors"
	"fmt"
	"html"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/wire"
)

// Errors Normalize wraps. All are permanent: the same input fails again.
var (
	// ErrEmpty means no text is left after cleaning.
	ErrEmpty = errors.New("article has no text")
	// ErrContentType means the content type is not one newsflow reads.
	ErrContentType = errors.New("unsupported content type")
	// ErrDocument means a ninjs or NewsML-G2 body cannot be decoded or
	// holds no news item.
	ErrDocument = errors.New("undecodable document")
)

// DecodeBytes turns bytes from a file or an HTTP body into UTF-8 text;
// declaredCharset is the charset the source names ("" for none). Bytes that
// are valid UTF-8 are taken as UTF-8 whatever the declaration (the common
// lie), other bytes are decoded with the declared charset, else as
// Windows-1252; mojibake is then repaired. An error means the declared
// charset is unknown; the text returned is then the Windows-1252 reading.
func DecodeBytes(b []byte, declaredCharset string) (string, error) {
	return wire.DecodeBytes(b, declaredCharset)
}

// Normalize decodes, cleans and splits raw into paragraphs. It fills every
// metadata field of the Article it can: ID (raw.DeriveID, after SourceID is
// taken from a ninjs or NewsML-G2 document that has one), Source, SourceID,
// URL, Title, Language, Byline, Dateline, PublishedAt, UpdatedAt and
// IngestedAt (from ReceivedAt), and Paragraphs, each with Status unique,
// except leading paragraphs that repeat the title, which are
// StatusDuplicate with DuplicateOf {ID, article.TitleIndex}. Body, Figures,
// StoryID and Stats are left to later stages.
//
// Dates that cannot be parsed are dropped (left empty), not an error. The
// language is raw.Language (its primary subtag) when given, else the
// language declared by the document, else detected; "" when unsure.
//
// A returned error wraps ErrEmpty, ErrContentType or ErrDocument; it is
// permanent (dead-letter the input).
func Normalize(raw article.RawArticle) (article.Article, error) {
	mediaType, charset := splitContentType(raw.ContentType)
	body, bodyHTML := raw.Body, false
	var item *wire.Item
	switch mediaType {
	case "", article.ContentTypePlain, "text":
	case article.ContentTypeHTML, "application/xhtml+xml":
		bodyHTML = true
	case article.ContentTypeNinjs, "application/json":
		items, err := wire.ParseNinjs([]byte(raw.Body))
		if err != nil {
			return errArticle(raw), fmt.Errorf("normalize %s: %w: %w", raw.DeriveID(), ErrDocument, err)
		}
		item = pickItem(items)
	case article.ContentTypeNewsMLG2, "application/xml", "text/xml":
		items, err := wire.ParseNewsMLG2([]byte(raw.Body))
		if err != nil {
			return errArticle(raw), fmt.Errorf("normalize %s: %w: %w", raw.DeriveID(), ErrDocument, err)
		}
		item = pickItem(items)
	default:
		return errArticle(raw), fmt.Errorf("normalize %s: %w %q", raw.DeriveID(), ErrContentType, raw.ContentType)
	}
	var itemDateline string
	if item != nil {
		fillFromItem(&raw, item)
		body, bodyHTML = item.Body, item.BodyType == wire.BodyHTML
		itemDateline = item.Dateline
		if !hasWordChar(stripTags(body)) && item.Description != "" {
			body, bodyHTML = item.Description, looksLikeHTML(item.Description)
		}
	}

	a := article.Article{
		ID:       raw.DeriveID(),
		Source:   raw.Source,
		SourceID: raw.SourceID,
		URL:      raw.URL,
		Title:    cleanTitle(raw.Title, charset, mediaType == article.ContentTypeHTML || mediaType == "application/xhtml+xml"),
	}
	a.PublishedAt = utcTime(raw.Published)
	a.UpdatedAt = utcTime(raw.Updated)
	a.IngestedAt = utcTime(raw.ReceivedAt)
	a.Byline = cleanByline(cleanInline(raw.Byline, charset))

	text := decodeText(body, charset)
	switch {
	case bodyHTML:
		text = htmlToText(text, false)
	case looksLikeHTML(text):
		text = htmlToText(text, true)
	case strings.IndexByte(text, '&') >= 0:
		text = html.UnescapeString(text)
	}
	paras := splitParagraphs(cleanText(text))

	paras = takeBylines(paras, &a.Byline)
	if a.Title == "" && len(paras) > 1 && looksLikeHeadline(paras[0]) {
		a.Title = capTitle(paras[0])
	}
	titleDups := titleDuplicates(paras, a.Title)
	if i := titleDups; i < len(paras) {
		if dl, rest, ok := splitDateline(paras[i]); ok {
			a.Dateline, paras[i] = dl, rest
		}
	}
	if a.Dateline == "" && itemDateline != "" {
		a.Dateline = strings.TrimRight(collapseSpaces(itemDateline), " -–—_")
	}

	if len(paras) == 0 {
		return a, fmt.Errorf("normalize %s: %w", a.ID, ErrEmpty)
	}
	a.Paragraphs = make([]article.Paragraph, len(paras))
	for i, p := range paras {
		a.Paragraphs[i] = article.Paragraph{Index: i, Text: p, Status: article.StatusUnique}
		if i < titleDups {
			a.Paragraphs[i].Status = article.StatusDuplicate
			a.Paragraphs[i].DuplicateOf = &article.Ref{ArticleID: a.ID, Index: article.TitleIndex}
		}
	}

	a.Language = languageTag(raw.Language)
	if a.Language == "" {
		a.Language = detectLanguage(paras[titleDups:])
	}
	return a, nil
}

// errArticle is the partial article returned with an error: what is known
// without decoding the body.
func errArticle(raw article.RawArticle) article.Article {
	return article.Article{ID: raw.DeriveID(), Source: raw.Source, SourceID: raw.SourceID, URL: raw.URL, Title: raw.Title}
}

// splitContentType returns the lower-case media type and the charset
// parameter of a MIME content type.
func splitContentType(ct string) (mediaType, charset string) {
	mediaType = ct
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		mediaType = ct[:i]
		charset = wire.CharsetOf(ct[i:])
	}
	return strings.ToLower(strings.TrimSpace(mediaType)), charset
}

// pickItem chooses the item of a multi-item document that is the article:
// the first with a body, else the first with a description, else the first.
func pickItem(items []wire.Item) *wire.Item {
	for i := range items {
		if strings.TrimSpace(items[i].Body) != "" {
			return &items[i]
		}
	}
	for i := range items {
		if strings.TrimSpace(items[i].Description) != "" {
			return &items[i]
		}
	}
	return &items[0]
}

// fillFromItem fills the empty fields of raw from the decoded document.
func fillFromItem(raw *article.RawArticle, it *wire.Item) {
	if raw.SourceID == "" {
		raw.SourceID = it.ID
	}
	if raw.Title == "" {
		raw.Title = it.Headline
	}
	if raw.Byline == "" {
		raw.Byline = it.Byline
	}
	if raw.Language == "" {
		raw.Language = it.Language
	}
	if raw.Published == "" {
		raw.Published = firstNonEmpty(it.FirstCreated, it.ContentCreated, it.VersionCreated)
	}
	if raw.Updated == "" {
		raw.Updated = it.VersionCreated
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// utcTime parses a feed date into UTC RFC 3339, or "" when it cannot.
func utcTime(s string) string {
	if s == "" {
		return ""
	}
	t, err := wire.ParseTime(s)
	if err != nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// decodeText repairs the charset of a body string: invalid UTF-8 (bytes a
// producer put in a string unconverted) is decoded as declared, else as
// Windows-1252; mojibake is repaired.
func decodeText(s, charset string) string {
	if !utf8.ValidString(s) {
		out, _ := wire.DecodeBytes([]byte(s), charset)
		return out
	}
	return wire.FixMojibake(s)
}

// cleanInline cleans a one-line field (title, byline): charset, entities,
// tags, white space.
func cleanInline(s, charset string) string {
	if s == "" {
		return ""
	}
	s = decodeText(s, charset)
	if strings.IndexByte(s, '<') >= 0 && looksLikeHTML(s) {
		s = htmlToText(s, false)
	} else if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	return collapseSpaces(cleanText(s))
}

// stripTags is a cheap test helper for "is there any text": it drops
// everything between < and >.
func stripTags(s string) string {
	if strings.IndexByte(s, '<') < 0 {
		return s
	}
	var sb strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<':
			in = true
		case c == '>':
			in = false
		case !in:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// takeBylines removes byline paragraphs and records the byline when the
// article has none: a "By …" paragraph among the first three, and a lone
// name line near the end that the next paragraph (the author's bio) starts
// with.
func takeBylines(paras []string, byline *string) []string {
	for i := 0; i < len(paras) && i < 3; i++ {
		if b, ok := bylineOf(paras[i]); ok {
			if *byline == "" {
				*byline = b
			}
			paras = append(paras[:i], paras[i+1:]...)
			break
		}
	}
	for i := max(0, len(paras)-4); i < len(paras)-1; i++ {
		if isNameLine(paras[i]) && strings.HasPrefix(paras[i+1], paras[i]+" ") {
			if *byline == "" {
				*byline = paras[i]
			}
			paras = append(paras[:i], paras[i+1:]...)
			break
		}
	}
	return paras
}

// titleDuplicates returns how many leading paragraphs repeat the title.
func titleDuplicates(paras []string, title string) int {
	if title == "" {
		return 0
	}
	ft := Fold(title)
	if ft == "" {
		return 0
	}
	n := 0
	for n < len(paras) && n < 3 && len(paras[n]) <= 2*len(title)+8 && 2*len(paras[n])+8 >= len(title) && Fold(paras[n]) == ft {
		n++
	}
	return n
}
