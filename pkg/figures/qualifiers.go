package figures

// Qualifiers: the words before or after a figure that say how exact it is.

import (
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// qualBefore returns the qualifier written before position p, where it
// starts, and whether it is a verb ("passed", "topped") whose object a
// count with a subject may be instead ("passed 12 bills"). Up to four words
// are read; longer matches win.
func (s *scanner) qualBefore(p int) (string, int, bool) {
	t := s.text
	var ws [4]int
	var wk [4]string
	n := 0
	end := p
	if q := skipSpBack(t, p); q > 0 && t[q-1] == '~' {
		return article.QualifierApprox, q - 1, false
	} else if qu, c := signBefore(t, q, p); qu != "" {
		return qu, c, false // ">50 %", "≥ 30 %" (folded to ">="), "< 5"
	} else if c := circaBefore(t, q); c >= 0 {
		return article.QualifierApprox, c, false // "c. €40m", "ca. 300"
	} else if h, hs := hedgeBefore(t, p); h != "" {
		return h, hs, false // "looking at, what, forty thousand people"
	}
	if a, b, dot, ok := prevWord(t, p); ok && !dot && t[a:b] == "the" {
		if c, d, dot, ok := prevWord(t, a); ok && !dot && markVerbs[s.key(t[c:d])] && s.markAfter(p) {
			return article.QualifierMoreThan, c, false // "passed the 1 billion mark"
		}
	}
	for n < len(ws) {
		a, b, dot, ok := prevWord(t, end)
		if !ok || dot {
			break
		}
		ws[n], wk[n] = a, s.key(t[a:b])
		if n == 0 && !qualLastWords[wk[0]] {
			return "", p, false // most words before a number end no qualifier
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
			if string(buf) == "ca" && digitBefore(t, ws[0]) {
				return "", p, false // "Net 1,064,489 ca 780,712": a slip for "vs" in a table, no circa
			}
			if string(buf) == "up to" && s.motionBefore(ws[l-1]) {
				return "", p, false // "fares went up to E£8": where a change ends, no bound
			}
			if (string(buf) == "maximum of" || string(buf) == "minimum of") && l < n && measuredExtremes[wk[l]] {
				return "", p, false // "a winter maximum of 13.9 million square kilometres": a reading, no bound
			}
			return q, ws[l-1], objectVerbs[string(buf)]
		}
	}
	if n >= 2 && (wk[0] == "of" || wk[0] == "at") {
		if e := s.estimateBefore(ws[0], wk[0]); e >= 0 {
			return article.QualifierApprox, e, false // "an estimated street value of £112m", "police estimated the crowd at 250,000"
		}
	}
	if n >= 2 && wk[0] == "past" && !pastDeterminers[wk[1]] && !s.timeAfterPast(p) {
		// "taking the total past 25 gigawatts", "its selling area past 80
		// million square feet"; "the past 10 years", "gains past three-year
		// peaks" and "in operation past 1989" are none.
		return article.QualifierMoreThan, ws[0], false
	}
	return "", p, false
}

// estimateBefore returns where a word of estimating starts that a noun
// phrase of one to four words separates from "of" or "at" (k, at p), or
// -1: the figure after is what was estimated. "of" closes the phrase of
// the hedge "an estimated" ("an estimated street value of £112m", "an
// estimated death toll of 300"; "the estimated yield of 8.1 tonnes" names
// the estimate and stays exact), "at" the object of the verb ("police estimated the crowd
// at 250,000", "estimates the damage at $2bn"). A clause between ("estimated
// that the gunman fired at 20 people") or a number ends the search.
func (s *scanner) estimateBefore(p int, k string) int {
	t := s.text
	end := p
	for n := 0; n <= 4; n++ {
		a, b, dot, ok := prevWord(t, end)
		if !ok || dot {
			return -1
		}
		w := s.key(t[a:b])
		if estimateWords[w] {
			if n == 0 {
				return -1 // "estimated at" and "an estimated 300" are the table's
			}
			if k == "of" {
				if w != "estimated" {
					return -1
				}
				if _, _, dot, ok, d := s.prevKey(a); !ok || dot || d != "an" {
					return -1 // "the estimated wheat yield of 8.1 tonnes": a named estimate, exact (r34)
				}
			}
			return a
		}
		if subjectStops[w] && !estimateNounWords[w] {
			return -1
		}
		end = a
	}
	return -1
}

// estimateWords estimate the figure after a noun phrase and "of" or "at"
// (estimateBefore); estimateNounWords may stand in that phrase among the
// words that otherwise end a subject.
var (
	estimateWords     = setOf("estimated", "estimate", "estimates", "estimating")
	estimateNounWords = setOf("the", "a", "an", "its", "their", "his", "her", "of", "total")
)

// markVerbs before "the N mark" (or milestone, threshold, barrier) put the
// figure past the threshold: "passed the 1 billion mark", "crossed the
// $100 barrier" (r17/r19); "hit the 1 million mark" reaches it.
var markVerbs = setOf("passed", "passes", "passing", "topped", "tops", "topping", "crossed", "crosses",
	"crossing", "surpassed", "exceeded", "broke", "breached")

// markNouns after a figure name the threshold it is: "the 1 billion mark".
var markNouns = setOf("mark", "milestone", "threshold", "barrier")

// markAfter reports a threshold noun within the two words after the
// number that starts at p: "1 billion mark", "$100 barrier", "50,000
// milestone".
func (s *scanner) markAfter(p int) bool {
	t := s.text
	e := p
	for e < len(t) && t[e] != ' ' && e-p < 24 {
		e++
	}
	for n := 0; n < 2; n++ {
		w, h, ok := s.nextWordTok(e)
		if !ok || h {
			return false
		}
		if markNouns[w.key] {
			return true
		}
		if _, scale := scaleWords[w.key]; !scale {
			return false
		}
		e = w.e
	}
	return false
}

// measuredExtremes before "maximum of" or "minimum of" make it a reading
// ("a winter maximum of", "a record minimum of"), not a bound ("a maximum
// of 30 people", "a mandatory minimum of 10 years"; "a monthly minimum of
// 250 dlrs" and "the previous minimum of 240 dlrs" are floors).
var measuredExtremes = setOf("winter", "summer", "spring", "autumn", "seasonal", "record", "overnight", "historic",
	"all-time")

// pastDeterminers before "past" and a number make it the time before now
// ("the past 10 years", "over its past 12 months"), not more than.
var pastDeterminers = setOf("the", "its", "their", "his", "her", "our", "my", "your", "these", "those", "this",
	"that", "in", "over", "for", "during", "of", "within", "last", "a", "an", "each", "every", "all", "and", "or", "half", "quarter", "minutes", "mins")

// signBefore reads a comparison sign ending at q, at most one space before
// the number at p, as the words it stands for: ">" more_than, "<"
// less_than, ">=" (and "≥") at_least, "<=" at_most. It returns where the
// sign starts, or "" when there is none; arrows ("->", "=>") and doubled
// signs are no qualifiers.
func signBefore(t string, q, p int) (string, int) {
	if q == 0 || p-q > 3 {
		return "", p
	}
	c := t[q-1]
	qu := ""
	a := q - 1
	switch c {
	case '>':
		qu = article.QualifierMoreThan
	case '<':
		qu = article.QualifierLessThan
	case '=':
		if q < 2 {
			return "", p
		}
		switch t[q-2] {
		case '>':
			qu = article.QualifierAtLeast
		case '<':
			qu = article.QualifierAtMost
		default:
			return "", p
		}
		a = q - 2
	default:
		return "", p
	}
	if a > 0 {
		switch b := t[a-1]; {
		case b == ' ' || b == '(' || b == '[' || b == '\t' || b == '\n' || b == ',' || b == ':' || b == ';':
		case b >= 0x80 && spaceBefore(t, a):
		case (b == 'p' || b == 'P') && (a == 1 || !isASCIILetter(t[a-2])):
			// "(p<0.001)", "P>0.05": a p-value against its threshold
		default:
			return "", p // "->5", "=>", "<<", "a>b"
		}
	}
	return qu, a
}

// digitBefore reports a digit just before a, spaces skipped.
func digitBefore(t string, a int) bool {
	j := skipSpBack(t, a)
	return j > 0 && isDigit(t[j-1])
}

// spaceBefore reports a space (ASCII or typographic) ending at a.
func spaceBefore(t string, a int) bool { return skipSpBack(t, a) < a }

// circaBefore returns where "c.", "ca.", "approx." or "est." (circa,
// approximately, estimated) ending at q starts, or -1: a word of its own in
// lower case, with its full stop, before the number ("Vitamin C. 500
// people" is an initial and a sentence end).
func circaBefore(t string, q int) int {
	if q < 2 || t[q-1] != '.' {
		return -1
	}
	for _, w := range [...]string{"c", "ca", "approx", "est"} {
		s := q - 1 - len(w)
		if s >= 0 && t[s:q-1] == w && (s == 0 || letterBefore(t, s) == 0 && t[s-1] != '.') {
			return s
		}
	}
	return -1
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

// oddAfter reads "-odd" glued to the number ("100-odd", "40-odd years"):
// an approximate figure, the suffix inside the span.
func (s *scanner) oddAfter(f *fig) {
	t := s.text
	if e := f.end; strings.HasPrefix(t[e:], "-odd") && letterAt(t, e+4) == 0 && (e+4 == len(t) || t[e+4] != '-' || letterAt(t, e+5) == 0) {
		f.end += 4
		f.odd = true
	}
}

// overDuring reports "over" or "under" right before the duration f that
// is no bound: "repaid over 3 years", "over two decades" ("during"),
// "under 23 hours of questioning", "put under six month detention". "under"
// a duration is otherwise less than ("in under two hours"), and "over" more
// than after a word that makes it a bound ("in over two hours", "for over a
// decade", "just over 3 years").
func (s *scanner) overDuring(f *fig) bool {
	ws, _, _, ok, k := s.prevKey(f.start)
	if !ok {
		return false
	}
	switch k {
	case "over":
		_, _, dot, ok, pk := s.prevKey(ws)
		return !ok || dot || !overBounds[pk]
	case "under":
		// "Under 23 hours of questioning", "put under six month pre-trial
		// detention": what it is under, no bound.
		if w, h, ok := s.nextWordTok(f.end); ok && !h && w.key == "of" {
			return true
		}
		_, _, dot, ok, pk := s.prevKey(ws)
		return ok && !dot && underVerbs[pk]
	}
	return false
}

// underVerbs before "under" and a duration make "under" no bound.
var underVerbs = setOf("put", "placed", "kept", "held", "remain", "remains", "remained")

// overBounds before "over" and a duration make "over" more than.
var overBounds = setOf("in", "for", "after", "of", "just", "well", "slightly", "little", "than", "took",
	"takes", "lasted", "lasts", "lasting", "spent")

// Qualifier phrases written before the figure, lower case, longest first
// at lookup time. "between" opens a range; "from" blocks one.
const (
	qBetween = "between"
	qFrom    = "from"
)

var qualifiers = buildQualifiers()

func buildQualifiers() map[string]string {
	m := map[string]string{
		"more than": article.QualifierMoreThan, "over": article.QualifierMoreThan,
		"above": article.QualifierMoreThan, "exceeds": article.QualifierMoreThan,
		"exceeded": article.QualifierMoreThan, "exceeding": article.QualifierMoreThan,
		"exceed": article.QualifierMoreThan, "in excess of": article.QualifierMoreThan,
		"upwards of": article.QualifierMoreThan, "upward of": article.QualifierMoreThan,
		"just over": article.QualifierMoreThan, "well over": article.QualifierMoreThan,
		"well above": article.QualifierMoreThan, "just above": article.QualifierMoreThan,
		"greater than": article.QualifierMoreThan, "topping": article.QualifierMoreThan,
		"taller than": article.QualifierMoreThan, "wider than": article.QualifierMoreThan,
		"heavier than": article.QualifierMoreThan, "narrower than": article.QualifierLessThan,
		"lighter than": article.QualifierLessThan, "smaller than": article.QualifierLessThan,
		"surpassing": article.QualifierMoreThan, "surpassed": article.QualifierMoreThan,
		"higher than": article.QualifierMoreThan, "larger than": article.QualifierMoreThan,
		"longer than": article.QualifierMoreThan, "shorter than": article.QualifierLessThan,
		"younger than": article.QualifierLessThan, "older than": article.QualifierMoreThan,
		"at least": article.QualifierAtLeast, "no less than": article.QualifierAtLeast,
		"no fewer than": article.QualifierAtLeast, "not less than": article.QualifierAtLeast,
		"not fewer than": article.QualifierAtLeast, "a minimum of": article.QualifierAtLeast,
		"minimum of": article.QualifierAtLeast, "a minimum term of": article.QualifierAtLeast,
		"minimum term of": article.QualifierAtLeast, "at a minimum": article.QualifierAtLeast,
		"about": article.QualifierApprox, "around": article.QualifierApprox,
		"some": article.QualifierApprox, "roughly": article.QualifierApprox,
		"approximately": article.QualifierApprox, "approx": article.QualifierApprox, "ca": article.QualifierApprox,
		"an estimated": article.QualifierApprox, "estimated": article.QualifierApprox, "estimated at": article.QualifierApprox,
		"close to": article.QualifierApprox, "circa": article.QualifierApprox,
		"some estimated": article.QualifierApprox, "an approximate": article.QualifierApprox,
		"approximate": article.QualifierApprox, "~": article.QualifierApprox,
		"nearly": article.QualifierApprox, "almost": article.QualifierApprox,
		"near": article.QualifierApprox, "in the region of": article.QualifierApprox,
		"on the order of": article.QualifierApprox, "of the order of": article.QualifierApprox,
		"the best part of": article.QualifierApprox, "give or take": article.QualifierApprox,
		"less than": article.QualifierLessThan, "fewer than": article.QualifierLessThan,
		"under": article.QualifierLessThan, "below": article.QualifierLessThan,
		"just under": article.QualifierLessThan, "just below": article.QualifierLessThan,
		"lower than": article.QualifierLessThan, "short of": article.QualifierLessThan,
		"just short of": article.QualifierLessThan, "not quite": article.QualifierLessThan,
		"shy of": article.QualifierLessThan, "just shy of": article.QualifierLessThan,
		"well under": article.QualifierLessThan, "well below": article.QualifierLessThan,
		"slightly less than": article.QualifierLessThan, "a little less than": article.QualifierLessThan,
		"slightly under": article.QualifierLessThan, "a little under": article.QualifierLessThan,
		"slightly below": article.QualifierLessThan, "just less than": article.QualifierLessThan,
		"slightly more than": article.QualifierMoreThan, "a little more than": article.QualifierMoreThan,
		"slightly over": article.QualifierMoreThan, "a little over": article.QualifierMoreThan,
		"slightly above": article.QualifierMoreThan, "just more than": article.QualifierMoreThan,
		"well in excess of": article.QualifierMoreThan, "well beyond": article.QualifierMoreThan,
		"topped": article.QualifierMoreThan, "tops": article.QualifierMoreThan,
		"passed": article.QualifierMoreThan,
		"passes": article.QualifierMoreThan, "passing": article.QualifierMoreThan,
		"surpass": article.QualifierMoreThan, "surpasses": article.QualifierMoreThan,
		"up to": article.QualifierAtMost, "within": article.QualifierAtMost, "at most": article.QualifierAtMost,
		"no more than": article.QualifierAtMost, "not more than": article.QualifierAtMost,
		"a maximum of": article.QualifierAtMost, "as little as": article.QualifierAtLeast,
		"as few as": article.QualifierAtLeast, "as low as": article.QualifierAtLeast, "as small as": article.QualifierAtLeast,
		"as high as": article.QualifierAtMost, "an estimated cost of": article.QualifierApprox,
		"at an estimated cost of": article.QualifierApprox, "an estimated total of": article.QualifierApprox, "maximum of": article.QualifierAtMost,
		"as many as": article.QualifierAtMost, "as much as": article.QualifierAtMost, "as far as": article.QualifierAtMost,
		"not exceeding": article.QualifierAtMost, "no greater than": article.QualifierAtMost,
		"north of": article.QualifierMoreThan, "south of": article.QualifierLessThan,
		"at or above": article.QualifierAtLeast, "at or over": article.QualifierAtLeast,
		"at or below": article.QualifierAtMost, "at or under": article.QualifierAtMost,
		"between": qBetween, "from": qFrom, "between the ages of": qBetween,
	}
	for _, v := range pastVerbs {
		m[v+" past"] = article.QualifierMoreThan
	}
	return m
}

// objectVerbs are the qualifier verbs whose object a count with a subject
// may be ("the Senate passed 12 bills", unlike "sales topped 10 million
// units"): there they qualify nothing.
var objectVerbs = setOf("passed", "passes", "passing")

// pastVerbs before "past" make it a qualifier ("surged past $2 trillion");
// "the past 10 years" is not one.
var pastVerbs = []string{"surged", "rose", "climbed", "jumped", "soared", "pushed", "moved", "went",
	"broke", "crept", "edged", "shot", "raced", "sailed", "sped", "zoomed", "rocketed", "rise", "climb",
	"move", "push", "go", "break", "get", "got", "gone", "risen", "climbing", "rising", "moving", "pushing",
	"weakened", "strengthened", "fell", "slid", "slipped", "dropped", "tumbled", "plunged", "sank", "dipped"}

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
	"and older": article.QualifierAtLeast, "or older": article.QualifierAtLeast,
	"or greater": article.QualifierAtLeast, "or larger": article.QualifierAtLeast, "or lower": article.QualifierAtMost,
	"or so": article.QualifierApprox, "or thereabouts": article.QualifierApprox,
	"or less": article.QualifierAtMost, "or fewer": article.QualifierAtMost,
	"or under": article.QualifierAtMost, "or below": article.QualifierAtMost,
	"and under": article.QualifierAtMost,
}

// comparativeAfter reports "more than", "fewer than" or "less than" right
// after p: "one more than the majority" counts.
func (s *scanner) comparativeAfter(p int) bool {
	w, h, ok := s.nextWordTok(p)
	if !ok || h || w.key != "more" && w.key != "fewer" && w.key != "less" {
		return false
	}
	th, h, ok := s.nextWordTok(w.e)
	return ok && !h && th.key == "than"
}

// overExtent reports "over" right before p after a verb of extent: the
// area or stretch itself, no bound ("spread over 8,200 square feet",
// "stretching over 40 km").
func (s *scanner) overExtent(p int) bool {
	ws, _, _, ok, k := s.prevKey(p)
	if !ok || k != "over" {
		return false
	}
	_, _, dot, ok, pk := s.prevKey(ws)
	return ok && !dot && extentVerbs[pk]
}

// overAfterFigure reports "over" between a figure and the parts or
// periods it is spread over, no bound: "3,413 kilometers over 21 stages",
// "averaging 168.883 mph over 200 laps", "182 players over two days",
// "2,000 jobs over five years". The figure before ends right before
// "over", or one word (its subject) before; a noun of parts or periods
// follows the number ("killed over 200 people" has no figure before, and
// "people" is no part).
func (s *scanner) overAfterFigure(f *fig) bool {
	t := s.text
	ws, _, dot, ok, k := s.prevKey(f.start)
	if !ok || dot || k != "over" || len(s.figs) == 0 || s.lastEnd > ws {
		return false
	}
	between := strings.TrimSpace(t[s.lastEnd:ws])
	if strings.ContainsAny(between, ".,;:!?()\n ") {
		return false // punctuation, or more than one word
	}
	e := f.end
	if f.unit != "" {
		return f.kind == article.KindDuration // "over two days": the span holds the unit
	}
	w, h, ok := s.nextWordTok(e)
	return ok && !h && spreadParts[w.key]
}

// spreadParts are what a figure is spread over: "over 21 stages".
var spreadParts = setOf("floors", "storeys", "stories", "lanes", "stages", "laps", "rounds", "holes", "legs", "games", "matches", "races", "sessions",
	"seasons", "innings", "episodes", "events", "nights", "days", "weeks", "months", "years", "quarters",
	"installments", "instalments", "tranches", "phases", "sites", "venues", "countries", "cities", "states")

// extentVerbs before "over" make it the extent, not more than.
var extentVerbs = setOf("spread", "spreads", "spreading", "spanning", "spans", "stretching", "stretches",
	"stretched", "sprawling", "sprawled", "scattered", "strewn", "laid", "arranged")

// motionBefore reports a verb of motion right before p: "went", "moved",
// "climbed" before "up to" make it the end of a change.
func (s *scanner) motionBefore(p int) bool {
	_, _, dot, ok, k := s.prevKey(p)
	return ok && !dot && motionVerbs[k]
}

// motionVerbs before "up to" end a change ("went up to", "moved up to").
var motionVerbs = setOf("went", "go", "goes", "going", "gone", "moved", "move", "moves", "climbed", "climb",
	"climbs", "jumped", "shot", "crept", "inched", "edged", "ticked", "rounded", "ramped", "stepped", "bumped",
	"moving", "climbing", "creeping", "creep", "inching", "edging", "edge", "edges", "ticking", "jumping",
	"topped", "scaled", "ratcheted", "built", "jacked", "cranked", "beefed", "bulked", "sped", "speeded")

// overDistance reports "over" right before the distance f that is the
// extent of an event, no bound: "won by three lengths over three miles",
// "compete over 1500m", "0.33 ounce gold over 44 feet". It is a bound
// after a word of rising or reaching ("rose over four meters", "reached
// over 100 mm") or of overBounds, and before "of" ("over 1,000 miles of
// pipeline").
func (s *scanner) overDistance(f *fig) bool {
	ws, _, _, ok, k := s.prevKey(f.start)
	if !ok || k != "over" {
		return false
	}
	if w, _, ok := s.nextWordTok(f.end); ok && w.key == "of" && !s.rateCarried(ws) {
		return false
	}
	_, _, dot, ok, pk := s.prevKey(ws)
	return ok && !dot && !overBounds[pk] && !risingVerbs[pk]
}

// rateCarried reports a data rate ending at most three words before
// "over" at ws: the distance it is carried over, no bound ("carries 800
// Gbps per wavelength over 80 km of fibre", "1 Gbps over 10 km of copper").
func (s *scanner) rateCarried(ws int) bool {
	n := len(s.figs)
	if n == 0 || s.lastEnd > ws {
		return false
	}
	g := &s.figs[n-1]
	if g.Unit != "kbps" && g.Unit != "Mbps" && g.Unit != "Gbps" {
		return false
	}
	between := s.text[s.lastEnd:ws]
	return !strings.ContainsAny(between, ".,;:!?()\n") && len(strings.Fields(between)) <= 3
}

// risingVerbs before "over" and a distance make it a bound.
var risingVerbs = setOf("rose", "rise", "rises", "rising", "risen", "reached", "reach", "reaches", "reaching",
	"climbed", "grew", "fell", "jumped", "soared", "exceeded", "measured", "measuring", "stretched", "stretching",
	"is", "was", "are", "were", "be", "been", "has", "have", "had", "total", "totalled", "totaled", "with")

// priceFrom reports a word of pricing right before "from" at p: a price
// after it with no other end (the caller's condition) is the lowest price
// ("footstools priced from £49", "fares from $99", "rooms start from €120").
func (s *scanner) priceFrom(p int) bool {
	_, _, dot, ok, k := s.prevKey(p)
	return ok && !dot && priceFromWords[k]
}

// priceFromWords before "from" make it the lowest price.
var priceFromWords = setOf("priced", "prices", "fares", "fare", "start", "starts", "starting", "rooms", "tickets",
	"available", "rates", "costing", "cost", "costs")

// timeAfterPast reports a point or span of time at p, after "past": a
// year ("past 1989") or a number of a unit of time ("past 10 years",
// "past three-year peaks"), which "past" does not bound.
func (s *scanner) timeAfterPast(p int) bool {
	t := s.text
	q := skipSp(t, p)
	e := q
	for e < len(t) && (isDigit(t[e]) || letterAt(t, e) > 0) {
		e++
	}
	w := t[q:e]
	if len(w) == 4 && (strings.HasPrefix(w, "19") || strings.HasPrefix(w, "20")) && isDigit(w[2]) && isDigit(w[3]) {
		return true
	}
	if e < len(t) && t[e] == '-' {
		e++ // "three-year"
	} else {
		e = skipSp(t, e)
	}
	u := wordEnd(t, e)
	return timeUnits[s.key(t[e:u])]
}

// timeUnits are the units of time that make "past N" the time before now.
var timeUnits = setOf("year", "years", "month", "months", "week", "weeks", "day", "days", "decade", "decades",
	"hour", "hours", "minute", "minutes", "century", "centuries", "season", "seasons", "quarter", "quarters")

// overParticle reports "over" right before p as the particle of a phrasal
// verb, no bound: "the jackpot had rolled over 11 times", "handed over 40
// documents"; and "under" after "served" or "worked".
func (s *scanner) overParticle(p int) bool {
	ws, _, _, ok, k := s.prevKey(p)
	if !ok || k != "over" && k != "under" {
		return false
	}
	_, _, dot, ok, pk := s.prevKey(ws)
	if k == "under" {
		// "served under three presidents": under whom, no bound.
		// "buried under 1.5 metres of snow": where, no bound.
		return ok && !dot && (pk == "served" || pk == "serve" || pk == "serving" || pk == "worked" || pk == "working" ||
			pk == "buried" || pk == "trapped" || pk == "submerged")
	}
	return ok && !dot && particleVerbs[pk]
}

// overPhasedIn reports "over" right before p after a verb and its
// particle "in" or "out", the period a change is spread over, no bound:
// "phased in over six months", "phasing it in over 10 years", "rolled out
// over two years" ("the first time in over a decade" has no such verb).
func (s *scanner) overPhasedIn(p int) bool {
	ws, _, _, ok, k := s.prevKey(p)
	if !ok || k != "over" {
		return false
	}
	ws, _, dot, ok, k := s.prevKey(ws)
	if !ok || dot || k != "in" && k != "out" {
		return false
	}
	ws, _, dot, ok, k = s.prevKey(ws)
	if ok && !dot && (k == "it" || k == "them") {
		_, _, dot, ok, k = s.prevKey(ws)
	}
	return ok && !dot && phaseVerbs[k]
}

// phaseVerbs take "in" or "out" before the period of a change.
var phaseVerbs = setOf("phase", "phased", "phases", "phasing", "roll", "rolled", "rolls", "rolling", "spread",
	"spreads", "spreading", "paid", "pay", "pays", "paying", "bring", "brings", "brought", "bringing")

// particleVerbs before "over" make it a particle.
var particleVerbs = setOf("rolled", "rolls", "rolling", "roll", "handed", "hands", "handing", "hand", "carried",
	"fought", "argued", "quarrelled", "squabbled", "pored", "mulled", "glossed", "turned", "turns", "turning")

// perShareAfter reports "a share" or "per share" right after p.
func (s *scanner) perShareAfter(p int) bool {
	a, _, ok := s.nextWordTok(p)
	if !ok || a.key != "a" && a.key != "per" {
		return false
	}
	b, _, ok := s.nextWordTok(a.e)
	return ok && (b.key == "share" || b.key == "unit")
}
