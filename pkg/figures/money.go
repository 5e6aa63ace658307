package figures

// Currencies written before the number: symbols, ISO codes and prefix words.

import (
	"strings"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
)

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
		if q == p-1 {
			// In local copy a bare "$" is the dollar of the country the
			// text names first: "Toronto's budget adds $263" (CAD), "a
			// record $1.62 million in Sydney" (AUD); the US dollar when it
			// names none.
			code = s.bareDollar()
		}
		f.start, f.unit, f.kind, f.cur = q, code, article.KindMoney, true
		return
	}
	if c == '/' && p >= 2 && t[p-2] == 'S' && letterBefore(t, p-2) == 0 {
		f.start, f.unit, f.kind, f.cur = p-2, "PEN", article.KindMoney, true // "S/ 257.6 billion", the sol
		return
	}
	if c >= utf8.RuneSelf {
		r, size := utf8.DecodeLastRuneInString(t[:p])
		if q := p - size; r == '£' && q >= 1 && t[q-1] == 'E' && letterBefore(t, q-1) == 0 {
			f.start, f.unit, f.kind, f.cur = q-1, "EGP", article.KindMoney, true // "E£8", the Egyptian pound
		} else if code := symbolCurrency(r); code != "" {
			f.start, f.unit, f.kind, f.cur = p-size, code, article.KindMoney, true
		} else if q := p - size; (r == '¢' || r == '₵') && q >= 2 && t[q-2:q] == "GH" && letterBefore(t, q-2) == 0 {
			f.start, f.unit, f.kind, f.cur = q-2, "GHS", article.KindMoney, true // "GH¢3,000", the cedi
		}
		return
	}
	ws, we, dot, ok := prevWord(t, f.start)
	if !ok {
		return
	}
	w := t[ws:we]
	if !dot && (isoCodes[w] || s.wordCodeOfCountry(w)) {
		if w == "RMB" {
			w = "CNY"
		}
		f.start, f.unit, f.kind, f.cur = ws, w, article.KindMoney, true
		return
	}
	if !dot && len(w) == 4 && (w[0] == 'M' || w[0] == 'T' || w[0] == 'K') && isoCodes[w[1:]] && !f.num.scaled {
		// "MSEK 412.6", "TSEK 950" (Nordic reports): millions, thousands.
		pow := 6
		if w[0] != 'M' {
			pow = 3
		}
		f.v = f.v.mulPow10(pow)
		f.num.scaled, f.num.scalePow = true, pow
		f.start, f.unit, f.kind, f.cur = ws, w[1:], article.KindMoney, true
		return
	}
	if code, ok := prefixWordCurrencies[w]; ok && we == f.start && capsPrefixes[w] && !scaledAmount(t, f.start) && !s.priceContext(ws, f.start, s.prefixCurrency(w, code)) {
		// "a stolen Audi RS6": the capitals of a prefix usually written in
		// mixed case ("Rs", "SFr"), glued to a plain number, are a model
		// name, as a single capital is ("R5"); "RS500 for the ticket" and
		// "RS6 BILLION" are money.
		return
	}
	if code, ok := prefixWordCurrencies[w]; ok && (!dot || w == "Rs" || w == "Rp" || w == "Ksh" || w == "KSh") {
		f.start, f.unit, f.kind, f.cur = ws, s.prefixCurrency(w, code), article.KindMoney, true
		return
	}
	if code, ok := gluedOnlyCurrencies[w]; ok && we == f.start && s.gluedCurrency(ws, we) {
		f.start, f.unit, f.kind, f.cur = ws, code, article.KindMoney, true
	}
	if code, ok := gatedWordCurrencies[w]; ok && !dot && (scaledAmount(s.text, f.start) || s.priceContext(ws, f.start, code)) {
		f.start, f.unit, f.kind, f.cur = ws, code, article.KindMoney, true
	}
	if countries, ok := countryOnlyCurrencies[w]; ok && we == f.start && s.gluedCurrency(ws, we) {
		f.start, f.unit, f.kind, f.cur = ws, s.countryCurrency("", countries), article.KindMoney, true
	}
}

// countryCurrency returns the code of the country that the text names
// first (its name or a city: the dateline comes first), else def: a
// currency name or sign shared by several countries ("Rs", "pesos").
// countries lists the default's own country too, so that an Indian story
// that mentions Pakistan keeps the Indian rupee.
func (s *scanner) countryCurrency(def string, countries []currencyCountry) string {
	if len(countries) == 0 {
		return def
	}
	// A currency the story already wrote unambiguously: "worth about NOK
	// 6.2 billion at Tuesday's close of 155.60 crowns".
	for i := len(s.figs) - 1; i >= 0; i-- {
		if g := &s.figs[i]; g.Kind == article.KindMoney && g.Unit != def {
			for _, c := range countries {
				if c.code == g.Unit {
					return c.code
				}
			}
		}
	}
	// Once per list and text: a story of francs names its country once
	// for all its amounts.
	key := &countries[0]
	for i := range s.countries {
		if c := &s.countries[i]; c.list == key && c.def == def {
			return c.code
		}
	}
	if s.lower == "" {
		s.lower = strings.ToLower(s.text) // once per text; datelines are in capitals: "KARACHI, May 3"
	}
	code := countryIn(s.lower, def, countries)
	for i := range s.countries {
		if c := &s.countries[i]; c.list == nil {
			c.list, c.def, c.code = key, def, code
			break
		}
	}
	return code
}

// countryMemo is a decided countryCurrency: the list, the default, the code.
type countryMemo struct {
	list      *currencyCountry
	def, code string
}

// countryIn is countryCurrency over lower, the text (or its start) in
// lower case.
func countryIn(lower, def string, countries []currencyCountry) string {
	code, at := def, len(lower)
	for _, c := range countries {
		for _, w := range c.cues {
			if i := wordIndex(lower[:at], w); i >= 0 {
				code, at = c.code, i
			}
		}
	}
	return code
}

// wordIndex is strings.Index of w in t at the start of a word ("cuba", not
// "scuba").
func wordIndex(t, w string) int {
	for off := 0; ; {
		i := strings.Index(t[off:], w)
		if i < 0 {
			return -1
		}
		if j := off + i; j == 0 || letterAt(t, j-1) == 0 && !isDigit(t[j-1]) {
			return j
		}
		off += i + 1
	}
}

// currencyCountry is a currency and the words that name its country.
type currencyCountry struct {
	code string
	cues []string
}

// pesoCountries are the countries of the peso, Mexico's first.
var pesoCountries = []currencyCountry{
	{"MXN", []string{"mexic"}},
	{"ARS", []string{"argentin", "buenos aires"}},
	{"CLP", []string{"chile", "santiago"}},
	{"COP", []string{"colombia", "bogota", "bogotá", "medellin"}},
	{"PHP", []string{"philippine", "manila", "filipino"}},
	{"UYU", []string{"uruguay", "montevideo"}},
	{"CUP", []string{"cuba", "havana"}},
	{"DOP", []string{"dominican republic", "santo domingo"}},
}

// francCountries are the countries of the franc (France's, Belgium's and
// Luxembourg's until 2002; the CFA francs of West and Central Africa).
var francCountries = append([]currencyCountry{
	{"CHF", []string{"swiss", "switzerland", "zurich", "geneva", "bern", "basel", "lausanne"}},
	{"FRF", []string{"france", "french", "paris"}},
	{"BEF", []string{"belgi", "brussels"}},
	{"LUF", []string{"luxembourg"}},
}, cfaCountries...)

// localDollars reports whether the text writes money as local copy does:
// no other currency and no dollar named by its country anywhere ("A$",
// "US$", "Australian dollars", "£", "€", "euros"). International copy
// converts ("1.2bn Australian dollars (£458m; $874m)") and means the US
// dollar by a bare "$".
func (s *scanner) localDollars() bool {
	if s.lower == "" {
		s.lower = strings.ToLower(s.text)
	}
	for _, m := range foreignMoneyMarks {
		if strings.Contains(s.lower, m) {
			return false
		}
	}
	return true
}

// bareDollar returns the currency of a bare "$" in this text, decided
// once per Extract: localDollar in local copy, else USD.
func (s *scanner) bareDollar() string {
	if s.dollar == "" {
		// The first sentence is short: its country first, the scan of
		// the whole text for other currencies only when it names one.
		s.dollar = "USD"
		if code := s.localDollar(); code != "USD" && s.localDollars() {
			s.dollar = code
		}
	}
	return s.dollar
}

// localDollar returns the dollar of the country that local copy names at
// its start, before its first "$" and within its first sentence or
// dateline ("VANCOUVER, Dec 4 -", "Toronto's TTC will raise the fare to
// $3.35"), else USD: a story that names Australia in its eighth paragraph
// writes US dollars at its top.
func (s *scanner) localDollar() string {
	end := strings.IndexByte(s.text, '$')
	if end < 0 {
		return "USD"
	}
	if e := firstSentenceEnd(s.text[:end]); e < end {
		end = e
	}
	return countryIn(strings.ToLower(s.text[:end]), "USD", dollarCountries)
}

// firstSentenceEnd returns where the first sentence of t ends (a full stop,
// "!" or "?" before a space, or a line break), or len(t).
func firstSentenceEnd(t string) int {
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '\n':
			return i
		case '.', '!', '?':
			if i+1 == len(t) || t[i+1] == ' ' {
				return i
			}
		}
	}
	return len(t)
}

// foreignMoneyMarks in a text say that a bare "$" is the US dollar.
var foreignMoneyMarks = []string{"us$", "u.s.$", "a$", "c$", "nz$", "hk$", "s$", "£", "€", "¥", "euro", "sterling",
	"pound", "yen", "yuan", "dollar", "dlrs", "usd", "aud", "cad", "nzd"}

// dollarCountries are the countries of a bare "$", the United States'
// first (a US story that names Canada later keeps the US dollar).
var dollarCountries = []currencyCountry{
	{"USD", []string{"u.s.", "united states", "america", "washington", "new york", "california", "texas", "wall street"}},
	{"CAD", []string{"canada", "canadian", "toronto", "ottawa", "montreal", "montréal", "vancouver", "calgary", "edmonton", "ontario", "quebec", "québec", "alberta", "british columbia"}},
	{"AUD", []string{"australia", "sydney", "melbourne", "canberra", "brisbane", "adelaide", "queensland", "new south wales"}},
	{"NZD", []string{"new zealand", "auckland", "christchurch"}},
}

// shillingCountries are the countries of the shilling written "Sh".
var shillingCountries = []currencyCountry{
	{"KES", []string{"kenya", "nairobi", "mombasa", "eldoret", "kisumu"}},
	{"UGX", []string{"uganda", "kampala"}},
	{"TZS", []string{"tanzania", "dar es salaam", "dodoma"}},
}

// cfaCountries are the countries of the Central African CFA franc (XAF);
// the West African one (XOF) is the default.
var cfaCountries = []currencyCountry{
	{"XOF", []string{"senegal", "ivory coast", "côte d'ivoire", "mali", "burkina", "benin", "togo", "dakar", "abidjan", "bamako", "niamey"}},
	{"XAF", []string{"cameroon", "gabon", "chad", "central african", "equatorial guinea", "yaounde", "libreville", "brazzaville"}},
}

// dirhamCountries are the countries of the dirham, the UAE's first.
var dirhamCountries = []currencyCountry{
	{"AED", []string{"emirates", "uae", "dubai", "abu dhabi"}},
	{"MAD", []string{"morocc", "rabat", "casablanca", "marrakesh", "marrakech"}},
}

// crownCountries are the countries of the crown (krona, krone, koruna).
var crownCountries = []currencyCountry{
	{"SEK", []string{"sweden", "swedish", "stockholm", "gothenburg", "riksbank"}},
	{"NOK", []string{"norway", "norwegian", "oslo", "norges bank"}},
	{"DKK", []string{"denmark", "danish", "copenhagen"}},
	{"ISK", []string{"iceland", "reykjavik"}},
	{"CZK", []string{"czech", "prague", "brno"}},
}

// leuCountries are the countries of the leu.
var leuCountries = []currencyCountry{
	{"RON", []string{"romania", "bucharest"}},
	{"MDL", []string{"moldova", "chisinau"}},
}

// riyalCountries are the countries of the riyal, Saudi Arabia's first
// (Oman's and Iran's rial are their own names).
var riyalCountries = []currencyCountry{
	{"SAR", []string{"saudi", "riyadh", "jeddah"}},
	{"QAR", []string{"qatar", "doha"}},
	{"YER", []string{"yemen", "sanaa", "aden"}},
}

// dinarCountries are the countries of the dinar, Kuwait's first.
var dinarCountries = []currencyCountry{
	{"KWD", []string{"kuwait"}},
	{"RSD", []string{"serbia", "belgrade"}},
	{"JOD", []string{"jordan", "amman"}},
	{"BHD", []string{"bahrain", "manama"}},
	{"IQD", []string{"iraq", "baghdad"}},
	{"DZD", []string{"algeria", "algiers"}},
	{"TND", []string{"tunisia", "tunis"}},
	{"LYD", []string{"libya", "tripoli"}},
	{"MKD", []string{"north macedonia", "skopje"}},
}

// liraCountries are the countries of the lira (Italy's until 2002).
var liraCountries = []currencyCountry{
	{"TRY", []string{"turk", "ankara", "istanbul", "izmir"}},
	{"ITL", []string{"ital", "rome", "milan", "turin"}},
	{"LBP", []string{"leban", "beirut"}},
	{"SYP", []string{"syria", "damascus"}},
}

// rupeeCountries are the countries of the rupee, India's first, with the
// words that name them in a text.
var rupeeCountries = []currencyCountry{
	{"INR", []string{"india", "delhi", "mumbai", "bengaluru", "bangalore", "kolkata", "chennai"}},
	{"PKR", []string{"pakistan", "karachi", "lahore", "islamabad", "rawalpindi", "peshawar"}},
	{"LKR", []string{"sri lanka", "colombo"}},
	{"NPR", []string{"nepal", "kathmandu"}},
}

// symbolAt returns the size of a currency sign at i ("€", "£"), or 0.
func symbolAt(t string, i int) int {
	if i >= len(t) || t[i] < utf8.RuneSelf {
		return 0
	}
	r, size := utf8.DecodeRuneInString(t[i:])
	if symbolCurrency(r) == "" {
		return 0
	}
	return size
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

// dollarPrefixes are letters written before "$" ("US$", "C$", "HK $").
// Lower case keys; "u.s" stands for "U.S.".
var dollarPrefixes = map[string]string{
	"us": "USD", "u.s": "USD", "c": "CAD", "ca": "CAD", "can": "CAD", "a": "AUD", "au": "AUD",
	"nz": "NZD", "hk": "HKD", "s": "SGD", "sg": "SGD", "nt": "TWD", "r": "BRL", "z": "ZWD",
	"j": "JMD", "mex": "MXN", "fj": "FJD", "ws": "WST", "sbd": "SBD", "bds": "BBD", "tt": "TTD",
}

// wordCodeOfCountry reports an ISO 4217 code that is also a word or an
// acronym in capitals (so not in isoCodes) before a number in a text that
// names its country or currency: "MOP 226.4 billion" in a story of Macau.
// The text names it as countryCurrency decides for shared names.
func (s *scanner) wordCodeOfCountry(w string) bool {
	countries, ok := wordCodes[w]
	return ok && s.countryCurrency("", countries) == w
}

// wordCodes are the codes left out of isoCodes, each with the words that
// let it in (lower case, as currencyCountry's).
var wordCodes = map[string][]currencyCountry{
	"MOP": {{"MOP", []string{"macau", "macao", "pataca"}}}, "TOP": {{"TOP", []string{"tonga", "pa'anga"}}},
	"MAD": {{"MAD", []string{"morocc", "dirham"}}}, "PEN": {{"PEN", []string{"peru", "soles"}}},
	"AMD": {{"AMD", []string{"armenia", "dram"}}}, "ALL": {{"ALL", []string{"albania", "lek"}}},
	"CUP": {{"CUP", []string{"cuba"}}}, "SOS": {{"SOS", []string{"somalia"}}}, "BAM": {{"BAM", []string{"bosnia"}}},
}

// isoCodes are currency codes written as words before or after the number
// ("USD 5", "5 EUR"). Exact upper case only; codes that are also English
// words or common acronyms (ALL, TOP, CUP, MOP, …) are left out.
var isoCodes = map[string]bool{
	"USD": true, "EUR": true, "GBP": true, "JPY": true, "CNY": true, "CHF": true, "CAD": true,
	"AUD": true, "NZD": true, "HKD": true, "SGD": true, "INR": true, "RUB": true, "KRW": true,
	"BRL": true, "MXN": true, "ZAR": true, "SEK": true, "NOK": true, "DKK": true, "PLN": true,
	"CZK": true, "HUF": true, "TRY": true, "ILS": true, "SAR": true, "AED": true, "QAR": true,
	"KWD": true, "EGP": true, "NGN": true, "KES": true, "THB": true, "MYR": true, "IDR": true,
	"PHP": true, "VND": true, "TWD": true, "PKR": true, "UAH": true, "ARS": true, "CLP": true,
	"COP": true, "DEM": true, "FRF": true, "ITL": true, "ESP": true, "NLG": true, "BEF": true,
	"RMB": true, "XAU": true,
	// More ISO 4217 codes, without those that are words or common
	// acronyms in capitals (ALL, AMD, CUP, MOP, SOS, TOP, BAM, MAD, PEN,
	// BSD, TMT, SCR, SRD, ANG, MGA, GMD, ERN, SLE, BZD).
	"UGX": true, "TZS": true, "GHS": true, "ETB": true, "ZMW": true, "BDT": true, "LKR": true,
	"NPR": true, "TND": true, "DZD": true, "JOD": true, "BHD": true, "OMR": true, "IRR": true,
	"IQD": true, "AFN": true, "KZT": true, "UZS": true, "AZN": true, "GEL": true, "BGN": true,
	"RON": true, "HRK": true, "RSD": true, "ISK": true, "BYN": true, "MDL": true, "PYG": true,
	"UYU": true, "VES": true, "GTQ": true, "CRC": true, "DOP": true, "JMD": true, "TTD": true,
	"XOF": true, "XAF": true, "NAD": true, "BWP": true, "MZN": true, "AOA": true, "RWF": true,
	"MWK": true, "SDG": true, "LYD": true, "MMK": true, "KHR": true, "LAK": true, "MNT": true,
	"BND": true, "FJD": true, "PGK": true, "XCD": true, "CDF": true, "GNF": true, "MUR": true,
	"MVR": true, "LBP": true, "SYP": true, "YER": true, "KGS": true, "TJS": true,
	"BOB": true, "HNL": true, "NIO": true, "LRD": true, "BIF": true, "DJF": true, "SZL": true,
	"LSL": true, "ZWL": true, "AWG": true, "BBD": true, "KYD": true, "HTG": true, "GYD": true,
	"XPF": true, "WST": true, "VUV": true,
	"SBD": true, "KPW": true, "BTN": true,
}

// prefixWordCurrencies are currency words written before the number ("Rs
// 500", "RMB 5", "DM 10", "Rs. 35 lakh").
var prefixWordCurrencies = map[string]string{
	"Rs": "INR", "RS": "INR", "Rp": "IDR", "DM": "DEM", "Dfl": "NLG", "Dfls": "NLG", "SFr": "CHF",
	"Sfr": "CHF", "SFR": "CHF", "FFr": "FRF", "Ffr": "FRF", "BFr": "BEF", "Skr": "SEK", "Dkr": "DKK",
	"Nkr": "NOK", "RM": "MYR", "KSh": "KES", "Ksh": "KES", "KShs": "KES", "Kshs": "KES", "USh": "UGX",
	"Ush": "UGX", "TSh": "TZS", "Tsh": "TZS", "Tk": "BDT", "GH₵": "GHS", "Dh": "AED", "Dhs": "AED",
	"Rmb": "CNY", "Sh": "KES", "Shs": "UGX", "Rwf": "RWF", "RWF": "RWF", "FCFA": "XOF", "CFA": "XOF",
}

// prefixCurrency returns the currency of the prefix word w whose table
// code is code, for the country the text names when several share it.
func (s *scanner) prefixCurrency(w, code string) string {
	switch code {
	case "INR":
		return s.countryCurrency("INR", rupeeCountries) // "A Karachi bakery was fined Rs.50,000": PKR
	case "KES", "UGX":
		if w == "Sh" || w == "Shs" {
			return s.countryCurrency(code, shillingCountries) // "Sh5,200 in Kampala": UGX
		}
	case "XOF":
		return s.countryCurrency("XOF", cfaCountries) // "FCFA 7,317.7 billion" in Cameroon: XAF
	}
	return code
}

// capsPrefixes are the prefix currencies written in capitals whose usual
// spelling has lower-case letters ("RS" for "Rs", "SFR" for "SFr"): glued
// to a plain number they are model names more often ("Audi RS6").
var capsPrefixes = func() map[string]bool {
	m := map[string]bool{}
	for k := range prefixWordCurrencies {
		if strings.ToUpper(k) != k {
			continue
		}
		for o := range prefixWordCurrencies {
			if o != k && strings.ToUpper(o) == k {
				m[k] = true
			}
		}
	}
	return m
}()

// gatedWordCurrencies are currency abbreviations that are also other
// codes ("SR-71", "the NIS 2 directive", "QR codes"): before an amount,
// glued or not, they are money only when the amount is scaled or grouped
// ("SR272 billion", "NIS 4,500", "QR1.5bn") or priced (priceContext).
var gatedWordCurrencies = map[string]string{"SR": "SAR", "QR": "QAR", "NIS": "ILS", "Br": "ETB", "MK": "MWK", "KD": "KWD", "BD": "BHD", "JD": "JOD"}

// countryOnlyCurrencies are single capitals that name a currency only in a
// story of its country, glued to a scaled, grouped or priced amount:
// "K253.1 billion" in Lusaka (kwacha), in Port Moresby (kina).
var countryOnlyCurrencies = map[string][]currencyCountry{
	"K": {{"ZMW", []string{"zambia", "lusaka"}}, {"PGK", []string{"papua new guinea", "port moresby"}}},
	"P": {{"PHP", []string{"philippine", "manila", "filipino"}}, {"BWP", []string{"botswana", "gaborone"}}},
}

// gluedOnlyCurrencies are single capitals that name a currency only when
// glued to an amount with a scale or separators: "R254 billion" (rand),
// "N5bn" (naira), or in a price context ("Tickets cost R350 each", see
// priceContext); "R5" or "N95" are codes.
var gluedOnlyCurrencies = map[string]string{"R": "ZAR", "N": "NGN"}

// gluedCurrency reports a currency word glued before the digits at i that
// starts at ws: "KSh217", "Rs500", "R2.5bn" (see gluedOnlyCurrencies).
func (s *scanner) gluedCurrency(ws, i int) bool {
	t := s.text
	if ws > 0 && (isDigit(t[ws-1]) || t[ws-1] == '-' || t[ws-1] == '.' || t[ws-1] == '_') {
		return false
	}
	w := t[ws:i]
	if _, ok := prefixWordCurrencies[w]; ok {
		return true
	}
	if code, ok := gluedOnlyCurrencies[w]; ok {
		return scaledAmount(t, i) || s.typoGrouped(i) || s.priceContext(ws, i, code)
	}
	if code, ok := gatedWordCurrencies[w]; ok {
		return scaledAmount(t, i) || s.priceContext(ws, i, code)
	}
	if countries, ok := countryOnlyCurrencies[w]; ok {
		code := s.countryCurrency("", countries)
		return code != "" && (scaledAmount(t, i) || s.priceContext(ws, i, code))
	}
	return false
}

// priceContext reports a plain amount glued to a single-capital currency
// (ws is the capital, i the digits) that the words around make a price:
// a verb or noun of price among the three words before ("costs R350",
// "paid N2000"), a rate after ("N950 a litre", "R350 each"), or an
// earlier amount of the same currency in the sentence ("up from N617").
// Without them "N95", "R101" and "N1" stay codes and road numbers.
func (s *scanner) priceContext(ws, i int, code string) bool {
	t := s.text
	if s.cueBefore(ws, priceCues, 3) {
		return true
	}
	if n := len(s.figs); n > 0 && s.figs[n-1].Unit == code && s.lastEnd <= ws &&
		!strings.ContainsAny(t[s.lastEnd:ws], ".!?;\n") {
		return true
	}
	j := i
	for j < len(t) && isDigit(t[j]) {
		j++
	}
	w, h, ok := s.nextWordTok(j)
	if !ok || h {
		return false
	}
	if w.key == "each" || w.key == "apiece" {
		return true
	}
	if w.key == "from" || w.key == "to" || w.key == "against" || w.key == "vs" {
		// "rose to Br20 from Br15": the same currency glued to the
		// other end of a change.
		q := skipSp(t, w.e)
		cur := t[ws:i]
		return strings.HasPrefix(t[q:], cur) && q+len(cur) < len(t) && isDigit(t[q+len(cur)])
	}
	if w.key != "a" && w.key != "an" && w.key != "per" {
		return false
	}
	n, h, ok := s.nextWordTok(w.e)
	return ok && !h && perNouns[n.key]
}

// priceCues before a glued amount make it a price.
var priceCues = setOf("cost", "costs", "costing", "price", "prices", "priced", "pay", "pays", "paid",
	"paying", "charge", "charges", "charged", "fee", "fees", "fare", "fares", "sell", "sells", "sold",
	"selling", "buy", "buys", "bought", "worth", "fined", "fine", "earn", "earns", "earned", "wage",
	"salary", "rent", "budget", "spent", "spend", "raised", "tariff", "levy")

// perNouns after "a" or "per" make the amount before them a rate.
var perNouns = setOf("litre", "liter", "gallon", "kilo", "kg", "kilogram", "tonne", "ton", "bag",
	"loaf", "month", "week", "day", "year", "hour", "night", "head", "person", "ticket", "share",
	"unit", "barrel", "dollar", "kwh", "plate", "meal", "bottle")

// scaledAmount reports digits at i with separators or a decimal point
// ("1,200", "2.5") or followed by a scale ("254 billion", "5bn"), also
// across the upper end of a range ("40-50 billion").
// typoGrouped reports digits at i grouped in thousands by a no-break or
// thin space ("R3 500"): a separator as much as a comma is.
func (s *scanner) typoGrouped(i int) bool {
	t := s.text
	j := i
	for j < len(t) && isDigit(t[j]) {
		j++
	}
	return j-i <= 3 && j+3 < len(t)+1 && j < len(t) && t[j] == ' ' && s.foldedSpace(j) && j+4 <= len(t) &&
		isDigit(t[j+1]) && isDigit(t[j+2]) && isDigit(t[j+3]) && (j+4 == len(t) || !isDigit(t[j+4]))
}

func scaledAmount(t string, i int) bool {
	j := i
	sep, dash := false, false
	for j < len(t) && (isDigit(t[j]) || (t[j] == ',' || t[j] == '.' || t[j] == '-' && !dash) && j+1 < len(t) && isDigit(t[j+1])) {
		switch t[j] {
		case '-':
			dash = true
		case ',', '.':
			sep = true
		}
		j++
	}
	if sep {
		return true
	}
	e := j
	for e < len(t) && isASCIILetter(t[e]) {
		e++
	}
	if e > j {
		_, ok := curScales[t[j:e]]
		return ok && (e == len(t) || !isDigit(t[e]))
	}
	q := skipSp(t, j)
	if q == j {
		return false
	}
	e = q
	for e < len(t) && isASCIILetter(t[e]) {
		e++
	}
	var buf [16]byte
	k := lowerKey(buf[:0:16], t[q:e])
	if k == nil {
		return false
	}
	_, ok := scaleWords[string(k)]
	return ok
}

// localMoneyAround reports a number from i to k written in a continental
// European way next to its currency: before a currency word of the
// countries that group thousands with spaces or dots and write decimal
// commas ("24 500 Kč", "8 652,35 zł", "4.050 lei", "389 Ft"), or after an
// ISO code ("HUF 24 180"). Elsewhere "8 652" may be two numbers and
// "4.050" is a decimal.
func (s *scanner) localMoneyAround(i, k int) bool {
	t := s.text
	if k < len(t) && t[k] == ',' && k+1 < len(t) && isDigit(t[k+1]) {
		k++
		for k < len(t) && isDigit(t[k]) {
			k++
		}
	}
	if q := skipSp(t, k); q > k && letterAt(t, q) > 0 {
		w := t[q:wordEnd(t, q)]
		if localCurrencyWords[w] || localCurrencyWords[strings.ToLower(w)] {
			return true
		}
	}
	if ws, we, dot, ok := prevWord(t, i); ok && !dot && we == i && t[ws:we] == "R" {
		return true // "a basket cost R3 500": South African copy groups thousands with spaces
	} else if ok && !dot && we+1 == i {
		w := t[ws:we]
		if len(w) == 4 && (w[0] == 'M' || w[0] == 'T' || w[0] == 'K') {
			w = w[1:] // "MSEK 62 500"
		}
		return localISO[w]
	}
	return false
}

// localCurrencyWords are written after the amount in copy that groups
// thousands with spaces or dots.
var localCurrencyWords = setOf("Kč", "kč", "zł", "Ft", "lei", "leu", "kr", "kn", "lv", "leva", "forint",
	"forints", "zloty", "zlotys", "koruna", "korun", "dinars", "rubles", "roubles", "hryvnias", "euros", "€")

// localISO are the ISO codes of the currencies of such copy.
var localISO = setOf("HUF", "CZK", "PLN", "RON", "BGN", "RSD", "SEK", "NOK", "DKK", "ISK", "EUR", "UAH", "RUB", "MDL", "CHF", "ZAR")
