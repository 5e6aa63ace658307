// Package article holds the values that flow through newsflow: the RawArticle
// that producers put on Kafka and the Article document that the stages build
// and the consumers index. The JSON shapes are the contracts of DESIGN.md;
// change them only together with the README, the index template and the tests.
package article

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Content types a RawArticle body may have.
const (
	ContentTypePlain    = "text/plain"
	ContentTypeHTML     = "text/html"
	ContentTypeNinjs    = "application/ninjs+json"
	ContentTypeNewsMLG2 = "application/vnd.iptc.g2.newsitem+xml"
)

// RawArticle is what producers publish on the raw topic (key source:source_id).
// Times are RFC 3339 when a producer sets them; normalize also accepts the
// formats real feeds use.
type RawArticle struct {
	ID          string `json:"id,omitempty"`
	Source      string `json:"source"`
	SourceID    string `json:"source_id,omitempty"`
	URL         string `json:"url,omitempty"`
	Title       string `json:"title,omitempty"`
	Body        string `json:"body"`
	ContentType string `json:"content_type,omitempty"`
	Published   string `json:"published,omitempty"`
	Updated     string `json:"updated,omitempty"`
	Language    string `json:"language,omitempty"`
	Byline      string `json:"byline,omitempty"`
	ReceivedAt  string `json:"received_at,omitempty"`
}

// Key is the Kafka message key of the raw topic: "source:source_id", falling
// back to the URL and then the id when there is no source_id.
func (r RawArticle) Key() string {
	switch {
	case r.SourceID != "":
		return r.Source + ":" + r.SourceID
	case r.URL != "":
		return r.Source + ":" + r.URL
	default:
		return r.Source + ":" + r.ID
	}
}

// DeriveID returns the stable document id of DESIGN.md: the input id when
// given, else a hash of source and source_id, else of source and URL, else of
// source, title and body (the last is stable for identical copies only).
func (r RawArticle) DeriveID() string {
	if r.ID != "" {
		return r.ID
	}
	var parts []string
	switch {
	case r.SourceID != "":
		parts = []string{"sid", r.Source, r.SourceID}
	case r.URL != "":
		parts = []string{"url", r.Source, r.URL}
	default:
		parts = []string{"content", r.Source, r.Title, r.Body}
	}
	return HashID(parts...)
}

// HashID hashes its parts (NUL-separated) into a 20-hex-digit id.
func HashID(parts ...string) string {
	h := sha256.New()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// Headers of a raw-topic message, set by the producers beside the
// RawArticle value. Values are UTF-8 strings; absent when unknown.
const (
	// HeaderContentType repeats RawArticle.content_type (text/plain when
	// the article has none), so a consumer can route without decoding.
	HeaderContentType = "newsflow.content_type"
	// HeaderPubStatus is the wire item's publication status, lower case:
	// PubStatusUsable, PubStatusWithheld or PubStatusCanceled (ninjs and
	// NewsML-G2 pubStatus). The consumer removes a withheld or canceled
	// story from the index.
	HeaderPubStatus = "newsflow.pub_status"
	// HeaderEmbargoedUntil is the item's embargo time, RFC 3339 in UTC.
	HeaderEmbargoedUntil = "newsflow.embargoed_until"
	// HeaderVersion is the wire item's own version ("5", "978556838").
	HeaderVersion = "newsflow.version"
	// HeaderOrigin names the producer source kind: feed, watch or push.
	HeaderOrigin = "newsflow.origin"
)

// Publication statuses of HeaderPubStatus.
const (
	PubStatusUsable   = "usable"
	PubStatusWithheld = "withheld"
	PubStatusCanceled = "canceled"
)

// Withdrawn reports whether a story with this publication status must not
// stay searchable.
func Withdrawn(pubStatus string) bool {
	return pubStatus == PubStatusWithheld || pubStatus == PubStatusCanceled
}

// Status says what dedup decided about a paragraph.
type Status string

// Paragraph statuses (DESIGN.md).
const (
	// StatusUnique is a paragraph seen for the first time.
	StatusUnique Status = "unique"
	// StatusDuplicate repeats an earlier paragraph of the same article (or
	// the title, see TitleIndex); it is left out of Body.
	StatusDuplicate Status = "duplicate"
	// StatusRepeated appeared in an earlier article; it stays in Body.
	StatusRepeated Status = "repeated"
	// StatusBoilerplate recurs across many articles of the same source; it
	// is left out of Body and kept in Article.Boilerplate.
	StatusBoilerplate Status = "boilerplate"
	// StatusUpdated nearly repeats an earlier paragraph but its figures
	// changed; it stays in Body.
	StatusUpdated Status = "updated"
)

// Kept reports whether a paragraph with this status belongs in Body.
func (s Status) Kept() bool {
	return s == StatusUnique || s == StatusRepeated || s == StatusUpdated
}

// TitleIndex is the Ref.Index used when a body paragraph repeats the title.
const TitleIndex = -1

// Ref points at the first occurrence of a paragraph.
type Ref struct {
	ArticleID string `json:"article_id"`
	Index     int    `json:"index"`
}

// Paragraph is one input paragraph after normalization, with its status.
type Paragraph struct {
	Index       int    `json:"index"`
	Text        string `json:"text"`
	Status      Status `json:"status"`
	DuplicateOf *Ref   `json:"duplicate_of"`
}

// Figure kinds (DESIGN.md).
const (
	KindCount       = "count"
	KindMoney       = "money"
	KindPercent     = "percent"
	KindDistance    = "distance"
	KindWeight      = "weight"
	KindArea        = "area"
	KindVolume      = "volume"
	KindTemperature = "temperature"
	KindDuration    = "duration"
	KindAge         = "age"
	KindSpeed       = "speed"
	KindOther       = "other"
	KindDate        = "date"
	KindTime        = "time"
	KindYear        = "year"
	KindOrdinal     = "ordinal"
)

// Figure qualifiers (DESIGN.md); empty means exact.
const (
	QualifierApprox   = "approx"
	QualifierAtLeast  = "at_least"
	QualifierMoreThan = "more_than"
	QualifierAtMost   = "at_most"
	QualifierLessThan = "less_than"
	QualifierRange    = "range"
)

// Figure is a number with its unit, qualifier and subject. Start and End are
// byte offsets into the text it was extracted from (Article.Body once the
// article is assembled); Paragraph indexes Article.Paragraphs and Sentence
// counts sentences within that paragraph from 0.
type Figure struct {
	Text      string   `json:"text"`
	Start     int      `json:"start"`
	End       int      `json:"end"`
	Value     float64  `json:"value"`
	RangeTo   *float64 `json:"range_to,omitempty"`
	Unit      string   `json:"unit,omitempty"`
	Subject   string   `json:"subject,omitempty"`
	Kind      string   `json:"kind"`
	Qualifier string   `json:"qualifier,omitempty"`
	Paragraph int      `json:"paragraph"`
	Sentence  int      `json:"sentence"`
}

// Stats counts what the stages did to one article.
type Stats struct {
	ParagraphsIn  int `json:"paragraphs_in"`
	ParagraphsOut int `json:"paragraphs_out"`
	Duplicates    int `json:"duplicates"`
	Figures       int `json:"figures"`
}

// Article is the document of DESIGN.md: the output of `newsflow process` and
// the Elasticsearch document. Times are RFC 3339 in UTC; empty when unknown.
type Article struct {
	ID          string `json:"id"`
	Source      string `json:"source"`
	SourceID    string `json:"source_id,omitempty"`
	URL         string `json:"url,omitempty"`
	Title       string `json:"title"`
	Language    string `json:"language,omitempty"`
	Byline      string `json:"byline,omitempty"`
	Dateline    string `json:"dateline,omitempty"`
	PublishedAt string `json:"published_at,omitempty"`
	UpdatedAt   string `json:"updated_at,omitempty"`
	IngestedAt  string `json:"ingested_at,omitempty"`
	IndexedAt   string `json:"indexed_at,omitempty"`
	// EmbargoedUntil is the wire item's embargo (HeaderEmbargoedUntil):
	// not for publication before then.
	EmbargoedUntil string      `json:"embargoed_until,omitempty"`
	Body           string      `json:"body"`
	Paragraphs     []Paragraph `json:"paragraphs"`
	Boilerplate    []string    `json:"boilerplate"`
	Figures        []Figure    `json:"figures"`
	StoryID        string      `json:"story_id"`
	Stats          Stats       `json:"stats"`
}

// Version is the article's external version in the index: the story's own
// update time in milliseconds since 1970 (UpdatedAt, else PublishedAt, else
// IngestedAt, which is the producer's received_at or the time the worker
// first saw it). A stored document with a higher version is kept, one with
// an equal or lower version is replaced, so a redelivery rewrites the same
// document and a late older copy never replaces a newer one. Times before
// 1970 and unparsable ones count as 0; such stories replace each other in
// arrival order.
func (a *Article) Version() int64 {
	for _, s := range []string{a.UpdatedAt, a.PublishedAt, a.IngestedAt} {
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			continue
		}
		if ms := t.UnixMilli(); ms > 0 {
			return ms
		}
		return 0
	}
	return 0
}

// ParagraphSeparator joins kept paragraphs in Body.
const ParagraphSeparator = "\n\n"

// Validate reports what makes r unusable: a missing source or body, or an
// unknown content type. It does not parse dates (normalize tolerates those).
func (r RawArticle) Validate() error {
	switch {
	case r.Source == "":
		return errors.New(`raw article has no "source"`)
	case r.Body == "":
		return errors.New(`raw article has no "body"`)
	}
	switch r.ContentType {
	case "", ContentTypePlain, ContentTypeHTML, ContentTypeNinjs, ContentTypeNewsMLG2:
		return nil
	default:
		return fmt.Errorf("raw article has unknown content_type %q (want %s, %s, %s or %s)", r.ContentType,
			ContentTypePlain, ContentTypeHTML, ContentTypeNinjs, ContentTypeNewsMLG2)
	}
}

// DecodeRaw decodes one RawArticle JSON value (a Kafka message, a pushed
// line, a line of a .jsonl file). It refuses, rather than repairs, what
// encoding/json would silently turn into U+FFFD: bytes that are not UTF-8
// (JSON is UTF-8, RFC 8259) and \u escapes of unpaired UTF-16 surrogates.
// It does not Validate.
func DecodeRaw(b []byte) (RawArticle, error) {
	var r RawArticle
	if !utf8.Valid(b) {
		return r, fmt.Errorf("not valid UTF-8 (first bad byte at offset %d): a RawArticle is UTF-8 JSON (RFC 8259); transcode the text first", firstInvalid(b))
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("decode RawArticle JSON: %w", err)
	}
	if bytes.Contains(b, []byte(`\u`)) {
		// A replacement character that is not in the input came from an
		// escape of half a surrogate pair.
		given := strings.Count(strings.ToLower(string(b)), `\ufffd`) + strings.Count(string(b), string(utf8.RuneError))
		got := 0
		for _, f := range []string{r.ID, r.Source, r.SourceID, r.URL, r.Title, r.Body, r.ContentType, r.Published, r.Updated, r.Language, r.Byline, r.ReceivedAt} {
			got += strings.Count(f, string(utf8.RuneError))
		}
		if got > given {
			return r, errors.New(`a \u escape that is not a character (half of a UTF-16 surrogate pair) would become U+FFFD: escape whole characters`)
		}
	}
	return r, nil
}

// firstInvalid is the offset of the first byte of b that is not UTF-8.
func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// IsDeskTag reports whether s is a wire service's desk tag: the code of
// capital letters and the filing time (up to four digits) in parentheses
// that close a paragraph of agency copy, "(FXGS 1104)". It is neither a
// figure (pkg/figures) nor one of the paragraph's numbers to dedup, which
// finds the same paragraph filed with and without one.
func IsDeskTag(s string) bool {
	if len(s) < 6 || s[0] != '(' || s[len(s)-1] != ')' {
		return false
	}
	s = s[1 : len(s)-1]
	i := 0
	for i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		i++
	}
	if i < 2 || i == len(s) || s[i] != ' ' {
		return false
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	digits := s[i:]
	if len(digits) == 0 || len(digits) > 4 {
		return false
	}
	for j := 0; j < len(digits); j++ {
		if digits[j] < '0' || digits[j] > '9' {
			return false
		}
	}
	return true
}

// DeskTagAtEnd returns where the desk tag that ends text (after trailing
// spaces) starts, or -1 when text ends with none.
func DeskTagAtEnd(text string) int {
	t := strings.TrimRight(text, " \t\r\n")
	i := strings.LastIndexByte(t, '(')
	if i < 0 || !IsDeskTag(t[i:]) {
		return -1
	}
	return i
}
