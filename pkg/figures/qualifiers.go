package figures

// Qualifiers: the words before or after a figure that say how exact it is.

import (
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// qualBefore returns the qualifier written before position p and where it
// starts. Up to three words are read; longer matches win.
func (s *scanner) qualBefore(p int) (string, int) {
	t := s.text
	var ws [3]int
	var wk [3]string
	n := 0
	end := p
	if q := skipSpBack(t, p); q > 0 && t[q-1] == '~' {
		return article.QualifierApprox, q - 1
	}
	for n < 3 {
		a, b, dot, ok := prevWord(t, end)
		if !ok || dot {
			break
		}
		ws[n], wk[n] = a, s.key(t[a:b])
		if n == 0 && !qualLastWords[wk[0]] {
			return "", p // most words before a number end no qualifier
		}
		n++
		end = a
	}
	for l := n; l >= 1; l-- {
		buf := s.pbuf[:0]
		for j := l - 1; j >= 0; j-- {
			buf = append(buf, wk[j]...)
			if j > 0 {
				buf = append(buf, ' ')
			}
		}
		if q, ok := qualifiers[string(buf)]; ok {
			return q, ws[l-1]
		}
	}
	return "", p
}

// qualAfter reads "or more", "or so", "5,000+" and "5,000-plus".
func (s *scanner) qualAfter(p int) string {
	t := s.text
	if p < len(t) && t[p] == '+' && (p+1 == len(t) || !isDigit(t[p+1])) {
		return article.QualifierAtLeast
	}
	if p+5 <= len(t) && t[p:p+5] == "-plus" {
		return article.QualifierMoreThan
	}
	a, _, ok := s.nextWordTok(p)
	if !ok || (a.key != "or" && a.key != "and") {
		return ""
	}
	b, _, ok := s.nextWordTok(a.e)
	if !ok {
		return ""
	}
	buf := append(append(append(s.pbuf[:0], a.key...), ' '), b.key...)
	return postQualifiers[string(buf)]
}

// overUnder reports "over" or "under" right before p.
func (s *scanner) overUnder(p int) bool {
	ws, we, _, ok := prevWord(s.text, p)
	if !ok {
		return false
	}
	k := s.key(s.text[ws:we])
	return k == "over" || k == "under"
}

// Qualifier phrases written before the figure, lower case, longest first
// at lookup time. "between" opens a range; "from" blocks one.
const (
	qBetween = "between"
	qFrom    = "from"
)

var qualifiers = map[string]string{
	"more than": article.QualifierMoreThan, "over": article.QualifierMoreThan,
	"above": article.QualifierMoreThan, "exceeds": article.QualifierMoreThan,
	"exceeded": article.QualifierMoreThan, "exceeding": article.QualifierMoreThan,
	"exceed": article.QualifierMoreThan, "in excess of": article.QualifierMoreThan,
	"upwards of": article.QualifierMoreThan, "upward of": article.QualifierMoreThan,
	"just over": article.QualifierMoreThan, "well over": article.QualifierMoreThan,
	"well above": article.QualifierMoreThan, "just above": article.QualifierMoreThan,
	"greater than": article.QualifierMoreThan, "topping": article.QualifierMoreThan,
	"surpassing": article.QualifierMoreThan, "surpassed": article.QualifierMoreThan,
	"higher than": article.QualifierMoreThan, "larger than": article.QualifierMoreThan,
	"at least": article.QualifierAtLeast, "no less than": article.QualifierAtLeast,
	"no fewer than": article.QualifierAtLeast, "not less than": article.QualifierAtLeast,
	"not fewer than": article.QualifierAtLeast, "a minimum of": article.QualifierAtLeast,
	"minimum of": article.QualifierAtLeast, "at a minimum": article.QualifierAtLeast,
	"about": article.QualifierApprox, "around": article.QualifierApprox,
	"some": article.QualifierApprox, "roughly": article.QualifierApprox,
	"approximately": article.QualifierApprox, "approx": article.QualifierApprox,
	"an estimated": article.QualifierApprox, "estimated": article.QualifierApprox,
	"close to": article.QualifierApprox, "circa": article.QualifierApprox,
	"some estimated": article.QualifierApprox, "an approximate": article.QualifierApprox,
	"approximate": article.QualifierApprox, "~": article.QualifierApprox,
	"nearly": article.QualifierLessThan, "almost": article.QualifierLessThan,
	"less than": article.QualifierLessThan, "fewer than": article.QualifierLessThan,
	"under": article.QualifierLessThan, "below": article.QualifierLessThan,
	"just under": article.QualifierLessThan, "just below": article.QualifierLessThan,
	"lower than": article.QualifierLessThan, "short of": article.QualifierLessThan,
	"just short of": article.QualifierLessThan, "not quite": article.QualifierLessThan,
	"up to": article.QualifierAtMost, "at most": article.QualifierAtMost,
	"no more than": article.QualifierAtMost, "not more than": article.QualifierAtMost,
	"a maximum of": article.QualifierAtMost, "maximum of": article.QualifierAtMost,
	"as many as": article.QualifierAtMost, "as much as": article.QualifierAtMost,
	"not exceeding": article.QualifierAtMost, "no greater than": article.QualifierAtMost,
	"between": qBetween, "from": qFrom,
}

// qualLastWords are the last words of the qualifier phrases.
var qualLastWords = func() map[string]bool {
	m := map[string]bool{}
	for k := range qualifiers {
		m[k[strings.LastIndexByte(k, ' ')+1:]] = true
	}
	return m
}()

// postQualifiers follow the figure ("5,000 or more").
var postQualifiers = map[string]string{
	"or more": article.QualifierAtLeast, "or above": article.QualifierAtLeast,
	"or higher": article.QualifierAtLeast, "and above": article.QualifierAtLeast,
	"or over": article.QualifierAtLeast, "and over": article.QualifierAtLeast,
	"or so": article.QualifierApprox, "or thereabouts": article.QualifierApprox,
	"or less": article.QualifierAtMost, "or fewer": article.QualifierAtMost,
	"or under": article.QualifierAtMost, "or below": article.QualifierAtMost,
	"and under": article.QualifierAtMost,
}
