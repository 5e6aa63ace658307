// Package figures is the figure-extraction stage: it finds the quantities a
// news text states (counts, money, percentages, measures, ages) and returns
// each with its value, unit, qualifier and the thing counted. It is pure:
// no I/O, no clock, no state between calls; its tables are immutable, so
// Extract is safe for concurrent use.
//
// # What is a figure
//
// A figure is a number written in digits ("1,114", "5.93", "40 000",
// ".08", "10 1/2", "104-3/8", "7½") or in words ("five", "twenty-five",
// "two hundred and fifty", "a dozen", "half a million", "one and a half",
// "two thirds", "two hundred point zero three"), with an optional sign
// ("-5", "minus 10", "negative one", "25 degrees below zero"), scale ("3.2
// billion", "1.5 mln", "£600m", "10k", "1.2b", "13 lakh", "3 dozens") and
// unit. Kind and unit code (DESIGN.md, "The article document"; the codes
// DESIGN.md does not list are chosen here and listed in EVAL.md):
//
//   - money: a currency symbol or code before the number ("$", "US$",
//     "C $", "HK$", "£", "€", "¥", "USD 5", "Rs 500", "KSh 50 billion",
//     "KSh217", "Tk 7.6 trillion", "R254 billion") or a name or code after
//     it ("dlrs", "yen", "stg", "swiss francs", "125 million australian
//     dollars", "5 EUR", "100 ₡", "25 cedis"); the unit is the ISO 4217
//     code (KSh is KES). "dollars" are USD, and so is a plain "$" but in
//     local copy (no other currency named anywhere) that names another
//     country of the dollar in its first sentence ("Toronto's fare rises to
//     $3.35": CAD). Names and signs shared by several countries take the
//     currency of the country the text names first, else the most common
//     one: pesos (MXN), rupees and "Rs" (INR), dinars (KWD), francs (CHF;
//     French, Belgian, CFA by their countries), lira (TRY; "lire" ITL),
//     crowns and "kr" (SEK), lei (RON), dirhams (AED), shillings and "Sh"
//     (KES); "marks" DEM as on the 1987 wire, "rials" IRR. A single capital glued to an amount is a currency only
//     with a scale or separators ("R254 billion", "N5bn"; "R5" and "N95"
//     are codes), and so is a prefix usually written in mixed case when
//     written in capitals ("RS6 billion", "paid RS500"; "Audi RS6" is a
//     model name). Two sub-units have no ISO code and keep their value:
//     "cent" (cents, "cts"; the currency is not stated) and "pence" ("p",
//     pence sterling). "3 dollars 50 cents" is one figure, 3.5 USD, and so
//     are the spoken "one dollar twenty-seven" (1.27 USD) and "two pounds
//     fifty" (2.5 GBP); "quid" is GBP.
//   - percent: "%", "percent", "per cent", "pct", "percentage" → "%";
//     "percentage points" → "pp", kept apart from "%" because a change of
//     2 points and a change of 2 per cent differ; "basis points" → "bp".
//   - distance (km, m, cm, mm, mi, nmi, ft, in, yd), weight (kg, g, mg, µg,
//     t for tonnes and metric tons, ton for "tons", lb, oz, ozt), area (km2,
//     m2, mi2, ft2, ha, acre), volume (l, ml, gal, barrel, m3, ft3, bcm, and
//     barrel/day for "barrels per day", "barrels a day", "bpd", "b/d"),
//     temperature (C, F, and deg for bare "degrees"), duration (s, min, h,
//     day, week, month, year, decade, century), age (year, month, week,
//     day: see Ages), speed (km/h for "km/h", "kph", "kilometres per hour";
//     mph for "mph", "miles an hour"; kn, m/s). "pounds" is weight unless
//     money words are near ("profit", "paid", "£", …) and weight words are
//     not; bare "degrees" is a temperature next to weather words and kind
//     other (an angle) elsewhere.
//   - other: points of an index, a poll or a game ("fell 2.1 points", "a
//     10-point lead": points), power and energy (kW, MW, GW; kWh, MWh, GWh,
//     TWh), bandwidth (kbps, Mbps, Gbps), concentrations in air (µg/m3,
//     "micrograms per cubic metre"), power to weight (W/kg), hash rates
//     (EH/s, TH/s), and angles.
//   - count: a number without a unit. Its subject is the noun phrase that
//     follows, up to and including the first plural noun ("314 tanks" →
//     "tanks", "57 multiple rocket launchers" → "multiple rocket
//     launchers"); a partitive takes its "of" phrase ("121 pieces of field
//     artillery"), and so does a share ("two thirds of voters" → "voters").
//     A measure, money or percentage takes the subject of a following "of"
//     phrase ("5,000 tonnes of wheat" → "wheat"), money also of "in" ("$48
//     billion in assets" → "assets").
//
// Value is in the unit as written: "five kilometers" → 5 km, "$3.2 billion"
// → 3200000000 USD, "12%" → 12 %, "50 cents" → 50 cent. A letter "m" glued
// to digits is million when a plural noun phrase follows within three words
// ("1.2m postal votes", "2.1m season tickets", "4m unemployed", "1.1m
// more"), a code in digits and a plural noun do ("11.2m 999 calls"), or a
// currency or unit other than a distance does ("1.8m dollars", "1.6m
// bpd"), and metres otherwise ("1.8m tall", "a 12m whale", "the
// 400m", "60m hurdles", "the 100m champion"); after a currency sign it is
// always million ("£600m").
//
// # Word fractions and ordinals
//
// A word fraction is one figure valued as the fraction: "a sixth of the
// budget" → 1/6, "one fifth of voters" 0.2, "two-thirds of members" 2/3,
// "three quarters" 0.75, "cut by a quarter." 0.25, "a quarter point" and
// "a quarter-point cut" 0.25 points. Followed by "of a" and a scale, it
// scales ("a quarter of a million" → 250,000, like "half a million"; "three
// quarters of a billion dollars" → 7.5e8 USD); followed by "of a" and a
// unit, it takes the unit ("a tenth of a second" → 0.1 s, "a quarter of a
// percentage point" → 0.25 pp). A word that is also an ordinal ("third" to
// "tenth", "hundredth", …, and "quarter") is a fraction after "a", "an" or
// "one" only when "of", punctuation, the end, "point(s)", a scale, a unit
// or a preposition of change that takes no noun ("since", "over", "from",
// "compared", "against": "down by a tenth since 2019") follows it; before
// any other word, an adjective ("a sixth straight month", "a third
// consecutive year", "a fifth successive week") or a noun ("a second term",
// "a third round", "the third time"), it is an ordinal and no figure. A
// duration unit after a true ordinal is such a noun ("a fourth month", "a
// third week", "a fifth day" are ordinals), but not after "quarter",
// which is never an ordinal adjective ("a quarter century", "a quarter
// hour" are fractions; "the fourth quarter" has no number word before it).
//
// A ratio is one figure valued as the fraction, kind count: "one in five"
// → 0.2, "three out of four" → 0.75, "1 in 3", "seven out of every 10",
// "1-in-5", "one in 45 million"; its parts are not counts of their own.
// The denominator has no unit and is not smaller than the numerator
// ("killed 3 in 10 days" is no ratio).
//
// # Ranges, changes, tallies and margins
//
// A range ("between 10,000 and 15,000", "10-15 km", "10 to 15 percent",
// "$5-10 million", "from 2C to 8C", "aged 11 to 18") is one figure: Value
// is the low end, RangeTo the high end, Qualifier "range". The ends share
// unit and scale: "$5-7 billion" is 5e9 to 7e9, "from 3 to 5 million
// euros" 3e6 to 5e6. "from X to Y" is a range unless a verb or noun of
// change comes before it in the sentence ("rose from 5 pct to 7 pct",
// "would raise the pension age from 60 to 65": two figures, a change);
// words of range ("range", "vary", "anywhere") win. After a verb of change,
// "X to Y" is a change when X has a unit or scale of its own ("rose 5 pct
// to 7 pct"), when Y has no unit ("grew by almost 400,000 to 4.1 million")
// or when Y is more than four times X, and a range of the change
// otherwise ("expected to grow by 25 to 35 pct"). In a change or an
// alternative, a count before a scaled count takes its scale ("rose from 3
// to 5 million" → 3e6 and 5e6). A bare number in a list takes the unit of
// the next one ("4,340, 4,345 and 4,350 dlrs").
//
// "N-M" is a vote tally, two counts, when a vote verb is among the four
// words before it ("the Senate voted 51-49", "ruled 6-3", "approved the
// merger 97-3"), a vote word follows it ("a 5-4 decision") or a voting body
// is in the sentence and the pair does not rise or an outcome verb is near
// ("the motion was defeated 4-5"); "by 312 votes to 259" is two counts
// anyway, and so is "fifteen votes to nil" (nil is 0 there). A pair of
// number words that makes no number ("three-one", "two-nil") is decided
// the same way. Otherwise "N-M" is a sports score, no figure at all, when a sport
// verb or a result word is near ("won 3-1", "a 2-2 draw", "lost 1-2") or
// when it does not rise; an aircraft-style pair ("737-800") is a model
// name. A sport verb nearer than any vote word makes a score.
//
// A margin is positive and its sign is part of the span: "plus or minus 3
// percentage points", "±3.1 points", "+/- 3%" → 3.
//
// # Qualifiers
//
// Qualifier words before the figure set Qualifier: more_than ("more than",
// "over", "above", "exceeds", "in excess of", "topped", "surpassed",
// "passed", "surged past"), at_least ("at least", "no fewer than"), approx
// ("about", "around", "some", "roughly", "approximately", "an estimated",
// "near", "in the region of", "an estimated street value of", "estimated
// the crowd at", and "nearly" and "almost": DESIGN.md has no
// other reading for them, and a figure just short of the number is close
// to it), less_than ("less than", "fewer than", "under", "below", "just
// under", "shy of"), at_most ("up to", "at most", "no more than", "as many
// as", "within"); after it: "or more" (at_least), "or so" (approx), "or
// less" (at_most), "5,000+", and "100-odd" (approx, the suffix inside the
// span). "over" before a duration is no qualifier ("repaid over 3
// years"; but "in over two hours", "for over a decade": see overDuring);
// "passed" before a count with a subject or a tally is its
// verb ("the Senate passed 12 bills").
//
// # Ages
//
// An age has kind age and unit year (or the unit written: "babies under
// six months" → month): "27-year-old", "five years old", "aged 27", "aged
// over 65" (the qualifier word outside the span), "aged 11 to 18", a bare
// number after "over" or "under" and a word for people ("voters over 65",
// "children under five"), and a bare number of at most three digits
// between commas after a name or a word for a person ("The president,
// 78, said", "John Smith, 52, of Bristol", "Mr Biden, now 81,") or in
// brackets after a full name ("John Smith (52)"). The bare numbers listed
// after an age are ages ("aged 8, 10 and 12").
//
// # The Text span
//
// Text = text[Start:End] covers the number with its sign, scale and
// unit or currency, wherever they are written: "$3.2 billion", "US$ 1MM",
// "65 kilometers", "minus 10 degrees Celsius", "27-year-old", "aged 27",
// "1.5 mln dlrs", "10-15 km", "10,000 and 15,000", "one in five", "plus or
// minus 3 points", "400,000 barrels a day". Qualifier words, "between",
// "from" and the subject are not part of it; Qualifier and Subject report
// them.
//
// # What is not a figure
//
// Not emitted at all (no date, time, year or ordinal kinds): identifiers and
// model names (F-16, G7, MH17, A320, Covid-19, SCP-173, 5G, Boeing 737,
// 737-800, Article 5, No. 1, "No 10", Flight 370, Chapter 11, "13-G"),
// variant names ("BA.2.86", "JN.1", "XBB.1.5", "B.1.1.7": capitals, a dot,
// digits), the numbers listed after a designator ("junctions 9 and 10",
// "Articles 5, 6 and 7"), phone numbers ("101" or "999" after "call",
// "dial", "ring" or "call police on", "0800 555 111", "020 7946 0958",
// "1-800-273-8255", "+1 202 555 0143", "(202) 555-0147", "1 800 555
// 0199"; read out: "nine-nine-nine", "oh-eight-hundred", and an
// identifier spelled out, "L-P-eight-one"), street addresses (a number before capitalised words ending in a
// street word: "10 Downing Street", "45 Grove Road", "12 High St"), the
// denominator of a rate (after "per" or "for every": in "4.3 deaths per
// 100,000 people" only 4.3 is a figure; after "in" the round base of a
// concentration, "88 microgrammes of alcohol in 100 millilitres of
// breath"), calibres and gauges ("a 9mm handgun", "a 12-bore", "a .22
// rifle"), postal and dialling codes ("the 70117 ZIP code"), ISBNs, version numbers and
// addresses ("2.0.1", "192.168.1.2"), years ("in 1987", "1986/87", "the
// 1990s", "'87", "1985's"), dates ("Feb 26", "26 February", "14 to 17
// February", "26/02/2022"), clock times ("3:04 PM", "0857 GMT", "3 pm",
// "12 noon", "eight o'clock"), ordinals ("fifth day", "4th", "a sixth straight month", "a
// third week": see Word fractions and ordinals), stock-split ratios
// ("3-for-2"), sports scores ("2-1 win", "6-3 3-6", spoken "three-one") and the notations of
// games whose scores are not "N-M" (cricket's "287 for six", "took 3-55",
// "in 43.2 overs"; golf's "a 65", "at 17 under par", "13-under 275", "a
// closing 68", "a 4-iron"), small numbers right
// after a capitalised word mid-sentence ("Radio 4", "Top 40", "Spider-Man
// 2"), number words inside names ("Four Seasons", "Group of Seven"; a
// number phrase with a lower-case word is no name: "Half a million
// Britons", "Twenty-nine Japanese banks") and the
// codes in angle brackets of wire copy ("<SRD>", "<Systems 4 Inc>"), and the
// desk code and filing time in parentheses that close a wire paragraph
// ("(FXGS 1104)": capital letters, then a number of up to four digits). So are
// vague quantities ("dozens of", "hundreds of"), "half" unless it is a
// proportion ("half of the residents", "nearly half the votes", "fell by
// almost half" are 1/2 as "a third of" is; "the second half of 2024" and
// "half-time" are not), and the lone word "one" unless it has a unit,
// scale or sign ("one dollar", "one million"), opens a ratio ("one in
// five"), counts a noun it is hyphenated to ("a one-bedroom flat") or a
// margin ("one stroke ahead", "by one wicket", "one point behind");
// "at one point" has no unit.
//
// Sentence counts sentences of the text from 0: a sentence ends at a line
// break or at ".", "!" or "?" followed by space and a capital, digit or
// quote, except after an abbreviation ("Mr.", "Feb.") or an initial.
//
// EVAL.md gives the measured quality and speed and how to reproduce them.
//
// # Where the rules live
//
// scan.go walks the text and starts a figure at each number (figures.go,
// anchor and core); number.go and words.go read the number; money.go,
// scale.go and units.go what is written around it; ages.go, qualifiers.go,
// ranges.go (ranges, changes, ratios, lists) and tallies.go (vote tallies,
// scores) what the words around it make of it; names.go and dates.go
// reject the numbers that are no figures; subject.go, cues.go and
// sentences.go fill in the rest; tables.go holds the shared word tables.
package figures

import (
	"math"
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// Extract returns the figures in text in order of Start, or nil when there
// are none. Start and End are byte offsets into text with text[Start:End] ==
// Text; Sentence counts sentences of text from 0; Paragraph is left 0 for
// the caller to set.
func Extract(text string) []article.Figure {
	canon, folds := fold(text)
	s := scanner{text: canon, raw: text, folds: folds}
	s.run()
	if len(s.figs) == 0 {
		return nil
	}
	s.inheritListUnits()
	s.carryPoints()
	if folds != nil {
		s.unfold()
	}
	return s.figs
}

// scanner holds the state of one Extract call.
type scanner struct {
	text      string   // the canonical copy (fold.go); the raw text when nothing folds
	raw       string   // the input
	folds     []foldPt // where text differs from raw
	kbuf      [48]byte
	pbuf      [96]byte
	figs      []article.Figure
	meta      []figMeta // beside figs: what inheritListUnits needs
	lastEnd   int
	lastPhone int            // where the last phone number ended (phoneContext)
	lower     string         // text in lower case, made when a currency needs its country (countryCurrency)
	dollar    string         // the currency of a bare "$" (bareDollar), once decided
	countries [8]countryMemo // countryCurrency's answers for this text
	us        int8           // usCopy: 0 undecided, 1 yes, 2 no
	nextMark  [len(sentMarks)]int
	sentPos   int
	sentIdx   int
	sentHas   bool
	prev      prevCache
}

// figMeta keeps what the list pass needs to know about an emitted figure.
type figMeta struct {
	v        dec
	scaled   bool
	scalePow int
	one      bool
	cur      bool
	frac     bool // a word fraction: "a quarter", "one-third"
	ratio    bool // "one in eight"
}

// fig is a figure under construction.
type fig struct {
	num       number
	start     int
	end       int
	v         dec
	hasTo     bool
	to        dec
	unit      string
	kind      string
	uflags    int
	cur       bool // currency written before the number
	signed    bool
	qual      string
	subject   string
	ratio     bool   // "one in five": value is the fraction
	tally     bool   // the first count of a vote tally "51-49"
	odd       bool   // "100-odd": approximate
	groupQual string // the bound of an age group ("the over-70s": more_than)
}

// anchor builds the figure whose number starts at i and records it. It
// returns the position to resume scanning from, always > i.
func (s *scanner) anchor(i int) int {
	f, ok, resume := s.core(i)
	if !ok {
		if resume <= i {
			resume = i + 1
		}
		return resume
	}
	t := s.text
	if end, score := s.spokenScore(&f); score {
		return end // "win it three-one": a score spoken
	}
	q, qs, verb := s.qualBefore(f.start)
	if !s.ratioAfter(&f) {
		drop, resume := s.rangeAfter(&f, q, qs)
		if drop {
			if resume <= i {
				resume = i + 1
			}
			return resume
		}
	}
	if f.hasTo && f.unit == "" && s.ageGroupAfter(f.end) {
		f.unit, f.kind = "year", article.KindAge // "the 18-34 demographic", "the 25-34 age group"
	}
	if !f.hasTo {
		// The lone word "one" or "a half" is a determiner, not a figure.
		if f.num.one && f.unit == "" && !f.num.scaled && !f.signed && !f.ratio && !s.comparativeAfter(f.end) && !s.oneCompound(&f) && !s.oneMargin(&f) && !s.oneCounts(&f) &&
			!s.oneAfterBound(&f, qs) && !s.oneTally(&f) {
			return f.end
		}
		// "a seven-figure deal", "a half-life of 30 years": compounds that
		// count nothing.
		if f.num.word && f.unit == "" && !f.ratio && s.noCountCompound(f.end) {
			return f.end
		}
		// "Four Seasons", "Big Ten", "Formula One": number words in names.
		if f.num.word && f.num.capWord && f.unit == "" && !f.ratio && s.inName(f) {
			return f.end
		}
		switch q {
		case qBetween:
		case qFrom:
			if f.kind == article.KindMoney && s.priceFrom(qs) {
				f.qual = article.QualifierAtLeast // "footstools priced from £49"
			}
		case article.QualifierMoreThan, article.QualifierLessThan:
			if f.kind == article.KindDuration && (s.overDuring(&f) || s.overPhasedIn(f.start)) || f.kind == article.KindDistance && s.overDistance(&f) || s.overExtent(f.start) || s.overParticle(f.start) || s.overAfterFigure(&f) {
				break
			}
			f.qual = q
		default:
			f.qual = q
		}
		if f.qual == "" {
			f.qual = s.qualAfter(f.end)
		}
		if f.qual == "" && f.odd {
			f.qual = article.QualifierApprox
		}
		if f.qual == "" {
			f.qual = f.groupQual
		}
	}
	if f.unit == "" && !f.hasTo && !f.ratio && !f.tally && !f.num.scaled {
		s.fromLevel(&f) // "fell to 4,180 tonnes from 5,920", "was one point two terawatt hours, up from nought point nine"
		if !f.num.word {
			s.raceSeconds(&f) // "third in 9.89"
		}
	}
	if f.unit == "" {
		f.kind = article.KindCount
	}
	if f.qual == "" && !f.hasTo {
		f.qual = s.conversionQualifier(&f)
	}
	f.subject = s.subject(&f)
	if verb && f.qual == q && f.unit == "" && (f.subject != "" || s.tallyAfter(f.end) || enDashPair(t, f.end)) {
		// "passed 12 bills", "passed 6 to 3": the verb's object, not a bound.
		f.qual = ""
	}
	if f.unit == "" && f.subject == "" && !f.hasTo && !f.ratio && !f.tally && (s.afterName(f) || s.wireTag(f)) {
		return f.end // "Radio 4", "Hall 25", "Top 40", "Spider-Man 2", "(FXGS 1104)"
	}
	if f.unit != "" && !f.hasTo && s.titledUnit(&f) {
		return f.end // "the 24 Hours of Le Mans", "the Six Days of Flanders"
	}
	if !f.hasTo && s.purityGrade(&f) {
		return f.end // "18-carat gold", "950 platinum": a grade of the metal
	}
	if !f.hasTo && !f.signed {
		if end, ok := s.calibre(&f); ok {
			return end // "a 9mm handgun", "a 12-bore shotgun", "a .22 rifle": a type of gun
		}
	}
	if !f.hasTo && s.waferClass(&f) {
		return f.end // "70,000 300mm wafers a month": the wafer class, an identifier
	}
	if !f.hasTo && !f.ratio && !f.tally && s.seismicLevel(&f) {
		return f.end // "shaking of upper 5 on the Japanese scale": an intensity level
	}
	if f.unit == "" && !f.hasTo && !f.ratio && !f.tally && (s.modelAfterCount(&f) || s.modelSuffix(&f)) {
		return f.end // "delivered 42 737 MAX jets", "737 Max 9 jets"
	}
	if end, ok := s.sportTotal(&f); ok && !f.hasTo && !f.ratio && !f.tally {
		return end // "287 for six", "carded a 65", "-12"
	}
	if f.start < s.lastEnd {
		return f.end
	}
	v := f.v.value()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return f.end
	}
	out := article.Figure{
		Text:      t[f.start:f.end],
		Start:     f.start,
		End:       f.end,
		Value:     v,
		Unit:      f.unit,
		Subject:   f.subject,
		Kind:      f.kind,
		Qualifier: f.qual,
		Sentence:  s.sentenceOf(f.start),
	}
	if f.hasTo {
		to := f.to.value()
		out.RangeTo = &to
	}
	if s.figs == nil {
		s.figs = make([]article.Figure, 0, len(t)/256+4)
		s.meta = make([]figMeta, 0, len(t)/256+4)
	}
	s.lastEnd = f.end
	s.figs = append(s.figs, out)
	s.meta = append(s.meta, figMeta{v: f.v, scaled: f.num.scaled, scalePow: f.num.scalePow, one: f.num.one, cur: f.cur,
		frac: f.wordFraction(), ratio: f.ratio})
	return f.end
}

// enDashPair reports an en dash and a digit at p: the second number of a
// pair ("passed 171–148").
func enDashPair(t string, p int) bool {
	return strings.HasPrefix(t[p:], "–") && p+3 < len(t) && isDigit(t[p+3])
}

// core parses the number at i with its sign, currency, scale and unit, and
// rejects identifiers, dates, times and years. It reports false with the
// position to resume from when there is no figure.
func (s *scanner) core(i int) (fig, bool, int) {
	t := s.text
	var num number
	var ok bool
	var next int
	if isDigit(t[i]) || t[i] == '.' {
		num, ok, next = s.literal(i)
	} else {
		num, ok, next = s.words(i)
	}
	if !ok {
		return fig{}, false, next
	}
	if num.word {
		if end, code := s.spokenCode(num); code {
			return fig{}, false, end // "nine-nine-nine", "oh-eight-hundred", "L-P-eight-one"
		}
	}
	if !num.word && notation(t, num.start, num.end) {
		return fig{}, false, skipToken(t, num.start)
	}
	if num.plain && num.ndigits >= 11 && !num.hasDecimal {
		// "Microchip 977200009876543": eleven digits or more with no
		// separator after a word are a code (in prose a quantity that
		// large is written with commas or a scale).
		if _, _, _, ok := prevWord(t, num.start); ok {
			return fig{}, false, num.end
		}
	}
	f := fig{num: num, start: num.start, end: num.end, v: num.v}
	switch {
	case num.race:
		f.unit, f.kind = "s", article.KindDuration
	case num.inches:
		f.unit, f.kind = "in", article.KindDistance
	}
	if end, skip := s.notQuantity(num); skip {
		return fig{}, false, end
	}
	if end, phone := s.phoneAt(num); phone {
		s.lastPhone = end // "dial +44 7700 900123 from abroad or 150 from a mobile"
		return fig{}, false, end
	}
	if num.word && num.v.value() == 0 && num.start >= 9 && strings.EqualFold(t[num.start-9:num.start], "absolute ") {
		return fig{}, false, num.end // "2 degrees above absolute zero"
	}
	s.sign(&f)
	s.currencyBefore(&f)
	if !f.signed {
		s.sign(&f)
	}
	if !f.cur && f.unit == "" && num.sfx == "" {
		s.unitBefore(&f)
	}
	if !f.cur && f.unit == "" && num.sfx == "" && tPlus(t, num) {
		if num.v.value() < 10 {
			return fig{}, false, num.end // "T+1 settlement": a settlement cycle, no figure
		}
		// "priced at T+165": a new bond's spread over Treasuries, in
		// basis points.
		f.start, f.signed, f.unit, f.kind = num.start-2, false, "bp", article.KindPercent
	}
	if num.sfx != "" {
		if !s.suffix(&f) {
			return fig{}, false, skipToken(t, num.start)
		}
	}
	if !f.cur && !f.signed && f.unit == "" {
		if s.designated(num.start) && !(s.tallyAfter(f.end) && s.voteContext(f.start, f.end, false)) {
			return fig{}, false, s.designatedListEnd(max(f.end, skipToken(t, num.start)))
		}
		if s.denominator(num.start) && !s.unitCompound(num.end) {
			return fig{}, false, f.end // "4.3 deaths per 100,000 people"
		}
	}
	if (num.plain || num.word) && f.unit == "" {
		if end, isDate := s.dateAround(&f); isDate {
			return fig{}, false, end
		}
	}
	if end, isTime := s.timeAfter(&f); isTime {
		return fig{}, false, end
	}
	if s.dotClock(&f) {
		return fig{}, false, f.end // "ends on 31.12.2026 at 23.59"
	}
	if !f.num.scaled && (f.unit == "" || f.cur) {
		s.scaleAfter(&f)
	}
	s.oddAfter(&f)
	if f.unit == "" || f.cur {
		s.unitAfter(&f)
	}
	if f.unit == "" && !f.cur {
		s.dimensionUnit(&f)
	}
	if f.unit == "" && !f.cur && s.eventTime(&f) {
		f.unit, f.kind = "s", article.KindDuration // "his 9.81 in the 100m" (sport.go)
	}
	if f.unit == "night" && f.end > 0 && isCapitalized(t[wordStart(t, f.end):f.end]) {
		f.unit, f.kind, f.end = "", "", num.end // "One Night", a title
	}
	if (f.kind == article.KindDistance || f.kind == article.KindWeight) && !f.cur {
		s.perTime(&f)
	}
	if f.unit == "l" {
		for _, per := range [...]string{" per 100km", " per 100 km", "/100km", "/100 km"} {
			if strings.HasPrefix(t[f.end:], per) {
				f.unit, f.kind, f.end = "l/100km", article.KindOther, f.end+len(per) // fuel use
				break
			}
		}
	}
	if num.fracEnd > 0 && f.end == num.end {
		f.end = num.fracEnd // "a third of a": no unit after the article
	}
	if f.unit != "" && !f.hasTo && !f.signed && roundDenominator(f.v.value()) && (s.denominator(f.start) || s.concentrationBase(&f)) {
		return fig{}, false, f.end // "22.5g per 100g", "one point for every £1 spent", "88 microgrammes of alcohol in 100 millilitres of breath"
	}
	if f.unit == "" && !f.cur && !f.num.scaled && !f.signed {
		if w, _, ok := s.nextWordTok(f.end); ok && (w.key == "patch" || w.key == "firmware") && !f.num.word {
			return fig{}, false, f.end // "the 1.04 patch": a version
		}
		if end, ok := s.addressAfter(&f); ok {
			return fig{}, false, end // "10 Downing Street"
		}
		if end, ok := footyScore(t, &f); ok {
			return fig{}, false, end // "Collingwood 12.10 (82)": goals, behinds and points
		}
		if s.phoneContext(&f) {
			return fig{}, false, f.end // "call 101", "dial 999"
		}
		if num.lead0 && num.plain && num.ndigits >= 3 && num.sfx == "" && !f.hasTo {
			return fig{}, false, skipToken(t, num.start) // "train 03071": an identifier, no count
		}
		if end, ok := s.codeAfter(&f); ok {
			return fig{}, false, end // "a 401(k)", "7-Eleven", "Austin, TX 78767", "press 1"
		}
	}
	s.age(&f)
	if f.unit == "" && !f.num.scaled && !f.cur && !f.signed && s.isYear(&f) {
		return fig{}, false, skipToken(t, num.start)
	}
	return f, true, f.end
}

// tPlus reports a whole number written right after "T+" as a word of its
// own: a spread over Treasuries ("T+95") or, below 10, a settlement cycle
// ("T+1").
func tPlus(t string, num number) bool {
	p := num.start
	if num.word || !num.plain || num.hasDecimal || num.scaled || p < 2 || t[p-2:p] != "T+" {
		return false
	}
	return p == 2 || letterBefore(t, p-2) == 0 && !isDigit(t[p-3])
}

// sign applies a sign glued before the figure ("-5", "−5", "+3") or the
// word "minus" or "negative" before it. A margin ("±3", "+/- 3", "plus or
// minus 3") is a sign too, and positive: the figure is the margin.
func (s *scanner) sign(f *fig) {
	t := s.text
	p := f.start
	if m := marginBefore(t, p); m < p {
		f.start, f.signed = m, true
		return
	}
	for _, w := range [...]string{"minus-", "plus-"} {
		// "finished plus-3", "was minus-2": a player's plus-minus rating
		if q := p - len(w); q >= 0 && !f.num.word && strings.EqualFold(t[q:p], w) && letterBefore(t, q) == 0 {
			if w == "minus-" {
				f.v = f.v.neg()
			}
			f.start, f.signed = q, true
			return
		}
	}
	if p > 0 && !f.num.word || (p > 0 && f.cur) {
		c := t[p-1]
		sz := 0
		neg := false
		switch {
		case c == '-':
			sz, neg = 1, true
		case c == '+':
			sz = 1
		case p >= 3 && t[p-3:p] == "−":
			sz, neg = 3, true
		}
		if sz > 0 {
			q := p - sz
			ok := q == 0
			if !ok {
				b := t[q-1]
				ok = b == ' ' || b == '\t' || b == '\n' || b == '(' || b == '[' || b == '=' || b == ':' || b == '/' || b == '"' || b == '\''
			}
			if ok {
				if neg {
					f.v = f.v.neg()
				}
				f.start = q
				f.signed = true
				return
			}
		}
	}
	ws, _, dot, ok, k := s.prevKey(f.start)
	if ok && !dot {
		switch k {
		case "minus", "negative":
			// "plus or minus 3": a margin.
			if a, b, _, ok := prevWord(t, ws); ok && s.key(t[a:b]) == "or" {
				if c, d, _, ok := prevWord(t, a); ok && s.key(t[c:d]) == "plus" {
					f.start, f.signed = c, true
					return
				}
			}
			for _, pre := range [...]string{"plus-or-", "plus/"} {
				if ws >= len(pre) && strings.EqualFold(t[ws-len(pre):ws], pre) {
					f.start, f.signed = ws-len(pre), true // "plus-or-minus 5,000", "plus/minus 2.4 points"
					return
				}
			}
			f.v = f.v.neg()
			f.start = ws
			f.signed = true
		}
	}
}

// marginBefore returns where a margin sign ending at p starts ("±3",
// "± 3", "+/-3", "+/- 3", "+/–3"), or p when there is none.
func marginBefore(t string, p int) int {
	q := skipSpBack(t, p)
	if p-q > 3 || q < 2 {
		return p // at most one space between the sign and the number
	}
	if c := t[q-1]; c != 0xB1 && c != '-' && c != 0x93 {
		return p // the last byte of "±", "-" or "–"
	}
	var m int
	switch {
	case q >= 2 && t[q-2:q] == "±":
		m = q - 2
	case q >= 3 && t[q-3:q] == "+/-":
		m = q - 3
	case q >= 5 && t[q-5:q] == "+/–":
		m = q - 5
	default:
		return p
	}
	if m > 0 {
		if b := t[m-1]; !(b == ' ' || b == '\t' || b == '\n' || b == '(' || b == '[' || b == '"' || b == '\'') {
			return p
		}
	}
	return m
}

// conversionQualifier returns the qualifier of the figure that f converts
// in brackets right after it, of the same kind ("about 390 km (240
// miles)", "up to 96 mph (154 km/h)", "Up to 20cm (8in)"), or restates
// after ", or" ("about 1,200 jobs, or 6%", "almost one in eight people, or
// 946,000"). A conversion is as approximate, or as bounded, as what it
// converts.
func (s *scanner) conversionQualifier(f *fig) string {
	n := len(s.figs)
	if n == 0 {
		return ""
	}
	last := &s.figs[n-1]
	if last.Qualifier == "" || last.Qualifier == article.QualifierRange {
		return ""
	}
	between := strings.TrimSpace(s.text[last.End:f.start])
	if w, ok := strings.CutSuffix(between, ", or"); ok && w != "" && len(strings.Fields(w)) <= 3 && !strings.ContainsAny(w, ".,;:()") {
		between = ", or" // "about 1,200 jobs, or 6%": the noun of the first between
	}
	if between == ", or" && s.meta[n-1].ratio && f.unit == "" && !f.ratio {
		// "almost one in eight young people, or 946,000": the count the
		// ratio makes.
		return last.Qualifier
	}
	if between == ", or" && last.Unit == f.unit && f.kind == article.KindMoney && s.perShareAfter(f.end) {
		// "for up to $10 billion, or $86.25 a share": the price per share.
		return last.Qualifier
	}
	if f.unit == "" || last.Unit == f.unit {
		return ""
	}
	switch between {
	case "(", "[":
		if last.Kind == f.kind {
			return last.Qualifier
		}
	case ", or":
		// "about 1,200 jobs, or 6%", "up to 692,000 kph, or 0.064% of the
		// speed of light": the same quantity said another way; not an
		// age ("people over 60, or £300 where people are over 80").
		if last.Kind != article.KindAge && f.kind != article.KindAge {
			return last.Qualifier
		}
	}
	return ""
}

// fromLevel gives a bare number after "from" the unit of the figure the
// change went to, right before it: "landings fell to 4,180 tonnes from
// 5,920", "rose to 5.2 pct from 4.9", "at $67.44, up from 64.10". An
// unscaled figure only ("to 5.2 million tonnes from 4.9" would need the
// scale too), and not an age or a duration.
func (s *scanner) fromLevel(f *fig) {
	n := len(s.figs)
	if n == 0 || s.meta[n-1].scaled {
		return
	}
	last := &s.figs[n-1]
	if last.Unit == "" || last.Kind == article.KindAge || last.Kind == article.KindDuration {
		return
	}
	ws, _, dot, ok, k := s.prevKey(f.start)
	if !ok || dot || k != "from" {
		return
	}
	between := strings.TrimSpace(s.text[last.End:ws])
	switch between {
	case "", ", up", ", down", "up", "down":
	default:
		return
	}
	// The level the change went to: "to X from Y", "at X, up from Y", "was
	// X, up from Y"; not its amount ("fell by 23% from 36,185", "up 92.4
	// pct from 122,616").
	_, _, dot, ok, lk := s.prevKey(last.Start)
	if !ok || dot {
		return
	}
	switch lk {
	case "to", "at":
	case "was", "is", "were", "are":
		if between != ", up" && between != ", down" {
			return
		}
	default:
		return
	}
	f.unit, f.kind = last.Unit, last.Kind
}

// raceSeconds makes a bare time of a race in seconds and hundredths a
// duration: "with Noah Lyles third in 9.89", "Canada won gold in 37.50",
// "Tebogo ran 19.46 in the 200m final", after "in", "ran" or "clocked" in a
// sentence of a race.
func (s *scanner) raceSeconds(f *fig) {
	t := s.text
	n := f.num
	if !n.hasDecimal || f.end != n.end || n.end < 3 || t[n.end-3] != '.' || f.v.value() >= 600 {
		return // two decimals: "9.89", "37.50", "2:08.31" is read elsewhere
	}
	_, _, dot, ok, k := s.prevKey(f.start)
	if !ok || dot || !raceTimeVerbs[k] {
		return
	}
	if !s.cueNear(f.start, f.end, raceEventCues) {
		return
	}
	sent := s.sentenceOf(f.start)
	for i := len(s.figs) - 1; i >= 0 && s.figs[i].Sentence == sent; i-- {
		if g := &s.figs[i]; g.Kind == article.KindDistance && (g.Unit == "m" && g.Value > 800 || g.Unit == "km" || g.Unit == "mi") {
			return // "completing the 10,500m course in 33.22": minutes and seconds
		}
	}
	f.unit, f.kind = "s", article.KindDuration
}

// raceTimeVerbs right before a bare time of a race make it one: "ran
// 19.46", "splitting 46.81 on the freestyle leg".
var raceTimeVerbs = setOf("in", "ran", "clocked", "timed", "splitting", "split", "swam", "swum", "went")

// raceEventCues near a bare time make it a race's.
var raceEventCues = setOf("seconds", "relay", "sprint", "sprinter", "hurdles", "heats", "final", "race", "metres",
	"meters", "marathon", "100m", "200m", "400m", "800m", "freestyle", "backstroke", "breaststroke", "butterfly",
	"medley", "leg", "lap")
