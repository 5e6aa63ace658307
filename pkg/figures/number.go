package figures

import (
	"math"
	"strconv"
	"strings"
)

// dec is a number kept as decimal mantissa and exponent (m × 10^e) while it
// is exact, so that "3.2 billion" is 3200000000 and not 3200000000.0000005;
// fractions and dozens turn it into a plain float (isF).
type dec struct {
	m   uint64
	e   int
	f   float64
	isF bool
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func (d dec) value() float64 {
	if d.isF {
		return d.f
	}
	v := float64(d.m)
	switch {
	case d.e == 0:
		return v
	case d.e > 0 && d.e < len(pow10):
		return v * pow10[d.e]
	case d.e < 0 && -d.e < len(pow10):
		return v / pow10[-d.e]
	}
	return v * math.Pow(10, float64(d.e))
}

func decF(f float64) dec { return dec{f: f, isF: true} }

func (d dec) mulPow10(p int) dec {
	if d.isF {
		if p >= 0 && p < len(pow10) {
			d.f *= pow10[p]
		} else {
			d.f *= math.Pow(10, float64(p))
		}
		return d
	}
	d.e += p
	// Normalise trailing zeros away from a negative exponent.
	for d.e < 0 && d.m%10 == 0 && d.m != 0 {
		d.m /= 10
		d.e++
	}
	return d
}

func (d dec) mulF(x float64) dec { return decF(d.value() * x) }

func (d dec) addF(x float64) dec { return decF(d.value() + x) }

func (d dec) neg() dec {
	if d.isF {
		d.f = -d.f
		return d
	}
	return decF(-d.value())
}

// number is a parsed number before unit, qualifier and context.
type number struct {
	start, end int
	v          dec
	word       bool   // written in words
	plain      bool   // bare digits: no separators, decimals or fraction
	ndigits    int    // integer digits of a digit literal
	lead0      bool   // starts with "0" and has more digits ("0857")
	scaled     bool   // a scale was applied ("2 million", "1.5bn")
	scalePow   int    // power of ten of the applied scale
	sfx        string // letters glued to the digits ("km", "bn", "m", "C")
	sfxStart   int
	one        bool // the lone word "one" or "a"
	capWord    bool // a capitalised number word ("Four Seasons")
	hasDecimal bool
	fracEnd    int  // "a tenth of a second": the end of "a tenth", when end is after "of a"
	race       bool // a race time "3:49.04", valued in seconds (raceTime)
	inches     bool // the inches of a height "5-foot-10" (heightInches)
}

// maxMantDigits bounds the digits read into a mantissa; longer literals are
// not figures (serial numbers, garbage) and are skipped.
const maxMantDigits = 18

// skipToken returns the end of the run of letters, digits and joiners
// (".", ",", "-", "/", ":", "_") starting at i: the span an identifier
// like "192.168.1.2", "978-3-16-148410-0" or "A320neo" occupies.
func skipToken(t string, i int) int {
	j := i
	for j < len(t) {
		c := t[j]
		if isDigit(c) || isASCIILetter(c) || c == '_' {
			j++
			continue
		}
		if (c == '.' || c == ',' || c == '-' || c == '/' || c == ':') && j+1 < len(t) && (isDigit(t[j+1]) || isASCIILetter(t[j+1])) {
			j++
			continue
		}
		if k := letterAt(t, j); k > 0 {
			j += k
			continue
		}
		break
	}
	if j == i {
		j = i + 1
	}
	return j
}

// literal parses digits at i ("1,114", "5.93", ".08", "40 000", "10 1/2",
// "3/4", "7½"). It reports false with the position to resume from when the
// digits are an identifier, a time, a date or too long.
func (s *scanner) literal(i int) (number, bool, int) {
	t := s.text
	n := len(t)
	// Identifier context: glued to letters ("G7", "MH17") or a code
	// prefix ("F-16", "Covid-19", "SCP-173").
	if i > 0 {
		p := t[i-1]
		switch {
		case letterBefore(t, i) > 0:
			if !s.gluedCurrency(wordStart(t, i), i) {
				return number{}, false, skipToken(t, i)
			}
		case p == '#' || p == '_' || p == '@' || p == '\\':
			return number{}, false, skipToken(t, i)
		case p == '=' && i >= 5 && isDigit(t[i-2]) && isDigit(t[i-3]) && isDigit(t[i-4]) && isDigit(t[i-5]):
			return number{}, false, skipToken(t, i) // "(2012=100)": the base of an index
		case p == '-' && letterBefore(t, i-1) > 0:
			ws := wordStart(t, i-1)
			var buf [16]byte
			// "120p-125p", "10km-15km": the letters are the unit of a
			// number before.
			if _, unit := attachedUnits[t[ws:i-1]]; unit && ws > 0 && isDigit(t[ws-1]) {
				break
			}
			if heightInches(t, ws, i) {
				break // "a 5-foot-10 guard": the inches of a height
			}
			if k := lowerKey(buf[:0:16], t[ws:i-1]); k == nil || !idPrefixOK[string(k)] || t[ws:i-1] == "A" {
				return number{}, false, skipToken(t, i) // "F-16", "the A-1 motorway"
			}
		case p == '.' && i > 1 && isDigit(t[i-2]):
			return number{}, false, skipToken(t, i)
		case p == '(' && i > 1 && (isDigit(t[i-2]) || t[i-2] == ' ' && i > 2 && isDigit(t[i-3]) && setScoreBefore(t, i-2)):
			return number{}, false, skipToken(t, i) // "7-6(5)", "7-6 (5)": a tie-break of a set score
		case p == '.' && capitalCode(t, i-1):
			// Variant names: "BA.2.86", "JN.1", "XBB.1.5", "B.1.1.7".
			return number{}, false, skipToken(t, i)
		}
	}
	if tickerAt(t, i) {
		return number{}, false, skipToken(t, i) // "(9984.T)", "005930.KS": a ticker
	}
	num := number{start: i, plain: true, inches: i > 0 && t[i-1] == '-' && heightInches(t, wordStart(t, i-1), i)}
	var m uint64
	nd := 0 // mantissa digits
	e := 0
	acc := func(c byte) {
		if nd == 0 && c == '0' {
			return // leading zeros carry no digits
		}
		if nd < maxMantDigits+1 {
			m = m*10 + uint64(c-'0')
			nd++
		}
	}
	j := i
	for j < n && isDigit(t[j]) {
		acc(t[j])
		j++
	}
	intDigits := j - i
	if intDigits > maxMantDigits {
		return number{}, false, skipToken(t, i)
	}
	if intDigits > 1 && t[i] == '0' {
		num.lead0 = true
	}
	grouped, spaced := false, false
	// Indian grouping, lakhs and crores: "1,20,000", "12,34,56,789".
	if intDigits >= 1 && intDigits <= 2 {
		if k := indianGroups(t, j); k > j {
			for q := j; q < k; q++ {
				if isDigit(t[q]) {
					acc(t[q])
				}
			}
			j = k
			grouped = true
		}
	}
	if !grouped && intDigits >= 1 && intDigits <= 3 {
		// Thousands with commas: "1,114", "22,240,260,310".
		for j+3 < n+1 && j < n && t[j] == ',' && j+3 < n && isDigit(t[j+1]) && isDigit(t[j+2]) && isDigit(t[j+3]) && (j+4 >= n || !isDigit(t[j+4])) {
			acc(t[j+1])
			acc(t[j+2])
			acc(t[j+3])
			j += 4
			grouped = true
		}
		// Thousands with dots, at least two groups: "2.500.000" (European;
		// one dot is a decimal point, and "1.2.3", "192.168.1.2" have
		// groups of other sizes).
		if g := dotGroups(t, j); !grouped && g >= 2 && !(g == 3 && ipv4(t[i:j+4*g])) {
			for j < n && t[j] == '.' && dotGroups(t, j) >= 1 {
				acc(t[j+1])
				acc(t[j+2])
				acc(t[j+3])
				j += 4
			}
			grouped = true
		}
		// Thousands with spaces: "40 000", "1 234 567.89".
		if !grouped {
			k := j
			groups := 0
			allPlain := true
			zeros := true
			for {
				sz, plain := groupSpaceAt(t, k)
				plain = plain && !s.foldedSpace(k)
				if sz == 0 || k+sz+3 > n || !isDigit(t[k+sz]) || !isDigit(t[k+sz+1]) || !isDigit(t[k+sz+2]) || (k+sz+3 < n && isDigit(t[k+sz+3])) {
					break
				}
				if t[k+sz:k+sz+3] != "000" {
					zeros = false
				}
				allPlain = allPlain && plain
				k += sz + 3
				groups++
			}
			if groups > 0 && (!allPlain || groups >= 2 || zeros || groups == 1 && s.localMoneyAround(i, k)) {
				for q := j; q < k; q++ {
					if isDigit(t[q]) {
						acc(t[q])
					}
				}
				j = k
				grouped, spaced = true, true
			}
		}
		// Thousands with apostrophes, the Swiss way: "1'250'000", "CHF
		// 1’250" (the typographic apostrophe is folded to "'").
		if !grouped {
			k := j
			groups := 0
			for k+3 < n && t[k] == '\'' && isDigit(t[k+1]) && isDigit(t[k+2]) && isDigit(t[k+3]) && (k+4 == n || !isDigit(t[k+4])) {
				k += 4
				groups++
			}
			if groups >= 2 || groups == 1 && s.localMoneyAround(i, k) {
				for q := j; q < k; q++ {
					if isDigit(t[q]) {
						acc(t[q])
					}
				}
				j = k
				grouped = true
			}
		}
	}
	if grouped {
		num.plain = false
	}
	// Decimal comma: "5,00", "1,3" (not a list like "22,24,26"), also
	// after thousands grouped with spaces ("8 652,35 zł").
	if (!grouped || spaced) && j+1 < n && t[j] == ',' && isDigit(t[j+1]) {
		k := j + 1
		for k < n && isDigit(t[k]) {
			k++
		}
		inList := i > 0 && t[i-1] == ','
		if !inList && k-(j+1) <= 2 && !(k+1 < n && t[k] == ',' && isDigit(t[k+1])) && !(k+1 < n && t[k] == '.' && isDigit(t[k+1])) && !(k < n && isASCIILetter(t[k])) {
			for q := j + 1; q < k; q++ {
				acc(t[q])
				e--
			}
			j = k
			num.plain = false
			num.hasDecimal = true
		}
	}
	// Decimal point.
	if !num.hasDecimal && j+1 < n && t[j] == '.' && isDigit(t[j+1]) {
		k := j + 1
		for k < n && isDigit(t[k]) {
			if nd < maxMantDigits {
				acc(t[k])
				e--
			} else if nd == 0 {
				e--
			}
			k++
		}
		// "1.2.3", "192.168.1.2": versions and addresses.
		if k+1 < n && t[k] == '.' && isDigit(t[k+1]) {
			return number{}, false, skipToken(t, i)
		}
		if k-j == 4 && intDigits <= 3 && s.localMoneyAround(i, k) {
			// "4.050 lei", "3.700 lei": a dot groups thousands before
			// the currencies of countries that write numbers so.
			num.v = dec{m: m, e: e + 3}
			num.ndigits, num.end, num.plain = intDigits+3, k, false
			return num, true, k
		}
		j = k
		num.plain = false
		num.hasDecimal = true
	}
	num.ndigits = intDigits
	num.v = dec{m: m, e: e}
	num.end = j
	if nd > maxMantDigits {
		// Too many significant digits for an exact mantissa: parse it.
		var buf [64]byte
		b := buf[:0]
		for q := i; q < j && len(b) < cap(b); q++ {
			if isDigit(t[q]) || t[q] == '.' {
				b = append(b, t[q])
			}
		}
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil || math.IsInf(f, 0) {
			return number{}, false, skipToken(t, i)
		}
		num.v = decF(f)
	}
	if j >= n {
		return num, true, j
	}
	// Phone numbers, ISBNs and codes: "212-555-1234", "555-1234",
	// "978-3-16-148410-0".
	if num.plain && t[j] == '-' && j+1 < n && isDigit(t[j+1]) {
		groups, k, last := 1, j, 0
		for k+1 < n && t[k] == '-' && isDigit(t[k+1]) {
			q := k + 1
			for q < n && isDigit(t[q]) {
				q++
			}
			last = q - (k + 1)
			groups++
			k = q
		}
		if k < n && t[k] == '.' && k+1 < n && isDigit(t[k+1]) {
			groups = 0 // "104-3/8" and decimals are handled below
		}
		if groups >= 3 || (groups == 2 && intDigits == 3 && last == 4) {
			return number{}, false, skipToken(t, i)
		}
	}
	c := t[j]
	switch {
	case c == ':' && j+1 < n && isDigit(t[j+1]) && num.plain:
		// A race or lap time is a duration ("won in 3:49.04", "a world
		// record of 2:17:18"); clock times and ratios are not figures
		// ("3:04", "at 15:01:01.79", "a 3:1 ratio").
		if secs, end, ok := s.raceTime(i, j); ok {
			num.v, num.end, num.plain, num.hasDecimal, num.race = decF(secs), end, false, true, true
			return num, true, end
		}
		if v, end, ok := s.colonRatio(i, j); ok {
			num.v, num.end, num.plain, num.hasDecimal = decF(v), end, false, true
			return num, true, end
		}
		return number{}, false, skipToken(t, i)
	case c == '/' && j+1 < n && isDigit(t[j+1]):
		if num.plain {
			if fr, end, ok := fractionAt(t, i); ok {
				num.v = decF(fr)
				num.end = end
				num.plain = false
				num.hasDecimal = true
				return num, true, end
			}
			if v, end, ok := s.slashOdds(i, j); ok {
				num.v, num.end, num.plain, num.hasDecimal = decF(v), end, false, true
				return num, true, end // "the 11/4 joint-favourite" (sport.go)
			}
		}
		return number{}, false, skipToken(t, i)
	case c == 0xC2 && j+1 < n && (t[j+1] == 0xBD || t[j+1] == 0xBC || t[j+1] == 0xBE) && !num.hasDecimal:
		// "7½", "2¼", "3¾".
		add := 0.5
		switch t[j+1] {
		case 0xBC:
			add = 0.25
		case 0xBE:
			add = 0.75
		}
		num.v = num.v.addF(add)
		num.end = j + 2
		num.plain = false
		num.hasDecimal = true
		return num, true, num.end
	}
	// Mixed fractions: "10 1/2 miles", "2  1/4", "104-3/8".
	if num.plain {
		k := j
		if k < n && t[k] == '-' {
			k++
		} else {
			k = skipSp(t, k)
			if k-j > 2 {
				k = j
			}
		}
		if k > j && k < n && isDigit(t[k]) {
			if fr, end, ok := fractionAt(t, k); ok && fr < 1 {
				num.v = num.v.addF(fr)
				num.end = end
				num.plain = false
				num.hasDecimal = true
				return num, true, end
			}
		}
	}
	// Glued suffix: units, scales, ordinals, decades, identifiers.
	if isASCIILetter(c) || c >= 0x80 {
		k := j
		for k < n {
			if isASCIILetter(t[k]) || isDigit(t[k]) {
				k++
				continue
			}
			if t[k] == '/' && k+1 < n && isASCIILetter(t[k+1]) && k > j {
				k++
				continue
			}
			if t[k] >= 0x80 {
				if sz := sfxRuneAt(t, k); sz > 0 {
					k += sz
					if primeAt(t, k-sz) {
						break // "7′3″": feet, then a number of inches
					}
					continue
				}
			}
			break
		}
		if k > j {
			num.sfx = t[j:k]
			num.sfxStart = j
		}
	}
	return num, true, j
}

// capitalCode reports one to five capital letters ending at j that start a
// word: the name part of "BA.2.86" or "EG.5".
func capitalCode(t string, j int) bool {
	i := j
	for i > 0 && t[i-1] >= 'A' && t[i-1] <= 'Z' && j-i < 6 {
		i--
	}
	return i < j && j-i <= 5 && (i == 0 || letterBefore(t, i) == 0 && !isDigit(t[i-1]) && t[i-1] != '.')
}

// sfxRuneAt reports the size of a non-ASCII rune that can be part of a unit
// glued to a number ("°C", "m²", "μg", "元"), or 0.
func sfxRuneAt(t string, k int) int {
	if k+1 < len(t) && t[k] == 0xC2 && (t[k+1] == 0xB0 || t[k+1] == 0xB2 || t[k+1] == 0xB3 || t[k+1] == 0xB5 || t[k+1] == 0xBA) {
		return 2 // ° ² ³ µ º
	}
	if k+1 < len(t) && t[k] == 0xCE && t[k+1] == 0xBC {
		return 2 // μ
	}
	if k+1 < len(t) && t[k] == 0xC2 && t[k+1] == 0xA2 {
		return 2 // ¢
	}
	if k+2 < len(t) {
		switch t[k : k+3] {
		case "元", "₡", "₾", "₭", "℃", "℉", "€", "ர", "ூ", "‰", "′", "″":
			return 3
		}
	}
	return 0
}

// fractionAt parses "a/b" at i with a < b and a common denominator; it
// fails for dates ("9/11", "26/02/2022") and ratios ("24/7").
func fractionAt(t string, i int) (float64, int, bool) {
	n := len(t)
	j := i
	var a, b int
	for j < n && isDigit(t[j]) && j-i < 4 {
		a = a*10 + int(t[j]-'0')
		j++
	}
	if j >= n || t[j] != '/' || j == i {
		return 0, 0, false
	}
	k := j + 1
	for k < n && isDigit(t[k]) && k-j <= 3 {
		b = b*10 + int(t[k]-'0')
		k++
	}
	if k == j+1 || (k < n && (isDigit(t[k]) || t[k] == '/' || isASCIILetter(t[k]) && !unitFollowsGlued(t, k))) {
		return 0, 0, false
	}
	switch b {
	case 2, 3, 4, 5, 8, 16, 32, 64:
	default:
		return 0, 0, false
	}
	if a == 0 || a >= b {
		return 0, 0, false
	}
	return float64(a) / float64(b), k, true
}

// colonRatio reads "a:b" at i (the colon at j) as the fraction a/b after
// the word "ratio" in the same sentence ("the pupil-teacher ratio rose to
// 1:24 from 1:21", "a target of 1:5"): a ratio of counts, one figure. The
// first part is not larger than the second, unless the second is 1 (a
// pay ratio "at 312:1" is 312); "3:04" and "a 3:1 ratio" stay clock times
// and scores, no figures.
func (s *scanner) colonRatio(i, j int) (float64, int, bool) {
	t := s.text
	k := j + 1
	for k < len(t) && isDigit(t[k]) {
		k++
	}
	if k-(j+1) > 4 || j-i > 4 || k < len(t) && (t[k] == ':' || t[k] == '.' && k+1 < len(t) && isDigit(t[k+1])) {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(t[i:j])
	b, err2 := strconv.Atoi(t[j+1 : k])
	if err1 != nil || err2 != nil || a == 0 || b == 0 || a > b && b != 1 || !s.cueBefore(i, ratioCues, 16) {
		return 0, 0, false
	}
	return float64(a) / float64(b), k, true
}

// ratioCues before "a:b" make it a ratio.
var ratioCues = setOf("ratio", "ratios")

// primeAt reports a prime or double prime at k: feet and inches ("6′",
// "11″").
func primeAt(t string, k int) bool {
	return strings.HasPrefix(t[k:], "′") || strings.HasPrefix(t[k:], "″")
}

func unitFollowsGlued(t string, k int) bool {
	e := k
	for e < len(t) && isASCIILetter(t[e]) {
		e++
	}
	_, ok := attachedUnits[t[k:e]]
	return ok
}

// dotGroups counts the groups of three digits, each after a dot, from j:
// ".500.000" has two. A group must end the number ("2.500.0001" has none
// after the first dot).
func dotGroups(t string, j int) int {
	g := 0
	for j+3 < len(t) && t[j] == '.' && isDigit(t[j+1]) && isDigit(t[j+2]) && isDigit(t[j+3]) {
		j += 4
		g++
		if j < len(t) && isDigit(t[j]) {
			return 0
		}
	}
	if j+1 < len(t) && t[j] == '.' && isDigit(t[j+1]) {
		return 0 // "1.234.5": not groups
	}
	return g
}

// ipv4 reports four dotted numbers of at most 255, written without leading
// zeros: "192.168.100.200".
func ipv4(w string) bool {
	parts := strings.Split(w, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if v, err := strconv.Atoi(p); err != nil || v > 255 || len(p) > 1 && p[0] == '0' {
			return false // "1.250.000.000" is no address: octets have no leading zeros
		}
	}
	return true
}

// indianGroups returns where Indian digit groups from j end (",dd" at least
// once, then ",ddd" ending the number: "1,20,000" from after the "1"), or j.
func indianGroups(t string, j int) int {
	pairs := 0
	for j+3 <= len(t) && t[j] == ',' && isDigit(t[j+1]) && isDigit(t[j+2]) && (j+3 == len(t) || t[j+3] == ',') {
		j += 3
		pairs++
	}
	if pairs == 0 || j+4 > len(t) || t[j] != ',' || !isDigit(t[j+1]) || !isDigit(t[j+2]) || !isDigit(t[j+3]) ||
		j+4 < len(t) && isDigit(t[j+4]) {
		return j - 3*pairs
	}
	return j + 4
}

// heightInches reports whether the digits at i, after "foot-" or "feet-"
// starting at ws, are the inches of a height: "5-foot-10", "6-foot-8" (a
// number of feet before, one or two digits below 12 after).
func heightInches(t string, ws, i int) bool {
	w := t[ws : i-1]
	if (w != "foot" && w != "feet") || ws < 2 || t[ws-1] != '-' || !isDigit(t[ws-2]) {
		return false
	}
	j := i
	for j < len(t) && isDigit(t[j]) {
		j++
	}
	if j-i > 2 || (j < len(t) && (isDigit(t[j]) || isASCIILetter(t[j]) || t[j] == '.' && j+1 < len(t) && isDigit(t[j+1]))) {
		return false
	}
	return atoiSmall(t[i:j]) < 12
}

// tickerAt reports digits at i glued to a dot and an exchange code of one
// or two capitals: "9984.T", "005930.KS", "0700.HK".
func tickerAt(t string, i int) bool {
	j := i
	for j < len(t) && isDigit(t[j]) {
		j++
	}
	if j-i < 3 || j+1 >= len(t) || t[j] != '.' {
		return false
	}
	k := j + 1
	for k < len(t) && t[k] >= 'A' && t[k] <= 'Z' {
		k++
	}
	return k-(j+1) >= 1 && k-(j+1) <= 2 && (k == len(t) || !isASCIILetter(t[k]) && !isDigit(t[k]))
}

// setScoreBefore reports a set score "N-M" of one digit each ending at e:
// "7-6" before a tie-break.
func setScoreBefore(t string, e int) bool {
	return e >= 3 && isDigit(t[e-1]) && t[e-2] == '-' && isDigit(t[e-3]) && (e == 3 || !isDigit(t[e-4]))
}
