package search

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fields a term of q may name (title:…, body:…, source:…). A term without
// one searches the title and the body.
const (
	FieldText   = ""
	FieldTitle  = "title"
	FieldBody   = "body"
	FieldSource = "source"
)

// MaxTextBytes bounds q; longer is a 400 (an editor's query is a line).
const MaxTextBytes = 1024

// TermKind is what a term of q matches.
type TermKind int

// Kinds of term.
const (
	// Word is one word as typed, analysed like the text: it matches when
	// all its tokens occur in one field. A word the analyzer drops (a stop
	// word such as "the") is ignored.
	Word TermKind = iota
	// Phrase is "words in quotes": they occur in this order, next to each
	// other (a stop word inside keeps its place).
	Phrase
	// Prefix is word*: any word of the field that starts with Text (which
	// is lower-cased and not stemmed, as Elasticsearch's
	// simple_query_string does).
	Prefix
	// Exact is the value of source:…, compared as it is.
	Exact
)

// Term is one clause of q.
type Term struct {
	Kind TermKind
	// Text is the word, the phrase (white space folded), the prefix
	// without its "*", or the exact value.
	Text string
	// Field is FieldText (title or body), FieldTitle, FieldBody or
	// FieldSource.
	Field string
	// Exclude: the article must not match the term (-word).
	Exclude bool
}

// Fields returns the text fields a Word, Phrase or Prefix term searches.
func (t Term) Fields() []string {
	switch t.Field {
	case FieldTitle:
		return []string{FieldTitle}
	case FieldBody:
		return []string{FieldBody}
	default:
		return []string{FieldTitle, FieldBody}
	}
}

// SyntaxError is a q that uses syntax the search does not support, with
// what to write instead. The API answers it with 400.
type SyntaxError struct {
	// Near is the part of q at fault.
	Near string
	// Msg says what is wrong and what to write instead.
	Msg string
}

func (e *SyntaxError) Error() string {
	if e.Near == "" {
		return "q: " + e.Msg
	}
	return fmt.Sprintf("q: %q: %s", e.Near, e.Msg)
}

// SyntaxHint is the one line the page shows under the search box.
const SyntaxHint = `words (all required; "the", "of"… ignored; stems match: trial finds trials) · "a phrase" · -word excludes · tri* prefix · title:word · source:name · * everything`

// ParseText splits q into terms: the subset of Elasticsearch's
// simple_query_string syntax the page supports (see the package doc).
// Every term is required (AND). A q of only "*" has no term and matches
// every article, as an empty q does. Syntax that would change the meaning
// if it were ignored (OR, |, NOT, fuzzy ~, wildcards inside a word, an
// unknown field) is a *SyntaxError. Parentheses, a leading "+" and "AND"
// change nothing in an all-words-required query and are read as
// punctuation.
func ParseText(q string) ([]Term, error) {
	if len(q) > MaxTextBytes {
		return nil, &SyntaxError{Msg: fmt.Sprintf("longer than %d bytes", MaxTextBytes)}
	}
	if !utf8.ValidString(q) {
		return nil, &SyntaxError{Msg: "not valid UTF-8"}
	}
	var out []Term
	rest := q
	for {
		rest = strings.TrimLeftFunc(rest, isSpace)
		if rest == "" {
			return out, nil
		}
		var raw string
		raw, rest = nextToken(rest)
		t, ok, err := parseTerm(raw)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, t)
		}
	}
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

func isQuote(r rune) bool { return r == '"' || r == '“' || r == '”' }

// nextToken cuts the next token off s: up to white space outside quotes.
// A quote opens a phrase that runs to the closing quote (or the end).
func nextToken(s string) (tok, rest string) {
	inQuote := false
	for i, r := range s {
		switch {
		case isQuote(r):
			inQuote = !inQuote
			if !inQuote {
				// A phrase ends at its closing quote; a ~N after it
				// stays with it so that it can be refused.
				j := i + utf8.RuneLen(r)
				for j < len(s) && (s[j] == '~' || (s[j] >= '0' && s[j] <= '9')) {
					j++
				}
				return s[:j], s[j:]
			}
		case !inQuote && unicode.IsSpace(r):
			return s[:i], s[i:]
		}
	}
	return s, ""
}

// parseTerm reads one token; ok is false for a token that is only
// punctuation or an operator that changes nothing.
func parseTerm(raw string) (Term, bool, error) {
	t := Term{}
	s := raw
	switch s {
	case "OR", "|", "||":
		return t, false, &SyntaxError{Near: s, Msg: "alternatives are not supported: every word is required; search for each alternative on its own"}
	case "NOT", "!":
		return t, false, &SyntaxError{Near: s, Msg: `NOT is not supported: put "-" before what to exclude (trial -Italy)`}
	case "AND", "&&", "+", "-", "*":
		// AND is what every query means; "*" alone matches everything; a
		// lone dash is punctuation ("Paris - Rome").
		return t, false, nil
	}
	if strings.ContainsRune(s, '|') {
		return t, false, &SyntaxError{Near: s, Msg: "alternatives (|) are not supported: every word is required; search for each alternative on its own"}
	}
	for strings.HasPrefix(s, "+") || strings.HasPrefix(s, "(") {
		s = s[1:]
	}
	if strings.HasPrefix(s, "-") {
		t.Exclude = true
		s = s[1:]
	}
	// A field name: letters and underscores before a colon, then a value.
	if i := strings.IndexByte(s, ':'); i > 0 && !isQuoteStart(s) && allLetters(s[:i]) && i+1 < len(s) {
		name := strings.ToLower(s[:i])
		switch name {
		case FieldTitle, FieldBody, FieldSource:
			t.Field = name
			s = s[i+1:]
		default:
			return t, false, &SyntaxError{Near: raw, Msg: fmt.Sprintf(`unknown field %s: (title:, body: and source: are supported); put the words in quotes to search for them as text`, s[:i])}
		}
	}
	s = strings.TrimRight(s, ")")
	if s == "" {
		return t, false, nil
	}
	if isQuoteStart(s) {
		_, size := utf8.DecodeRuneInString(s)
		body := s[size:]
		if j := strings.LastIndexFunc(body, isQuote); j >= 0 {
			tail := body[j:]
			_, qs := utf8.DecodeRuneInString(tail)
			if strings.HasPrefix(tail[qs:], "~") {
				return t, false, &SyntaxError{Near: raw, Msg: "proximity (~) is not supported: the words of a phrase must be next to each other"}
			}
			body = body[:j]
		}
		t.Text = strings.Join(strings.Fields(body), " ")
		if t.Text == "" {
			return t, false, nil
		}
		t.Kind = Phrase
		if t.Field == FieldSource {
			t.Kind = Exact
		}
		return t, true, nil
	}
	if i := strings.IndexByte(s, '~'); i > 0 && strings.Trim(s[i+1:], "0123456789") == "" {
		return t, false, &SyntaxError{Near: raw, Msg: "fuzzy matching (~) is not supported: write the word as it is spelt (its stems match)"}
	}
	if i := strings.IndexByte(s, '*'); i >= 0 {
		switch {
		case t.Field == FieldSource:
			return t, false, &SyntaxError{Near: raw, Msg: "source: takes a source name as it is (no *)"}
		case i != len(s)-1 || strings.Count(s, "*") > 1 || i == 0:
			if strings.Trim(s, "*") == "" {
				if t.Exclude {
					return t, false, &SyntaxError{Near: raw, Msg: "-* would exclude every article"}
				}
				return t, false, nil // ** is *
			}
			return t, false, &SyntaxError{Near: raw, Msg: "only a * at the end of a word is supported (tri* finds trial and trials)"}
		}
		t.Kind, t.Text = Prefix, strings.ToLower(s[:i])
		return t, true, nil
	}
	if t.Field == FieldSource {
		t.Kind, t.Text = Exact, s
		return t, true, nil
	}
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return t, false, nil // punctuation only
	}
	t.Kind, t.Text = Word, s
	return t, true, nil
}

func isQuoteStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isQuote(r)
}

func allLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && r != '_' {
			return false
		}
	}
	return s != ""
}

// Scored reports whether terms rank articles: a word, phrase or prefix
// that is not excluded. Without one, hits are ordered newest first.
func Scored(terms []Term) bool {
	for _, t := range terms {
		if !t.Exclude && t.Kind != Exact {
			return true
		}
	}
	return false
}
