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
// unit. Kind and unit code (DESIGN.md, "The article document"):
//
//   - money: a currency symbol or code before the number ("$", "US$",
//     "C $", "HK$", "£", "€", "¥", "USD 5", "Rs 500") or a name or code after
//     it ("dlrs", "yen", "stg", "swiss francs", "125 million australian
//     dollars", "5 EUR", "100 ₡"); the unit is the ISO 4217 code. Plain
//     "$" and "dollars" are USD; names shared by several currencies take the
//     most common one ("pesos" MXN, "dinars" KWD, "francs" FRF, "marks" DEM
//     as on the 1987 wire). Two sub-units have no ISO code and keep their
//     value: "cent" (cents, "cts"; the currency is not stated) and "pence"
//     ("p", pence sterling). "3 dollars 50 cents" is one figure, 3.5 USD.
//   - percent: "%", "percent", "per cent", "pct", "percentage" → "%";
//     "percentage points" → "pp", kept apart from "%" because a change of
//     2 points and a change of 2 per cent differ; "basis points" → "bp".
//   - distance (km, m, cm, mm, mi, nmi, ft, in, yd), weight (kg, g, mg, µg,
//     t for tonnes and metric tons, ton for "tons", lb, oz, ozt), area (km2,
//     m2, mi2, ft2, ha, acre), volume (l, ml, gal, barrel, bpd, m3, ft3,
//     bcm), temperature (C, F, and deg for bare "degrees"), duration (s, min,
//     h, day, week, month, year, decade, century), age (year, month, week,
//     day: "27-year-old", "five years old", "aged 27"), speed (km/h, mph,
//     kn, m/s). "pounds" is weight unless money words are near ("profit",
//     "paid", "£", …) and weight words are not; bare "degrees" is a
//     temperature next to weather words and kind other (an angle) elsewhere.
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
// → 3200000000 USD, "12%" → 12 %, "50 cents" → 50 cent. A range ("between
// 10,000 and 15,000", "10-15 km", "10 to 15 percent", "$5-10 million",
// "aged 30-39") is one figure: Value is the low end, RangeTo the high end,
// Qualifier "range"; the ends share unit and scale. "from 5 to 7" and "rose
// 5 pct to 7 pct" are two figures (a change, not a range). A bare number in
// a list takes the unit of the next one ("4,340, 4,345 and 4,350 dlrs").
//
// Qualifier words before the figure set Qualifier: more_than ("more than",
// "over", "above", "exceeds", "in excess of"), at_least ("at least", "no
// fewer than"), approx ("about", "around", "some", "roughly",
// "approximately", "an estimated"), less_than ("less than", "fewer than",
// "under", "below", and "nearly" and "almost", which state a value just
// short of the number), at_most ("up to", "at most", "no more than", "as
// many as"); after it: "or more" (at_least), "or so" (approx), "or less"
// (at_most), "5,000+". "over" and "under" before a duration are not
// qualifiers ("repaid over 3 years").
//
// # The Text span
//
// Text = text[Start:End] covers the number with its sign, scale and
// unit or currency, wherever they are written: "$3.2 billion", "US$ 1MM",
// "65 kilometers", "minus 10 degrees Celsius", "27-year-old", "aged 27",
// "1.5 mln dlrs", "10-15 km", "10,000 and 15,000". Qualifier words,
// "between" and the subject are not part of it; Qualifier and Subject
// report them.
//
// # What is not a figure
//
// Not emitted at all (no date, time, year or ordinal kinds): identifiers and
// model names (F-16, G7, MH17, A320, Covid-19, SCP-173, 5G, Boeing 737,
// Article 5, No. 1, Flight 370, Chapter 11, "13-G"), phone numbers, ISBNs,
// version numbers and addresses ("2.0.1", "192.168.1.2"), years ("in
// 1987", "1986/87", "the 1990s", "'87"), dates ("Feb 26", "26 February",
// "14 to 17 February", "26/02/2022"), clock times ("3:04 PM", "0857 GMT",
// "3 pm", "12 noon"), ordinals ("fifth day", "4th"), stock-split ratios
// ("3-for-2"), sports scores ("2-1 win", "6-3 3-6"), small numbers right
// after a capitalised word mid-sentence ("Radio 4", "Top 40", "Spider-Man
// 2"), number words inside names ("Four Seasons", "Group of Seven") and the
// codes in angle brackets of wire copy ("<SRD>", "<Systems 4 Inc>"). So are
// vague quantities ("dozens of", "hundreds of"), bare "half", and the lone
// word "one" unless it has a unit, scale or sign ("one dollar", "one
// million").
//
// Sentence counts sentences of the text from 0: a sentence ends at a line
// break or at ".", "!" or "?" followed by space and a capital, digit or
// quote, except after an abbreviation ("Mr.", "Feb.") or an initial.
//
// EVAL.md gives the measured quality and speed and how to reproduce them.
package figures

import (
	"math"

	"github.com/newsflow/newsflow/pkg/article"
)

// Extract returns the figures in text in order of Start, or nil when there
// are none. Start and End are byte offsets into text with text[Start:End] ==
// Text; Sentence counts sentences of text from 0; Paragraph is left 0 for
// the caller to set.
func Extract(text string) []article.Figure {
	s := scanner{text: text}
	s.run()
	if len(s.figs) == 0 {
		return nil
	}
	s.inheritListUnits()
	return s.figs
}

// scanner holds the state of one Extract call.
type scanner struct {
	text     string
	kbuf     [48]byte
	pbuf     [96]byte
	figs     []article.Figure
	meta     []figMeta // beside figs: what inheritListUnits needs
	lastEnd  int
	nextMark [len(sentMarks)]int
	sentPos  int
	sentIdx  int
	sentHas  bool
}

// figMeta keeps what the list pass needs to know about an emitted figure.
type figMeta struct {
	v        dec
	scaled   bool
	scalePow int
	one      bool
	cur      bool
}

// fig is a figure under construction.
type fig struct {
	num     number
	start   int
	end     int
	v       dec
	hasTo   bool
	to      dec
	unit    string
	kind    string
	uflags  int
	cur     bool // currency written before the number
	signed  bool
	qual    string
	subject string
	ratio   bool // "one in five": value is the fraction
	odd     bool // "100-odd": approximate
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
	if !f.hasTo {
		// The lone word "one" or "a half" is a determiner, not a figure.
		if f.num.one && f.unit == "" && !f.num.scaled && !f.signed && !f.ratio {
			return f.end
		}
		// "Four Seasons", "Big Ten", "Formula One": number words in names.
		if f.num.word && f.num.capWord && f.unit == "" && !f.ratio && s.inName(f) {
			return f.end
		}
		switch q {
		case qBetween, qFrom:
		case article.QualifierMoreThan, article.QualifierLessThan:
			if f.kind == article.KindDuration && s.overUnder(f.start) {
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
	}
	if f.unit == "" {
		f.kind = article.KindCount
	}
	f.subject = s.subject(&f)
	if verb && f.qual == q && f.unit == "" && (f.subject != "" || s.tallyAfter(f.end)) {
		// "passed 12 bills", "passed 6 to 3": the verb's object, not a bound.
		f.qual = ""
	}
	if f.unit == "" && f.subject == "" && !f.hasTo && !f.ratio && s.afterName(f) {
		return f.end // "Radio 4", "Hall 25", "Top 40", "Spider-Man 2"
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
	s.meta = append(s.meta, figMeta{v: f.v, scaled: f.num.scaled, scalePow: f.num.scalePow, one: f.num.one, cur: f.cur})
	return f.end
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
	f := fig{num: num, start: num.start, end: num.end, v: num.v}
	if end, skip := s.notQuantity(num); skip {
		return fig{}, false, end
	}
	if end, phone := s.phoneAt(num); phone {
		return fig{}, false, end
	}
	s.sign(&f)
	s.currencyBefore(&f)
	if !f.signed {
		s.sign(&f)
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
		if s.denominator(num.start) {
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
	if !f.num.scaled && (f.unit == "" || f.cur) {
		s.scaleAfter(&f)
	}
	s.oddAfter(&f)
	if f.unit == "" || f.cur {
		s.unitAfter(&f)
	}
	if f.unit == "" && !f.cur && !f.num.scaled && !f.signed {
		if end, ok := s.addressAfter(&f); ok {
			return fig{}, false, end // "10 Downing Street"
		}
		if s.phoneContext(&f) {
			return fig{}, false, f.end // "call 101", "dial 999"
		}
	}
	s.age(&f)
	if f.unit == "" && !f.num.scaled && !f.cur && !f.signed && s.isYear(&f) {
		return fig{}, false, skipToken(t, num.start)
	}
	return f, true, f.end
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
	ws, we, dot, ok := prevWord(t, f.start)
	if ok && !dot {
		switch s.key(t[ws:we]) {
		case "minus", "negative":
			// "plus or minus 3": a margin.
			if a, b, _, ok := prevWord(t, ws); ok && s.key(t[a:b]) == "or" {
				if c, d, _, ok := prevWord(t, a); ok && s.key(t[c:d]) == "plus" {
					f.start, f.signed = c, true
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
	if p-q > 3 {
		return p // at most one space between the sign and the number
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
