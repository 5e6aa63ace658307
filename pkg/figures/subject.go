package figures

import "github.com/newsflow/newsflow/pkg/article"

// subject returns the thing a figure counts or measures (see the package
// documentation for the rule): the noun phrase after a count up to its
// first plural noun, with the "of" phrase of a partitive; the "of" phrase
// after a measure, money or percentage (money also "in").
func (s *scanner) subject(f *fig) string {
	t := s.text
	switch f.kind {
	case article.KindCount:
		if v := f.v.value(); v > 0 && v < 1 {
			// "two-thirds of voters": a share takes its "of" phrase.
			if w, h, ok := s.nextWordTok(f.end); ok && !h && w.key == "of" {
				if a, b, _ := s.nounPhrase(w.e, false); a >= 0 {
					return s.span(a, b)
				}
			}
			return ""
		}
		a, b, plural := s.nounPhrase(f.end, true)
		if a < 0 {
			return ""
		}
		if !plural {
			if f.v.value() != 1 || f.hasTo {
				return ""
			}
			b = wordEndHyph(t, a) // "1 person"
		}
		if partitives[s.key(t[a:b])] {
			if w, h, ok := s.nextWordTok(b); ok && !h && w.key == "of" {
				if _, e, _ := s.nounPhrase(w.e, false); e > 0 {
					b = e
				}
			}
		}
		return s.span(a, b)
	case article.KindMoney, article.KindWeight, article.KindVolume, article.KindPercent,
		article.KindArea, article.KindDistance:
		w, h, ok := s.nextWordTok(f.end)
		if !ok || h {
			return ""
		}
		if w.key == "of" || (w.key == "in" && f.kind == article.KindMoney) {
			if a, b, _ := s.nounPhrase(w.e, false); a >= 0 {
				return s.span(a, b)
			}
		}
	}
	return ""
}

// nounPhrase reads up to five words after p (separated from it by space)
// until a stop word, number or punctuation. With untilPlural it ends at the
// first plural noun and reports whether there was one.
func (s *scanner) nounPhrase(p int, untilPlural bool) (a, b int, plural bool) {
	t := s.text
	a, b = -1, -1
	q := p
	for count := 0; count < 5; count++ {
		r := skipSp(t, q)
		if r == q || letterAt(t, r) == 0 {
			break
		}
		e := wordEndHyph(t, r)
		w := t[r:e]
		k := s.key(w)
		if subjectStops[k] || months[k] {
			break
		}
		if _, ok := numWords[k]; ok {
			break
		}
		if _, ok := scaleWords[k]; ok {
			break
		}
		if a < 0 {
			a = r
		}
		b = e
		if untilPlural && isPluralWord(k, w) {
			return a, b, true
		}
		q = e
	}
	if untilPlural {
		return a, b, false
	}
	return a, b, false
}

// wordEndHyph is wordEnd extended over inner hyphens ("search-engine").
func wordEndHyph(t string, i int) int {
	e := wordEnd(t, i)
	for e+1 < len(t) && t[e] == '-' && letterAt(t, e+1) > 0 {
		e = wordEnd(t, e+1)
	}
	return e
}

// isPluralWord guesses whether a word is a plural noun: listed collective
// nouns, or an "-s" ending that is not "-ss", "-us", "-is" or a listed
// exception. k is the lower-case key, w the word as written.
func isPluralWord(k, w string) bool {
	if pluralNouns[k] {
		return true
	}
	if k == unknownWord {
		// Not in the tables: lower-case the ending by hand.
		k = w
	}
	n := len(k)
	if n < 3 || notPlural[k] {
		return false
	}
	last := k[n-1] | 0x20
	if last != 's' {
		return false
	}
	prev := k[n-2] | 0x20
	return prev != 's' && prev != 'u' && prev != 'i' && prev != '\''
}
