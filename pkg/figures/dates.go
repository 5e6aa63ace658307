package figures

// Dates, clock times and years: numbers that are not figures.

import (
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
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
		return dayRangeEnd(t, f.end), true // "Nov. 18-24": both days
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
		// "Avenida 9 de Julio", "the 5 de Mayo parade".
		if k := t[q:we]; k == "de" || k == "di" {
			if m := skipSp(t, we); m > we && letterAt(t, m) > 0 {
				if me := wordEnd(t, m); foreignMonths[s.key(t[m:me])] && isCapitalized(t[m:me]) {
					return me, true
				}
			}
		}
	}
	return 0, false
}

// isMonth reports a month name: capitalised, or lower case unless it is
// also a common word ("may", "march").
func (s *scanner) isMonth(w string) bool {
	k := s.key(w)
	if foreignMonths[k] {
		return isCapitalized(w) // "Rue du 14 Juillet", "the 15 Agosto holiday"
	}
	if !months[k] {
		return false
	}
	return isCapitalized(w) || (k != "may" && k != "march" && k != "mar")
}

// timeAfter rejects clock times: "3 pm", "10 a.m.", "0857 GMT".
func (s *scanner) timeAfter(f *fig) (int, bool) {
	t := s.text
	if f.num.word && f.unit == "" && !f.num.scaled && !f.num.hasDecimal && f.v.value() >= 1 && f.v.value() <= 12 {
		// "eight o'clock", "at nine o’clock": a clock time in words
		q := skipSp(t, f.end)
		for _, w := range [...]string{"o'clock", "o’clock"} {
			if q > f.end && len(t)-q >= len(w) && strings.EqualFold(t[q:q+len(w)], w) {
				return q + len(w), true
			}
		}
	}
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
	if w, h, ok := s.nextWordTok(f.end); ok && !h && yearNouns[w.key] {
		return true // "48% below 1990 levels", "above 2019 prices"
	}
	q, qs, _ := s.qualBefore(f.start)
	switch q {
	case "", qBetween, qFrom:
	case article.QualifierLessThan, article.QualifierMoreThan:
		// "regional attendance remains 18% below 2019": a change from a
		// year, the percentage right before the bound.
		if len(s.figs) == 0 || s.figs[len(s.figs)-1].Unit != "%" || strings.TrimSpace(t[s.lastEnd:qs]) != "" {
			return false
		}
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

// yearNouns after a bare four-digit number make it a year even after a
// bound ("below 1990 levels").
var yearNouns = setOf("level", "levels", "prices", "baseline", "baselines", "terms", "values")

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

// foreignMonths are the month names of French, Spanish, Italian, German and
// Portuguese that are not English ones, written without accents too; dates
// in them stand in names of streets, squares and holidays ("Place du 18
// Juin", "Avenida 9 de Julio"). Not "Mars", a planet and a maker as often.
var foreignMonths = setOf("janvier", "fevrier", "février", "avril", "mai", "juin", "juillet", "aout", "août",
	"septembre", "octobre", "novembre", "decembre", "décembre", "enero", "febrero", "marzo", "abril", "mayo",
	"junio", "julio", "agosto", "septiembre", "setiembre", "octubre", "noviembre", "diciembre", "gennaio",
	"febbraio", "aprile", "maggio", "giugno", "luglio", "settembre", "ottobre", "dicembre", "januar",
	"februar", "märz", "maerz", "juni", "juli", "oktober", "dezember", "janeiro", "fevereiro", "março",
	"maio", "junho", "julho", "setembro", "outubro", "dezembro")

// timeWords after a number make it a clock time ("3 pm", "0857 GMT").
var timeWords = setOf("am", "pm", "a.m", "p.m", "gmt", "utc", "est", "edt", "cst", "cdt", "pst",
	"pdt", "bst", "cet", "cest", "jst", "hrs.", "hours.", "o'clock", "oclock", "noon", "midnight")

// timeWordsExact are clock abbreviations matched with their case.
var timeWordsExact = setOf("GMT", "UTC", "EST", "EDT", "CST", "CDT", "PST", "PDT", "BST", "CET", "CEST", "JST", "MSK", "IST", "HKT", "SGT", "AEST", "AEDT",
	"WIB", "WITA", "PHT", "WAT", "SAST", "BRT", "AWST", "ACST", "NZST", "NZDT", "KST", "PKT")

// ordinalSuffixes after digits make an ordinal ("4th", "21st").
var ordinalSuffixes = setOf("st", "nd", "rd", "th", "ST", "ND", "RD", "TH", "d")

// raceTime reads a race or lap time at i, whose first group of one or two
// digits ends at the colon at c: "m:ss.f", "h:mm:ss" or "h:mm:ss.f", and
// "m:ss" after a time cue. It returns the time in seconds and its end. Two
// forms only a timing gives are read wherever they stand: a fraction of a
// second ("3:49.04", "(3:46.04)", "1:22.595") and three groups after "in"
// or "of" ("won in 2:02:27", "a record of 2:17:18"). A bare "m:ss" is a
// race time only after a cue of timing ("clocked 3:39", "a time of
// 31:41"), since it is more often the time of day. Never after "at", "by",
// "until", "from" or "since", and never with a time zone or "am"/"pm"
// after it: those are clock times ("at 15:01:01.79", "by 3:30 p.m.").
func (s *scanner) raceTime(i, c int) (float64, int, bool) {
	t := s.text
	n := len(t)
	if c-i > 2 {
		return 0, 0, false
	}
	var buf [3]int
	groups := append(buf[:0], atoiSmall(t[i:c]))
	j := c
	for len(groups) < 3 && j+2 < n && t[j] == ':' && isDigit(t[j+1]) && isDigit(t[j+2]) && (j+3 >= n || !isDigit(t[j+3])) {
		g := atoiSmall(t[j+1 : j+3])
		if g >= 60 {
			return 0, 0, false
		}
		groups = append(groups, g)
		j += 3
	}
	if len(groups) < 2 || (j < n && t[j] == ':') {
		return 0, 0, false
	}
	frac, fracDigits := 0.0, 0
	if j+1 < n && t[j] == '.' && isDigit(t[j+1]) {
		k, scale := j+1, 0.1
		for k < n && isDigit(t[k]) && fracDigits < 3 {
			frac += float64(t[k]-'0') * scale
			scale /= 10
			k++
			fracDigits++
		}
		if k < n && isDigit(t[k]) {
			return 0, 0, false
		}
		j = k
	}
	if j < n && (isASCIILetter(t[j]) || t[j] == ':' || (t[j] == '.' && j+1 < n && isDigit(t[j+1]))) {
		return 0, 0, false
	}
	if q := skipSp(t, j); letterAt(t, q) > 0 {
		w := t[q:wordEnd(t, q)]
		if timeWordsExact[w] || timeWords[s.key(w)] || s.key(w) == "a.m." || s.key(w) == "p.m." {
			return 0, 0, false
		}
	}
	cue, cue2 := "", ""
	if ws, we, dot, ok := prevWord(t, i); ok && !dot {
		cue = s.key(t[ws:we])
		if ws2, we2, dot2, ok2 := prevWord(t, ws); ok2 && !dot2 {
			cue2 = s.key(t[ws2:we2])
		}
	}
	margin := s.sportRaceTime(j, cue, len(groups), fracDigits) // "from 4:24.38", "2:54 per kilometre" (sport.go)
	switch {
	case margin:
	case cue == "to":
		if fracDigits > 0 && raceCues[cue2] {
			break // "lowered the world record to 3:48.68"
		}
		return 0, 0, false
	case cue == "by":
		// "beat Ganna by 1:04.22", "led the peloton by 1:45": a margin
		// after a verb of winning or leading; "by 3:30" alone is a
		// deadline.
		ws, _, _, _ := prevWord(t, i)
		if margin = s.cueBefore(ws, marginVerbs, 8); !margin {
			return 0, 0, false
		}
	case cue == "at", cue == "until", cue == "till", cue == "from", cue == "since", cue == "before", cue == "after", cue == "around", cue == "past":
		return 0, 0, false
	}
	switch {
	case fracDigits > 0, margin:
	case len(groups) == 3 && (cue == "in" || cue == "of" || cue == "under" || cue == "inside" || raceCues[cue]):
	case len(groups) == 2 && (raceCues[cue] || cue == "of" && raceCues[cue2]):
	default:
		return 0, 0, false
	}
	secs := 0.0
	for _, g := range groups {
		secs = secs*60 + float64(g)
	}
	return secs + frac, j, true
}

// marginVerbs a few words before "by m:ss" make it a margin.
var marginVerbs = setOf("beat", "beats", "beating", "led", "leads", "leading", "won", "wins", "winning",
	"trailed", "trails", "trailing", "ahead", "behind", "margin", "gap", "lead", "clear", "edged", "finished")

// raceCues before a bare "m:ss", or before "of" and it, make it a race
// time: "clocked 3:39", "a time of 31:41", "a best of 4:02".
var raceCues = setOf("clocked", "clocking", "clocks", "timed", "time", "best", "record", "lap", "mark")

// atoiSmall reads the few digits of s (a clock's, a date's, fractional odds').
func atoiSmall(s string) int {
	v := 0
	for k := 0; k < len(s); k++ {
		v = v*10 + int(s[k]-'0')
	}
	return v
}

// dotClock reports a clock time written with a dot after "at" and a date,
// as continental copy writes it: "The sale ends on 31.12.2026 at 23.59".
// Hours below 24, two digits of minutes below 60, nothing glued after, and
// a date (digits joined by dots or slashes, or a month or weekday) right
// before "at"; "closed at 23.59" after a price stays a figure.
func (s *scanner) dotClock(f *fig) bool {
	t := s.text
	n := f.num
	if f.unit != "" || f.cur || n.word || !n.hasDecimal || n.ndigits > 2 || n.end-n.start != n.ndigits+3 ||
		t[n.start+n.ndigits] != '.' || f.v.value() >= 24 || t[n.end-2] >= '6' {
		return false
	}
	if n.end < len(t) && (isASCIILetter(t[n.end]) || t[n.end] == '%') {
		return false
	}
	if s.raceNameClock(f) {
		return true // "the 3.40 at Newmarket" (sport.go)
	}
	ws, _, dot, ok, k := s.prevKey(f.start)
	if !ok || dot || k != "at" {
		return false
	}
	q := skipSpBack(t, ws)
	a := q
	for a > 0 && (isDigit(t[a-1]) || t[a-1] == '.' || t[a-1] == '/') {
		a--
	}
	if d := t[a:q]; strings.Count(d, ".")+strings.Count(d, "/") >= 2 && len(d) >= 6 {
		return true // "31.12.2026", "4/12/2026"
	}
	if pw, pe, _, ok := prevWord(t, q); ok && pe == q {
		k := s.key(t[pw:pe])
		return months[k] || weekdays[k]
	}
	return false
}

// dayRangeEnd returns the end of "-24" or "–24" (a day of the month) right
// after a day ending at e, or e.
func dayRangeEnd(t string, e int) int {
	d := e
	switch {
	case d < len(t) && t[d] == '-':
		d++
	case strings.HasPrefix(t[d:], "–"):
		d += len("–")
	default:
		return e
	}
	k := d
	for k < len(t) && k-d < 2 && isDigit(t[k]) {
		k++
	}
	if k == d || k < len(t) && isDigit(t[k]) || atoiSmall(t[d:k]) > 31 {
		return e
	}
	return k
}
