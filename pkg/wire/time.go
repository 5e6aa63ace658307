package wire

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrTime is wrapped by every ParseTime error.
var ErrTime = errors.New("unrecognised date")

// maxTimeLen bounds the input ParseTime looks at; no real date is longer.
const maxTimeLen = 128

// ParseTime reads a date as feeds write it and returns it with its offset
// (call .UTC() to normalise). It accepts:
//   - ISO 8601 / RFC 3339, extended or basic, with or without fraction,
//     seconds, "T" or zone ("2016-01-04T15:43:34.000Z",
//     "2017-10-11T10:41:00+0100", "20130516T040100+0000", "2016-01-12
//     12:35:40", "2013-03-04 11:40:31 GMT+00:00", "2017-07-03", "20010714");
//   - RFC 822/1123 and their variants: day name or not, 2- or 4-digit
//     year, seconds or not, numeric zones, "Z", and named zones (UT, GMT,
//     UTC, EST, PDT, CET, …) ("Tue, 15 Nov 2022 20:15:04 Z");
//   - English, Italian, French, German, Spanish, Portuguese and Dutch day
//     and month names, full or abbreviated ("mer, 16 nov 2022 00:38:15
//     +0100");
//   - 12-hour clocks ("Sat, Dec 16 2023 02:02:33 PM", "3:04 p.m.");
//   - numeric dates with slashes or dots ("2020/1/10 14:03:00" year first,
//     "1/10/2020" US month first unless the first number exceeds 12,
//     "16.11.2022" day first) and the Reuters form "26-FEB-1987
//     15:01:01.79".
//
// A date without a zone is taken as UTC; a date without a time is
// midnight. Anything else is an error wrapping ErrTime.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxTimeLen {
		return time.Time{}, fmt.Errorf("parse time %.40q: %w", s, ErrTime)
	}
	if t, ok := parseISO(s); ok {
		return t, nil
	}
	if t, ok := parseLoose(s); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("parse time %q: %w", s, ErrTime)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits reads exactly n digits at s[i:].
func digits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for k := 0; k < n; k++ {
		c := s[i+k]
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseISO handles ISO 8601 in its extended and basic forms.
func parseISO(s string) (time.Time, bool) {
	y, ok := digits(s, 0, 4)
	if !ok {
		return time.Time{}, false
	}
	i := 4
	var mo, d int
	switch {
	case i < len(s) && s[i] == '-':
		if mo, ok = digits(s, 5, 2); !ok || len(s) < 10 || s[7] != '-' {
			return time.Time{}, false
		}
		if d, ok = digits(s, 8, 2); !ok {
			return time.Time{}, false
		}
		i = 10
	default:
		if mo, ok = digits(s, 4, 2); !ok {
			return time.Time{}, false
		}
		if d, ok = digits(s, 6, 2); !ok {
			return time.Time{}, false
		}
		i = 8
	}
	if i < len(s) && isDigit(s[i]) {
		return time.Time{}, false
	}
	var h, mi, sec, nsec int
	if i < len(s) && (s[i] == 'T' || s[i] == 't' || s[i] == ' ') && i+1 < len(s) && isDigit(s[i+1]) {
		i++
		if h, ok = digits(s, i, 2); !ok {
			return time.Time{}, false
		}
		i += 2
		ext := i < len(s) && s[i] == ':'
		if ext {
			i++
		}
		if mi, ok = digits(s, i, 2); !ok {
			return time.Time{}, false
		}
		i += 2
		if i < len(s) && (ext && s[i] == ':' || !ext && isDigit(s[i])) {
			if ext {
				i++
			}
			if sec, ok = digits(s, i, 2); !ok {
				return time.Time{}, false
			}
			i += 2
			if i < len(s) && (s[i] == '.' || s[i] == ',') {
				i++
				scale := 100000000
				start := i
				for i < len(s) && isDigit(s[i]) {
					if scale > 0 {
						nsec += int(s[i]-'0') * scale
						scale /= 10
					}
					i++
				}
				if i == start {
					return time.Time{}, false
				}
			}
		}
	}
	loc := time.UTC
	rest := strings.TrimSpace(s[i:])
	if rest != "" {
		off, ok := parseZone(rest)
		if !ok {
			return time.Time{}, false
		}
		loc = zoneLoc(off)
	}
	return build(y, mo, d, h, mi, sec, nsec, loc)
}

func zoneLoc(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	return time.FixedZone("", off)
}

// build validates the fields and makes the time.
func build(y, mo, d, h, mi, sec, nsec int, loc *time.Location) (time.Time, bool) {
	if y < 1000 || y > 9999 || mo < 1 || mo > 12 || d < 1 || h > 24 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	if d > daysIn(mo, y) {
		return time.Time{}, false
	}
	if h == 24 {
		if mi != 0 || sec != 0 || nsec != 0 {
			return time.Time{}, false
		}
	}
	if sec == 60 {
		sec = 59 // leap second: the nearest representable instant
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, nsec, loc), true
}

func daysIn(mo, y int) int {
	return time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseZone reads "Z", "+01:00", "+0100", "+01", "GMT", "GMT+00:00",
// "UTC+2", "(UTC)" or a named zone, returning the offset in seconds.
func parseZone(z string) (int, bool) {
	z = strings.Trim(z, "() ")
	if z == "" {
		return 0, false
	}
	if z[0] == '+' || z[0] == '-' {
		return parseOffset(z)
	}
	up := strings.ToUpper(z)
	for _, pre := range []string{"GMT", "UTC", "UT"} {
		if strings.HasPrefix(up, pre) {
			rest := strings.TrimSpace(up[len(pre):])
			if rest == "" {
				return 0, true
			}
			if rest[0] == '+' || rest[0] == '-' {
				return parseOffset(rest)
			}
			return 0, false
		}
	}
	if off, ok := zoneNames[up]; ok {
		return off, true
	}
	return 0, false
}

// parseOffset reads "+hh:mm", "+hhmm", "+hh" or "+h".
func parseOffset(z string) (int, bool) {
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	z = z[1:]
	var h, m int
	switch {
	case len(z) == 5 && z[2] == ':':
		var ok1, ok2 bool
		h, ok1 = digits(z, 0, 2)
		m, ok2 = digits(z, 3, 2)
		if !ok1 || !ok2 {
			return 0, false
		}
	case len(z) == 4:
		var ok1, ok2 bool
		h, ok1 = digits(z, 0, 2)
		m, ok2 = digits(z, 2, 2)
		if !ok1 || !ok2 {
			return 0, false
		}
	case len(z) == 2 || len(z) == 1:
		var ok bool
		if h, ok = digits(z, 0, len(z)); !ok {
			return 0, false
		}
	default:
		return 0, false
	}
	if h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// zoneNames maps zone abbreviations feeds use to offsets in seconds. Where an
// abbreviation is ambiguous the most common news meaning wins (IST is India).
var zoneNames = map[string]int{
	"Z": 0, "UT": 0, "UTC": 0, "GMT": 0, "WET": 0,
	"EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
	"AKST": -9 * 3600, "AKDT": -8 * 3600, "HST": -10 * 3600,
	"AST": -4 * 3600, "ADT": -3 * 3600, "NST": -12600, "NDT": -9000,
	"BST": 3600, "IST": 19800, "CET": 3600, "CEST": 7200, "MET": 3600, "MEST": 7200,
	"WEST": 3600, "EET": 7200, "EEST": 10800, "MSK": 10800,
	"JST": 9 * 3600, "KST": 9 * 3600, "HKT": 8 * 3600, "SGT": 8 * 3600, "AWST": 8 * 3600,
	"ACST": 34200, "ACDT": 37800, "AEST": 10 * 3600, "AEDT": 11 * 3600,
	"NZST": 12 * 3600, "NZDT": 13 * 3600,
}

// monthNames maps lower-case month names and abbreviations in English,
// Italian, French, German, Spanish, Portuguese and Dutch to 1–12.
var monthNames = func() map[string]int {
	m := map[string]int{}
	add := func(mo int, names ...string) {
		for _, n := range names {
			m[n] = mo
		}
	}
	add(1, "jan", "january", "gen", "gennaio", "janv", "janvier", "januar", "jänner", "ene", "enero", "janeiro", "januari")
	add(2, "feb", "february", "febbraio", "fév", "fev", "févr", "fevr", "février", "fevrier", "februar", "febrero", "fevereiro", "februari")
	add(3, "mar", "march", "marzo", "mars", "mär", "mrz", "märz", "maerz", "março", "marco", "mrt", "maart")
	add(4, "apr", "april", "aprile", "avr", "avril", "abr", "abril")
	add(5, "may", "mag", "maggio", "mai", "mayo", "maio", "mei")
	add(6, "jun", "june", "giu", "giugno", "juin", "juni", "junio", "junho")
	add(7, "jul", "july", "lug", "luglio", "juil", "juillet", "juli", "julio", "julho")
	add(8, "aug", "august", "ago", "agosto", "aoû", "aou", "août", "aout", "augustus")
	add(9, "sep", "sept", "september", "set", "settembre", "septembre", "septiembre", "setembro")
	add(10, "oct", "october", "ott", "ottobre", "octobre", "okt", "oktober", "octubre", "out", "outubro")
	add(11, "nov", "november", "novembre", "noviembre", "novembro")
	add(12, "dec", "december", "dic", "dicembre", "déc", "décembre", "decembre", "dez", "dezember", "diciembre", "dezembro")
	return m
}()

// dayNames holds lower-case weekday names and abbreviations in the same
// languages; they are skipped.
var dayNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`mon monday tue tues tuesday wed wednesday thu thur thurs thursday fri friday sat saturday sun sunday
		lun lunedì lunedi mar martedì martedi mer mercoledì mercoledi gio giovedì giovedi ven venerdì venerdi sab sabato dom domenica
		lundi mardi mercredi jeu jeudi vendredi sam samedi dim dimanche
		mo montag di dienstag mi mittwoch do donnerstag fr freitag sa samstag so sonntag
		lunes martes mié mie miércoles miercoles jue jueves vie viernes sáb sábado domingo
		seg segunda ter terça terca qua quarta qui quinta sex sexta
		ma maandag dinsdag wo woensdag donderdag vr vrijdag za zaterdag zo zondag`) {
		m[n] = true
	}
	return m
}()

// parseLoose handles the word-and-number forms: RFC 822 and its relatives.
func parseLoose(s string) (time.Time, bool) {
	y, mo, d := -1, -1, -1
	h, mi, sec, nsec := -1, 0, 0, 0
	pm, am := false, false
	loc := time.UTC
	zoneSet := false
	moIsDay := false
	var nums []int // bare numbers whose role is decided at the end
	var numLens []int

	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' || r == '\r' })
	for fi, f := range fields {
		lf := strings.ToLower(strings.TrimRight(f, "."))
		switch {
		case lf == "":
			continue
		case lf == "pm" || lf == "p.m":
			pm = true
			continue
		case lf == "am" || lf == "a.m":
			am = true
			continue
		case lf == "at" || lf == "à" || lf == "um" || lf == "alle" || lf == "de" || lf == "del" || lf == "of" || lf == "the":
			continue
		}
		c := f[0]
		switch {
		case c == '+' || c == '-':
			off, ok := parseOffset(f)
			if !ok || zoneSet {
				return time.Time{}, false
			}
			loc, zoneSet = zoneLoc(off), true
		case isDigit(c) && strings.IndexByte(f, ':') > 0:
			// A clock, perhaps with AM/PM or a zone glued on.
			var rest string
			var ok bool
			h, mi, sec, nsec, rest, ok = parseClock(f)
			if !ok {
				return time.Time{}, false
			}
			switch strings.ToLower(strings.TrimRight(rest, ".")) {
			case "":
			case "pm", "p.m":
				pm = true
			case "am", "a.m":
				am = true
			default:
				off, ok := parseZone(rest)
				if !ok || zoneSet {
					return time.Time{}, false
				}
				loc, zoneSet = zoneLoc(off), true
			}
		case isDigit(c) && strings.ContainsAny(f, "/.-") && !allDigits(strings.TrimRight(f, ".")):
			yy, mm, dd, ok := parseNumericDate(f)
			if !ok || y >= 0 {
				return time.Time{}, false
			}
			y, mo, d = yy, mm, dd
		case isDigit(c):
			v, n := 0, 0
			ff := strings.TrimRight(f, ".")
			for n < len(ff) && isDigit(ff[n]) {
				v = v*10 + int(ff[n]-'0')
				n++
				if n > 4 {
					return time.Time{}, false
				}
			}
			if n != len(ff) {
				// "16th", "1er": an ordinal day.
				suf := strings.ToLower(ff[n:])
				if suf != "st" && suf != "nd" && suf != "rd" && suf != "th" && suf != "er" && suf != "º" && suf != "°" {
					return time.Time{}, false
				}
			}
			nums = append(nums, v)
			numLens = append(numLens, n)
		default:
			if fi == 0 && dayNames[lf] && firstIsWeekday(s) {
				continue
			}
			if m, ok := monthNames[lf]; ok {
				switch {
				case mo < 0:
					mo, moIsDay = m, dayNames[lf]
				case moIsDay:
					// The first name was a weekday sharing a month's
					// name (Italian "mar").
					mo, moIsDay = m, dayNames[lf]
				case dayNames[lf]:
				default:
					return time.Time{}, false
				}
				continue
			}
			if dayNames[lf] {
				continue
			}
			if off, ok := parseZone(f); ok {
				if zoneSet {
					return time.Time{}, false
				}
				loc, zoneSet = zoneLoc(off), true
				continue
			}
			return time.Time{}, false
		}
	}
	// Bare numbers: a four-digit one is the year, the first short one the
	// day, a second short one a two-digit year.
	for i, v := range nums {
		switch {
		case numLens[i] == 4 && y < 0:
			y = v
		case numLens[i] <= 2 && d < 0:
			d = v
		case numLens[i] <= 2 && y < 0:
			y = twoDigitYear(v)
		default:
			return time.Time{}, false
		}
	}
	if y < 0 || mo < 0 || d < 0 {
		return time.Time{}, false
	}
	if h < 0 {
		h = 0
		if pm || am {
			return time.Time{}, false
		}
	}
	if pm || am {
		if h < 1 || h > 12 {
			return time.Time{}, false
		}
		if pm && h != 12 {
			h += 12
		}
		if am && h == 12 {
			h = 0
		}
	}
	return build(y, mo, d, h, mi, sec, nsec, loc)
}

// firstIsWeekday reports whether the first field is followed by a comma, the
// weekday position of RFC 822 ("mar, 15 nov 2022").
func firstIsWeekday(s string) bool {
	i := strings.IndexAny(s, " ,")
	return i > 0 && s[i] == ','
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func twoDigitYear(v int) int {
	if v < 70 {
		return 2000 + v
	}
	return 1900 + v
}

// parseClock reads "15:04", "15:04:05", "15:04:05.79" and returns what
// follows (an AM/PM marker or a zone glued to the clock).
func parseClock(f string) (h, mi, sec, nsec int, rest string, ok bool) {
	i := 0
	read := func() (int, bool) {
		v, n := 0, 0
		for i < len(f) && isDigit(f[i]) && n < 2 {
			v = v*10 + int(f[i]-'0')
			i++
			n++
		}
		return v, n > 0
	}
	if h, ok = read(); !ok {
		return
	}
	if i >= len(f) || f[i] != ':' {
		ok = false
		return
	}
	i++
	if mi, ok = read(); !ok {
		return
	}
	if i < len(f) && f[i] == ':' {
		i++
		if sec, ok = read(); !ok {
			return
		}
		if i < len(f) && f[i] == '.' && i+1 < len(f) && isDigit(f[i+1]) {
			i++
			scale := 100000000
			for i < len(f) && isDigit(f[i]) {
				nsec += int(f[i]-'0') * scale
				scale /= 10
				i++
				if scale == 0 {
					break
				}
			}
		}
	}
	if i < len(f) && isDigit(f[i]) {
		ok = false
		return
	}
	return h, mi, sec, nsec, f[i:], true
}

// parseNumericDate reads "2020/1/10", "1/10/2020", "16.11.2022",
// "2022-11-16" and "26-FEB-1987".
func parseNumericDate(f string) (y, mo, d int, ok bool) {
	f = strings.TrimRight(f, ".")
	sep := byte(0)
	for i := 0; i < len(f); i++ {
		if f[i] == '/' || f[i] == '.' || f[i] == '-' {
			sep = f[i]
			break
		}
	}
	parts := strings.Split(f, string(sep))
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	if m, isName := monthNames[strings.ToLower(parts[1])]; isName {
		dd, ok1 := atoiN(parts[0], 2)
		yy, ok2 := atoiN(parts[2], 4)
		if !ok1 || !ok2 {
			return 0, 0, 0, false
		}
		if len(parts[2]) <= 2 {
			yy = twoDigitYear(yy)
		}
		return yy, m, dd, true
	}
	a, ok1 := atoiN(parts[0], 4)
	b, ok2 := atoiN(parts[1], 2)
	c, ok3 := atoiN(parts[2], 4)
	if !ok1 || !ok2 || !ok3 {
		return 0, 0, 0, false
	}
	switch {
	case len(parts[0]) == 4:
		return a, b, c, true
	case len(parts[2]) == 4 || len(parts[2]) == 2:
		if len(parts[2]) == 2 {
			c = twoDigitYear(c)
		}
		if sep == '/' && a <= 12 {
			return c, a, b, true // US: month first
		}
		return c, b, a, true
	}
	return 0, 0, 0, false
}

// atoiN parses 1 to maxLen digits.
func atoiN(s string, maxLen int) (int, bool) {
	if s == "" || len(s) > maxLen {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}
