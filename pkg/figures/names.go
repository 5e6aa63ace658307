package figures

// Numbers that name or identify a thing rather than count it: model names,
// designators ("Article 5"), number words in names ("Four Seasons").

// notQuantity rejects numbers that name a ratio or a property rather than
// a quantity: stock splits ("three-for-two", "3-for-2") and word sizes
// ("32-bit").
func (s *scanner) notQuantity(num number) (int, bool) {
	t := s.text
	if num.start >= 5 && t[num.start-5:num.start] == "-for-" {
		return num.end, true
	}
	if num.sfx == "" && num.end+5 <= len(t) && t[num.end:num.end+5] == "-for-" {
		return num.end + 5, true
	}
	// "13-G", "10-K": filing and form codes.
	if e := num.end; num.sfx == "" && e+2 <= len(t) && t[e] == '-' && t[e+1] >= 'A' && t[e+1] <= 'Z' && letterAt(t, e+2) == 0 && (e+2 == len(t) || !isDigit(t[e+2])) {
		return e + 2, true
	}
	if num.sfx == "" && num.end+4 <= len(t) && t[num.end] == '-' {
		if e := wordEnd(t, num.end+1); e > num.end+1 {
			switch s.key(t[num.end+1 : e]) {
			case "bit", "bits", "byte", "speed", "way", "number":
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
	ws, we, dot, ok := prevWord(t, p)
	if !ok {
		return false
	}
	k := s.key(t[ws:we])
	if dot {
		return dotDesignators[k]
	}
	if dotDesignators[k] && !designators[k] {
		return false
	}
	if designators[k] {
		// "the number 5" designates; "a number of" never reaches here.
		return true
	}
	return false
}

// inName reports a capitalised number word inside a name: the next word
// is capitalised ("Four Seasons") or, mid-sentence, the previous one is
// ("Big Ten", "Formula One").
func (s *scanner) inName(f fig) bool {
	t := s.text
	q := skipSp(t, f.end)
	if q > f.end && letterAt(t, q) > 0 && isCapitalized(t[q:wordEnd(t, q)]) {
		return true
	}
	if sentenceStartBefore(t, f.start) {
		return false
	}
	ws, we, _, ok := prevWord(t, f.start)
	if ok && s.key(t[ws:we]) == "of" {
		// "Group of Five", "Party of Four".
		ws, we, _, ok = prevWord(t, ws)
	}
	return ok && isCapitalized(t[ws:we])
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
	k := s.key(t[ws:we])
	return !weekdays[k] && !months[k] && k != "i"
}

// designators are words after which a number names a thing instead of
// counting it ("Article 5", "Boeing 737", "Flight 370", "Chapter 11").
var designators = setOf("article", "articles", "section", "sections", "chapter", "clause", "paragraph",
	"resolution", "amendment", "flight", "route", "highway", "interstate", "exit", "room", "gate",
	"platform", "terminal", "page", "pages", "volume", "vol", "issue", "number", "act", "rule",
	"proposition", "prop", "game", "round", "stage", "episode", "season", "series", "phase", "model",
	"version", "type", "class", "grade", "category", "division", "level", "tier", "boeing", "airbus",
	"apollo", "windows", "iphone", "galaxy", "playstation", "xbox", "channel", "track", "hole",
	"bus", "lane", "pier", "runway", "district", "ward", "precinct", "sector", "zone", "block",
	"figure", "fig", "table", "item", "box", "tower", "camp", "unit", "units", "building", "floor",
	"apartment", "suite", "cell", "wing", "lot", "plot", "code", "account", "ticket", "ref",
	"reference", "serial", "isbn", "issn", "tel", "phone", "fax", "ext", "extension", "pin",
	"pcs", "vii", "ltd", "plc", "inc", "corp", "covid", "sars", "ps", "ios", "android", "macos",
	"psalm", "psalms", "verse", "hymn", "opus", "op", "symphony", "concerto", "sonata", "mark",
	"formula", "f1", "world war", "super bowl", "group", "pool", "heat", "match", "leg", "day",
	"draft", "schedule", "form", "title", "part", "annex", "appendix", "bill", "law", "decree",
	"order", "directive", "regulation", "local")

// dotDesignators are designators that count only with their dot ("No. 1").
var dotDesignators = setOf("no", "nos", "vol", "fig", "art", "sec", "ch", "op",
	"ref", "tel", "ext", "p", "pp")

// idPrefixOK are words that may precede "-<number>" without making it an
// identifier ("mid-1990s", "top-10", "under-21").
var idPrefixOK = setOf("mid", "pre", "post", "top", "under", "over", "early", "late", "circa",
	"ex", "non", "anti", "sub", "about", "around", "some", "nearly", "almost", "roughly", "a", "an",
	"the", "and", "or", "to", "by", "of", "in", "at", "on", "for", "from", "with", "than", "minus",
	"plus", "up", "down", "all", "first", "last", "best", "worst", "year", "years")
