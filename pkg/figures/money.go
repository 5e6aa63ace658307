package figures

// Currencies written before the number: symbols, ISO codes and prefix words.

import (
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

// currencySymbols precede the number ("$3.2 billion", "£600m", "€ 2 million").
var currencySymbols = map[string]string{
	"$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY", "₹": "INR", "₽": "RUB", "₩": "KRW",
	"₪": "ILS", "₺": "TRY", "₴": "UAH", "₦": "NGN", "₱": "PHP", "฿": "THB", "₫": "VND",
	"₡": "CRC", "₾": "GEL", "₭": "LAK", "₣": "FRF", "₤": "ITL",
}

// dollarPrefixes are letters written before "$" ("US$", "C$", "HK $").
// Lower case keys; "u.s" stands for "U.S.".
var dollarPrefixes = map[string]string{
	"us": "USD", "u.s": "USD", "c": "CAD", "ca": "CAD", "can": "CAD", "a": "AUD", "au": "AUD",
	"nz": "NZD", "hk": "HKD", "s": "SGD", "sg": "SGD", "nt": "TWD", "r": "BRL", "z": "ZWD",
	"j": "JMD", "mex": "MXN",
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
}

// prefixWordCurrencies are currency words written before the number ("Rs
// 500", "RMB 5", "DM 10", "Rs. 35 lakh").
var prefixWordCurrencies = map[string]string{
	"Rs": "INR", "RS": "INR", "Rp": "IDR", "DM": "DEM", "Dfl": "NLG", "Dfls": "NLG", "SFr": "CHF",
	"Sfr": "CHF", "SFR": "CHF", "FFr": "FRF", "Ffr": "FRF", "BFr": "BEF", "Skr": "SEK", "Dkr": "DKK",
	"Nkr": "NOK", "RM": "MYR",
}
