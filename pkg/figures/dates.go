package figures

// Dates, clock times and years: numbers that are not figures.

import (
	"strings"
)

// dateAround rejects day numbers next to a month ("Feb 26", "26 February",
// "May 4th") and reports where to resume.
func (s *scanner) dateAround(f *fig) (int, bool) {
	t := s.text
	v := f.v.value()
	if f.num.ndigits > 2 || v < 1 || v > 31 || f.num.hasDecimal || f.num.scaled {
		return 0, false
	}
	if ws, we, _, ok := prevWord(t, f.num.start); ok && s.isMonth(t[ws:we]) {
		return f.end, true
	}
	if f.num.word {
		return 0, false
	}
	// "14 to 17 February", "1-10 May": the first day of a date range.
	if r := skipSp(t, f.end); r < len(t) {
		c := r
		switch {
		case t[r] == '-':
			c = r + 1
		case strings.HasPrefix(t[r:], "–"):
			c = r + 3
		case strings.HasPrefix(t[r:], "to ") || strings.HasPrefix(t[r:], "and "):
			c = r + strings.IndexByte(t[r:], ' ')
		}
		if c > r {
			d := skipSp(t, c)
			e := d
			for e < len(t) && e-d < 2 && isDigit(t[e]) {
				e++
			}
			if e > d && (e == len(t) || !isDigit(t[e])) {
				if m := skipSp(t, e); m > e && letterAt(t, m) > 0 {
					if me := wordEnd(t, m); s.isMonth(t[m:me]) {
						return me, true
					}
				}
			}
		}
	}
	q := skipSp(t, f.end)
	if q > f.end && letterAt(t, q) > 0 {
		we := wordEnd(t, q)
		if s.isMonth(t[q:we]) {
			return we, true
		}
	}
	return 0, false
}

// isMonth reports a month name: capitalised, or lower case unless it is
// also a common word ("may", "march").
func (s *scanner) isMonth(w string) bool {
	k := s.key(w)
	if !months[k] {
		return false
	}
	return isCapitalized(w) || (k != "may" && k != "march" && k != "mar")
}

// timeAfter rejects clock times: "3 pm", "10 a.m.", "0857 GMT".
func (s *scanner) timeAfter(f *fig) (int, bool) {
	t := s.text
	if f.unit != "" || f.num.word || f.num.scaled {
		return 0, false
	}
	q := skipSp(t, f.end)
	if letterAt(t, q) == 0 {
		return 0, false
	}
	we := wordEnd(t, q)
	w := t[q:we]
	if timeWordsExact[w] || (timeWords[s.key(w)] && f.v.value() <= 24) {
		if we < len(t) && t[we] == '.' && (w == "a.m" || w == "p.m" || w == "A.M" || w == "P.M") {
			we++
		}
		return we, true
	}
	return 0, false
}

// isYear reports a bare four-digit year (1800–2100) or an abbreviated
// one ("'87"), unless a quantity qualifier or a plural noun says it counts.
func (s *scanner) isYear(f *fig) bool {
	t := s.text
	n := f.num
	if !n.plain || n.word {
		return false
	}
	if n.ndigits == 2 && n.start > 0 && (t[n.start-1] == '\'' || (n.start >= 3 && t[n.start-3:n.start] == "’")) {
		return true
	}
	if n.lead0 && n.ndigits == 4 {
		return true // "0857": a time or a code
	}
	v := f.v.value()
	if n.ndigits != 4 || v < 1000 || v > 2100 {
		return false
	}
	if v < 1800 {
		// Older years only after a preposition of time: "from 1695".
		ws, we, _, ok := prevWord(t, f.start)
		return ok && yearPreps[s.key(t[ws:we])]
	}
	if e := f.end; strings.HasPrefix(t[e:], "'s") || strings.HasPrefix(t[e:], "’s") {
		return true // "near 1985's levels"
	}
	q, _, _ := s.qualBefore(f.start)
	switch q {
	case "", qBetween, qFrom:
	default:
		return false
	}
	p := skipSp(t, f.end)
	if p > f.end && letterAt(t, p) > 0 {
		w := t[p:wordEnd(t, p)]
		if yearCountNouns[s.key(w)] {
			return false
		}
	}
	return true
}

// yearCountNouns after a bare four-digit number make it a count ("2000
// people"), not a year ("1986 data").
var yearCountNouns = setOf("people", "men", "women", "children", "troops", "soldiers", "workers",
	"jobs", "staff", "police", "employees", "residents", "refugees", "families", "students",
	"votes", "voters", "members", "homes", "houses", "cars", "vehicles", "tanks", "troops",
	"tonnes", "tons", "barrels", "shares", "units", "copies", "miles", "kilometres", "kilometers",
	"metres", "meters", "feet", "acres", "hectares", "cases", "deaths", "victims", "patients")

// yearPreps before a four-digit number below 1800 make it a year.
var yearPreps = setOf("in", "since", "from", "until", "till", "before", "after", "by", "of", "circa",
	"c", "between", "year", "during", "early", "late", "mid", "around", "about")

var weekdays = setOf("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun")

// months, lower case, including wire abbreviations.
var months = setOf("january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul",
	"aug", "sep", "sept", "oct", "nov", "dec")

// timeWords after a number make it a clock time ("3 pm", "0857 GMT").
var timeWords = setOf("am", "pm", "a.m", "p.m", "gmt", "utc", "est", "edt", "cst", "cdt", "pst",
	"pdt", "bst", "cet", "cest", "jst", "hrs.", "hours.", "o'clock", "oclock", "noon", "midnight")

// timeWordsExact are clock abbreviations matched with their case.
var timeWordsExact = setOf("GMT", "UTC", "EST", "EDT", "CST", "CDT", "PST", "PDT", "BST", "CET", "CEST", "JST", "MSK", "IST", "HKT", "SGT", "AEST", "AEDT")

// ordinalSuffixes after digits make an ordinal ("4th", "21st").
var ordinalSuffixes = setOf("st", "nd", "rd", "th", "ST", "ND", "RD", "TH", "d")
