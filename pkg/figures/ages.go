package figures

// Ages: "27-year-old" and "five years old" are units (units.go); here the
// ages that words around a bare number make: "aged 27", "aged over 65",
// "voters over 65", "children under five", "The president, 78, said".
// Their unit is year (or the duration written: "babies under six months").

import (
	"math"
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// age makes the figure an age when the words around it say so.
func (s *scanner) age(f *fig) {
	if f.cur || f.signed || f.num.scaled {
		return
	}
	if f.unit == "" {
		s.ageBefore(f)
	}
	if f.kind == article.KindAge {
		return
	}
	switch {
	case f.unit == "" && s.isAgeValue(f) && s.peopleAndOlder(f):
		f.unit, f.kind = "year", article.KindAge // "adults 75 and older"
	case f.unit == "" && s.isAgeValue(f) && s.beAndOlder(f):
		f.unit, f.kind = "year", article.KindAge // "users must be 18 or older"
	case f.unit == "" && s.isAgeValue(f) && s.ageLabel(f):
		f.unit, f.kind, f.groupQual = "year", article.KindAge, article.QualifierAtLeast // "labelled 14+"
	case f.unit == "" && s.isAgeValue(f) && s.personOverUnder(f.start, true) && !s.nounAfter(f.end):
		f.unit, f.kind = "year", article.KindAge
	case f.unit == "" && s.isAgeValue(f) && s.legalAge(f) && !s.nounAfter(f.end):
		f.unit, f.kind = "year", article.KindAge // "players must be at least 18"
	case f.unit == "" && s.isAgeValue(f) && s.youngerOlder(f.start) && !s.nounAfter(f.end):
		f.unit, f.kind = "year", article.KindAge // "18% of the population is younger than 15"
	case f.kind == article.KindDuration && f.unit == "year" && s.cueBefore(f.start, ageCues, 5):
		f.kind = article.KindAge // "the median age has risen to 48.6 years"
	case f.unit == "" && f.v.value() >= 1 && f.v.value() < 130 && !f.num.word && s.cueBefore(f.start, ageCues, 6) && !s.nounAfter(f.end) &&
		(f.end == len(s.text) || s.text[f.end] != '-') && !s.ratioNext(f.end):
		f.unit, f.kind = "year", article.KindAge // "the state pension age will rise from 66 to 67", "the average age at marriage rose to 35.8"
	case f.kind == article.KindDuration && f.unit == "year" && s.atLifeEvent(f):
		f.kind = article.KindAge // "became the first Filipino to hold a belt at 19 years and 4 months"
	case f.kind == article.KindDuration && (f.unit == "month" || f.unit == "week" || f.unit == "day") && s.ageGoesOn(f):
		f.kind = article.KindAge // "62 years and nine months", "at 12 years, 4 months and 25 days"
	case f.kind == article.KindDuration && ageUnits[f.unit] && s.personOverUnder(f.start, false) && !s.overAfterFigure(f):
		f.kind = article.KindAge // "babies under six months"
	case f.unit == "" && s.isAgeValue(f) && s.ageCompound(f):
		// "the under-five category", "the over-50 demographic"
	case f.unit == "" && s.isAgeValue(f) && s.appositive(f):
		f.unit, f.kind = "year", article.KindAge
	case f.unit == "" && s.isAgeValue(f) && s.personOf(f):
		f.unit, f.kind = "year", article.KindAge
	}
}

var ageUnits = setOf("year", "month", "week", "day")

// isAgeValue reports a whole number that can be an age in years.
func (s *scanner) isAgeValue(f *fig) bool {
	v := f.v.value()
	return v >= 1 && v < 130 && v == math.Trunc(v) && !f.num.hasDecimal
}

// ageBefore reads "aged 27", "age 87" and "aged over 65", "aged between
// 45 and 64" (the qualifier word stays out of the span).
func (s *scanner) ageBefore(f *fig) {
	t := s.text
	ws, _, dot, ok, k := s.prevKey(f.start)
	if !ok || dot {
		return
	}
	start := ws
	switch k {
	case "aged", "age":
	case "to", "of", "at":
		// "lowers the voting age to 16", "the age of 16"
		a, b, dot, ok := prevWord(t, ws)
		if !ok || dot || !ageCues[s.key(t[a:b])] {
			return
		}
		start = f.start
	case "over", "under", "between", "from", "above", "below":
		a, b, dot, ok := prevWord(t, ws)
		if !ok || dot || s.key(t[a:b]) != "aged" {
			return
		}
		start = f.start
	default:
		return
	}
	if s.isAgeValue(f) {
		f.start, f.unit, f.kind = start, "year", article.KindAge
	}
}

// ageNouns are people that "over 65" and "under five" give an age to.
var ageNouns = setOf("people", "persons", "voters", "adults", "children", "kids", "women", "men", "those", "player",
	"anyone", "anybody", "everyone", "everybody", "someone", "nobody", "patients", "residents", "workers",
	"drivers", "pupils", "students", "teenagers", "teens", "girls", "boys", "babies", "infants",
	"youngsters", "pensioners", "individuals", "employees", "players", "citizens", "americans",
	"britons", "applicants", "customers", "passengers", "smokers", "users", "viewers", "travellers",
	"travelers", "child", "adult", "person", "woman", "man", "girl", "boy", "baby", "infant", "youths",
	"respondents", "participants", "volunteers", "immigrants", "migrants", "refugees", "ones", "puppies",
	"kittens", "dogs", "cats", "pets", "animals", "horses", "electors", "pilgrims", "members", "retirees",
	"seniors", "motorists", "borrowers", "savers", "claimants", "recipients", "beneficiaries")

// personOverUnder reports "over" or "under" before p with a word for
// people before it: "voters over 65", "children under five"; with roles,
// also a person by role, singular or plural, before "over" or "under":
// "the only swimmer under 20", "members under 21" (for a bare number only:
// "the captain over 12 years" may be a tenure).
func (s *scanner) personOverUnder(p int, roles bool) bool {
	t := s.text
	ws, _, dot, ok, k := s.prevKey(p)
	if !ok || dot {
		return false
	}
	switch k {
	case "over", "under", "above", "below":
	default:
		return false
	}
	a, b, dot, ok := prevWord(t, ws)
	if !ok || dot {
		return false
	}
	if roles && (k == "over" || k == "under") {
		w := strings.ToLower(t[a:b])
		one := strings.TrimSuffix(w, "s")
		if appositiveNouns[w] || appositiveNouns[one] || one == "member" {
			return true
		}
	}
	if k := s.key(t[a:b]); ageNouns[k] {
		return true
	} else if k == "or" || k == "and" {
		// "waived for those under 18 or over 70": the other bound of an age.
		n := len(s.figs)
		return n > 0 && s.figs[n-1].Kind == article.KindAge && skipSpBack(t, a) == s.figs[n-1].End
	}
	return false
}

// legalAge reports an age of consent or of majority after "be" and a
// bound: "players must be at least 18", "requires punters to be over 18".
func (s *scanner) legalAge(f *fig) bool {
	v := f.v.value()
	if v < 12 || v > 25 {
		return false
	}
	ws, _, dot, ok, k := s.prevKey(f.start)
	if !ok || dot {
		return false
	}
	// A bound is needed: "will be 12 more people", "would be 12 or 13
	// minutes" are no ages.
	switch k {
	case "over", "under", "above":
		ws, _, dot, ok, k = s.prevKey(ws)
	case "least":
		if ws, _, dot, ok, k = s.prevKey(ws); !ok || dot || k != "at" {
			return false
		}
		ws, _, dot, ok, k = s.prevKey(ws)
	default:
		return false
	}
	if !ok || dot || k != "be" {
		return false
	}
	_, _, dot, ok, k = s.prevKey(ws)
	if ok && !dot && (k == "and" || k == "or") {
		// "must have a body mass index of 18.5 or above and be at least
		// 16": the modal governs both verbs.
		return s.cueBefore(ws, legalModals, 12)
	}
	return ok && !dot && legalModals[k]
}

// legalModals before "be over 18" make it a rule about age.
var legalModals = setOf("must", "to", "should", "will", "would")

// nounAfter reports a word other than a stop word right after p ("over 65
// countries" counts countries).
func (s *scanner) nounAfter(p int) bool {
	w, h, ok := s.nextWordTok(p)
	if !ok || h {
		return false
	}
	return !subjectStops[w.key] && isPluralWord(w.key, s.text[w.s:w.e])
}

// appositiveNouns before ", 78," make it an age.
var appositiveNouns = setOf("president", "premier", "minister", "chancellor", "leader", "senator",
	"governor", "mayor", "chairman", "chairwoman", "chair", "chief", "executive", "founder", "owner",
	"boss", "manager", "coach", "player", "striker", "midfielder", "defender", "goalkeeper", "captain",
	"singer", "actor", "actress", "star", "artist", "writer", "author", "director", "producer", "presenter",
	"host", "comedian", "musician", "rapper", "model", "designer", "driver", "pilot", "passenger",
	"victim", "suspect", "defendant", "accused", "man", "woman", "boy", "girl", "child", "teenager",
	"mother", "father", "son", "daughter", "husband", "wife", "partner", "brother", "sister",
	"grandmother", "grandfather", "grandson", "granddaughter", "uncle", "aunt", "nephew", "niece",
	"cousin", "friend", "neighbour", "neighbor", "teacher", "nurse", "doctor", "officer", "soldier",
	"student", "pupil", "worker", "farmer", "businessman", "businesswoman", "entrepreneur",
	"billionaire", "millionaire", "heir", "monarch", "king", "queen", "prince", "princess", "pope",
	"bishop", "priest", "survivor", "witness", "resident", "mp", "spokesman", "spokeswoman", "lawyer",
	"judge", "veteran", "widow", "widower", "pensioner", "fan", "climber", "swimmer", "runner",
	"cyclist", "champion", "winner", "candidate", "rival", "mum", "dad", "grandmother", "grandad",
	"compatriot", "teammate", "mate", "colleague", "buyer", "seller", "tenant", "landlord", "opponent",
	"athlete", "skipper", "batsman", "bowler", "jockey", "boxer", "golfer", "rider", "sprinter", "patient",
	"mother-of-two", "father-of-two", "guard", "forward", "centre", "center", "quarterback", "pitcher",
	"catcher", "winger", "fullback", "outfielder", "linebacker", "receiver", "playmaker", "keeper", "groom",
	"bride", "fiance", "fiancee", "grandmaster", "gamer", "streamer", "inmate", "prisoner",
	"astronaut", "cosmonaut", "laureate", "surgeon", "professor", "scientist", "physician", "geologist")

// appositive reports an age written between commas after a person: "The
// president, 78, said", "John Smith, 52, of Bristol", "Mr Biden, now 81,",
// "Jones, who is 58,", "Sanchez, who turned 40 in March,",
// or in brackets after a full name, "John Smith (52)":
// a bare number of at most three digits after ", " (and "now" or "then")
// following a name or a word for a person, and before a comma, bracket,
// semicolon or the sentence end.
func (s *scanner) appositive(f *fig) bool {
	t := s.text
	n := f.num
	if f.start != n.start || f.end != n.end {
		return false
	}
	// Digits, or a number in words after "who is" ("Her son, who is
	// seven,"): between bare commas a word number is a count ("the
	// others, seven, ...").
	if n.word && s.whoIs(f.start) == f.start || !n.word && (!n.plain || n.ndigits > 3) {
		return false
	}
	e := f.end
	if e < len(t) && t[e] == ',' {
		if q := skipSp(t, e+1); q < len(t) && isDigit(t[q]) {
			return false // a list: "3, 4, 5"
		}
	}
	closed := clauseEnd(t, e)
	p := f.start
	if p > 0 && t[p-1] == '(' && e < len(t) && t[e] == ')' {
		// "John Smith (52)": a first and a last name before the bracket.
		ws, we, dot, ok := prevWord(t, p-1)
		if !ok || dot || we != p-2 || !isCapitalized(t[ws:we]) {
			return false
		}
		if appositiveNouns[s.key(t[ws:we])] {
			return true
		}
		a, b, dot, ok := prevWord(t, ws)
		if !ok || dot {
			return false
		}
		if isCapitalized(t[a:b]) {
			return !months[s.key(t[a:b])]
		}
		// A first name alone: after a word for a relative or a person
		// ("and his brother Piotr (38)"), or after "and" and a bracketed
		// age ("Tomasz Nowak (41) and Piotr (38)").
		pk := s.key(t[a:b])
		return kinNouns[pk] || appositiveNouns[pk] || pk == "and" && s.bracketedAgeBefore(f.start)
	}
	plural := false // "its founders, both 23,"
	if ws, we, dot, ok := prevWord(t, p); ok && !dot {
		switch s.key(t[ws:we]) {
		case "now", "then":
			p = ws // "Mr Biden, now 81,"
		case "both", "all":
			p, plural = ws, true
		}
	}
	q := s.whoIs(p)
	who := q < p // "who" names a person: a sentence may start with the name
	p = q
	// After "who is" the clause may go on: "Sanchez, who turned 40 in
	// March," (not "who scored 40 points"); not after a number in words,
	// which is a pronoun as often ("Carson, who was one of the best-loved").
	if !closed && !(who && !n.word && !s.nounAfter(e)) {
		return false
	}
	if p < 2 || t[p-2:p] != ", " {
		return false
	}
	if who && !n.word && (s.turned(f.start) || strings.HasPrefix(t[e:], " at the time")) {
		return true // "The astronaut, who turned 60 aboard", "The boy, now 17, who was 15 at the time,"
	}
	ws, we, dot, ok := prevWord(t, p-2)
	if !ok || dot || we != p-2 {
		return false
	}
	w := t[ws:we]
	k := s.key(w)
	if plural {
		k, _ = strings.CutSuffix(k, "s")
		return appositiveNouns[k] || personSuffix(k)
	}
	if appositiveNouns[k] || personSuffix(w) {
		return true
	}
	if s.personOfBefore(ws) {
		return true // "The Nobel laureate in medicine, 68, said", "the minister of health, 54,"
	}
	return isCapitalized(w) && !months[k] && !weekdays[k] && (who || !sentenceStartBefore(t, ws) || s.nameOpensSentence(w, f.end)) &&
		letterBefore(t, ws) == 0
}

// bracketedAgeBefore reports an age in brackets ("Nowak (41)") earlier in
// the sentence of p, the last figure before it.
func (s *scanner) bracketedAgeBefore(p int) bool {
	n := len(s.figs)
	if n == 0 {
		return false
	}
	g := &s.figs[n-1]
	return g.Kind == article.KindAge && g.Start > 0 && s.text[g.Start-1] == '(' && g.End < len(s.text) && s.text[g.End] == ')' &&
		s.sentenceOf(g.Start) == s.sentenceOf(p)
}

// personOfBefore reports a word for a person and "in", "of" or "for" before
// the lower-case word (one or two) that starts at ws: "the laureate in
// medicine", "the professor of particle physics", "the minister for
// health" before ", 68,".
func (s *scanner) personOfBefore(ws int) bool {
	t := s.text
	for n := 0; n < 2; n++ {
		if !(t[ws] >= 'a' && t[ws] <= 'z') {
			return false
		}
		a, b, dot, ok := prevWord(t, ws)
		if !ok || dot || b+1 != ws {
			return false
		}
		k := s.key(t[a:b])
		if k == "in" || k == "of" || k == "for" {
			c, d, dot, ok := prevWord(t, a)
			if !ok || dot || d+1 != a {
				return false
			}
			w := t[c:d]
			return appositiveNouns[s.key(w)] && !kinNouns[s.key(w)] || personSuffix(w)
		}
		ws = a
	}
	return false
}

// turned reports "turned" or "turns" right before p: after "who" it gives
// an age whatever names the person.
func (s *scanner) turned(p int) bool {
	ws, we, dot, ok := prevWord(s.text, p)
	if !ok || dot {
		return false
	}
	k := s.key(s.text[ws:we])
	return k == "turned" || k == "turns"
}

// whoIs returns where "who is" (was, turns, turned) ends at p starts, or p:
// the relative clause of an appositive age, "Jones, who is 58, has run".
func (s *scanner) whoIs(p int) int {
	ws, we, dot, ok := prevWord(s.text, p)
	if !ok || dot {
		return p
	}
	switch s.key(s.text[ws:we]) {
	case "is", "was", "turns", "turned":
	default:
		return p
	}
	a, b, dot, ok := prevWord(s.text, ws)
	if !ok || dot || s.key(s.text[a:b]) != "who" {
		return p
	}
	return a
}

// personSuffix reports a lower-case noun for a person by its ending: "the
// novelist, 91,", "the historian", "the chairman", "the actress".
func personSuffix(w string) bool {
	if len(w) < 6 || !(w[0] >= 'a' && w[0] <= 'z') {
		return false
	}
	for _, e := range [...]string{"ist", "ian", "man", "woman", "ess", "er", "or"} {
		if strings.HasSuffix(w, e) {
			return !notPersons[w]
		}
	}
	return false
}

// notPersons end like a word for a person and are none.
var notPersons = setOf("german", "roman", "human", "gentleman", "business", "process", "success",
	"address", "progress", "express", "congress", "fitness", "witness", "access", "excess", "wellness",
	"median", "meridian", "guardian", "indian", "asian", "canadian", "russian", "persian", "italian",
	// companies and things named like agents ("the mobile operator, 3."),
	// and other words ending in "er" or "or"
	"operator", "carrier", "provider", "retailer", "manufacturer", "supplier", "lender", "insurer",
	"exporter", "importer", "broadcaster", "publisher", "distributor", "developer", "maker", "regulator",
	"computer", "container", "tanker", "trawler", "freighter", "steamer", "number", "quarter", "sector",
	"factor", "indicator", "motor", "order", "border", "water", "paper", "letter", "power", "tower",
	"river", "matter", "register", "center", "centre", "other", "another", "either", "neither", "after",
	"under", "over", "never", "later", "earlier", "major", "minor", "error", "floor", "door", "winter",
	"summer", "weather", "shelter", "chapter", "october", "november", "december", "september",
	"together", "however", "whether", "rather", "further", "monitor", "reactor", "generator", "tractor",
	"elevator", "calculator", "detector", "processor", "transistor", "semiconductor")

// personOf reports an age written "a man of 42", "a woman of 87": a word
// for a person and "of" before the number, which nothing plural follows,
// or "He was 79." / "she is 64," closed by a full stop or a comma.
func (s *scanner) personOf(f *fig) bool {
	t := s.text
	n := f.num
	if f.start != n.start || f.end != n.end {
		return false
	}
	ws, _, dot, ok, k := s.prevKey(f.start)
	if !ok || dot {
		return false
	}
	if k == "at" && isCapitalized(t[ws:f.start]) && sentenceStartBefore(t, ws) && f.end < len(t) && t[f.end] == ',' {
		// "At 47, she became the oldest winner": a sentence opening with
		// the age of the person it is about.
		w, _, ok := s.nextWordTok(f.end + 1)
		return ok && !n.one && (pronounSubjects[w.key] || w.key == unknownWord)
	}
	if k == "at" {
		// "retired at 61.", "became a pilot at 22,", "abdicated at 83
		// after 52 years", "died in 2021 at 80,": a life event before;
		// not "closed at 26" (a price or a level).
		w, h, ok := s.nextWordTok(f.end)
		follows := clauseEnd(t, f.end) || ok && !h && lifeFollowers[w.key]
		return follows && !n.one && s.cueBefore(ws, lifeEvents, 9)
	}
	if k == "m" || k == "s" {
		return s.contractedAge(f, ws, k)
	}
	a, b, dot, ok := prevWord(t, ws)
	if !ok || dot {
		return false
	}
	k2 := s.key(t[a:b])
	switch k {
	case "of":
		// "a man of 42 was arrested"; not "the president of one of Peru's
		// cooperatives", "a veteran of 101 international caps".
		return appositiveNouns[k2] && !kinNouns[k2] && !n.one && s.ageClauseAfter(f.end)
	case "was", "is":
		// "He was 79.", "its youngest player is 16.", "since I was
		// nineteen,"
		return (k2 == "he" || k2 == "she" || k2 == "i" || appositiveNouns[k2]) && s.ageSaid(f.end)
	case "turns", "turned":
		return k2 == "he" || k2 == "she" // "until he turns 18 in March"
	}
	return false
}

// contractedAge reports an age after a contracted "am" or "is" (ws is
// where the "m" or "s" after the apostrophe starts): "now I'm sixty,", "My
// daughter's twelve and she's terrified", "he's 14."; not "the company's 12
// stores" (a noun goes on) nor "it's 11" (a time or a count).
func (s *scanner) contractedAge(f *fig, ws int, k string) bool {
	t := s.text
	a := ws - 1
	switch {
	case a >= 0 && t[a] == '\'':
	case ws >= 3 && t[ws-3:ws] == "’":
		a = ws - 3
	default:
		return false
	}
	pw, pe, dot, ok := prevWord(t, a)
	if !ok || dot || pe != a {
		return false
	}
	k2 := s.key(t[pw:pe])
	if k == "m" && k2 != "i" || k == "s" && k2 != "he" && k2 != "she" && !appositiveNouns[k2] {
		return false
	}
	return !f.num.one && s.ageSaid(f.end)
}

// ageSaid reports what may follow an age said of a person ("He was 79.",
// "I'm sixty, and", "she's twelve and terrified"): the end of the clause,
// or "and" or "but" going on with another.
func (s *scanner) ageSaid(e int) bool {
	if clauseEnd(s.text, e) {
		return true
	}
	w, h, ok := s.nextWordTok(e)
	if !ok || h || w.key != "and" && w.key != "but" || s.text[e] != ' ' {
		return false
	}
	n, _, ok := s.nextWordTok(w.e) // "she's twelve and terrified"; not "was 3 and 7 down"
	_, num := numWords[n.key]
	return ok && !num && n.s == skipSp(s.text, w.e)
}

// clauseEnd reports a comma, semicolon, closing bracket or sentence end
// right at e, the end of a number: nothing of the clause follows it.
func clauseEnd(t string, e int) bool {
	switch {
	case e == len(t):
		return true
	case t[e] == ',' || t[e] == ';' || t[e] == ')':
		return true
	case t[e] == '.':
		return e+1 == len(t) || spaceAt(t, e+1) > 0 || t[e+1] == '\n'
	}
	return false
}

// ageClauseAfter reports what may follow an age in "a man of 42": the end
// of the clause or a verb or relative word ("was", "who", "from").
func (s *scanner) ageClauseAfter(p int) bool {
	if clauseEnd(s.text, p) {
		return true
	}
	w, h, ok := s.nextWordTok(p)
	return ok && !h && ageFollowers[w.key]
}

// ageFollowers may follow "a man of 42".
var ageFollowers = setOf("who", "was", "were", "is", "from", "with", "when", "and", "had", "has", "died",
	"appeared", "admitted", "denied", "pleaded", "faces")

// lifeEvents a few words before "at N" make N an age.
// Not "started", "began" or "ended", which open and close prices ("quotes
// started at 30, ended at 14").
var lifeEvents = setOf("retired", "retire", "retiring", "died", "married", "wed", "debuted", "emigrated",
	"graduated", "became", "founded", "quit", "enlisted", "orphaned", "widowed", "elected", "knighted",
	"ordained", "diagnosed", "adopted", "abdicated", "abdicate", "crowned", "succeeded")

// lifeFollowers may follow the age of "died at 80": "after a long illness",
// "of cancer", "in 2019", "following a fall".
var lifeFollowers = setOf("after", "of", "in", "following", "when", "while")

// pronounSubjects open a clause about a person: "At 47, she became".
var pronounSubjects = setOf("he", "she", "they", "i", "we")

// atLifeEvent reports "at" right before f after a life event a few words
// before: "became champion at 19 years".
func (s *scanner) atLifeEvent(f *fig) bool {
	ws, _, dot, ok, k := s.prevKey(f.start)
	return ok && !dot && k == "at" && s.cueBefore(ws, lifeEvents, 12)
}

// ageGroupAfter reports a word for a group of ages right after p:
// "demographic", "bracket", "cohort", "age group", "age range".
func (s *scanner) ageGroupAfter(p int) bool {
	w, _, ok := s.nextWordTok(p)
	if !ok {
		return false
	}
	switch w.key {
	case "demographic", "bracket", "cohort":
		return true
	case "age":
		g, _, ok := s.nextWordTok(w.e)
		return ok && (g.key == "group" || g.key == "groups" || g.key == "range" || g.key == "bracket")
	}
	return false
}

// ratioNext reports "in" or "out" right after p, where a ratio goes on ("1
// in 150").
func (s *scanner) ratioNext(p int) bool {
	w, _, ok := s.nextWordTok(p)
	return ok && (w.key == "in" || w.key == "out")
}

// ageGoesOn reports a number of months right after an age in years and
// "and": "freezing it at 62 years and nine months".
func (s *scanner) ageGoesOn(f *fig) bool {
	n := len(s.figs)
	if n == 0 || s.lastEnd > f.start {
		return false
	}
	g := s.figs[n-1]
	between := strings.TrimSpace(s.text[s.lastEnd:f.start])
	return g.Kind == article.KindAge && ageUnits[g.Unit] && (between == "and" || between == "," || between == ", and")
}

// youngerOlder reports "younger than" or "older than" right before p.
func (s *scanner) youngerOlder(p int) bool {
	ws, _, dot, ok, k := s.prevKey(p)
	if !ok || dot || k != "than" {
		return false
	}
	a, b, dot, ok := prevWord(s.text, ws)
	if !ok || dot {
		return false
	}
	k = s.key(s.text[a:b])
	return k == "younger" || k == "older"
}

// ageCues before a number of years make it an age: "the median age has
// risen to 48.6 years", "the retirement age will be 67 years".
var ageCues = setOf("age", "ages")

// kinNouns before "of N" count children: "a father of three".
var kinNouns = setOf("father", "mother", "parent", "grandfather", "grandmother", "grandparent", "dad", "mum", "mom")

// nameOpensSentence reports a surname opening its sentence before ", N,"
// and a verb or "of": "Jokic, 30, has now recorded", "Kowalski, 46, of
// Gdansk, was fined". An adverb or a connective opening a sentence
// ("However, 30, ...") is no name.
func (s *scanner) nameOpensSentence(w string, e int) bool {
	t := s.text
	if strings.HasSuffix(w, "ly") || sentenceOpeners[strings.ToLower(w)] || e >= len(t) || t[e] != ',' {
		return false
	}
	nw, _, ok := s.nextWordTok(e + 1)
	if !ok {
		return false
	}
	if nw.key == "of" || nameVerbs[nw.key] || nw.key == "now" || nw.key == "then" {
		return true
	}
	if nw.key == "a" || nw.key == "an" {
		// "Okonkwo, 42, a father of three, was named": a second
		// apposition says who the person is.
		p, _, ok := s.nextWordTok(nw.e)
		return ok && (appositiveNouns[p.key] || personSuffix(t[p.s:p.e]))
	}
	// "Hughes, 27, now 14-0", "Carrow, 34, must also repay", "Bennett,
	// 23, turned in 54.02": a lower-case word goes on with the clause, not
	// a list ("Smith, 3, Jones, 5") nor a noun ("Reds, 3, goals").
	next := s.text[nw.s:nw.e]
	_, unit := unitPhrases[nw.key]
	_, num := numWords[nw.key]
	return !isCapitalized(next) && !unit && !num && !isPluralWord(nw.key, next) && !subjectStops[nw.key]
}

// sentenceOpeners are capitalised words that open sentences, not names.
var sentenceOpeners = setOf("however", "meanwhile", "overall", "yesterday", "today", "separately", "also",
	"still", "altogether", "ultimately", "finally", "first", "second", "third", "then", "now", "in", "by",
	"since", "until", "about", "around", "nearly", "almost", "only", "just", "some", "all", "of", "and", "but")

// nameVerbs after "Name, N," make N an age.
var nameVerbs = setOf("has", "had", "is", "was", "will", "would", "said", "says", "told", "denies", "denied",
	"admitted", "admits", "pleaded", "died", "joined", "won", "scored", "became", "who")

// boundCompound reports "under-" or "over-" glued before the number at
// start, whether it is capitalised, and whether it is "under".
func boundCompound(t string, start int) (under, capital, ok bool) {
	switch {
	case start >= 6 && strings.EqualFold(t[start-6:start], "under-"):
		return true, t[start-6] == 'U', true
	case start >= 5 && strings.EqualFold(t[start-5:start], "over-"):
		return false, t[start-5] == 'O', true
	}
	return false, false, false
}

// boundCompoundOpens reports a capitalised "Under-" or "Over-" before the
// number at start that opens its sentence ("Under-five mortality fell").
func boundCompoundOpens(t string, start int, under bool) bool {
	if under {
		return sentenceStartBefore(t, start-len("under-"))
	}
	return sentenceStartBefore(t, start-len("over-"))
}

// teamWords after "under-N" name a team or a competition of an age group.
var teamWords = setOf("side", "sides", "team", "teams", "squad", "squads", "international", "internationals",
	"tournament", "tournaments", "level", "cup", "championship", "championships", "league", "match", "matches",
	"skipper", "keeper", "captain", "coach", "manager", "boss", "player", "players", "football", "rugby",
	"cricket", "star", "stars", "debut", "cap", "caps", "final", "finals", "champions", "title", "selection")

// teamAfter reports a team word or a capitalised word right after p: "the
// under-21 squad", "the under-19 World Cup".
func (s *scanner) teamAfter(p int) bool {
	w, h, ok := s.nextWordTok(p)
	return ok && !h && (teamWords[w.key] || isCapitalized(s.text[w.s:w.e]))
}

// ageCompound reports "under-N" or "over-N" before a noun other than a
// team's (teamAfter): "the under-five category", "the over-50 demographic",
// "Under-five mortality" at a sentence start; it sets the bound. The
// plural "the over-70s" is the scale suffix's (ageGroupAt); "Under-21"
// inside a sentence is a name (codeAfter).
func (s *scanner) ageCompound(f *fig) bool {
	t := s.text
	under, capital, ok := boundCompound(t, f.start)
	if !ok || f.start != f.num.start || capital && !boundCompoundOpens(t, f.start, under) {
		return false
	}
	if f.end < len(t) && (t[f.end] == '-' || isASCIILetter(t[f.end])) {
		return false
	}
	w, h, ok := s.nextWordTok(f.end)
	if !ok || h || isCapitalized(t[w.s:w.e]) || teamWords[w.key] {
		return false
	}
	f.unit, f.kind, f.groupQual = "year", article.KindAge, article.QualifierMoreThan
	if under {
		f.groupQual = article.QualifierLessThan
	}
	return true
}

// ageGroupAt reports "over-N" or "under-N" in lower case glued to a
// plural "s" (digits from start, the "s" ending at end): "the over-70s",
// "the under-25s", an age group ("Under-21", the team, is a name;
// codeAfter).
func (s *scanner) ageGroupAt(start, end int) bool {
	t := s.text
	if end < len(t) && isASCIILetter(t[end]) {
		return false
	}
	_, capital, ok := boundCompound(t, start)
	return ok && !capital
}

// beAndOlder reports "be N or older" ("and over", "or above"): a rule of
// age.
func (s *scanner) beAndOlder(f *fig) bool {
	_, _, dot, ok, k := s.prevKey(f.start)
	return ok && !dot && k == "be" && s.olderAfter(f.end)
}

// olderAfter reports "and older", "or over", "and above" right after p.
func (s *scanner) olderAfter(p int) bool {
	a, _, ok := s.nextWordTok(p)
	if !ok || a.key != "or" && a.key != "and" {
		return false
	}
	b, _, ok := s.nextWordTok(a.e)
	return ok && (b.key == "older" || b.key == "over" || b.key == "above")
}

// ageLabel reports a toy's or a film's age label "N+": "labelled 14+",
// "for ages 3+".
func (s *scanner) ageLabel(f *fig) bool {
	t := s.text
	if f.end >= len(t) || t[f.end] != '+' || f.end+1 < len(t) && isDigit(t[f.end+1]) {
		return false
	}
	_, _, dot, ok, k := s.prevKey(f.start)
	return ok && !dot && (k == "labelled" || k == "labeled" || k == "ages" || k == "aged" || k == "rated")
}

// peopleAndOlder reports "N and older", "N or over" (olderAfter) right after a word
// for people: "adults 75 and older".
func (s *scanner) peopleAndOlder(f *fig) bool {
	if !s.olderAfter(f.end) {
		return false
	}
	_, _, dot, ok, k := s.prevKey(f.start)
	return ok && !dot && ageNouns[k]
}
