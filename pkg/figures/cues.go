package figures

// Context cues: words near a figure that decide an ambiguous unit.

import (
	"strings"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
)

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

// tempCues in the sentence make bare "degrees" a temperature.
var tempCues = setOf("temperature", "temperatures", "thermostat", "heat", "heatwave", "cold",
	"warm", "warmer", "warmest", "hot", "hotter", "hottest", "cool", "cooler", "freezing", "frost",
	"weather", "celsius", "fahrenheit", "temp", "temps", "climb", "soared", "chill", "degrees",
	"zero", "below", "reached", "rose", "fell", "reach",
	"fever", "oven", "boiling", "mercury", "forecast", "high", "low", "highs", "lows", "water",
	"cooled", "chilled", "heated", "warmed", "frozen", "hit", "record", "normal", "kelvin", "kelvins")

// moneyCues in the sentence make "pounds" money rather than weight.
var moneyCues = setOf("profit", "profits", "revenue", "revenues", "sales", "cost", "costs", "costing",
	"price", "prices", "priced", "paid", "pay", "pays", "paying", "fine", "fined", "fines",
	"earn", "earned", "earns", "earnings", "loss", "losses", "debt", "debts", "deal", "budget",
	"bid", "fund", "funds", "funding", "tax", "taxes", "salary", "wage", "wages", "worth",
	"bought", "sold", "spend", "spent", "spending", "invest", "invested", "investment", "loan",
	"loans", "value", "valued", "cash", "money", "income", "payment",
	"compensation", "damages", "award", "awarded", "fee", "fees", "contract", "bonus", "turnover",
	"capital", "shares", "share", "stake", "dividend", "pension", "charge", "charged", "bill",
	"sterling", "£", "transfer", "raise", "raised", "raising", "donated", "donation", "grant",
	"benefit", "benefits", "insurance", "rent", "ticket", "tickets", "afford", "owe", "owed",
	"interest", "pound", "penny", "pence", "sterling", "£")

// weightCues make "pounds" a weight even when money words are near.
var weightCues = setOf("weigh", "weighs", "weighed", "weighing", "weight", "weights", "heavy",
	"heavier", "lbs", "lb", "ounces", "tons", "tonnes", "baby", "babies", "fat", "diet", "lose",
	"lost", "gain", "gained", "overweight", "obese")

// usCopy reports copy from the United States, whose bare "degrees" of
// weather are Fahrenheit: an AP dateline, the National Weather Service, or a
// dateline of a US state's abbreviation ("DENVER (AP) —", "PASADENA,
// Calif., Dec 4"). Decided once per text.
func (s *scanner) usCopy() bool {
	if s.us == 0 {
		s.us = 2
		head := s.text[:min(len(s.text), 80)]
		if strings.Contains(head, "(AP)") || strings.Contains(s.text, "National Weather Service") {
			s.us = 1
		}
		for _, st := range usStateAbbrevs {
			if strings.Contains(head, ", "+st+",") || strings.Contains(head, ", "+st+" (") {
				s.us = 1
				break
			}
		}
	}
	return s.us == 1
}

// usStateAbbrevs are the AP abbreviations of states in datelines.
var usStateAbbrevs = []string{"Ala.", "Ariz.", "Ark.", "Calif.", "Colo.", "Conn.", "Del.", "Fla.", "Ga.", "Ill.",
	"Ind.", "Kan.", "Ky.", "La.", "Md.", "Mass.", "Mich.", "Minn.", "Miss.", "Mo.", "Mont.", "Neb.", "Nev.",
	"N.H.", "N.J.", "N.M.", "N.Y.", "N.C.", "N.D.", "Okla.", "Ore.", "Pa.", "R.I.", "S.C.", "S.D.", "Tenn.",
	"Vt.", "Va.", "Wash.", "W.Va.", "Wis.", "Wyo."}
