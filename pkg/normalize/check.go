package normalize

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/atom"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/wire"
)

// MaxTitleRunes is the longest title kept, in characters: a longer one is
// cut at the last word boundary before it and ends with "…" (a title is a
// line of the page and a keyword of the index, not a paragraph).
const MaxTitleRunes = 300

// Check reports what would make raw fail in the consumer, or lose
// something there silently, so that a producer can refuse it at once (the
// push endpoint's 400) instead of accepting an article that is then
// dead-lettered or changed: what RawArticle.Validate refuses, a published,
// updated or received_at that wire.ParseTime cannot read (Normalize drops
// such a date), and every error of Normalize (no text left, an
// undecodable ninjs or NewsML-G2 body, an unsupported content type).
func Check(raw article.RawArticle) error {
	if err := raw.Validate(); err != nil {
		return err
	}
	for _, d := range []struct{ name, value string }{
		{"published", raw.Published}, {"updated", raw.Updated}, {"received_at", raw.ReceivedAt},
	} {
		if d.value == "" {
			continue
		}
		if _, err := wire.ParseTime(d.value); err != nil {
			return fmt.Errorf("%q %q is not a date: send RFC 3339 (2024-03-01T09:30:00Z) or a feed date (Fri, 01 Mar 2024 09:30:00 GMT), or leave it out", d.name, d.value)
		}
	}
	if _, err := Normalize(raw); err != nil {
		return err
	}
	return nil
}

// cleanTitle cleans the title as the body of the same article: markup is
// parsed as HTML when the article is HTML (or the title closes an HTML
// element itself), and kept as text otherwise (wire copy writes names in
// angle brackets); then it is capped at MaxTitleRunes.
func cleanTitle(s, charset string, bodyHTML bool) string {
	if s == "" {
		return ""
	}
	if (bodyHTML || closesElement(s)) && strings.ContainsAny(s, "<&") {
		s = collapseSpaces(cleanText(htmlToText(decodeText(s, charset), false)))
	} else {
		s = cleanInline(s, charset)
	}
	return capTitle(s)
}

// closesElement reports whether s has a closing tag of an HTML element
// ("</b>", "</span>"): a title that does is markup.
func closesElement(s string) bool {
	for i := strings.Index(s, "</"); i >= 0; {
		rest := s[i+2:]
		n := 0
		for n < len(rest) && n < 12 && (rest[n] >= 'a' && rest[n] <= 'z' || rest[n] >= 'A' && rest[n] <= 'Z' || rest[n] >= '1' && rest[n] <= '6') {
			n++
		}
		if n > 0 && n < len(rest) && rest[n] == '>' && atom.Lookup([]byte(strings.ToLower(rest[:n]))) != 0 {
			return true
		}
		j := strings.Index(rest, "</")
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return false
}

// capTitle cuts s to MaxTitleRunes characters at a word boundary.
func capTitle(s string) string {
	if utf8.RuneCountInString(s) <= MaxTitleRunes {
		return s
	}
	r := []rune(s)
	cut := r[:MaxTitleRunes]
	if !unicode.IsSpace(r[MaxTitleRunes]) {
		for i := len(cut) - 1; i > MaxTitleRunes/2; i-- {
			if unicode.IsSpace(cut[i]) {
				cut = cut[:i]
				break
			}
		}
	}
	return strings.TrimRightFunc(string(cut), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}
