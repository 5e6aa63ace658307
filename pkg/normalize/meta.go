package normalize

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Headline limits: a first paragraph longer than this is a lede, not a title.
const (
	maxHeadlineRunes = 160
	maxHeadlineWords = 24
)

// looksLikeHeadline reports whether a first paragraph can serve as the
// title: short, at least two words, starting with a capital, digit or quote,
// not ending like a sentence or a clause (. , ; :) — a question or
// exclamation may end a headline.
func looksLikeHeadline(p string) bool {
	if utf8.RuneCountInString(p) > maxHeadlineRunes {
		return false
	}
	words := strings.Fields(p)
	if len(words) < 2 || len(words) > maxHeadlineWords {
		return false
	}
	r, _ := utf8.DecodeRuneInString(p)
	if !(unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune(`"'“‘«`, r) || unicode.IsLetter(r) && !unicode.IsLower(r)) {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(p)
	switch last {
	case '.', ',', ';', ':', '。':
		return false
	}
	_, ok := bylineOf(p)
	return !ok
}

// Dateline patterns, tried on the start of the first body paragraph. A
// dateline is a place in capitals ("SALVADOR", "SAN JOSE, Calif."), or a
// place in mixed case followed by a date or an agency ("Rome, October 11",
// "Paris (AFP)"), then optionally a date and an agency in brackets, then a
// dash ("-", "--", "–", "—", AP's "_"). Agency-first ("(ANSA) - Rome,
// October 11 -") and date-first ("Jan 3 (Reuters) -") forms are accepted.
const (
	reMonth  = `(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`
	reDay    = `(?i:monday|tuesday|wednesday|thursday|friday|saturday|sunday)`
	reDate   = `(?:` + reMonth + ` \d{1,2}(?:,? \d{4})?|` + reDay + `)`
	reAgency = `\((?:[\p{L}][\p{L}\d .&'’-]{0,30})\)`
	reCaps   = `\p{Lu}[\p{Lu}'’.\-]+(?:[ \-/]\p{Lu}[\p{Lu}'’.\-]*){0,4}`
	reMixed  = `\p{Lu}\p{Ll}[\p{L}'’.\-]*(?: (?:\p{Lu}|de |da |del |di |el |la |le )[\p{L}'’.\-]*){0,3}`
	reRegion = `(?:, \p{Lu}[\p{L}.]*(?: \p{Lu}[\p{L}.]*){0,2})`
	reDash   = ` ?(?:-{1,2}|–|—|_) `
)

var (
	datelineCaps   = regexp.MustCompile(`^(` + reCaps + reRegion + `?(?:,? ` + reDate + `)?(?: ` + reAgency + `)?)` + reDash)
	datelineMixed  = regexp.MustCompile(`^(` + reMixed + reRegion + `?(?:,? ` + reDate + `(?: ` + reAgency + `)?| ` + reAgency + `))` + reDash)
	datelineAgency = regexp.MustCompile(`^(` + reAgency + reDash + `(?:` + reCaps + `|` + reMixed + `)` + reRegion + `?(?:,? ` + reDate + `)?)` + reDash)
	datelineDate   = regexp.MustCompile(`^(` + reDate + ` ` + reAgency + `)` + reDash)
)

// notDateline are capitalised slugs that open a paragraph like a dateline
// but name no place ("FILE - In this photo…", "UPDATE 2 - …").
var notDateline = map[string]bool{
	"FILE": true, "UPDATE": true, "CORRECTED": true, "CORRECTION": true, "REFILE": true, "EXCLUSIVE": true,
	"ANALYSIS": true, "BREAKING": true, "URGENT": true, "FLASH": true, "PHOTO": true, "VIDEO": true,
	"WATCH": true, "LIVE": true, "OPINION": true, "EDITORIAL": true, "ADVISORY": true, "NOTE": true,
}

// maxDatelineBytes bounds the prefix the dateline patterns look at.
const maxDatelineBytes = 120

// splitDateline returns the dateline at the start of p (without its dash)
// and the rest of the paragraph, or ok=false.
func splitDateline(p string) (dateline, rest string, ok bool) {
	head := p
	if len(head) > maxDatelineBytes {
		head = head[:maxDatelineBytes]
	}
	// Cheap tests first: a dateline starts with a capital or a bracket and
	// ends at a dash separator in the prefix; the patterns then only read
	// up to the last such dash.
	if c := head[0]; !(c >= 'A' && c <= 'Z' || c == '(' || c >= utf8.RuneSelf) {
		return "", p, false
	}
	end := -1
	for _, sep := range []string{"- ", "– ", "— ", " _ "} {
		if i := strings.LastIndex(head, sep); i >= 0 && i+len(sep) > end {
			end = i + len(sep)
		}
	}
	if end < 0 {
		return "", p, false
	}
	head = head[:end]
	for _, re := range []*regexp.Regexp{datelineCaps, datelineAgency, datelineDate, datelineMixed} {
		m := re.FindStringSubmatchIndex(head)
		if m == nil {
			continue
		}
		dl := strings.TrimSpace(head[m[2]:m[3]])
		rest = strings.TrimSpace(p[m[1]:])
		if rest == "" || len(dl) < 3 || notDateline[dl] {
			continue
		}
		return dl, rest, true
	}
	return "", p, false
}

// bylinePrefixes introduce a byline ("By Jane Doe", German "Von", French
// "Par", Spanish "Por", Dutch "Door", Swedish "Av", Danish "Af").
var bylinePrefixes = []string{"by ", "von ", "par ", "por ", "door ", "av ", "af "}

// maxBylineBytes bounds a byline paragraph.
const maxBylineBytes = 120

// bylineOf recognises a byline paragraph and returns the names.
func bylineOf(p string) (string, bool) {
	if len(p) > maxBylineBytes || len(p) < 5 {
		return "", false
	}
	low := strings.ToLower(p[:min(len(p), 6)])
	for _, pre := range bylinePrefixes {
		if !strings.HasPrefix(low, pre) {
			continue
		}
		names := strings.TrimSpace(p[len(pre):])
		r, _ := utf8.DecodeRuneInString(names)
		if !unicode.IsUpper(r) {
			return "", false
		}
		if n := len(strings.Fields(names)); n > 12 {
			return "", false
		}
		// A sentence ("By then the army had left.") is not a byline; an
		// initial or "Jr." may end one.
		if strings.HasSuffix(names, ".") {
			f := strings.Fields(names)
			if len(f[len(f)-1]) > 3 {
				return "", false
			}
		}
		return names, true
	}
	return "", false
}

// cleanByline strips a "By " prefix and trailing separators from a byline
// given by the feed.
func cleanByline(s string) string {
	s = collapseSpaces(s)
	if b, ok := bylineOf(s); ok {
		s = b
	} else {
		low := strings.ToLower(s)
		for _, pre := range bylinePrefixes {
			if strings.HasPrefix(low, pre) {
				s = strings.TrimSpace(s[len(pre):])
				break
			}
		}
	}
	return strings.TrimRight(s, " ,;-")
}

// isNameLine reports whether p is a lone personal name: two to four words,
// each capitalised, letters and . ' - only.
func isNameLine(p string) bool {
	if len(p) > 48 {
		return false
	}
	words := strings.Fields(p)
	if len(words) < 2 || len(words) > 4 {
		return false
	}
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			return false
		}
		for _, c := range w {
			if !unicode.IsLetter(c) && c != '.' && c != '\'' && c != '’' && c != '-' {
				return false
			}
		}
	}
	return true
}
