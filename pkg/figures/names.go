package figures

import (
	"slices"
	"strconv"
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// Numbers that name or identify a thing rather than count it: model names,
// designators ("Article 5", "junctions 9 and 10"), number words in names
// ("Four Seasons"), phone numbers, street addresses, and the denominator of
// a rate ("per 100,000 people").

// notQuantity rejects numbers that name a ratio or a property rather than
// a quantity: stock splits ("three-for-two", "3-for-2") and word sizes
// ("32-bit").
func (s *scanner) notQuantity(num number) (int, bool) {
	t := s.text
	if end, name := s.sportName(num); name {
		return end, true // "2,000 Guineas", "Twenty20", "1-800-GAMBLER" (sport.go)
	}
	if num.start >= 5 && t[num.start-5:num.start] == "-for-" {
		return num.end, true
	}
	if num.sfx == "" && num.end+5 <= len(t) && t[num.end:num.end+5] == "-for-" {
		return num.end + 5, true
	}
	// "13-G", "10-K": filing and form codes ("2,100-A$2,300" is a range).
	if e := num.end; num.sfx == "" && e+2 <= len(t) && t[e] == '-' && t[e+1] >= 'A' && t[e+1] <= 'Z' && letterAt(t, e+2) == 0 && (e+2 == len(t) || !isDigit(t[e+2]) && t[e+2] != '$') {
		return e + 2, true
	}
	if num.sfx == "" && num.end+4 <= len(t) && t[num.end] == '-' {
		if e := wordEnd(t, num.end+1); e > num.end+1 {
			switch s.key(t[num.end+1 : e]) {
			case "bit", "bits", "byte", "speed", "way", "number", "star": // "a five-star hotel": a rating
				return e, true
			}
		}
	}
	return 0, false
}

// designated reports whether the number at p names a thing: "Article 5",
// "Boeing 737", "No. 1", "Flight 370".
func (s *scanner) designated(p int) bool {
	t := s.text
	if p >= 4 && t[p-1] == '-' && strings.EqualFold(t[p-4:p-1], "top") && letterBefore(t, p-4) == 0 {
		return true // "three top-20 players": a group of ranks
	}
	if colonCode(t, p) {
		return true // "EXE:5200 machines": a model code
	}
	ws, we, dot, ok, k := s.prevKey(p)
	if !ok {
		return false
	}
	if dot {
		return dotDesignators[k]
	}
	if k == "no" && t[ws:we] == "No" {
		return true // "No 10", the house; "No 1" the rank
	}
	if t[ws:we] == "UN" && p+4 <= len(t) && isDigit(t[p+3]) && (p+4 == len(t) || !isDigit(t[p+4])) {
		return true // "UN 1005": a dangerous good's number
	}
	if t[ws:we] == "Force" && beaufort(t, p) {
		// "a Force 8 gale": the Beaufort scale's level; not "the Air Force
		// 10.3 mln dlrs".
		if a, b, _, ok := prevWord(t, ws); !ok || !isCapitalized(t[a:b]) || sentenceStartBefore(t, a) {
			return true
		}
	}
	if t[ws:we] == "BWV" || t[ws:we] == "RV" || t[ws:we] == "Hob" {
		return true // "BWV 1048": a catalogue number
	}
	if k == "pc" && t[ws:we] == "PC" {
		return true // "PC 4471 Sarah Dunn": a police officer's collar number
	}
	if k == "switch" && t[ws:we] == "Switch" {
		return true // "Switch 2": Nintendo's console ("to switch 2 million customers" counts)
	}
	if k == "top" {
		// "ranked outside the top 100", "made the top ten": a group of
		// ranks; "the top 100 developers" counts them, and "sales could
		// top 500,000" is a verb.
		// Only after a determiner, a possessive, a name or an adjective of
		// ranking: "the top 10", "Premiership's top four", "UK top 20",
		// "global top five"; "the rig count top 2,000 again" is a verb.
		pws, pwe, dot, ok := prevWord(t, ws)
		if !ok || dot {
			return false
		}
		pw := t[pws:pwe]
		if !topDeterminers[strings.ToLower(pw)] && !isCapitalized(pw) && !strings.HasSuffix(t[:ws], "'s ") && !strings.HasSuffix(t[:ws], "’s ") && !strings.HasSuffix(t[:ws], "' ") {
			return false
		}
		e := p
		if letterAt(t, p) > 0 {
			e = wordEnd(t, p)
		}
		for e < len(t) && (isDigit(t[e]) || t[e] == ',' && e+1 < len(t) && isDigit(t[e+1])) {
			e++
		}
		if e+1 < len(t) && t[e] == '.' && isDigit(t[e+1]) {
			return false // "Steer top 68.00": the day's highest price
		}
		if e < len(t) && (t[e] == '%' || letterAt(t, e) > 0) {
			return false // "top 5%": an amount, "top" a verb or a bound
		}
		if w, _, ok := s.nextWordTok(e); ok {
			_, scale := scaleWords[w.key]
			_, unit := unitPhrases[w.key]
			if scale || unit {
				return false // "and top 200 mln dlrs in 1992"
			}
		}
		return !s.pluralWithin(e, 3)
	}
	if k == "week" || k == "year" || k == "move" {
		// "in week 48": a week of the year, "a break in year five": a year
		// of a lease or a plan, "resigned on move 41"; "this week 3,000
		// people" counts, and "to move five points clear" is a verb.
		_, _, dot, ok, pk := s.prevKey(ws)
		return ok && !dot && (pk == "in" || pk == "of" || pk == "since" || pk == "until" || pk == "from" || pk == "by" ||
			k == "move" && (pk == "on" || pk == "after" || pk == "at" || pk == "before"))
	}
	switch k {
	case "powerball", "thunderball", "megaball":
		return true // "with Powerball 14"
	case "stars", "star", "ball":
		// "Lucky Stars 2 and 9", "bonus ball 23"; "the film stars 10 actors" counts.
		_, _, dot, ok, pk := s.prevKey(ws)
		return ok && !dot && (pk == "lucky" || pk == "bonus" || pk == "mega")
	}
	if k == "were" || k == "are" || k == "was" || k == "is" {
		// "The winning numbers were 4, 12, 27, 38 and 45", "the numbers
		// drawn were 3, 18 and 22".
		pws, _, dot, ok, pk := s.prevKey(ws)
		if ok && !dot && (pk == "drawn" || pk == "picked" || pk == "chosen") {
			_, _, dot, ok, pk = s.prevKey(pws)
		}
		return ok && !dot && (pk == "numbers" || pk == "balls")
	}
	if dotDesignators[k] && !designators[k] {
		return false
	}
	if designatorVerbs[k] && !isCapitalized(t[ws:we]) {
		// "plans to issue 1.1 to 1.3 billion new shares", "will order 40
		// jets", "is building 3 million square feet": after "to" or a
		// modal, or an "-ing" form after "is", the word is a verb and the
		// number its object ("issue 5 of the magazine", "from building 4
		// to building 5" designate).
		_, _, dot, ok, pk := s.prevKey(ws)
		if ing := strings.HasSuffix(k, "ing"); ok && !dot && (!ing && (pk == "to" || verbModals[pk]) || ing && progressiveAux[pk]) {
			return false
		}
	}
	if designators[k] {
		// "the number 5" designates; "a number of" never reaches here.
		return true
	}
	if sizes, ok := indexMembers[k]; ok {
		if letterAt(t, p) > 0 {
			// "the FTSE one hundred", as a bulletin reads it
			n, ok, _ := s.words(p)
			return ok && !n.hasDecimal && !n.scaled && slices.Contains(sizes, strconv.FormatUint(uint64(n.v.value()), 10))
		}
		e := p
		for e < len(t) && isDigit(t[e]) {
			e++
		}
		return slices.Contains(sizes, t[p:e]) && (e == len(t) || t[e] != ',' && t[e] != '.' || e+1 == len(t) || !isDigit(t[e+1]))
	}
	if w := t[ws:we]; (w == "Year" || w == "Years") && !sentenceStartBefore(t, ws) {
		return true // "pupils in Years 7 to 13", "Year 9": school years
	}
	if k == "s" && ws >= 2 && (t[ws-1] == '\'' || strings.HasSuffix(t[:ws], "’")) {
		// "Boeing's 737": the maker's possessive.
		a := ws - 1
		if t[a] != '\'' {
			a = ws - len("’")
		}
		if letterBefore(t, a) > 0 {
			if ms := wordStart(t, a); isCapitalized(t[ms:a]) && makerDesignators[s.key(t[ms:a])] {
				return true
			}
		}
	}
	if k == "height" {
		// "at block height 840,000": a block of a chain, by its number.
		_, _, dot, ok, pk := s.prevKey(ws)
		return ok && !dot && pk == "block"
	}
	return false
}

// beaufort reports a level of the Beaufort scale at p: a whole number from
// 0 to 12 alone.
func beaufort(t string, p int) bool {
	e := p
	for e < len(t) && isDigit(t[e]) {
		e++
	}
	if e == p || e-p > 2 || e < len(t) && (t[e] == '.' || t[e] == ',') && e+1 < len(t) && isDigit(t[e+1]) {
		return false
	}
	return e-p == 1 || t[p] == '1' && t[p+1] <= '2'
}

// notation reports digits from start to end that are part of a notation,
// not a quantity: a chess move's number ("37.Rxf7", "1.e4": digits, a dot
// and a letter) and a time control or a sum written without spaces ("3+1",
// "15+10").
func notation(t string, start, end int) bool {
	if start > 0 && (isDigit(t[start-1]) || letterAt(t, start-1) > 0) {
		return false
	}
	if end+2 < len(t) && t[end] == '.' && isASCIILetter(t[end+1]) && (isDigit(t[end+2]) || isASCIILetter(t[end+2])) {
		return true // "37.Rxf7", "1.e4": a move
	}
	if end+1 < len(t) && t[end] == '+' && isDigit(t[end+1]) {
		return true // "15+10"
	}
	if start > 0 && t[start-1] == '+' && start >= 2 && isDigit(t[start-2]) {
		return true // the second part of "3+1"
	}
	return false
}

// colonCode reports a number glued by a colon to a word in capitals
// before it: a model code ("ASML's EXE:5200", "NXE:3800E").
func colonCode(t string, start int) bool {
	if start < 3 || t[start-1] != ':' {
		return false
	}
	j := start - 1
	for j > 0 && t[j-1] >= 'A' && t[j-1] <= 'Z' {
		j--
	}
	return start-1-j >= 2 && (j == 0 || letterAt(t, j-1) == 0 && !isDigit(t[j-1]))
}

// waferClass reports a silicon wafer's diameter before "wafer(s)", a class
// of wafer rather than a length: "70,000 300mm wafers a month".
func (s *scanner) waferClass(f *fig) bool {
	if f.unit != "mm" || f.qual != "" {
		return false
	}
	switch f.v.value() {
	case 150, 200, 300, 450:
	default:
		return false
	}
	w, h, ok := s.nextWordTok(f.end)
	return ok && !h && (w.key == "wafer" || w.key == "wafers")
}

// seismicLevel reports a level of a seismic intensity scale, "upper" or
// "lower" before a one-digit number with a word of quakes near: "shaking
// of upper 5 on the Japanese scale", "registered lower 6".
func (s *scanner) seismicLevel(f *fig) bool {
	if f.unit != "" || f.num.word || f.num.ndigits != 1 || f.num.hasDecimal {
		return false
	}
	_, _, dot, ok, k := s.prevKey(f.start)
	return ok && !dot && (k == "upper" || k == "lower") && !s.nounAfter(f.end) && s.cueNear(f.start, f.end, seismicCues)
}

// seismicCues near "upper 5" make it a seismic intensity level.
var seismicCues = setOf("shaking", "intensity", "seismic", "quake", "earthquake", "tremor", "shindo", "aftershock", "epicentre", "epicenter", "magnitude")

// purityGrade reports the fineness of a precious metal, a grade rather
// than a quantity: carats before the metal or a colour of gold ("18-carat
// gold", "24-karat", "18ct rose gold"), or a hallmark's parts per thousand
// before the metal ("950 platinum", "925 silver").
func (s *scanner) purityGrade(f *fig) bool {
	w, _, ok := s.nextWordTok(f.end)
	if !ok || !preciousMetals[w.key] {
		return false
	}
	switch f.unit {
	case "ct":
		return f.v.value() <= 24
	case "":
		v := f.v.value()
		return f.num.plain && (v == 375 || v == 585 || v == 750 || v == 900 || v == 916 || v == 925 || v == 950 || v == 999)
	}
	return false
}

// calibre reports a gun's calibre or gauge, a type name rather than a
// quantity (r21's "155mm artillery ammunition", r23's "9mm Glock pistols"):
// a number hyphened to "bore", "gauge" or "calibre" ("a 12-bore shotgun",
// "a .50-calibre machine gun"), or millimetres or a bare decimal written
// with a leading point before a word of guns or ammunition among the three
// words after ("a 9mm handgun", "a .22 rifle", "7.62mm rounds"). It
// returns where the calibre ends. "fired 20 shells" and "40mm of rain"
// are no calibres.
func (s *scanner) calibre(f *fig) (int, bool) {
	t := s.text
	n := f.num
	if n.word || f.cur || f.num.scaled {
		return 0, false
	}
	if f.unit == "" && n.end+1 < len(t) && t[n.end] == '-' && letterAt(t, n.end+1) > 0 {
		e := wordEnd(t, n.end+1)
		if calibreWords[s.key(t[n.end+1:e])] {
			return e, true
		}
	}
	dotted := f.unit == "" && t[n.start] == '.' && n.hasDecimal && f.end == n.end
	if f.unit != "mm" && !dotted {
		return 0, false
	}
	p := f.end
	for i := 0; i < 3; i++ {
		w, _, ok := s.nextWordTok(p)
		if !ok {
			return 0, false
		}
		if gunWords[w.key] || calibreWords[w.key] {
			return f.end, true // "9mm-calibre"
		}
		if subjectStops[w.key] || !spaceFollows(t, w.e) && !(w.e < len(t) && t[w.e] == '-') {
			return 0, false
		}
		p = w.e
	}
	return 0, false
}

// calibreWords hyphened after a number make it a gun's calibre or gauge;
// gunWords after millimetres or ".22" make them one.
var (
	calibreWords = setOf("bore", "gauge", "calibre", "caliber", "cal")
	gunWords     = setOf("handgun", "handguns", "pistol", "pistols", "rifle", "rifles", "shotgun", "shotguns",
		"revolver", "revolvers", "gun", "guns", "carbine", "carbines", "ammunition", "ammo", "rounds",
		"bullet", "bullets", "cartridge", "cartridges", "shell", "shells", "howitzer", "howitzers", "artillery",
		"cannon", "cannons", "mortar", "mortars", "firearm", "firearms", "weapon", "weapons", "munitions",
		"machine-gun", "machine-guns", "submachine", "sniper")
)

// preciousMetals after a fineness: the metal or a colour of gold.
var preciousMetals = setOf("gold", "silver", "platinum", "palladium", "white", "rose", "yellow", "red", "sterling")

// titledUnit reports a unit written as a word with a capital inside a
// sentence, before "of" and a capitalised word: the title of an event,
// "the 24 Hours of Le Mans", "the Six Days of Flanders".
func (s *scanner) titledUnit(f *fig) bool {
	t := s.text
	q := skipSp(t, f.num.end)
	if q >= f.end || letterAt(t, q) == 0 {
		return false
	}
	w := t[q:wordEnd(t, q)]
	if len(w) < 3 || !titleCase(w) || q+len(w) != f.end || sentenceStartBefore(t, q) {
		return false
	}
	of, _, ok := s.nextWordTok(f.end)
	if !ok || of.key != "of" {
		return false
	}
	n, _, ok := s.nextWordTok(of.e)
	return ok && isCapitalized(t[n.s:n.e])
}

// inName reports a capitalised number word inside a name: the next word
// is capitalised ("Four Seasons") or, mid-sentence, the previous one is
// ("Big Ten", "Formula One").
func (s *scanner) inName(f fig) bool {
	t := s.text
	q := skipSp(t, f.end)
	if q > f.end && letterAt(t, q) > 0 && isCapitalized(t[q:wordEnd(t, q)]) && titleCase(t[f.start:f.end]) {
		// "Four Seasons"; not "A quarter of a million Britons", nor at a
		// sentence start before people ("Two Republicans joined").
		return !(sentenceStartBefore(t, f.start) && peoplePlural(t[q:wordEnd(t, q)]))
	}
	if sentenceStartBefore(t, f.start) {
		return false
	}
	if strings.HasPrefix(t[f.end:], "'s ") || strings.HasPrefix(t[f.end:], "’s ") {
		return true // "Vodafone and Three's merged network": a company
	}
	ws, we, _, ok := prevWord(t, f.start)
	if ok && s.key(t[ws:we]) == "of" {
		// "Group of Five", "Party of Four".
		ws, we, _, ok = prevWord(t, ws)
	}
	return ok && isCapitalized(t[ws:we])
}

// peoplePlural reports a capitalised word for people in the plural: a
// nationality or a party's members ("Americans", "Israelis", "Britons",
// "Democrats", "Tories"), which a number word at a sentence start counts.
func peoplePlural(w string) bool {
	if len(w) >= 6 && (hasSuffixFold(w, "ans") || hasSuffixFold(w, "is") && !hasSuffixFold(w, "sis")) {
		return true // "Republicans", "Ukrainians", "Israelis"; not "Crisis"
	}
	return peopleWords[strings.ToLower(w)]
}

// peopleWords are plural capitalised words for people that peoplePlural's
// endings miss.
var peopleWords = setOf("britons", "democrats", "conservatives", "liberals", "socialists", "tories",
	"mps", "meps", "scots", "poles", "turks", "greeks", "spaniards", "swedes", "danes", "finns",
	"thais", "afghans", "greens", "independents", "labourites", "nationalists", "communists")

// titleCase reports whether every word of w starts with a capital, as the
// number words of a name do ("Twenty One Pilots"); a number phrase with a
// lower-case word ("Half a million", "A quarter of a million") is a number.
func titleCase(w string) bool {
	for i := 0; i < len(w); i++ {
		if letterAt(w, i) > 0 && (i == 0 || w[i-1] == ' ' || w[i-1] == '-') && !isCapitalized(w[i:]) {
			return false
		}
	}
	return true
}

// afterName reports a small bare number right after a capitalised word
// mid-sentence: a name or a designator ("Radio 4", "Hall 25", "Top 40",
// "Spider-Man 2", "(Maloney 45)"). Weekdays and months do not count.
func (s *scanner) afterName(f fig) bool {
	t := s.text
	n := f.num
	if !n.plain || n.word || f.signed || n.ndigits > 4 || f.start != n.start {
		return false
	}
	ws, we, dot, ok := prevWord(t, f.start)
	if !ok || dot || !isCapitalized(t[ws:we]) || skipSpBack(t, f.start) != we {
		return false
	}
	if sentenceStartBefore(t, ws) {
		return false
	}
	if t[ws:we] == "SPF" {
		return false // "SPF 50": a sunscreen's protection factor, a figure
	}
	k := s.key(t[ws:we])
	if (k == "a" || k == "an" || k == "the") && strings.HasSuffix(t[:ws], "- ") {
		return false // "(Kyodo) - A 16-seat counter": the sentence opens after the dateline's dash
	}
	if s.timesAfterObject(ws, f.end) {
		return false // "stabbed Chloe Ward 23 times": how often the verb befell the person
	}
	return !weekdays[k] && !months[k] && k != "i"
}

// timesAfterObject reports "times" after a number (ending at e) whose
// capitalised words before it (starting at ws, at most three) are the
// object of a verb: "stabbed Chloe Ward 23 times", "shot Mr Jones 12 times".
// After a determiner or a preposition the words are a name with its
// number ("on Radio 4 times a day" stays "Radio 4").
func (s *scanner) timesAfterObject(ws, e int) bool {
	t := s.text
	if w, h, ok := s.nextWordTok(e); !ok || h || w.key != "times" {
		return false
	}
	for n := 0; n < 3; n++ {
		a, b, dot, ok := prevWord(t, ws)
		if !ok || dot {
			return false
		}
		if w := t[a:b]; !isCapitalized(w) {
			return !subjectStops[s.key(w)]
		}
		ws = a
	}
	return false
}

// modelSuffix reports a small number that ends a model name, even before a
// noun: a capitalised word between it and a designation of digits that is
// no figure ("grounded 171 Boeing 737 Max 9 jets", "an A320 Neo 2").
func (s *scanner) modelSuffix(f *fig) bool {
	t := s.text
	if !f.num.plain || f.num.word || f.num.ndigits > 2 || f.start != f.num.start {
		return false
	}
	ws, we, dot, ok := prevWord(t, f.start)
	if !ok || dot || we != f.start-1 || !isCapitalized(t[ws:we]) || sentenceStartBefore(t, ws) {
		return false
	}
	e := ws - 1 // the designation ends one space before the word
	if e <= 0 || t[e] != ' ' || !isDigit(t[e-1]) {
		return false
	}
	b := e
	for b > 0 && (isDigit(t[b-1]) || isASCIILetter(t[b-1])) {
		b--
	}
	if e-b == 4 && (t[b] == '1' || t[b] == '2') {
		return false // a year: "In 2024 Apple 5 stores closed"
	}
	return s.lastEnd <= b // the designation gave no figure
}

// wireTag reports a bare number that closes a wire desk tag ("... dealers
// said. (FXGS 1104)": article.IsDeskTag). It applies at a sentence start
// too, where afterName does not, since the tag opens its own sentence.
func (s *scanner) wireTag(f fig) bool {
	t := s.text
	if f.end >= len(t) || t[f.end] != ')' {
		return false
	}
	open := strings.LastIndexByte(t[:f.start], '(')
	return open >= 0 && article.IsDeskTag(t[open:f.end+1])
}

// pluralWithin reports a plural noun among the most words after p, before
// a stop word or punctuation: "the top ten biggest banks", "the top 50
// Scottish bands".
func (s *scanner) pluralWithin(p, most int) bool {
	t := s.text
	for n := 0; n < most; n++ {
		w, h, ok := s.nextWordTok(p)
		if !ok || h && n == 0 || subjectStops[w.key] {
			return false
		}
		if isPluralWord(w.key, t[w.s:w.e]) {
			return true
		}
		e := wordEndHyph(t, w.s)
		if !spaceFollows(t, e) {
			return false
		}
		p = e
	}
	return false
}

// priceNouns before "of every N" make N the base of a price.
var priceNouns = setOf("cost", "costs", "price", "prices", "value", "tax", "fee", "charge", "duty")

// topDeterminers before "top N" make it a group of ranks ("the top 10");
// after other words "top" is a verb ("expects sales to top 500,000").
var topDeterminers = setOf("the", "a", "an", "its", "their", "his", "her", "our", "my", "your", "this", "that",
	"these", "those", "all", "global", "world", "national", "overall", "all-time", "worst", "best", "new")

// designators are words after which a number names a thing instead of
// counting it ("Article 5", "Boeing 737", "Flight 370", "Chapter 11").
var designators = setOf("article", "articles", "section", "sections", "chapter", "clause", "paragraph",
	"resolution", "amendment", "flight", "route", "highway", "interstate", "exit", "room", "gate",
	"platform", "terminal", "page", "pages", "volume", "vol", "issue", "number", "act", "rule",
	"proposition", "prop", "game", "round", "stage", "episode", "season", "series", "phase", "model",
	"version", "type", "class", "grade", "category", "division", "level", "tier", "boeing", "airbus",
	"apollo", "windows", "iphone", "galaxy", "playstation", "xbox", "channel", "track", "hole",
	"pixel", "wifi", "wi-fi", "fi", "bluetooth", "usb", "voyager", "artemis", "soyuz", "falcon", "starship",
	"bus", "lane", "pier", "runway", "district", "ward", "precinct", "sector", "zone", "block", "syndicate",
	"lap", "ligue", "liga", "serie", "log",
	"figure", "fig", "table", "item", "box", "tower", "camp", "unit", "units", "building", "floor",
	"apartment", "suite", "cell", "wing", "lot", "plot", "code", "account", "ticket", "ref",
	"reference", "serial", "isbn", "issn", "tel", "phone", "fax", "ext", "extension", "pin",
	"pcs", "vii", "ltd", "plc", "inc", "corp", "covid", "sars", "ps", "ios", "android", "macos",
	"psalm", "psalms", "verse", "hymn", "opus", "op", "symphony", "concerto", "sonata", "mark",
	"formula", "f1", "world war", "super bowl", "group", "pool", "heat", "match", "leg", "day",
	"draft", "schedule", "form", "title", "part", "annex", "appendix", "bill", "law", "decree",
	"order", "directive", "regulation", "local", "junction", "junctions", "jct", "jn", "exits", "routes",
	"gates", "platforms", "stages", "rooms", "imo", "mmsi", "reactor", "floors", "levels", "layer", "size",
	"sizes", "berth", "berths", "milepost", "bay", "codes", "stall", "barrier", "scope", "calibre", "caliber",
	"marker", "update", "lots", "plots")

// designatorVerbs are designators that are also verbs taking a number as
// their object after "to" or a modal (verbModals).
var (
	designatorVerbs = setOf("issue", "order", "building")
	verbModals      = setOf("will", "would", "could", "can", "may", "might", "should", "must", "shall")
	progressiveAux  = setOf("is", "are", "was", "were", "be", "been", "'s", "s")
)

// indexMembers are the stock indexes named by their number of members,
// with those numbers ("FTSE 100", "Nikkei 225"; "FTSE 25,741" in a table
// of contracts traded counts).
var indexMembers = map[string][]string{
	"ftse": {"100", "250", "350"}, "nikkei": {"225", "300", "500"}, "stoxx": {"50", "600"},
	"dax": {"30", "40"}, "cac": {"40"}, "asx": {"200", "300"}, "russell": {"1000", "2000", "3000"},
	"nasdaq": {"100"}, "kospi": {"200"}, "nifty": {"50"}, "tsx": {"60"},
}

// compassAbbrevs open a US street name after its number ("200 W. Washington St.").
var compassAbbrevs = setOf("N", "S", "E", "W", "NE", "NW", "SE", "SW")

// makerDesignators are the designators that name a maker, whose
// possessive designates too ("Boeing's 737")
// ("Tesla's 3 factories" counts: only aircraft makers, whose models are
// numbers).
var makerDesignators = setOf("boeing", "airbus", "embraer", "bombardier")

// dotDesignators are designators that count only with their dot ("No. 1").
var dotDesignators = setOf("no", "nos", "vol", "fig", "art", "sec", "ch", "op",
	"ref", "tel", "ext", "p", "pp", "k", "d")

// idPrefixOK are words that may precede "-<number>" without making it an
// identifier ("mid-1990s", "top-10", "under-21").
var idPrefixOK = setOf("mid", "pre", "post", "top", "under", "over", "early", "late", "circa",
	"ex", "non", "anti", "sub", "about", "around", "some", "nearly", "almost", "roughly", "a", "an",
	"the", "and", "or", "to", "by", "of", "in", "at", "on", "for", "from", "with", "than", "minus",
	"plus", "up", "down", "all", "first", "last", "best", "worst", "year", "years",
	"magnitude", "in")

// designatedListEnd extends the end p of a designated number over the
// numbers listed after it: "junctions 9 and 10", "Articles 5, 6 and 7",
// "pages 4-6".
func (s *scanner) designatedListEnd(p int) int {
	t := s.text
	for p < len(t) {
		q := p
		switch {
		case t[q] == '-' || t[q] == '&':
			q++
		case strings.HasPrefix(t[q:], "–"):
			q += len("–")
		case t[q] == ',':
			q++
		default:
			w, h, ok := s.nextWordTok(q)
			if !ok || h || (w.key != "and" && w.key != "to" && w.key != "or") {
				return p
			}
			q = w.e
		}
		q = skipSp(t, q)
		if q >= len(t) || !isDigit(t[q]) {
			return p
		}
		// The next item is a bare number like the first: "Section 416 to
		// 800,000 tonnes" lists no section.
		e := q
		for e < len(t) && isDigit(t[e]) {
			e++
		}
		if e < len(t) && (t[e] == ',' || t[e] == '.') && e+1 < len(t) && isDigit(t[e+1]) {
			return p
		}
		if w, h, ok := s.nextWordTok(e); ok && !h {
			_, unit := unitPhrases[w.key]
			_, scale := scaleWords[w.key]
			if unit || scale || isPluralWord(w.key, t[w.s:w.e]) && !designators[w.key] {
				return p // "in year one and 21 mln dlrs in year two"
			}
		}
		p = skipToken(t, q)
	}
	return p
}

// denominator reports a number that is the base of a rate: after "per"
// or "for every" ("4.3 deaths per 100,000 people": only 4.3 is a figure).
func (s *scanner) denominator(p int) bool {
	t := s.text
	ws, _, dot, ok, k := s.prevKey(p)
	if !ok || dot {
		return false
	}
	switch k {
	case "per":
		return true
	case "every":
		a, b, _, ok := prevWord(t, ws)
		if !ok {
			return false
		}
		switch s.key(t[a:b]) {
		case "for":
			return true
		case "of":
			// "the cost of every 1,000 board feet"; not "seven out of
			// every 10" (a ratio) nor "instead of every six months".
			c, d, dot, ok := prevWord(t, a)
			return ok && !dot && priceNouns[s.key(t[c:d])]
		}
		return false
	case "of":
		// "rated 4.7 out of 5": the scale of a rating (a whole "three out
		// of four" is a ratio, read before).
		a, _, dot, ok := prevWord(t, ws)
		if !ok || dot || s.key(t[a:wordEnd(t, a)]) != "out" {
			return false
		}
		q := skipSpBack(t, a)
		for q > 0 && isDigit(t[q-1]) {
			q--
		}
		return q > 1 && t[q-1] == '.' && isDigit(t[q-2])
	}
	return false
}

// concentrationBase reports the written base of a concentration after
// "in": a round volume or weight right after a small weight (µg, mg, g) of
// a substance, the base then followed by "of" its medium or the end of
// the clause ("88 microgrammes of alcohol in 100 millilitres of breath",
// "80mg in 100ml of blood"), as "per 100 millilitres" is. Only the weight
// is a figure. A load in a container ("2kg of cocaine in 10 litres of
// paint", "in 10-litre drums") stays a figure.
func (s *scanner) concentrationBase(f *fig) bool {
	if f.kind != article.KindVolume && f.kind != article.KindWeight {
		return false
	}
	ws, _, dot, ok, k := s.prevKey(f.start)
	if !ok || dot || k != "in" || len(s.figs) == 0 {
		return false
	}
	last := &s.figs[len(s.figs)-1]
	if last.Kind != article.KindWeight || (last.Unit != "µg" && last.Unit != "mg" && last.Unit != "g") || last.RangeTo != nil || s.sentenceOf(last.Start) != s.sentenceOf(f.start) {
		return false
	}
	between := strings.Fields(s.text[last.End:ws])
	switch {
	case len(between) == 0:
	case len(between) <= 3 && between[0] == "of":
		for _, w := range between {
			if strings.ContainsAny(w, ",;:()0123456789") {
				return false
			}
		}
	default:
		return false
	}
	if clauseEnd(s.text, f.end) {
		return true
	}
	w, h, ok := s.nextWordTok(f.end)
	return ok && !h && w.key == "of"
}

// unitCompound reports a unit glued by a hyphen at p: "per 40-foot
// container" names the container's size, not the base of a rate (a round
// base with a unit, "per 100g", is dropped after the unit is read).
func (s *scanner) unitCompound(p int) bool {
	t := s.text
	if p+1 >= len(t) || t[p] != '-' || letterAt(t, p+1) == 0 {
		return false
	}
	_, ok := unitPhrases[s.key(t[p+1:wordEnd(t, p+1)])]
	return ok
}

// digitGroups reads the run of digit groups at i separated by single
// spaces or hyphens ("0800 555 111", "1 800 555 0199"). It returns where
// the run ends, the number of groups, the digits in all, and the lengths
// of the first and the last group; all zero for a run longer than a phone
// number (more than six groups or 16 digits), so that it costs O(1).
func digitGroups(t string, i int) (end, groups, digits, first, last int) {
	end, groups, digits, first, last, _ = digitGroupsSep(t, i)
	return
}

// digitGroupsSep is digitGroups that also reports whether a hyphen
// separates two groups.
func digitGroupsSep(t string, i int) (end, groups, digits, first, last int, hyphen bool) {
	j := i
	for {
		if groups == 6 || digits > 16 {
			return 0, 0, 0, 0, 0, false
		}
		k := j
		for k < len(t) && isDigit(t[k]) && k-j <= 16 {
			k++
		}
		if k == j {
			break
		}
		n := k - j
		if groups == 0 {
			first = n
		}
		groups++
		digits += n
		last = n
		end = k
		if k+1 < len(t) && (t[k] == ' ' || t[k] == '-') && isDigit(t[k+1]) {
			hyphen = hyphen || t[k] == '-'
			j = k + 1
			continue
		}
		break
	}
	if end < len(t) && (isASCIILetter(t[end]) || t[end] == '.' && end+1 < len(t) && isDigit(t[end+1])) {
		return 0, 0, 0, 0, 0, false // "0800 5km", "020 7.5": not a phone number
	}
	return end, groups, digits, first, last, hyphen
}

// phoneAt rejects phone numbers by their shape: an international prefix
// ("+1 202 555 0143", "+44 20 7946 0000"), an area code in brackets
// ("(202) 555-0147"), a trunk prefix 0 ("0800 555 111", "020 7946 0958",
// "07700 900461") or spaced groups ending in four digits ("1 800 555
// 0199"). The hyphenated forms ("1-800-273-8255", "555-0182") are
// rejected by literal already.
func (s *scanner) phoneAt(num number) (int, bool) {
	t := s.text
	i := num.start
	if num.word || i >= len(t) || !isDigit(t[i]) {
		return 0, false
	}
	end, groups, digits, first, last, hyphen := digitGroupsSep(t, i)
	if groups == 0 {
		return 0, false
	}
	if groups == 1 && digits >= 3 && digits <= 4 && trunkPhoneBefore(t, i) {
		return end, true // "011-2670 1728": the last group of a number written with a hyphen
	}
	switch {
	case i > 0 && t[i-1] == '+' && (i == 1 || !isDigit(t[i-2]) && letterBefore(t, i-1) == 0):
		if first <= 3 && groups >= 2 && digits >= 8 || groups == 1 && digits >= 10 {
			return end, true
		}
		if e, ok := bracketedArea(t, end, digits); groups == 1 && first <= 3 && ok {
			return e, true // "+1 (202) 555-0187", "+44 (0)20 7946 0813"
		}
	case i > 0 && t[i-1] == '(' && groups == 1 && (first == 3 || t[i] == '0' && first >= 2 && first <= 4) && end+1 < len(t) && t[end] == ')':
		// "(202) 555-0147", "(02) 8527-8481", "(021) 500 567": an area code
		// in brackets, a trunk 0 before it outside North America.
		e2, g2, d2, _, _, _ := digitGroupsSep(t, skipSp(t, end+1))
		if g2 > 0 && d2 >= 6 && first+d2 >= 8 && skipSp(t, end+1) <= end+2 {
			return e2, true
		}
	case t[i] == '0' && first >= 3:
		if groups >= 2 && digits >= 8 || groups == 1 && digits >= 10 {
			return end, true
		}
	}
	if !hyphen && groups >= 2 && last == 4 && first <= 4 && (digits >= 10 || t[end-4] == '0' && digits >= 7) && !num.hasDecimal {
		return end, true
	}
	if !hyphen && groups >= 3 && first == 4 && digits >= 10 && !num.hasDecimal {
		// "1800 975 707", "1300 555 123": a group of four before groups
		// of three is no grouping of thousands.
		return end, true
	}
	return 0, false
}

// trunkPhoneBefore reports a phone number written with hyphens and a trunk
// 0 ("011-2670") one space before i, which a group after it continues.
func trunkPhoneBefore(t string, i int) bool {
	if i < 2 || t[i-1] != ' ' || !isDigit(t[i-2]) {
		return false
	}
	k := i - 1
	for k > 0 && (isDigit(t[k-1]) || t[k-1] == '-') {
		k--
	}
	tok := t[k : i-1]
	return len(tok) >= 7 && tok[0] == '0' && strings.Count(tok, "-") == 1 && (k == 0 || t[k-1] == ' ')
}

// bracketedArea reads an area code in brackets after an international
// prefix ending at p, and the groups after it: " (202) 555-0187",
// " (0)20 7946 0813". It returns where the number ends when the whole holds
// eight digits or more with the prefix's.
func bracketedArea(t string, p, prefixDigits int) (int, bool) {
	q := p
	if q < len(t) && t[q] == ' ' {
		q++
	}
	if q >= len(t) || t[q] != '(' {
		return 0, false
	}
	r := q + 1
	for r < len(t) && isDigit(t[r]) {
		r++
	}
	if r == q+1 || r-q-1 > 4 || r >= len(t) || t[r] != ')' {
		return 0, false
	}
	g := skipSp(t, r+1)
	if g > r+2 || g >= len(t) || !isDigit(t[g]) {
		return 0, false
	}
	e, groups, digits, _, _, _ := digitGroupsSep(t, g)
	if groups == 0 || prefixDigits+r-q-1+digits < 8 {
		return 0, false
	}
	return e, true
}

// phoneCues right before a number make it a phone number: "call 101",
// "dial 999", "Text 88088"; phoneCues and phoneOnCues a few words before
// "on" or "at" do too ("call police on 101", "can be reached on 116 123").
var (
	phoneCues = setOf("call", "calls", "called", "calling", "dial", "dialled", "dialed", "dialling",
		"dialing", "ring", "ringing", "phone", "phoning", "telephone", "text", "texting", "fax", "hotline",
		"hotlines", "helpline", "helplines", "freephone", "tel", "emergency", "line", "lines", "numbers",
		"paybill", "shortcode", "lifeline")
	phoneOnCues = setOf("call", "calling", "dial", "dialling", "dialing", "ring", "ringing", "phone",
		"phoning", "telephone", "text", "texting", "hotline", "helpline", "helplines", "freephone",
		"reached", "contacted", "contact", "number", "line", "lines", "lifeline")
	// callVerbs up to ten words before "<name> on N" make N a phone
	// number: the verb takes a list of services to call.
	callVerbs = setOf("call", "calling", "dial", "dialling", "dialing", "ring", "ringing", "phone", "phoning",
		"contact", "contacting", "text", "texting")
	// phoneIsCues before "is" or "was" and a number make it a phone number.
	phoneIsCues = setOf("number", "hotline", "helpline", "freephone", "telephone", "phone", "fax", "line")
	// phoneLineKinds before "line is" and a number make the line a phone's.
	phoneLineKinds = setOf("crisis", "help", "advice", "support", "emergency", "suicide", "tip", "tips",
		"information", "enquiry", "enquiries", "inquiry", "booking", "bookings", "customer", "service",
		"telephone", "phone", "direct", "free", "freephone", "hot", "24-hour", "non-emergency", "reporting")
)

// emergencyAt reports the word for an emergency service at q, after "N
// for": "emergencies", "non-emergencies", "an ambulance", "police".
func emergencyAt(t string, q int) bool {
	r := strings.ToLower(t[q:min(len(t), q+20)])
	r = strings.TrimPrefix(r, "an ")
	for _, w := range [...]string{"emergenc", "non-emergenc", "ambulance", "police", "the police", "fire brigade"} {
		if strings.HasPrefix(r, w) {
			return true
		}
	}
	return false
}

// emergencyNumbers before "calls" name the service, not a count.
var emergencyNumbers = setOf("999", "911", "112", "000", "111", "101")

// phoneContext reports a bare number of three digits or more, or a run of
// digit groups, that a phone cue introduces and no noun follows.
func (s *scanner) phoneContext(f *fig) bool {
	t := s.text
	n := f.num
	if n.word || !n.plain || f.start != n.start {
		return false
	}
	if n.ndigits < 3 {
		// "call Lifeline on 13 11 14": short groups, three or more.
		if _, groups, digits, _, _ := digitGroups(t, f.start); groups < 3 || digits < 6 {
			return false
		}
	}
	if w, _, ok := s.nextWordTok(f.end); ok && (w.key == "directory" || w.key == "helpline" || w.key == "hotline") && n.ndigits >= 3 {
		return true // "118 directory services", "the 988 hotline"
	} else if ok && (w.key == "calls" || w.key == "call" || w.key == "operator" || w.key == "operators") && emergencyNumbers[t[n.start:n.end]] {
		return true // "received 43 999 calls": the emergency number
	} else if ok && w.key == "for" && n.ndigits >= 3 && emergencyAt(t, skipSp(t, w.e)) {
		s.lastPhone = f.end // "use 901 for non-emergencies", "112 for police and 118 for ..."
		return true
	}
	if e := f.end; emergencyNumbers[t[n.start:n.end]] && e+2 < len(t) && t[e] == ' ' && t[e+1] == '(' && isCapitalized(t[e+2:]) {
		s.lastPhone = f.end // "112 (EU), 911 (US and Canada), 999 (UK)"
		return true
	}
	ws, _, dot, ok, k := s.prevKey(f.start)
	if q := skipSpBack(t, f.start); !ok && q > 0 && t[q-1] == ',' {
		// "call 101 or, in an emergency, 999"
		ws, _, dot, ok, k = s.prevKey(q - 1)
		ok = ok && phoneCues[k]
	}
	if !ok || dot {
		return false
	}
	switch {
	case phoneCues[k]:
	case (k == "and" || k == "or") && s.lastPhone > 0 && (skipSpBack(t, ws) == s.lastPhone ||
		skipSpBack(t, ws) == s.lastPhone+1 && t[s.lastPhone] == ','):
		// "the emergency lines 767 and 112", "on 0300 456 2370, or 999"
	case (k == "and" || k == "or") && s.lastPhone > 0 && s.parallelPhone(f.start):
		// "dial 119 for fire and ambulance and 110 for police"
	case (k == "on" || k == "at") && s.lastPhone > 0 && s.sentenceOf(s.lastPhone-1) == s.sentenceOf(f.start) &&
		s.orBetween(s.lastPhone, ws):
		// "call civil defence on 199 or the fire brigade on 193"
	case k == "to" && s.callsBefore(ws):
		// "some calls to 999 failed"
	case k == "on" || k == "at":
		// Not "called at 101": a bond's call price. A verb of calling
		// further back may take a list of numbers, each "<name> on N":
		// "call Triple Zero (000) or the SES on 132 500".
		if !s.phoneOnCueBefore(ws) && !(k == "on" && s.cueBefore(ws, callVerbs, 10)) {
			return false
		}
	case k == "is" || k == "was":
		// "the non-emergency number is 111", "the helpline is 0800 ...".
		pws, _, dot, ok, pk := s.prevKey(ws)
		if !ok || dot || !phoneIsCues[pk] {
			return false
		}
		if pk == "line" {
			// "the crisis line is 988"; not "the poverty line is 1200"
			if _, _, dot, ok, mk := s.prevKey(pws); !ok || dot || !phoneLineKinds[mk] {
				return false
			}
		}
	default:
		return false
	}
	end, _, _, _, _ := digitGroups(t, f.start)
	if end == 0 {
		return false
	}
	if w, h, ok := s.nextWordTok(end); ok && !h && isPluralWord(w.key, t[w.s:w.e]) {
		return false // "call 150 reservists", "called 300 times"
	}
	f.end = max(f.end, end)
	s.lastPhone = f.end
	return true
}

// phoneOnCueBefore reports a phone cue among the three words before ws
// (the start of "on" or "at"): "call police on 101", "can be reached on
// 116 123". "number" before "of" is a count's: "put the number of victims
// at 300".
func (s *scanner) phoneOnCueBefore(ws int) bool {
	next := ""
	return s.wordsBack(ws, 3, false, func(k string) (bool, bool) {
		if phoneOnCues[k] && !(k == "number" && next == "of") {
			return true, true
		}
		next = k
		return false, false
	})
}

// orBetween reports "or" or "and" as a word in t[a:b] (at most six words):
// the alternative of a phone number in the same sentence.
func (s *scanner) orBetween(a, b int) bool {
	ws := strings.Fields(s.text[a:b])
	if len(ws) > 6 {
		return false
	}
	for _, w := range ws {
		if w == "or" || w == "and" {
			return true
		}
	}
	return false
}

// parallelPhone reports a number at p that repeats the form "N for ..."
// or "N from ..." of the last phone number in its sentence: "dial 119 for
// fire and 110 for police", "dial +44 7700 900123 from abroad or 150 from a
// mobile".
func (s *scanner) parallelPhone(p int) bool {
	t := s.text
	if s.sentenceOf(s.lastPhone-1) != s.sentenceOf(p) {
		return false
	}
	forAfter := func(e int) bool {
		q := skipSp(t, e)
		return q > e && (strings.HasPrefix(t[q:], "for ") || strings.HasPrefix(t[q:], "from "))
	}
	e := p
	for e < len(t) && isDigit(t[e]) {
		e++
	}
	return forAfter(s.lastPhone) && forAfter(e)
}

// oneWordStreet reports a street named in one word, w, after the number
// at p: a word of six letters or more ending in "way" or "gate" ("Kingsway",
// "Moorgate", "Broadway"), when "on" or "at" comes before the number ("a
// flat on 22 Kingsway"; "beat Norway 22" is no address, nor is "22
// Norway" without them).
func (s *scanner) oneWordStreet(p int, w string) bool {
	if len(w) < 6 || strings.EqualFold(w, "Norway") {
		return false
	}
	if !hasSuffixFold(w, "way") && !hasSuffixFold(w, "gate") {
		return false
	}
	_, _, dot, ok, pk := s.prevKey(p)
	return ok && !dot && (pk == "on" || pk == "at")
}

// hasSuffixFold is strings.HasSuffix ignoring ASCII case; suffix is lower case.
func hasSuffixFold(w, suffix string) bool {
	return len(w) >= len(suffix) && strings.EqualFold(w[len(w)-len(suffix):], suffix)
}

// streetWords end a street name: "10 Downing Street", "45 Grove Road".
var streetWords = setOf("street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "close",
	"way", "place", "boulevard", "blvd", "crescent", "terrace", "gardens", "square", "sq", "plaza",
	"row", "walk", "parade", "mews", "grove", "hill", "circus", "broadway", "highway", "parkway",
	"circle", "alley", "quay", "wharf", "embankment", "green", "rise", "vale", "view", "hwy", "park", "wall")

// streetPrefixWords are the street words written before the street's name
// (Malay, Indonesian, Thai, French, Spanish, Portuguese, Italian).
var streetPrefixWords = setOf("jalan", "jl", "jln", "soi", "thanon", "rue", "avenue", "place", "calle", "rua", "avenida", "viale", "piazza", "chemin", "quai", "boulevard", "allee", "strada", "carrer")

// nameParticles may open a street's name after its street word: "rue de
// Rivoli", "Avenida da Liberdade".
var nameParticles = setOf("de", "du", "des", "da", "do", "dos", "das", "del", "della", "la", "le")

// addressAfter rejects a house number: a bare number before up to four
// capitalised words, the last a street word ("10 Downing Street", "15
// Queen's Road", "2 Kensington Palace Gardens", "12 High St"), or after
// "on" or "at" before one street name of one word ("a flat on 22
// Kingsway", "at 1 Moorgate", "at 1585 Broadway").
func (s *scanner) addressAfter(f *fig) (int, bool) {
	t := s.text
	n := f.num
	if n.word || !n.plain || n.ndigits > 5 || f.start != n.start {
		return 0, false
	}
	p := f.end
	if p+1 < len(t) && t[p] == '-' && isDigit(t[p+1]) {
		// "45-49 Pearse Street": the numbers of a block.
		for p++; p < len(t) && isDigit(t[p]); p++ {
		}
	}
	for words := 0; words < 4; words++ {
		q := skipSp(t, p)
		if q == p {
			return 0, false
		}
		if words > 0 && q < len(t) && isDigit(t[q]) {
			// An ordinal names the street: "350 West 57th Street".
			if e, ok := ordinalWordAt(t, q); ok {
				p = e
				continue
			}
		}
		if letterAt(t, q) == 0 {
			return 0, false
		}
		e := wordEnd(t, q)
		w := t[q:e]
		if words == 0 && e < len(t) && t[e] == '.' && compassAbbrevs[w] {
			e++ // "200 W. Washington St."
		}
		k := s.key(w)
		if !isCapitalized(w) && !(words == 0 && streetPrefixWords[k] && k != "jalan") {
			// French, Spanish and Italian write the street word in lower
			// case: "8 rue de la Paix", "12 boulevard Voltaire".
			return 0, false
		}
		if words == 0 && (months[k] || weekdays[k]) {
			return 0, false
		}
		if words == 0 && s.oneWordStreet(f.start, w) {
			return e, true
		}
		if words == 0 && streetPrefixWords[k] {
			// "14 Jalan Sultan Ismail", "12 Rue de Rivoli": the street
			// word comes first, a name follows.
			if r := skipSp(t, e); r > e && r < len(t) && (isCapitalized(t[r:wordEnd(t, r)]) || nameParticles[s.key(t[r:wordEnd(t, r)])]) {
				return wordEnd(t, r), true
			}
		}
		if words > 0 && streetWords[k] {
			if e < len(t) && t[e] == '.' && (k == "st" || k == "rd" || k == "ave") {
				e++
			}
			return e, true
		}
		// "Queen's", "St John’s".
		if strings.HasPrefix(t[e:], "'s") {
			e += 2
		} else if strings.HasPrefix(t[e:], "’s") {
			e += len("’s")
		}
		p = e
	}
	return 0, false
}

// ordinalWordAt reads an ordinal in digits at q ("57th", "1st", "42nd",
// "3rd") and returns where it ends.
func ordinalWordAt(t string, q int) (int, bool) {
	d := q
	for d < len(t) && isDigit(t[d]) {
		d++
	}
	if d == q || d-q > 3 || d+2 > len(t) {
		return 0, false
	}
	switch strings.ToLower(t[d : d+2]) {
	case "st", "nd", "rd", "th":
	default:
		return 0, false
	}
	if d+2 < len(t) && isASCIILetter(t[d+2]) {
		return 0, false
	}
	return d + 2, true
}

// modelAfterCount reports a bare number one space after a count, before a
// capitalised word, in prose: "Boeing delivered 42 737 MAX jets", "sold 12
// 747 Freighters". The first counts; the second names the model.
func (s *scanner) modelAfterCount(f *fig) bool {
	n := len(s.figs)
	if n == 0 || !f.num.plain || f.start != f.num.start || f.end != f.num.end {
		return false
	}
	last := &s.figs[n-1]
	if last.Unit != "" || last.RangeTo != nil || last.End != f.start-1 || s.text[last.End] != ' ' {
		return false
	}
	q := skipSp(s.text, f.end)
	if q == f.end || q >= len(s.text) || !isCapitalized(s.text[q:wordEnd(s.text, q)]) {
		return false
	}
	// Prose, not a table row ("TOTAL 35000 32876 AVERAGE") or a position
	// ("Lat. 25 57 N."): a lower-case word before the count.
	ws, we, _, ok := prevWord(s.text, last.Start)
	return ok && we == last.Start-1 && !isCapitalized(s.text[ws:we])
}

// kmMarkers before a number name a point of a road, not a distance
// ("km 57", "kilometre 168"): a distance writes the unit after the number.
var kmMarkers = setOf("km", "kilometre", "kilometer")

// codeAfter rejects a bare number that is part of a name or a code: a
// letter in brackets glued after it ("a 401(k) plan"), a capitalised
// number word hyphened after it ("7-Eleven"), a basketball "3-pointer", a
// US ZIP code after a state's two capitals ("Austin, TX 78767", "DC
// 20500-0003"), a key to press ("press 1") or a school year ("Year 6").
// It returns where the code ends.
func (s *scanner) codeAfter(f *fig) (int, bool) {
	t := s.text
	n := f.num
	if n.word || !n.plain || f.start != n.start {
		return 0, false
	}
	e := f.end
	if s.routeAfterCode(f) {
		return e, true // "the NX1 and 70 services"
	}
	if f.start > 0 && t[f.start-1] == '*' && e < len(t) && (t[e] == '#' || t[e] == '*') {
		return e + 1, true // "dial *847#": a USSD code
	}
	if _, _, dot, ok, k := s.prevKey(f.start); ok && !dot && kmMarkers[k] && !s.nounAfter(e) { // a plural after it counts: "km 5 cars"
		return e, true // "at km 57 of the toll road", "kilometre 168": a marker on a road
	}
	if strings.HasPrefix(t[e:], "-plate") {
		return e + len("-plate"), true // "the 75-plate month": a registration plate
	}
	if under, capital, ok := boundCompound(t, f.start); ok && (s.teamAfter(e) || capital && !boundCompoundOpens(t, f.start, under)) {
		return e, true // "the Under-21 side", "the under-19 World Cup": a team's or a competition's name
	}
	if e+3 <= len(t) && t[e] == '(' && isASCIILetter(t[e+1]) && t[e+2] == ')' {
		return e + 3, true
	}
	if q := e + 1; q+3 <= len(t) && t[e] == ' ' && (t[q:q+3] == "MAX" || t[q:q+3] == "Max") && letterAt(t, q+3) == 0 {
		return q + 3, true // "the 737 MAX 10": an aircraft model
	}
	if e+2 < len(t) && t[e] == '-' && letterAt(t, e+1) > 0 {
		w := t[e+1 : wordEnd(t, e+1)]
		if _, ok := numWords[s.key(w)]; ok && isCapitalized(w) {
			return wordEnd(t, e+1), true
		}
		if k := s.key(w); k == "pointer" || k == "pointers" {
			return wordEnd(t, e+1), true // "five 3-pointers": a kind of shot
		}
	}
	if n.ndigits == 5 {
		if q := skipSpBack(t, f.start); q < f.start && q >= 2 && usStates[t[q-2:q]] && (q == 2 || t[q-3] == ' ') {
			if e+5 < len(t) && t[e] == '-' && isDigit(t[e+1]) {
				e += 5 // ZIP+4
			}
			return e, true
		}
	}
	if end, ok := s.codeNounAfter(e); ok {
		return end, true // "the 70117 ZIP code", "the 212 area code"
	}
	if n.ndigits == 5 && s.afterStateName(f.start) {
		return e, true // "Palo Alto, California 94301": a ZIP code after the state's name
	}
	if (n.ndigits == 4 || n.ndigits == 5) && s.postcodeBeforeCity(f.start, e) {
		return e, true // "Bahnhofstrasse 25, 8001 Zurich": a postcode before the city
	}
	if n.ndigits == 1 {
		if _, _, dot, ok, k := s.prevKey(f.start); ok && !dot && (k == "press" || k == "pressing") {
			return e, true
		}
	}
	if n.ndigits <= 2 && f.v.value() <= 13 {
		// "Year 6 pupils": an English school year group.
		if ws, we, dot, ok := prevWord(t, f.start); ok && !dot && t[ws:we] == "Year" && !sentenceStartBefore(t, ws) {
			return e, true
		}
	}
	return 0, false
}

// codeNounAfter reports a noun for a postal or dialling code right after
// a number that ends at e, singular: "the 70117 ZIP code", "the 212 area
// code", "the 2000 postcode". It returns where the noun ends. A plural
// counts ("300 area codes", "40 postcodes").
func (s *scanner) codeNounAfter(e int) (int, bool) {
	w, h, ok := s.nextWordTok(e)
	if !ok || h {
		return 0, false
	}
	switch {
	case w.key == "postcode" || w.key == "zipcode":
		return w.e, true
	case codeKinds[w.key]:
		c, h, ok := s.nextWordTok(w.e)
		if ok && !h && c.key == "code" {
			return c.e, true
		}
	}
	return 0, false
}

// codeKinds before "code" name a postal or dialling code ("ZIP code");
// with "postcode" and "zipcode" (codeNounAfter).
var codeKinds = setOf("zip", "area", "postal", "post", "dialling", "dialing", "country", "postcode", "zipcode")

// afterStateName reports a US state's name, itself after a comma (the
// city), right before start: "Austin, Texas 78701", "Albany, New York
// 12207".
func (s *scanner) afterStateName(start int) bool {
	t := s.text
	q := skipSpBack(t, start)
	if q == start || q < 4 {
		return false
	}
	for _, name := range usStateNames {
		if q < len(name)+2 || t[q-len(name):q] != name {
			continue
		}
		a := skipSpBack(t, q-len(name))
		return a < q-len(name) && a > 0 && t[a-1] == ','
	}
	return false
}

// usStateNames are the names of the US states and DC, as they stand before
// a ZIP code.
var usStateNames = strings.Split("Alabama,Alaska,Arizona,Arkansas,California,Colorado,Connecticut,Delaware,"+
	"Florida,Georgia,Hawaii,Idaho,Illinois,Indiana,Iowa,Kansas,Kentucky,Louisiana,Maine,Maryland,"+
	"Massachusetts,Michigan,Minnesota,Mississippi,Missouri,Montana,Nebraska,Nevada,New Hampshire,"+
	"New Jersey,New Mexico,New York,North Carolina,North Dakota,Ohio,Oklahoma,Oregon,Pennsylvania,"+
	"Rhode Island,South Carolina,South Dakota,Tennessee,Texas,Utah,Vermont,Virginia,Washington,"+
	"West Virginia,Wisconsin,Wyoming,D.C.", ",")

// postcodeBeforeCity reports a continental postcode, start to e: after the
// house number of a street address and a comma, before the city's name
// that closes the address ("Bahnhofstrasse 25, 8001 Zurich.",
// "Hauptstrasse 7, 10115 Berlin,").
func (s *scanner) postcodeBeforeCity(start, e int) bool {
	t := s.text
	q := skipSpBack(t, start)
	if q == start || q < 4 || t[q-1] != ',' {
		return false
	}
	h := q - 1
	if h > 0 && isASCIILetter(t[h-1]) && h > 1 && isDigit(t[h-2]) {
		h-- // "12a"
	}
	d := h
	for d > 0 && isDigit(t[d-1]) {
		d--
	}
	if d == h || h-d > 4 || d < 2 || t[d-1] != ' ' {
		return false
	}
	ws := wordStart(t, d-1)
	if ws >= d-1 || !isCapitalized(t[ws:d-1]) {
		return false // the house number follows the street's name
	}
	c := skipSp(t, e)
	if c == e || c >= len(t) || !isCapitalized(t[c:wordEnd(t, c)]) {
		return false
	}
	ce := wordEnd(t, c)
	return ce == len(t) || t[ce] == '.' || t[ce] == ',' || t[ce] == ';' || t[ce] == ')'
}

// usStates are the two-letter codes of the US states and DC, as they stand
// before a ZIP code.
var usStates = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR") {
		m[c] = true
	}
	return m
}()

// routeAfterCode reports a bare number joined by "and" or "or" to a code of
// letters and digits, before a noun of routes: "the NX1 and 70 services",
// "the X5 or 12 buses" name routes, not counts.
func (s *scanner) routeAfterCode(f *fig) bool {
	t := s.text
	ws, _, dot, ok, k := s.prevKey(f.start)
	if !ok || dot || (k != "and" && k != "or") {
		return false
	}
	if w, h, ok := s.nextWordTok(f.end); !ok || h || !routeNouns[w.key] {
		return false
	}
	q := skipSpBack(t, ws)
	a := q
	for a > 0 && (isDigit(t[a-1]) || isASCIILetter(t[a-1])) {
		a--
	}
	code := t[a:q]
	letters, digits := false, false
	for i := 0; i < len(code); i++ {
		letters = letters || isASCIILetter(code[i])
		digits = digits || isDigit(code[i])
	}
	return letters && digits
}

// routeNouns after a number name its route.
var routeNouns = setOf("services", "service", "routes", "route", "buses", "bus", "lines", "line", "trains")

// callsBefore reports "calls", "call" or "calling" right before p.
func (s *scanner) callsBefore(p int) bool {
	ws, we, dot, ok, k := s.prevKey(p)
	if ok && !dot && isAllCaps(s.text[ws:we]) && k != "sms" {
		// "text DONATE to 70011": the keyword of a text donation.
		_, _, dot, ok, k = s.prevKey(ws)
		return ok && !dot && (k == "text" || k == "texting" || k == "sms")
	}
	return ok && !dot && (k == "calls" || k == "call" || k == "calling" || k == "called" || k == "callers" || k == "texted" || k == "text" || k == "sms")
}

// isAllCaps reports a word of two or more capital letters.
func isAllCaps(w string) bool {
	if len(w) < 2 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'A' || w[i] > 'Z' {
			return false
		}
	}
	return true
}

// roundDenominator reports the round amounts a rate is given per: 1, 10,
// 100, 1,000, ... ("per 100g", "for every £1").
func roundDenominator(v float64) bool {
	for d := 1.0; d <= 1e6; d *= 10 {
		if v == d {
			return true
		}
	}
	return false
}
