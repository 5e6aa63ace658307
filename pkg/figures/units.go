package figures

import (
	"strings"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
)

// unitAfter reads the unit or currency written after the number: "%",
// "(kg)", "-mile", "kilometers", "mln dlrs", "degrees Celsius", "swiss
// francs", "100 ₡", "5 EUR". After a currency symbol only a money word is
// taken ("$5 mln dlrs").
func (s *scanner) unitAfter(f *fig) {
	t := s.text
	n := len(t)
	p := f.end
	q := skipSp(t, p)
	if q >= n {
		return
	}
	if !f.cur {
		if t[q] == '%' && q-p <= 1 {
			f.unit, f.kind, f.end = "%", kPct, q+1
			return
		}
		if q-p <= 1 && s.bracketUnit(f, q) {
			return
		}
	}
	if t[p] == '-' && letterAt(t, p+1) > 0 {
		if s.prefixAgain(f, p+1) {
			return // "A$2,100-A$2,300": the currency again, a range's second end
		}
		s.hyphenUnit(f, p+1)
		return
	}
	if q == p {
		return
	}
	if strings.HasPrefix(t[q:], "Ft") && letterAt(t, q+2) == 0 {
		f.unit, f.kind, f.end = "HUF", article.KindMoney, q+2 // "389 Ft", the forint ("ft", feet, is lower case)
		return
	}
	if f.num.scaled && t[q] == 'T' && letterAt(t, q+1) == 0 && (q+1 == n || t[q+1] != '.' && t[q+1] != '-') {
		// "20.5 mln T", "112-115 MLN T": tonnes in crop and trade tables.
		f.unit, f.kind, f.end = "t", kWt, q+1
		return
	}
	s.phraseUnit(f, q)
}

// bracketUnit reads a unit in brackets: "20 (kg)", "20 [kg]", "20 {kg}".
func (s *scanner) bracketUnit(f *fig, q int) bool {
	t := s.text
	var closer byte
	switch t[q] {
	case '(':
		closer = ')'
	case '[':
		closer = ']'
	case '{':
		closer = '}'
	case '<':
		closer = '>'
	default:
		return false
	}
	if letterAt(t, q+1) == 0 {
		return false
	}
	we := wordEnd(t, q+1)
	if we >= len(t) || t[we] != closer {
		return false
	}
	w := t[q+1 : we]
	u, ok := attachedUnits[w]
	if !ok {
		u, ok = unitPhrases[s.key(w)]
	}
	if !ok || u.kind == article.KindMoney || u.flags != 0 {
		return false
	}
	f.unit, f.kind, f.end = u.unit, u.kind, we+1
	return true
}

// hyphenUnit reads a unit joined by a hyphen: "27-year-old", "six-mile",
// "12-cent-a-share" (→ "12-cent"), "one-yen".
func (s *scanner) hyphenUnit(f *fig, a int) bool {
	t := s.text
	n := len(t)
	var ends [4]int
	cnt := 0
	pos := a
	for cnt < len(ends) {
		e := wordEnd(t, pos)
		ends[cnt] = e
		cnt++
		if e+1 < n && t[e] == '-' && letterAt(t, e+1) > 0 {
			pos = e + 1
			continue
		}
		break
	}
	for l := cnt; l >= 1; l-- {
		if ends[l-1]-a < 2 {
			continue // "13-G", "F-4": codes, not units
		}
		k := lowerKey(s.pbuf[:0:cap(s.pbuf)], t[a:ends[l-1]])
		if k == nil {
			continue
		}
		u, ok := unitPhrases[string(k)]
		if !ok && l > 1 {
			// "a 12-nautical-mile zone": the unit's words joined by hyphens.
			for i := range k {
				if k[i] == '-' {
					k[i] = ' '
				}
			}
			u, ok = unitPhrases[string(k)]
		}
		if !ok || u.flags&(fPounds|fNeedScale) != 0 && u.kind == article.KindMoney {
			continue
		}
		if f.cur {
			if u.kind != article.KindMoney {
				return false
			}
			f.end = ends[l-1]
			return true
		}
		s.setUnit(f, u, ends[l-1])
		return true
	}
	return false
}

// phraseUnit matches up to four words after the number against the unit
// and currency names, longest first.
func (s *scanner) phraseUnit(f *fig, q int) {
	t := s.text
	n := len(t)
	// A currency sign written after the number: "100 ₡", "5 €".
	if t[q] >= utf8.RuneSelf && letterAt(t, q) == 0 {
		r, size := utf8.DecodeRuneInString(t[q:])
		if code := postSymbol(r); code != "" && !f.cur {
			f.unit, f.kind, f.end = code, article.KindMoney, q+size
		} else if !f.cur {
			s.spacedSymbol(f, q, r, size)
		}
		return
	}
	if t[q] == '$' && !f.cur && q-f.end <= 1 && s.postDollar(q) {
		f.unit, f.kind, f.end = s.bareDollar(), article.KindMoney, q+1 // "2 400 $" in continental copy
		return
	}
	if t[q] == 'l' && !f.cur && strings.HasPrefix(t[q+1:], "/100") {
		s.setUnit(f, attachedUnits["l"], q+1) // "4.8 l/100 km": the fuel rule below takes the rest
		return
	}
	if letterAt(t, q) == 0 {
		return
	}
	// Most words after a number start no unit: look the first one up
	// before reading more.
	e0 := wordEnd(t, q)
	maxWords := int(unitFirstWords[s.key(t[q:e0])])
	if maxWords == 0 {
		if !f.cur && isoCodes[t[q:e0]] {
			w := t[q:e0]
			if w == "RMB" {
				w = "CNY"
			}
			f.unit, f.kind, f.end = w, article.KindMoney, e0
		}
		return
	}
	var ws, we [6]int
	var sep [6]byte // the separator after each word: ' ' or '-'
	cnt := 0
	pos := q
	for cnt < maxWords && cnt < len(ws) {
		if letterAt(t, pos) == 0 {
			break
		}
		e := wordEnd(t, pos)
		for e+1 < n && t[e] == '/' && letterAt(t, e+1) > 0 {
			e = wordEnd(t, e+1)
		}
		// Glued digits and powers belong to the word: "km2", "m²", "m212".
		for e < n && (isDigit(t[e]) || sfxRuneAt(t, e) > 0 && t[e] == 0xC2) {
			if isDigit(t[e]) {
				e++
			} else {
				e += 2
			}
		}
		ws[cnt], we[cnt] = pos, e
		cnt++
		nx := e
		if nx+1 < n && t[nx] == '-' && letterAt(t, nx+1) > 0 {
			sep[cnt-1] = '-' // "terawatt-hours", "year-old"
			pos = nx + 1
			continue
		}
		if nx < n && t[nx] == '.' && e-pos <= 4 {
			nx++ // "sq. km", "U.S. dlrs"
		}
		nx2 := skipSp(t, nx)
		if nx2 == nx {
			break
		}
		sep[cnt-1] = ' '
		pos = nx2
	}
	for l := cnt; l >= 1; l-- {
		buf := s.pbuf[:0]
		for j := 0; j < l; j++ {
			if j > 0 {
				if t[we[j-1]] == '.' && strings.IndexByte(t[ws[j-1]:we[j-1]], '.') < 0 {
					buf = append(buf, '.')
				}
				buf = append(buf, sep[j-1])
			}
			w := t[ws[j]:we[j]]
			if len(buf)+len(w) > cap(buf) {
				break
			}
			for i := 0; i < len(w); i++ {
				c := w[i]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				buf = append(buf, c)
			}
		}
		u, ok := unitPhrases[string(buf)]
		if !ok {
			continue
		}
		if l == 1 && we[0]-ws[0] <= 2 && hasUpper(t[ws[0]:we[0]]) && !caseCodes[t[ws[0]:we[0]]] {
			continue // "5 G", "5 M": not grams or metres
		}
		if u.unit == "µm" && isCapitalized(t[ws[0]:we[0]]) {
			continue // "two Micron CMOS processes", "500,000 Micron common shares": the chip maker
		}
		if u.flags&fPoint != 0 && f.num.word && f.v.value() == 1 && string(buf) == "point" && !s.marginAround(f.start, we[0]) {
			continue // "at one point"; "a quarter point" and "one point behind" are one
		}
		if l == 1 && string(buf) == "second" && f.v.value() != 1 && f.num.fracEnd == 0 {
			continue // "the 1987 second quarter": an ordinal
		}
		end := we[l-1]
		if l == 1 && t[ws[0]:we[0]] == "m" && !f.cur && !f.num.scaled && f.v.value() < 1000 && s.millionNext(end) {
			// "2.5 m viewers": million before a counted noun, as glued
			// ("2.5m viewers"); "400 m hurdles" and "8 m waves" stay metres.
			f.v = f.v.mulPow10(6)
			f.num.scaled, f.num.scalePow, f.end = true, 6, end
			return
		}
		if f.cur {
			if u.kind == article.KindMoney && u.flags&(fPounds|fNeedScale) == 0 {
				f.end = end
			}
			return
		}
		if u.flags&fNeedScale != 0 && !(f.num.scaled || f.v.value() >= 100) {
			return
		}
		s.setUnit(f, u, end)
		return
	}
	// An ISO code written after the number: "5 EUR", "2mil SEK".
	if cnt > 0 && !f.cur {
		w := t[ws[0]:we[0]]
		if isoCodes[w] {
			if w == "RMB" {
				w = "CNY"
			}
			f.unit, f.kind, f.end = w, article.KindMoney, we[0]
		}
	}
}

// dimensionUnit gives a bare number the unit of the measure it is
// multiplied by: "measures 3.79 by 4.53 metres", "a 10 x 12 ft room" (a
// length by a length; the span stays the number).
func (s *scanner) dimensionUnit(f *fig) {
	t := s.text
	w, h, ok := s.nextWordTok(f.end)
	q := skipSp(t, f.end)
	var r int
	switch {
	case ok && !h && w.key == "by":
		r = skipSp(t, w.e)
	case q < len(t) && (t[q] == 'x' || t[q] == 'X') && q+1 < len(t) && t[q+1] == ' ':
		r = skipSp(t, q+1)
	case strings.HasPrefix(t[q:], "×"):
		r = skipSp(t, q+len("×"))
	default:
		return
	}
	if r >= len(t) || !isDigit(t[r]) {
		return
	}
	d, ok, _ := s.core(r)
	if !ok || d.start != r || d.cur || d.kind != article.KindDistance || d.hasTo {
		return
	}
	f.unit, f.kind = d.unit, d.kind
}

// spacedSymbol reads a unit symbol written after a space: "25 °C", "5 ° F",
// "−31 ℃" (folded to "°C"), "1.6 ‰", "40 ¢"; the glued forms are
// suffixes (scale.go).
func (s *scanner) spacedSymbol(f *fig, q int, r rune, size int) {
	t := s.text
	switch r {
	case '°', 'º':
		e := q + size
		if l := letterAt(t, e); l > 0 && (t[e]|0x20 == 'c' || t[e]|0x20 == 'f') && letterAt(t, e+1) == 0 {
			s.setUnit(f, attachedUnits[t[q:e]+string(t[e]&^0x20)], e+1)
			return
		}
		if u, ok := unitPhrases["°"]; ok && letterAt(t, e) == 0 {
			s.setUnit(f, u, e)
		}
	case '‰', '¢', '′', '″':
		if u, ok := attachedUnits[t[q:q+size]]; ok && letterAt(t, q+size) == 0 {
			f.unit, f.kind, f.end = u.unit, u.kind, q+size
		}
	}
}

// postDollar reports a dollar sign at q written after the number, as
// continental and Canadian-French copy writes it ("500 $ to each
// household"): not the sign of a next amount ("5 $10 notes").
func (s *scanner) postDollar(q int) bool {
	t := s.text
	r := q + 1
	if r == len(t) {
		return true
	}
	if isDigit(t[r]) || letterAt(t, r) > 0 {
		return false
	}
	if k := skipSp(t, r); k > r && k < len(t) && isDigit(t[k]) {
		return false
	}
	return true
}

// caseCodes are short unit codes with capitals that are units when spaced
// from the number ("500 MW"), unlike "5 G" or "5 M".
var caseCodes = setOf("MW", "GW", "kW", "KW", "GB", "TB", "MB", "KB", "PB")

func hasUpper(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] >= 'A' && w[i] <= 'Z' {
			return true
		}
	}
	return false
}

func postSymbol(r rune) string {
	switch r {
	case '₡':
		return "CRC"
	case '₾':
		return "GEL"
	case '₭':
		return "LAK"
	case '€':
		return "EUR"
	case '₽':
		return "RUB"
	case '₴':
		return "UAH"
	case '₺':
		return "TRY"
	case '₫':
		return "VND"
	case '₹':
		return "INR"
	case '£':
		return "GBP"
	}
	return ""
}

// setUnit records unit u ending at end and settles the units that depend
// on context: pounds, bare degrees, "3 dollars 50 cents", "deg.".
func (s *scanner) setUnit(f *fig, u unitDef, end int) {
	t := s.text
	if u.unit == "DEM" && end >= 4 && strings.EqualFold(t[end-4:end], "mark") && s.thresholdMark(f.start, end) {
		return // "passed the 1 million mark within 48 hours": a threshold, not Deutsche marks
	}
	if end < len(t) && t[end] == '.' && dotAbbrevs[s.key(t[wordStart(t, end):end])] {
		k := skipSp(t, end+1)
		if k == len(t) || (k > end+1 && t[k] >= 'a' && t[k] <= 'z') {
			end++
		}
	}
	f.unit, f.kind, f.uflags, f.end = u.unit, u.kind, u.flags, end
	if u.flags&fKilo != 0 {
		f.v = f.v.mulPow10(3)
		if f.hasTo {
			f.to = f.to.mulPow10(3)
		}
	}
	if sn, ok := sharedNames[u.unit]; ok {
		if word := strings.ToLower(strings.TrimSpace(t[f.num.end:end])); (sn.own == "" || !strings.Contains(word, sn.own)) && word != strings.ToLower(u.unit) {
			def := sn.def
			if u.unit == "ITL" && strings.HasSuffix(word, "lire") {
				def = "ITL" // "lire", the Italian plural
			}
			f.unit = s.countryCurrency(def, sn.countries)
		}
	}
	if u.kind == kTemp {
		// "25 degrees below zero": the words are the sign.
		if a, _, ok := s.nextWordTok(end); ok && a.key == "below" {
			if b, _, ok := s.nextWordTok(a.e); ok && b.key == "zero" && f.v.value() > 0 {
				f.v = f.v.neg()
				f.end = b.e
			}
		}
	}
	switch {
	case u.flags&fPounds != 0:
		if s.poundsMoney(f) || s.spokenSubunit(f) > 0 && !s.cueNear(f.start, f.end, weightCues) {
			f.unit, f.kind = "GBP", article.KindMoney
			if e := s.spokenSubunit(f); e > 0 {
				s.addSubunit(f, e) // "two pounds fifty"
			}
		}
	case u.flags&fDegrees != 0:
		f.kind = s.degreesKind(f.start, f.end)
		if f.kind == article.KindTemperature {
			f.unit = s.degreesScale()
		}
	case u.flags&fDollars != 0:
		s.centsAfter(f)
		if e := s.spokenSubunit(f); e > 0 {
			s.addSubunit(f, e) // "one dollar twenty-seven"
		}
	}
}

// spokenSubunit reads the cents or pence said after an amount of whole
// dollars or pounds without their name: "one dollar twenty-seven", "two
// pounds fifty", "three pounds 99 a month". The number, 1 to 99, follows
// after one space and ends its clause or goes on with a word that opens
// none of its own ("and", "a", "each", "per"). It returns the end of
// that number, or 0.
func (s *scanner) spokenSubunit(f *fig) int {
	t := s.text
	if f.num.hasDecimal || f.num.scaled || f.v.isF || f.hasTo || f.end+2 >= len(t) || t[f.end] != ' ' {
		return 0
	}
	r := f.end + 1
	var n2 number
	var ok bool
	switch {
	case isDigit(t[r]):
		n2, ok, _ = s.literal(r)
		ok = ok && n2.plain && n2.sfx == "" && n2.ndigits == 2
	case letterAt(t, r) > 0 && s.isTrigger(t[r:wordEnd(t, r)]):
		n2, ok, _ = s.words(r)
		ok = ok && !n2.hasDecimal && !n2.scaled && !n2.one
	}
	if !ok {
		return 0
	}
	if v2 := n2.v.value(); v2 < 1 || v2 > 99 || v2 != float64(uint64(v2)) {
		return 0
	}
	if clauseEnd(t, n2.end) {
		return n2.end
	}
	w, h, ok := s.nextWordTok(n2.end)
	if !ok || h || t[n2.end] != ' ' || !subunitFollowers[w.key] {
		return 0
	}
	return n2.end
}

// subunitFollowers may follow the pence of "two pounds fifty".
var subunitFollowers = setOf("and", "a", "an", "each", "per", "apiece", "but", "or", "for", "to", "on", "in", "at", "now")

// addSubunit adds the cents or pence of the number ending at e to f.
func (s *scanner) addSubunit(f *fig, e int) {
	var n2 number
	if r := f.end + 1; isDigit(s.text[r]) {
		n2, _, _ = s.literal(r)
	} else {
		n2, _, _ = s.words(r)
	}
	v2 := n2.v.value()
	f.addHundredths(v2)
	f.end = e
}

// degreesScale is the scale of a bare temperature in "degrees": that of
// the first temperature the text wrote with one ("minus 4.1C in
// February, 7.3 degrees above the norm"; a conversion in parentheses comes
// second: "46.8C (116.2F), 0.4 degrees short of the record"), else
// Fahrenheit in US copy ("wind chills near minus 40 degrees" in
// Minneapolis copy), else none ("deg").
func (s *scanner) degreesScale() string {
	for _, g := range s.figs {
		if g.Kind == article.KindTemperature && (g.Unit == "C" || g.Unit == "F") {
			return g.Unit
		}
	}
	if s.usCopy() {
		return "F"
	}
	return "deg"
}

// poundsMoney decides "pounds": weight when followed by "of" or near
// weight words, money near money words, weight otherwise (wire copy
// writes sterling as "stg").
// A scaled amount of pounds before "of" and a money word is money
// ("twenty-five billion pounds of spending cuts", as a bulletin reads
// "£25bn of"); "2 million pounds of beef" stays a weight.
func (s *scanner) poundsMoney(f *fig) bool {
	if w, _, ok := s.nextWordTok(f.end); ok && w.key == "of" {
		if !f.num.scaled {
			return false
		}
		x, _, ok := s.nextWordTok(w.e)
		return ok && moneyCues[x.key] && !s.cueNear(f.start, f.end, weightCues)
	}
	if s.cueNear(f.start, f.end, weightCues) {
		return false
	}
	return s.cueNear(f.start, f.end, moneyCues)
}

// centsAfter folds "3 dollars 50 cents" and "thirteen dollars and
// forty-five cents" into one figure.
func (s *scanner) centsAfter(f *fig) {
	t := s.text
	if f.num.hasDecimal || f.num.scaled || f.v.isF {
		return
	}
	q := f.end
	if w, h, ok := s.nextWordTok(q); ok && !h && w.key == "and" {
		q = w.e
	}
	r := skipSp(t, q)
	if r == q || r >= len(t) {
		return
	}
	var n2 number
	var ok bool
	switch {
	case isDigit(t[r]):
		n2, ok, _ = s.literal(r)
		ok = ok && n2.plain && n2.sfx == ""
	case letterAt(t, r) > 0 && s.isTrigger(t[r:wordEnd(t, r)]):
		n2, ok, _ = s.words(r)
		ok = ok && !n2.hasDecimal && !n2.scaled
	}
	if !ok {
		return
	}
	c, h, ok := s.nextWordTok(n2.end)
	if !ok || h || (c.key != "cents" && c.key != "cent") {
		return
	}
	v2 := n2.v.value()
	if v2 < 1 || v2 > 99 || v2 != float64(uint64(v2)) {
		return
	}
	f.addHundredths(v2)
	f.end = c.e
}

// unitBefore applies a unit written before the number: "Mach 10", a speed
// in multiples of the speed of sound.
func (s *scanner) unitBefore(f *fig) {
	t := s.text
	if f.start < 5 || t[f.start-5:f.start-1] != "Mach" {
		return
	}
	ws, we, dot, ok := prevWord(t, f.start)
	if ok && !dot && we+1 == f.start && t[ws:we] == "Mach" {
		if q := skipSp(t, f.num.end); q+1 < len(t) && t[q] == '-' && t[q+1] == ' ' {
			return // "RENO, Nev., Mach 4 - ": a dateline's misspelt month
		}
		f.start, f.unit, f.kind = ws, "Mach", article.KindSpeed
	}
}

// perTime makes a length followed by "a", "an" or "per" and a unit of time
// a rate, kind speed: "rising by 4.5mm a year" (mm/year), "80mm an hour"
// (mm/h), "marched 30km a day" (km/day); km and miles an hour keep their
// codes (km/h, mph). Not before "ago", "earlier", "later", ...: "rose 3cm a
// year ago" is a length.
func (s *scanner) perTime(f *fig) {
	if ws, _, dot, ok, k := s.prevKey(f.start); ok && !dot && k == "of" {
		// "350,000 bags of 60 kilos per month": the weight is the bag's.
		if a, b, dot, ok := prevWord(s.text, ws); ok && !dot && isPluralWord(s.key(s.text[a:b]), s.text[a:b]) {
			return
		}
	}
	a, _, ok := s.nextWordTok(f.end)
	if !ok || (a.key != "a" && a.key != "an" && a.key != "per") {
		return
	}
	b, _, ok := s.nextWordTok(a.e)
	if !ok {
		return
	}
	per, ok := perTimeUnits[b.key]
	if !ok {
		return
	}
	if c, _, ok := s.nextWordTok(b.e); ok && notPerTime[c.key] {
		return
	}
	unit := f.unit + "/" + per
	if unit == "mi/h" {
		unit = "mph"
	}
	kind := article.KindSpeed
	if f.kind == article.KindWeight {
		kind = article.KindOther // "4 million tonnes a year" (t/year): an output, not a speed
	}
	f.unit, f.kind, f.end = unit, kind, b.e
}

// perTimeUnits are the units of time after "a"/"per" in a rate.
var perTimeUnits = map[string]string{"second": "s", "minute": "min", "hour": "h", "day": "day", "week": "week", "month": "month", "year": "year", "annum": "year"}

// notPerTime after "a year", "an hour" make them a time, not a rate's
// denominator: "a year ago", "an hour later".
var notPerTime = setOf("ago", "earlier", "later", "before", "after", "previously", "back", "since", "old")

// thresholdMark reports a singular "mark" ending at end, of a figure
// starting at start, that names a threshold: "the" before the figure and
// punctuation, nothing, or a preposition or conjunction after the mark
// ("above the $50 mark for the first time", "the three million mark.").
// Otherwise it is the currency, as the 1987 wire writes it ("a 300 mln
// mark private placement", "another 2.5 billion mark and 200 billion yen
// limit", "the 477 mln mark 1985 parent company net").
func (s *scanner) thresholdMark(start, end int) bool {
	if _, _, dot, ok, k := s.prevKey(start); !ok || dot || k != "the" {
		return false
	}
	q := skipSp(s.text, end)
	if q >= len(s.text) || !isASCIILetter(s.text[q]) && !isDigit(s.text[q]) {
		return true
	}
	w, _, ok := s.nextWordTok(end)
	return ok && markFollowers[w.key]
}

// markFollowers after "the N mark" make it a threshold.
var markFollowers = setOf("for", "in", "on", "by", "and", "or", "when", "last", "this", "within", "after",
	"before", "since", "at", "as", "but", "until", "during", "earlier", "again", "is", "was", "of", "to", "with")

// sharedName is a currency name several countries share: the word that
// makes it one country's own ("swedish crowns"), the currency when the
// text names none of the countries, and the countries.
type sharedName struct {
	own, def  string
	countries []currencyCountry
}

// sharedNames are keyed by the code the unit tables give the name. The
// country the text names first decides ("11.52 crowns per euro" in a Czech
// story: CZK; "14,000 lei" in Moldova: MDL; "279,718 pesos" in a Buenos
// Aires story: ARS; "42 billion dinars" in Serbia: RSD; "1,000 riyals" in
// Doha: QAR), unless the name says whose it is or is the ISO code itself
// ("500 SEK"). A bare "franc"
// is Switzerland's and a bare "lira" Turkey's when no country is named:
// France's franc and Italy's lira ended in 2002.
var sharedNames = map[string]sharedName{
	"SEK": {"swedish", "SEK", crownCountries},
	"RON": {"romanian", "RON", leuCountries},
	"MXN": {"mexican", "MXN", pesoCountries},
	"AED": {"uae", "AED", dirhamCountries},
	"KWD": {"kuwait", "KWD", dinarCountries},
	"SAR": {"saudi", "SAR", riyalCountries},
	"XOF": {"", "XOF", cfaCountries},
	"FRF": {"french", "CHF", francCountries},
	"ITL": {"italian", "TRY", liraCountries},
}

// addHundredths adds v2 hundredths (the cents or pence after whole dollars
// or pounds) to f's value, exactly when the value is a whole number.
func (f *fig) addHundredths(v2 float64) {
	d := f.v
	if d.e == 0 {
		d.m = d.m*100 + uint64(v2)
		d.e = -2
		f.v = d.mulPow10(0)
	} else {
		f.v = d.addF(v2 / 100)
	}
}
