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
	"strings"
	"unicode/utf8"

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
}

// key returns the lower-case form of the word w as a string without
// allocating: w itself when it is lower case already, else the table entry
// it matches, else a marker that matches no table.
func (s *scanner) key(w string) string {
	lower := true
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= 'A' && c <= 'Z' {
			lower = false
			break
		}
	}
	if lower {
		return w
	}
	k := lowerKey(s.kbuf[:0:cap(s.kbuf)], w)
	if k == nil {
		return "\x00"
	}
	if c, ok := vocab[string(k)]; ok {
		return c
	}
	return "\x00"
}

// run scans the text once. Words are skipped whole; digits, number words
// and a few marks start a figure (an anchor).
func (s *scanner) run() {
	t := s.text
	n := len(t)
	i := 0
	for i < n {
		c := t[i]
		switch {
		case asciiLetter[c]:
			j := i + 1
			for j < n && asciiLetter[t[j]] {
				j++
			}
			if j < n && t[j] >= utf8.RuneSelf {
				j = wordEnd(t, i)
			}
			if j-i <= 9 && isTriggerStart(c) && s.isTrigger(t[i:j]) {
				i = s.anchor(i)
			} else {
				i = j
			}
		case isDigit(c):
			i = s.anchor(i)
		case c < utf8.RuneSelf:
			switch {
			case c == '.' && i+1 < n && isDigit(t[i+1]) && (i == 0 || !isDigit(t[i-1]) && letterBefore(t, i) == 0):
				i = s.anchor(i)
			case c == '<':
				i = skipAngle(t, i)
			default:
				i++
			}
		default:
			if k := letterAtSlow(t, i); k > 0 {
				i = wordEnd(t, i)
				continue
			}
			_, size := utf8.DecodeRuneInString(t[i:])
			i += size
		}
	}
}

// triggerShape[len][first][last] marks the length and end letters of the
// trigger words, a cheap filter before the full comparison.
var triggerShape = func() (a [10][32][32]bool) {
	for _, w := range []string{"a", "an", "half", "zero", "nought", "naught", "one", "two", "three",
		"four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
		"fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
		"forty", "fifty", "sixty", "seventy", "eighty", "ninety"} {
		a[len(w)][w[0]-'a'][w[len(w)-1]-'a'] = true
	}
	return a
}()

func isTriggerStart(c byte) bool {
	switch c | 0x20 {
	case 'a', 'e', 'f', 'h', 'n', 'o', 's', 't', 'z':
		return true
	}
	return false
}

func (s *scanner) isTrigger(w string) bool {
	var buf [9]byte
	if len(w) > len(buf) || len(w) == 0 || !triggerShape[len(w)][((w[0]|0x20)-'a')&31][((w[len(w)-1]|0x20)-'a')&31] {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(w)]) {
	case "a", "an", "half", "zero", "nought", "naught", "one", "two", "three", "four", "five", "six",
		"seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
		"sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty",
		"seventy", "eighty", "ninety":
		return true
	}
	return false
}

// skipAngle skips a wire code in angle brackets ("<SRD>", "<Systems 4
// Inc>") when it closes on the same line within 80 bytes.
func skipAngle(t string, i int) int {
	for j := i + 1; j < len(t) && j-i <= 80; j++ {
		switch t[j] {
		case '>':
			return j + 1
		case '\n', '<':
			return i + 1
		}
	}
	return i + 1
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
	q, qs := s.qualBefore(f.start)
	_ = qs
	drop, resume := s.rangeAfter(&f, q)
	if drop {
		if resume <= i {
			resume = i + 1
		}
		return resume
	}
	if !f.hasTo {
		// The lone word "one" or "a half" is a determiner, not a figure.
		if f.num.one && f.unit == "" && !f.num.scaled && !f.signed {
			return f.end
		}
		// "Four Seasons", "Big Ten", "Formula One": number words in names.
		if f.num.word && f.num.capWord && f.unit == "" && s.inName(f) {
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
	}
	if f.unit == "" {
		f.kind = article.KindCount
	}
	f.subject = s.subject(&f)
	if f.unit == "" && f.subject == "" && !f.hasTo && s.afterName(f) {
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
		if s.designated(num.start) {
			return fig{}, false, max(f.end, skipToken(t, num.start))
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
	if f.unit == "" || f.cur {
		s.unitAfter(&f)
	}
	if f.unit == "" && !f.cur {
		s.ageBefore(&f)
	}
	if f.unit == "" && !f.num.scaled && !f.cur && !f.signed && s.isYear(&f) {
		return fig{}, false, skipToken(t, num.start)
	}
	return f, true, f.end
}

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

// sign applies a sign glued before the figure ("-5", "−5", "+3") or the
// word "minus" or "negative" before it.
func (s *scanner) sign(f *fig) {
	t := s.text
	p := f.start
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
			f.v = f.v.neg()
			f.start = ws
			f.signed = true
		}
	}
}

// currencyBefore reads a currency written before the number: a symbol
// ("$", "US$", "c $", "£", "€"), an ISO code ("USD 5") or a prefix word
// ("Rs 500").
func (s *scanner) currencyBefore(f *fig) {
	t := s.text
	p := skipSpBack(t, f.start)
	if p == 0 || f.start-p > 3 {
		return
	}
	c := t[p-1]
	if c == '$' {
		q := p - 1
		code := "USD"
		if letterBefore(t, q) > 0 {
			ws := wordStart(t, q)
			if cc, ok := dollarPrefixes[s.key(t[ws:q])]; ok && letterBefore(t, ws) == 0 {
				code, q = cc, ws
			}
		} else if r := skipSpBack(t, q); r < q && q-r <= 2 && letterBefore(t, r) > 0 {
			ws := wordStart(t, r)
			k := s.key(t[ws:r])
			if cc, ok := dollarPrefixes[k]; ok && k != "a" && k != "s" && k != "r" && k != "j" && k != "z" {
				code, q = cc, ws
			}
		}
		f.start, f.unit, f.kind, f.cur = q, code, article.KindMoney, true
		return
	}
	if c >= utf8.RuneSelf {
		r, size := utf8.DecodeLastRuneInString(t[:p])
		if code := symbolCurrency(r); code != "" {
			f.start, f.unit, f.kind, f.cur = p-size, code, article.KindMoney, true
		}
		return
	}
	ws, we, dot, ok := prevWord(t, f.start)
	if !ok {
		return
	}
	w := t[ws:we]
	if !dot && isoCodes[w] {
		if w == "RMB" {
			w = "CNY"
		}
		f.start, f.unit, f.kind, f.cur = ws, w, article.KindMoney, true
		return
	}
	if code, ok := prefixWordCurrencies[w]; ok && (!dot || w == "Rs" || w == "Rp") {
		f.start, f.unit, f.kind, f.cur = ws, code, article.KindMoney, true
	}
}

func symbolCurrency(r rune) string {
	switch r {
	case '£':
		return "GBP"
	case '€':
		return "EUR"
	case '¥':
		return "JPY"
	case '₹':
		return "INR"
	case '₽':
		return "RUB"
	case '₩':
		return "KRW"
	case '₪':
		return "ILS"
	case '₺':
		return "TRY"
	case '₴':
		return "UAH"
	case '₦':
		return "NGN"
	case '₱':
		return "PHP"
	case '฿':
		return "THB"
	case '₫':
		return "VND"
	case '₡':
		return "CRC"
	case '₾':
		return "GEL"
	case '₭':
		return "LAK"
	}
	return ""
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
	if f.num.plain && ordinalSuffixes[sfx] {
		return false
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
	if sc, ok := attachedScales[sfx]; ok {
		f.v = f.v.mulPow10(sc.pow)
		f.num.scaled, f.num.scalePow, f.end = true, sc.pow, end
		return true
	}
	if sfx == "m" && s.millionNext(end) {
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
	// "Insat 1C", "732L" (a low in a price table).
	if (sfx == "C" || sfx == "F" || sfx == "L") && !f.num.hasDecimal {
		if sfx == "L" || !s.cueNear(f.start, end, tempCues) {
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

// millionNext reports whether "m" glued to a number means million: it is
// followed by a currency or a plural noun ("2.5m people"), not by "tall"
// or nothing ("1.8m tall", "the 100m").
func (s *scanner) millionNext(p int) bool {
	t := s.text
	q := skipSp(t, p)
	if q == p || letterAt(t, q) == 0 {
		return false
	}
	w := t[q:wordEnd(t, q)]
	k := s.key(w)
	if metreEvents[k] {
		return false // "the 200m freestyle", "60m hurdles"
	}
	if u, ok := unitPhrases[k]; ok {
		return u.kind != article.KindDistance // "110m tons", "1.8m dollars"
	}
	return isPluralWord(k, w)
}

// metreEvents follow a distance in metres in sports copy.
var metreEvents = setOf("hurdles", "freestyle", "backstroke", "breaststroke", "butterfly", "medley",
	"relay", "relays", "events", "event", "race", "races", "sprint", "sprints", "final", "finals",
	"heats", "title", "titles", "record", "records", "dash", "run", "runs", "steeplechase", "individual")

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
	q, _ := s.qualBefore(f.start)
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
	}
}

// ageBefore reads "aged 27" and "age 87".
func (s *scanner) ageBefore(f *fig) {
	t := s.text
	ws, we, dot, ok := prevWord(t, f.start)
	if !ok || dot {
		return
	}
	switch s.key(t[ws:we]) {
	case "aged", "age":
		if f.v.value() > 0 && f.v.value() < 130 && !f.num.hasDecimal {
			f.start, f.unit, f.kind = ws, "year", article.KindAge
		}
	}
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

// overUnder reports "over" or "under" right before p.
func (s *scanner) overUnder(p int) bool {
	ws, we, _, ok := prevWord(s.text, p)
	if !ok {
		return false
	}
	k := s.key(s.text[ws:we])
	return k == "over" || k == "under"
}

// qualBefore returns the qualifier written before position p and where it
// starts. Up to three words are read; longer matches win.
func (s *scanner) qualBefore(p int) (string, int) {
	t := s.text
	var ws [3]int
	var wk [3]string
	n := 0
	end := p
	if q := skipSpBack(t, p); q > 0 && t[q-1] == '~' {
		return article.QualifierApprox, q - 1
	}
	for n < 3 {
		a, b, dot, ok := prevWord(t, end)
		if !ok || dot {
			break
		}
		ws[n], wk[n] = a, s.key(t[a:b])
		if n == 0 && !qualLastWords[wk[0]] {
			return "", p // most words before a number end no qualifier
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
			return q, ws[l-1]
		}
	}
	return "", p
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

// rangeAfter joins "10-15", "10 to 15", "between 10 and 15" into one
// figure. q is the qualifier before the first number. It reports drop for
// pairs that are no figures at all (scores "3-1", models "767-300").
func (s *scanner) rangeAfter(f *fig, q string) (drop bool, resume int) {
	t := s.text
	n := len(t)
	p := f.end
	r := -1
	conn := ""
	switch {
	case p < n && t[p] == '-' && p+1 < n && (isDigit(t[p+1]) || t[p+1] == '$'):
		conn, r = "-", p+1
	case p+3 <= n && t[p:p+3] == "–":
		conn, r = "-", skipSp(t, p+3)
	case skipSp(t, p)+3 <= n && t[skipSp(t, p):skipSp(t, p)+3] == "–":
		conn, r = "-", skipSp(t, skipSp(t, p)+3)
	default:
		w, h, ok := s.nextWordTok(p)
		if !ok || h {
			return false, 0
		}
		switch {
		case w.key == "to" && q != qFrom && !s.changeBefore(f.start):
			conn, r = "to", skipSp(t, w.e)
		case w.key == "and" && q == qBetween:
			conn, r = "and", skipSp(t, w.e)
		default:
			return false, 0
		}
	}
	if r < 0 || r >= n {
		return false, 0
	}
	ns := r
	// A currency before the second number: "$5 to $10".
	if c := t[ns]; c == '$' {
		ns = skipSp(t, ns+1)
	} else if c >= utf8.RuneSelf {
		if rr, size := utf8.DecodeRuneInString(t[ns:]); symbolCurrency(rr) != "" {
			ns = skipSp(t, ns+size)
		}
	}
	if ns >= n {
		return false, 0
	}
	if !isDigit(t[ns]) && letterAt(t, ns) == 0 {
		return false, 0
	}
	if !isDigit(t[ns]) && !s.isTrigger(t[ns:wordEnd(t, ns)]) {
		return false, 0
	}
	f2, ok, _ := s.core(ns)
	if !ok || f2.start != r && !(conn == "-" && f2.start == r-1) {
		return false, 0
	}
	if f2.start == r-1 {
		// "10--15" or a sign: not a range.
		return false, 0
	}
	// Scores and model numbers: "3-1", "767-300", "6-3 3-6 6-2", "a 1-2 defeat".
	if conn == "-" && f.unit == "" && f2.unit == "" && f.num.plain && f2.num.plain && t[p] == '-' {
		if f2.v.value() <= f.v.value() || s.scoreContext(f.start, f2.end) {
			return true, f2.end
		}
	}
	u1, u2 := f.unit, f2.unit
	switch {
	case u1 == "" && u2 != "":
		f.unit, f.kind, f.uflags = f2.unit, f2.kind, f2.uflags
	case u1 != "" && u2 == "":
		// "$5-10 million", "aged 30-39"; not "5 km to 10".
		if !f.cur && !(conn == "-" && t[p] == '-') {
			return false, 0
		}
		if f.kind == article.KindAge {
			f2.end = f2.num.end
		}
	case u1 != u2:
		return false, 0
	}
	lo := f.v
	if !f.num.scaled && f2.num.scaled && f2.num.scalePow > 0 {
		if l := lo.mulPow10(f2.num.scalePow); l.value() <= f2.v.value() {
			lo = l
		}
	}
	if !(lo.value() < f2.v.value()) {
		return false, 0
	}
	f.v, f.to, f.hasTo = lo, f2.v, true
	f.end = f2.end
	f.qual = article.QualifierRange
	return false, 0
}

// scoreContext reports a pair "N-N" that is a sports score: another pair
// next to it ("6-3 3-6") or a result word after it ("a 2-1 win").
func (s *scanner) scoreContext(start, end int) bool {
	t := s.text
	isPair := func(a, b int) bool { // t[a:b] looks like "6-3"
		h := strings.IndexByte(t[a:b], '-')
		if h <= 0 || h == b-a-1 {
			return false
		}
		for i := a; i < b; i++ {
			if !isDigit(t[i]) && i != a+h {
				return false
			}
		}
		return true
	}
	skipFwd := func(i int) int {
		for {
			j := skipSp(t, i)
			if j < len(t) && (t[j] == '(' || t[j] == ')') {
				i = j + 1
				continue
			}
			return j
		}
	}
	skipBack := func(i int) int {
		for {
			j := skipSpBack(t, i)
			if j > 0 && (t[j-1] == '(' || t[j-1] == ')') {
				i = j - 1
				continue
			}
			return j
		}
	}
	if q := skipFwd(end); q > end && q < len(t) && isDigit(t[q]) {
		e := q
		for e < len(t) && (isDigit(t[e]) || t[e] == '-') {
			e++
		}
		if isPair(q, e) {
			return true
		}
	}
	if q := skipBack(start); q < start && q > 0 && isDigit(t[q-1]) {
		b := q
		for b > 0 && (isDigit(t[b-1]) || t[b-1] == '-') {
			b--
		}
		if isPair(b, q) {
			return true
		}
	}
	if w, _, ok := s.nextWordTok(end); ok {
		return scoreWords[w.key]
	}
	return false
}

// scoreWords after "N-N" make it a score.
var scoreWords = setOf("win", "wins", "victory", "defeat", "defeats", "draw", "draws", "lead", "loss",
	"scoreline", "deficit", "thrashing", "triumph", "aggregate", "home", "away", "margin", "success",
	"drubbing", "reverse", "setback", "result", "score", "favour", "favor", "up", "down", "vote")

// changeBefore reports a verb of change before the figure: "rose 5 pct to
// 7 pct" is a change, not a range.
func (s *scanner) changeBefore(p int) bool {
	ws, we, _, ok := prevWord(s.text, p)
	if !ok {
		return false
	}
	k := s.key(s.text[ws:we])
	if changeWords[k] {
		return true
	}
	if k == "by" {
		ws2, we2, _, ok := prevWord(s.text, ws)
		return ok && changeWords[s.key(s.text[ws2:we2])]
	}
	return false
}

// inheritListUnits gives a bare number the unit of the next figure in a
// list: "4,340, 4,345 and 4,350 dlrs", "35 and 45 dlrs".
func (s *scanner) inheritListUnits() {
	t := s.text
	for i := len(s.figs) - 2; i >= 0; i-- {
		a, b := &s.figs[i], &s.figs[i+1]
		am, bm := &s.meta[i], &s.meta[i+1]
		if a.Unit != "" || a.RangeTo != nil || a.Subject != "" || am.one || b.Unit == "" || bm.cur {
			continue
		}
		switch t[a.End:b.Start] {
		case ", ", " and ", " or ", ", and ", " to ", " and/or ":
		default:
			continue
		}
		a.Unit, a.Kind = b.Unit, b.Kind
		if !am.scaled && bm.scaled && bm.scalePow > 0 {
			am.v = am.v.mulPow10(bm.scalePow)
			a.Value = am.v.value()
			am.scaled, am.scalePow = true, bm.scalePow
		}
	}
}

// degreesKind decides whether bare "degrees" is a temperature: only when
// weather words are near. Elsewhere it is an angle (kind other).
func (s *scanner) degreesKind(start, end int) string {
	if s.cueNear(start, end, tempCues) {
		return article.KindTemperature
	}
	return article.KindOther
}

// cueNear reports a word of set within the line around [start, end): up
// to 160 bytes before and 80 after.
func (s *scanner) cueNear(start, end int, set map[string]bool) bool {
	t := s.text
	a := max(0, start-160)
	b := min(len(t), end+80)
	for i := a; i < b; {
		if t[i] == '\n' {
			if i < start {
				i++
				a = i
				continue
			}
			break
		}
		if letterAt(t, i) > 0 && (i == a || letterBefore(t, i) == 0) {
			j := wordEnd(t, i)
			if (i < start || i >= end) && set[s.key(t[i:j])] {
				return true
			}
			i = j
			continue
		}
		if t[i] >= utf8.RuneSelf {
			_, size := utf8.DecodeRuneInString(t[i:])
			if size == 2 && t[i] == 0xC2 && t[i+1] == 0xA3 && set["£"] { // £
				return true
			}
			i += size
			continue
		}
		i++
	}
	return false
}

// sentenceOf returns the sentence index of position pos, counting the
// sentence ends between the previous call and pos.
func (s *scanner) sentenceOf(pos int) int {
	t := s.text
	for s.sentPos < pos {
		// The next sentence mark at or after sentPos, found with the
		// vectorised IndexByte and cached per mark.
		i := len(t)
		for k := range sentMarks {
			if s.nextMark[k] < s.sentPos {
				if j := strings.IndexByte(t[s.sentPos:], sentMarks[k]); j >= 0 {
					s.nextMark[k] = s.sentPos + j
				} else {
					s.nextMark[k] = len(t)
				}
			}
			i = min(i, s.nextMark[k])
		}
		if i >= pos {
			if !s.sentHas && hasContent(t[s.sentPos:pos]) {
				s.sentHas = true
			}
			s.sentPos = pos
			break
		}
		if !s.sentHas && hasContent(t[s.sentPos:i]) {
			s.sentHas = true
		}
		if s.sentHas && (t[i] == '\n' || sentenceEnd(t, i)) {
			s.sentIdx++
			s.sentHas = false
		}
		s.sentPos = i + 1
	}
	return s.sentIdx
}

// sentMarks end sentences.
var sentMarks = [...]byte{'\n', '.', '!', '?'}

// hasContent reports a byte in b that is neither space nor quote nor
// bracket.
func hasContent(b string) bool {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case ' ', '\t', '\r', '"', '\'', ')', ']', '(', '[':
		default:
			return true
		}
	}
	return false
}

// abbrevs end with a dot that does not end a sentence.
var abbrevs = setOf("mr", "mrs", "ms", "dr", "st", "jr", "sr", "inc", "corp", "co", "ltd", "no",
	"gen", "gov", "sen", "rep", "lt", "col", "capt", "sgt", "prof", "vs", "etc", "approx", "jan",
	"feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fig", "vol",
	"mt", "ft", "nos", "bros", "messrs", "rev", "hon", "est", "dept", "univ", "assn", "cos")

// sentenceEnd reports whether the mark at i ends a sentence: it is followed
// by space and a capital, digit, quote or line end, and does not close an
// abbreviation or an initial.
func sentenceEnd(t string, i int) bool {
	j := i + 1
	for j < len(t) && (t[j] == '"' || t[j] == '\'' || t[j] == ')' || t[j] == ']') {
		j++
	}
	if j+2 < len(t) && t[j] == 0xE2 && t[j+1] == 0x80 && (t[j+2] == 0x9D || t[j+2] == 0x99) {
		j += 3 // ” ’
	}
	if j >= len(t) {
		return true
	}
	if t[j] == '\n' {
		return true
	}
	k := skipSp(t, j)
	if k == j {
		return false
	}
	if k >= len(t) || t[k] == '\n' {
		return true
	}
	c := t[k]
	if !(c >= 'A' && c <= 'Z' || isDigit(c) || c == '"' || c == '\'' || c == '(' || c >= utf8.RuneSelf) {
		return false
	}
	if t[i] != '.' {
		return true
	}
	ws := wordStart(t, i)
	if ws == i {
		return true
	}
	w := t[ws:i]
	if len(w) == 1 || (len(w) == 3 && w[1] == '.') {
		return false // an initial or "U.S."
	}
	var buf [16]byte
	k2 := lowerKey(buf[:0:16], w)
	return k2 == nil || !abbrevs[string(k2)]
}
