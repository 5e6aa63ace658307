package figures

// Scales and letters glued to the digits: "2 million", "10k", "£600m",
// "1.2m people" against "1.8m tall".

import (
	"github.com/newsflow/newsflow/pkg/article"
	"strings"
)

// scaleAfter applies a scale word after the number: "2 million", "1.5
// mln", "322 hundred", "3 dozens", "2.33 k", "1,674,200.5 M".
func (s *scanner) scaleAfter(f *fig) {
	t := s.text
	for round := 0; round < 2; round++ {
		q := skipSp(t, f.end)
		if q == f.end && q+1 < len(t) && t[q] == '-' && !f.num.word {
			q++ // wire compounds: "350-mln-dlr", "1.5-billion-dollar"
		}
		if letterAt(t, q) == 0 {
			return
		}
		we := wordEnd(t, q)
		if we < len(t) && isDigit(t[we]) {
			return // "923 M54": a model name, not a scale
		}
		w := t[q:we]
		k := s.key(w)
		var sw numWord
		var ok bool
		if sw, ok = scaleWords[k]; ok {
			if f.num.word && isWordScale(k) && round == 0 && sw.class != wDozen {
				return // the word grammar refused it ("twenty hundred thousand")
			}
		} else if sw, ok = caseScales[w]; ok {
		} else if k == "hundred" && !f.num.word && round == 0 {
			sw, ok = numWord{wScale, 100, 2}, true
		}
		if !ok && f.cur && (w == "m" || w == "mn") && (we == len(t) || t[we] != '.') {
			sw, ok = numWord{wScale, 1e6, 6}, true // "SEK 12,450 m": after an amount of money, millions
		}
		if !ok {
			return
		}
		if round == 1 && (sw.class == wDozen || sw.pow <= f.num.scalePow) {
			return
		}
		if sw.class == wDozen {
			if f.num.word {
				return
			}
			f.v = f.v.mulF(12)
		} else {
			f.v = f.v.mulPow10(sw.pow)
			f.num.scalePow += sw.pow
		}
		f.num.scaled = true
		f.end = we
		if (k == "mld" || k == "mlrd" || k == "mrd") && we < len(t) && t[we] == '.' {
			f.end = we + 1 // "8,6 mld. Kč": the abbreviation's dot
		}
	}
}

// curScales are scale letters glued to a number after a currency symbol:
// "£600m", "$1.13bn", "US$ 1MM".
var curScales = map[string]numWord{
	"m": {wScale, 1e6, 6}, "M": {wScale, 1e6, 6}, "mn": {wScale, 1e6, 6}, "MM": {wScale, 1e6, 6},
	"mln": {wScale, 1e6, 6}, "Mn": {wScale, 1e6, 6}, "mil": {wScale, 1e6, 6},
	"b": {wScale, 1e9, 9}, "B": {wScale, 1e9, 9}, "bn": {wScale, 1e9, 9}, "Bn": {wScale, 1e9, 9},
	"BN": {wScale, 1e9, 9}, "bln": {wScale, 1e9, 9},
	"k": {wScale, 1e3, 3}, "K": {wScale, 1e3, 3},
	"tn": {wScale, 1e12, 12}, "trn": {wScale, 1e12, 12}, "tln": {wScale, 1e12, 12},
}

// suffix interprets letters glued to the digits. It reports false for
// ordinals, decades, clock times and identifiers.
func (s *scanner) suffix(f *fig) bool {
	t := s.text
	sfx := f.num.sfx
	end := f.num.sfxStart + len(sfx)
	if sfx == "st" && !f.num.hasDecimal && ordinalSt(f.v.value()) {
		return false // "21st", "2,271st star"; but "13st" is 13 stone
	}
	if f.num.plain && ordinalSuffixes[sfx] && sfx != "st" {
		return false // "4th", "22nd"
	}
	if (sfx == "K" || sfx == "k") && f.num.plain {
		if w, _, ok := s.nextWordTok(end); ok && screenWords[w.key] {
			return false // "a 4K television", "8K video": a display format
		}
		if sfx == "K" && s.cueNear(f.start, end, kelvinCues) && !s.nounAfter(end) {
			// "a surface temperature estimated at between 250K and 320K":
			// kelvin, not thousands ("150K people" counts).
			f.unit, f.kind, f.end = "K", article.KindTemperature, end
			return true
		}
	}
	if sfx == "s" && s.ageGroupAt(f.num.start, end) {
		// "the over-70s", "the under-25s": an age group; the span is the
		// number, the bound its prefix.
		f.unit, f.kind, f.groupQual = "year", article.KindAge, article.QualifierMoreThan
		if t[f.num.start-1] == '-' && f.num.start >= 6 && t[f.num.start-6:f.num.start] == "under-" {
			f.groupQual = article.QualifierLessThan
		}
		return true
	}
	if s.decimalSeconds(f) {
		f.unit, f.kind, f.end = "s", article.KindDuration, end // "+0.347s" (sport.go)
		return true
	}
	switch sfx {
	case "s", "S", "am", "pm", "AM", "PM", "a", "p":
		if sfx == "p" && !f.num.hasDecimal && !f.num.plain {
			break
		}
		if sfx == "p" {
			// "50p", "27.5p": pence.
			f.unit, f.kind, f.end = "pence", article.KindMoney, end
			return true
		}
		return false
	}
	if f.cur {
		if sc, ok := curScales[sfx]; ok {
			f.v = f.v.mulPow10(sc.pow)
			f.num.scaled, f.num.scalePow, f.end = true, sc.pow, end
			return true
		}
	}
	if (sfx == "B" || sfx == "M") && f.num.plain && !f.cur && (f.num.ndigits == 1 || s.afterCapitalised(f.start)) {
		// Without a currency, a capital glued to one digit or after a
		// name is a code: "3M", "Insat 1B", "a Long March 5B rocket",
		// "the 3B line". "10M", "1.5B" and "$5B" are scaled.
		return false
	}
	if sfx == "′" && !f.num.hasDecimal && f.v.value() <= 130 && !primeAt(t, end) && s.minuteMark(f, end) {
		return false // "equalising in the 89′", "a 23′ opener": a minute of the match
	}
	if sfx == "x" && !f.cur && (end == len(t) || !isDigit(t[end]) && letterAt(t, end) == 0) {
		f.end = end // "a 40x return", "10x zoom": a multiple, unitless ("4x4" is a name)
		return true
	}
	if (sfx == "k" || sfx == "K") && f.num.plain && !f.cur && s.raceK(f, end) {
		f.unit, f.kind, f.end = "km", article.KindDistance, end // "the charity 5k", "ran a 10k"
		return true
	}
	if sc, ok := attachedScales[sfx]; ok {
		f.v = f.v.mulPow10(sc.pow)
		f.num.scaled, f.num.scalePow, f.end = true, sc.pow, end
		return true
	}
	if sfx == "m" && !f.cur && furlongsAt(t, end) {
		f.unit, f.kind, f.end = "mi", article.KindDistance, end // "over 3m 2f": miles and furlongs
		return true
	}
	if sfx == "m" && (s.millionNext(end) || s.millionBefore(f.start, end) || s.scaleAfterCurrencyRange(f)) {
		f.v = f.v.mulPow10(6)
		f.num.scaled, f.num.scalePow, f.end = true, 6, end
		return true
	}
	u, ok := attachedUnits[sfx]
	if !ok && len(sfx) > 1 {
		if k := lowerKey(s.kbuf[:0:cap(s.kbuf)], sfx); k != nil {
			u, ok = attachedUnits[string(k)]
		}
	}
	if !ok {
		return false
	}
	if f.cur && u.kind != article.KindMoney {
		return false
	}
	// Single capitals glued to integers are codes more often than units:
	// "Insat 1C", "732L" (a low in a price table). A sign makes C and F
	// temperatures ("minus 196C", "-5F"); so do weather words near.
	if (sfx == "C" || sfx == "F" || sfx == "L") && !f.num.hasDecimal {
		if sfx == "L" || !f.signed && !s.cueNear(f.start, end, tempCues) {
			return false
		}
	}
	if !f.cur {
		f.unit, f.kind, f.uflags = u.unit, u.kind, u.flags
		if u.flags&fDegrees != 0 {
			f.kind = s.degreesKind(f.start, end)
		}
	}
	f.end = end
	_ = t
	return true
}

// raceK reports a "k" glued to a small whole number ending at end that
// names a running race in kilometres: a race noun after it ("a 5k run",
// "the 10k route") or a word of running before it, alone or before an
// article ("the charity 5k", "ran a 10k"); "raised 5k for charity" and
// "5k here already" are thousands.
func (s *scanner) raceK(f *fig, end int) bool {
	if v := f.v.value(); v < 1 || v > 100 || f.num.hasDecimal {
		return false
	}
	if w, h, ok := s.nextWordTok(end); ok && !h && raceKNouns[w.key] {
		return true
	}
	ws, _, dot, ok, k := s.prevKey(f.start)
	if !ok || dot {
		return false
	}
	if raceKCues[k] {
		return true
	}
	if k == "a" || k == "the" || k == "her" || k == "his" || k == "my" || k == "their" || k == "first" {
		_, _, dot, ok, pk := s.prevKey(ws)
		return ok && !dot && raceKCues[pk]
	}
	return false
}

// raceKNouns after "5k" and raceKCues before it make it a race in
// kilometres.
var (
	raceKNouns = setOf("run", "runs", "race", "races", "route", "course", "fun", "walk", "challenge", "trail",
		"parkrun", "time", "personal", "pb")
	raceKCues = setOf("charity", "ran", "run", "runs", "running", "fun", "park", "parkrun", "virtual",
		"annual", "sponsored", "completed", "finished", "jog", "jogged", "walked")
)

// furlongsAt reports a number of furlongs glued to "f" after a space at p:
// "3m 2f", "1m 4f" are a race's distance in miles and furlongs.
func furlongsAt(t string, p int) bool {
	q := skipSp(t, p)
	if q == p || q >= len(t) || !isDigit(t[q]) {
		return false
	}
	e := q
	for e < len(t) && isDigit(t[e]) {
		e++
	}
	return e-q <= 1 && e < len(t) && t[e] == 'f' && (e+1 == len(t) || letterAt(t, e+1) == 0)
}

// millionNext reports whether "m" glued to a number means million, from the
// words that follow: a currency, a unit other than a distance, or a plural
// noun within the next three words ("2.5m people", "1.2m postal votes",
// "2.1m season tickets", "4m unemployed", "1.1m more") make it million; a
// stop word, a sports event, punctuation or nothing first make it metres
// ("1.8m tall", "a 12m whale washed up", "the 400m", "60m hurdles").
func (s *scanner) millionNext(p int) bool {
	t := s.text
	if p+1 < len(t) && t[p] == '-' && letterAt(t, p+1) > 0 {
		// "a 2.1m-strong audience": a count compound; "a 1.1m-square-foot
		// warehouse": an area of millions.
		k := s.key(t[p+1 : wordEnd(t, p+1)])
		return millionNouns[k] || k == "square" || k == "sq" || k == "cubic"
	}
	q := skipSp(t, p)
	if q > p && q < len(t) && isDigit(t[q]) {
		return s.countedCodeAfter(q) // "answered 11.2m 999 calls", "2.4m 4G subscribers"
	}
	for words := 0; words < 3; words++ {
		if q == p || letterAt(t, q) == 0 {
			return false
		}
		e := wordEndHyph(t, q) // "low-income households"
		w := t[q:e]
		k := s.key(w)
		switch {
		case words == 0 && (k == "times" || k == "time") && s.countVerbBefore(p):
			return true // "streamed 1.4m times"
		case metreEvents[k]:
			return false // "the 200m freestyle", "60m hurdles"
		case audienceNouns[k]:
			return true // "a 9m audience" (sport.go)
		case words == 0 && lengthLabels[k]:
			return false // "8m waves", "a 3m drop": what a length measures
		case words == 0 && (countComparatives[k] || countParticiples[k]):
			return true // "1.1m more", "2m fewer", "4.6m sold"
		case words == 0 && (k == "sq" || k == "square" || k == "cubic"):
			return true // "a 1.2m sq ft warehouse": an area or a volume, of millions
		case words == 0 && millionOfNouns[k] && s.earlierMillion(wordStart(t, p)):
			return true // "62.3m tonnes of coal, short of its 80m target"
		case words == 0 && k == "of":
			return s.ofPeopleAfter(e) // "2.1m of the victims", "3m of them"
		case measuredObjects[k]:
			return false // "the 2.7m ice core contains": what a length measures
		}
		if u, ok := unitPhrases[k]; ok {
			return u.kind != article.KindDistance // "110m tons", "1.8m dollars"
		}
		if words > 0 && isCapitalized(w) {
			return false // "the 100m champion Kim Collins"
		}
		if isPluralWord(k, w) || millionNouns[k] {
			return true
		}
		if subjectStops[k] || !spaceFollows(t, e) {
			return false
		}
		p = e
		q = skipSp(t, e)
	}
	return false
}

// countedCodeAfter reports a code written in digits at q, a whole number
// or digits with capitals glued ("999", "4G"), then a plural noun that is
// no unit: a number before it makes a count of millions of the things the
// code names ("11.2m 999 calls", "2.4m 4G subscribers"). A length is
// hardly ever followed by a second number and a plural noun this way;
// "cleared 2.1m 3 times" counts times, a word of metres' events, and a
// unit after the digits ("1.5m 20 metres") is a second measure.
func (s *scanner) countedCodeAfter(q int) bool {
	t := s.text
	e := q
	for e < len(t) && isDigit(t[e]) {
		e++
	}
	for e < len(t) && t[e] >= 'A' && t[e] <= 'Z' {
		e++
	}
	if e == len(t) || t[e] != ' ' {
		return false // "1.2m 2,000": a second figure, "3m 2f"
	}
	w, h, ok := s.nextWordTok(e)
	if !ok || h || metreEvents[w.key] {
		return false
	}
	if _, unit := unitPhrases[w.key]; unit {
		return false
	}
	return isPluralWord(w.key, t[w.s:w.e])
}

// spaceFollows reports whether the word ending at e is followed by a space
// (the noun phrase goes on), not by punctuation.
func spaceFollows(t string, e int) bool { return e < len(t) && spaceAt(t, e) > 0 }

// countComparatives right after "Nm" make it a count: "1.1m more".
var countComparatives = setOf("more", "fewer", "extra", "additional", "new", "others")

// millionNouns are collective nouns without "-s" that follow a number of
// millions: "4m unemployed", "2m elderly".
var millionNouns = setOf("unemployed", "jobless", "homeless", "displaced", "uninsured", "elderly",
	"strong", "poor", "vulnerable", "visitor", "member", "subscriber", "customer", "passenger", "user",
	"viewer", "signature", "vote", "job", "barrel", "tonne", "ton")

// metreEvents follow a distance in metres in sports copy.
var metreEvents = setOf("hurdles", "freestyle", "backstroke", "breaststroke", "butterfly", "medley",
	"relay", "relays", "events", "event", "race", "races", "sprint", "sprints", "final", "finals",
	"heats", "title", "titles", "record", "records", "dash", "run", "runs", "steeplechase", "individual",
	"champion", "champions", "championship", "championships", "qualifying", "gold", "silver", "bronze",
	"medal", "medals", "medallist", "medalist", "specialist", "runner", "runners", "sprinter",
	"swimmer", "swim", "backstroker", "time", "times", "personal", "world", "olympic", "mark")

// ordinalSt reports whether "st" after v makes an ordinal: 1st, 21st, 101st,
// not 11st or 13st.
func ordinalSt(v float64) bool {
	n := int64(v)
	return n%10 == 1 && n%100 != 11
}

// screenWords after "4K" or "8K" make it a display format, not 4,000.
var screenWords = setOf("tv", "tvs", "television", "televisions", "screen", "screens", "video", "videos",
	"resolution", "display", "displays", "monitor", "monitors", "footage", "ultra", "hdr", "camera",
	"streaming", "blu-ray", "blu", "uhd", "oled", "projector", "remaster", "remastered")

// kelvinCues near a number glued to a capital K make it kelvin.
var kelvinCues = setOf("temperature", "temperatures", "kelvin", "cooled", "heated", "cryogenic", "thermal")

// countVerbBefore reports a verb of counting before the number whose "m"
// ends at p: "streamed 1.4m times", "viewed 2m times".
func (s *scanner) countVerbBefore(p int) bool {
	ws := wordStart(s.text, p) // the number and its "m"
	return s.cueBefore(ws, countVerbs, 2)
}

// countVerbs before "Nm times" make the m millions.
var countVerbs = setOf("streamed", "viewed", "watched", "played", "downloaded", "shared", "clicked",
	"retweeted", "searched", "visited", "liked", "listened", "read", "used", "called", "installed")

// afterCapitalised reports a capitalised word right before position p
// that does not open its sentence.
func (s *scanner) afterCapitalised(p int) bool {
	ws, we, dot, ok := prevWord(s.text, p)
	if !ok || dot || !isCapitalized(s.text[ws:we]) {
		return false
	}
	q := skipSpBack(s.text, ws)
	return q > 0 && s.text[q-1] != '.' && s.text[q-1] != '\n'
}

// millionBefore reports a glued "m" with nothing after it that the words
// before make a million: a count noun and "of" right before ("a
// television audience of 1.2m.", "a target of 5m"), or "from" or
// "against" after an earlier "Nm" or "N million" of the same sentence read
// as millions ("2.4m tonnes of wheat, up from 1.9m last year", "streamed
// 21.6 million times, up from 14m for its first season"). A length is measured:
// "a depth of 3m", "a storm surge of up to 3m", "a 40m-wide road" stay
// metres.
func (s *scanner) millionBefore(start, end int) bool {
	t := s.text
	if end < len(t) && t[end] == '-' {
		return false // "a 40m-wide road", "the 2.5m-high stopbank"
	}
	if w, _, ok := s.nextWordTok(end); ok && !(w.key == "last" || w.key == "a" || w.key == "in" || w.key == "this" || w.key == "for" || w.key == "at" || w.key == "on") {
		if q := skipSp(t, end); q < len(t) && letterAt(t, q) > 0 {
			return false // words follow: millionNext decided
		}
	}
	if q := skipSpBack(t, start) - 1; q >= 0 {
		switch t[q] {
		case '(':
			return s.earlierMillion(start) // "2.4m tonnes (2.1m)"
		case ':':
			// A label: "Population: 67.6m", "(2024: 0.9m)" after "1.2m";
			// "Height: 2.1m" is a length.
			if q > 0 && isDigit(t[q-1]) {
				return s.earlierMillion(start) // "(2024: 0.9m)"
			}
			_, _, _, ok, lk := s.prevKey(q)
			return ok && !lengthLabels[lk]
		}
	}
	ws, _, dot, ok, k := s.prevKey(start)
	if ok && !dot && k == "of" {
		if _, _, dot, ok, pk := s.prevKey(ws); ok && !dot && millionOfNouns[pk] {
			return true
		}
	}
	if ok && !dot && k == "by" {
		if _, _, dot, ok, pk := s.prevKey(ws); ok && !dot && (countParticiples[pk] || countVerbs[pk]) {
			return true // "watched by 9.4m", "used by 2m": the people counted
		}
	}
	if s.howManyAnswer(start) {
		return true // "How many people live there? About 4.2m."
	}
	if ok && !dot && s.countReached(ws, k) {
		return true // "Shipments reached 1.1m in the quarter", "the number of people waiting rose to 1.6m."
	}
	if !ok || dot || (k != "from" && k != "against" && k != "versus" && k != "vs") {
		return false // "a storm surge of up to 3m" after "1.2m people": metres
	}
	return s.earlierMillion(start)
}

// ofPeopleAfter reports "of" (ending at p) before a determiner or pronoun and
// a plural noun that is no unit: "2.1m of the victims", "3m of them",
// "1.2m of its customers"; "200m of the wall" and "2m of snow" stay metres.
func (s *scanner) ofPeopleAfter(p int) bool {
	w, h, ok := s.nextWordTok(p)
	if !ok || h {
		return false
	}
	switch w.key {
	case "them", "whom":
		return true
	case "the", "its", "their", "these", "those", "our", "his", "her":
	default:
		return false
	}
	q := w.e
	for n := 0; n < 3; n++ {
		x, h, ok := s.nextWordTok(q)
		if !ok || h {
			return false
		}
		if _, unit := unitPhrases[x.key]; unit || lengthLabels[x.key] {
			return false
		}
		if isPluralWord(x.key, s.text[x.s:x.e]) {
			return true
		}
		if subjectStops[x.key] || !spaceFollows(s.text, x.e) {
			return false
		}
		q = x.e
	}
	return false
}

// countReached reports a glued "m" after a verb of reaching ("reached",
// "hit", "rose to", "fell to"; k is the word before the number, ws its
// start) whose subject, in the verb's own clause, is counted: "Global
// shipments reached 1.1m in the quarter", "The number of people waiting
// rose to 1.6m." "The water rose to 1.6m" stays metres, and so does "About
// 1.5m people left as floodwater reached 1.5m" (the people are another
// clause's subject).
func (s *scanner) countReached(ws int, k string) bool {
	if k == "to" {
		vs, _, dot, ok, vk := s.prevKey(ws)
		if !ok || dot || !risingToVerbs[vk] {
			return false
		}
		ws = vs
	} else if !reachVerbs[k] {
		return false
	}
	return (s.clauseCueBefore(ws, countSubjects, 12) || s.clauseCueBefore(ws, audienceSubjects, 12)) && !s.cueBefore(ws, lengthLabels, 12)
}

// reachVerbs before a bare "Nm" and risingToVerbs before "to Nm" reach a
// level (see countReached).
var reachVerbs = setOf("reached", "hit", "topped", "reaching", "reaches", "totalled", "totaled", "numbered")
var risingToVerbs = setOf("rose", "fell", "climbed", "grew", "jumped", "dropped", "increased", "decreased",
	"risen", "fallen", "surged", "soared", "slipped", "declined", "swelled", "shrank", "rising", "falling")

// countSubjects in the subject of a verb of reaching make its "Nm" a count.
var countSubjects = setOf("number", "shipments", "sales", "users", "subscribers", "downloads", "visitors",
	"viewers", "audience", "deliveries", "registrations", "cases", "infections", "patients", "people",
	"members", "membership", "passengers", "customers", "applications", "claims", "listeners", "readers",
	"followers", "households", "students", "applicants", "arrivals", "admissions", "sign-ups", "signups",
	"installations", "vehicles", "jobs", "votes", "signatures", "subscriptions", "accounts", "tourists")

// measuredObjects are things whose size is written "Nm": "a 2.7m ice core",
// "the 39m mirror".
var measuredObjects = setOf("core", "mirror", "telescope", "dish", "antenna", "tower", "mast", "statue",
	"sculpture", "wall", "yacht", "crater", "sinkhole", "shaft", "borehole", "obelisk", "boulder", "tsunami")

// howManyAnswer reports a number in the sentence right after a question
// that asks "how many": the answer of an explainer box or a Q&A ("How many
// people live in the city? About 4.2m.") counts.
func (s *scanner) howManyAnswer(start int) bool {
	t := s.text
	j := start
	for lim := max(0, start-60); j > lim; j-- {
		if c := t[j-1]; c == '.' || c == '!' || c == '?' || c == '\n' {
			break
		}
	}
	q := skipSpBack(t, j)
	if q == 0 || t[q-1] != '?' {
		return false
	}
	a := q - 1
	for lim := max(0, q-200); a > lim; a-- {
		if c := t[a-1]; c == '.' || c == '!' || c == '?' || c == '\n' {
			break
		}
	}
	return strings.Contains(strings.ToLower(t[a:q]), "how many")
}

// earlierMillion reports an "Nm" or "N million" read as millions earlier in
// the sentence of start.
func (s *scanner) earlierMillion(start int) bool {
	sent := s.sentenceOf(start)
	for i := len(s.figs) - 1; i >= 0; i-- {
		g := &s.figs[i]
		if g.Sentence != sent {
			break
		}
		if millionText(g.Text) && g.Value >= 1e5 && g.Unit != "m" {
			return true
		}
	}
	return false
}

// millionText reports a figure's text that writes its millions "m" glued
// to the number or "million" ("2.4m", "62.3m tonnes", "21.6 million times").
func millionText(text string) bool {
	if strings.Contains(text, " million") {
		return true
	}
	for i := 1; i < len(text); i++ {
		if text[i] == 'm' && isDigit(text[i-1]) && (i+1 == len(text) || !isASCIILetter(text[i+1])) {
			return true
		}
	}
	return false
}

// lengthLabels before "<label>: Nm" measure a length: "Height: 2.1m".
var lengthLabels = setOf("height", "depth", "length", "width", "distance", "span", "diameter",
	"altitude", "elevation", "range", "swell", "surge", "waves", "wave", "jump", "throw", "drop", "fall",
	"rise", "draught", "draft", "beam", "radius", "clearance", "wingspan", "tall", "deep", "long", "wide")

// countParticiples right after "Nm" count things: "4.6m sold".
var countParticiples = setOf("sold", "shipped", "registered", "vaccinated", "affected", "employed",
	"delivered", "produced", "downloaded", "viewed", "watched", "issued", "printed", "signed", "cast",
	"counted", "received", "collected", "served", "insured", "enrolled", "evacuated", "infected")

// millionOfNouns before "of Nm" count people or things: "an audience of
// 1.2m", "a target of 5m", "a population of 8.9m".
var millionOfNouns = setOf("audience", "target", "population", "crowd", "total", "tally", "turnout",
	"circulation", "readership", "membership", "viewership", "backlog", "shortfall", "goal")

// minuteMark reports a football cue around a number glued to a prime: the
// minute of a match ("in the 89′", "a 23′ opener"), not feet.
func (s *scanner) minuteMark(f *fig, end int) bool {
	if w, _, ok := s.nextWordTok(end); ok && matchCues[w.key] {
		return true
	}
	return s.cueBefore(f.start, matchCues, 6)
}

// matchCues are the football words that make "N′" a minute of the match.
var matchCues = setOf("opener", "equaliser", "equalizer", "equalising", "equalizing", "goal", "goals", "penalty",
	"header", "winner", "scored", "scoring", "scores", "netted", "strike", "free-kick", "sent", "booked",
	"substituted", "minute", "kick-off", "stoppage")
