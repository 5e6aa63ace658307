package figures

import (
	"math"
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// Rules of sports copy (round 40): race names and league names that hold a
// number, cricket's one-day format, vanity phone numbers, times written
// the way timing gives them, and audiences written "9m".

// sportName reports a number that is part of a name in sports copy and
// returns the end of the name:
//   - a classic race: "the 2,000 Guineas", "the 1,000 Guineas" (a capital
//     "Guineas"; "1,000 guineas" in lower case is the old money);
//   - a league by its tier: "2. Bundesliga", "3. Liga" (German style);
//   - a number word glued to digits: "Twenty20";
//   - cricket's format: "one-day series", "one-day international runs";
//   - a vanity phone number: "1-800-GAMBLER", "1-877-HOPENY";
//   - a designated number with a capital glued: "Exit 16W", "Gate 3B".
func (s *scanner) sportName(num number) (int, bool) {
	t := s.text
	e := num.end
	if num.word {
		if e < len(t) && isDigit(t[e]) {
			return skipToken(t, e), true // "Twenty20"
		}
		if num.v.value() == 1 && e+5 <= len(t) && (t[e:e+5] == "-day " || t[e:e+5] == "-Day ") {
			if w, _, ok := s.nextWordTok(e + 5); ok && oneDayFormats[w.key] {
				return e + 4, true // "one-day series": the format, not a day
			}
		}
		return 0, false
	}
	if len(num.sfx) == 1 && num.sfx[0] >= 'A' && num.sfx[0] <= 'Z' && num.plain && letterAt(t, num.sfxStart+1) == 0 && s.designated(num.start) {
		return num.sfxStart + 1, true // "Exit 16W", "Gate 3B": a designator's number with its letter, no watts
	}
	if num.sfx != "" {
		return 0, false
	}
	if q := skipSp(t, e); q > e && letterAt(t, q) > 0 {
		if w := t[q:wordEnd(t, q)]; w == "Guineas" {
			return q + len(w), true
		}
	}
	if num.plain && num.ndigits == 1 && e+2 < len(t) && t[e] == '.' && t[e+1] == ' ' {
		if q := skipSp(t, e+1); letterAt(t, q) > 0 && tierLeagues[t[q:wordEnd(t, q)]] {
			return e + 1, true // "2. Bundesliga"
		}
	}
	if num.plain && num.v.value() == 1 && e+6 < len(t) && t[e] == '-' && t[e+1] == '8' &&
		isDigit(t[e+2]) && isDigit(t[e+3]) && t[e+4] == '-' && t[e+5] >= 'A' && t[e+5] <= 'Z' {
		if we := wordEnd(t, e+5); we-(e+5) >= 4 && isAllCaps(t[e+5:we]) {
			return we, true // "1-800-GAMBLER": a toll-free number spelled in letters
		}
	}
	return 0, false
}

// oneDayFormats after "one-day" make it cricket's format (or another
// sport's one-day event named as a kind), not a duration.
var oneDayFormats = setOf("series", "international", "internationals", "cricket", "cup", "format", "squad",
	"side", "team", "captain", "game", "games", "match", "matches", "runs", "wickets", "hundreds", "centuries",
	"debut", "career", "classic", "classics")

// tierLeagues after "N. " name a German-style league by its tier.
var tierLeagues = setOf("Bundesliga", "Liga", "Frauen-Bundesliga")

// raceNameClock reports "the 3.40 at Newmarket": a race named by its
// start time, "the" and H.MM before "at" or "from" and a capitalised
// course (the caller checked the H.MM shape).
func (s *scanner) raceNameClock(f *fig) bool {
	t := s.text
	if _, _, dot, ok, k := s.prevKey(f.start); !ok || dot || k != "the" {
		return false
	}
	w, _, ok := s.nextWordTok(f.num.end)
	if !ok || w.key != "at" && w.key != "from" {
		return false
	}
	q := skipSp(t, w.e)
	return letterAt(t, q) > 0 && isCapitalized(t[q:wordEnd(t, q)])
}

// sportRaceTime reports an "m:ss" or "h:mm:ss" time whose form or the
// words around it say it is a race time, where raceTime's cues do not
// (j is the end of the time, cue the word before it):
//   - "from" before a time with hundredths of two groups, the old mark of a
//     change ("lowered the world record to 4:23.65 from 4:24.38"): a clock
//     time never has hundredths after its minutes;
//   - a pace, "per" or "a" and a distance after it ("2:54 per kilometre",
//     "5:30 a mile");
//   - three groups before a noun of a race's end ("a 2:02:30 finish").
func (s *scanner) sportRaceTime(j int, cue string, groups, fracDigits int) bool {
	w, _, ok := s.nextWordTok(j)
	if ok && (w.key == "per" || w.key == "a" || w.key == "every") {
		if w2, _, ok := s.nextWordTok(w.e); ok && paceUnits[w2.key] {
			return true // "at 2:54 per kilometre": no clock time is per a distance
		}
	}
	if cue == "from" || cue == "since" {
		return groups == 2 && fracDigits >= 2
	}
	switch cue {
	case "at", "until", "till", "before", "after", "around", "past", "by", "to":
		return false
	}
	return ok && groups == 3 && fracDigits == 0 && finishNouns[w.key]
}

// paceUnits after "m:ss per" make it a pace.
var paceUnits = setOf("km", "kilometre", "kilometer", "mile", "mi", "lap", "length", "500m", "100m")

// finishNouns after "h:mm:ss" make it a race time.
var finishNouns = setOf("finish", "marathon", "clocking", "victory", "win", "run", "ride", "swim", "performance")

// decimalSeconds reports "0.347s", "+4.112s": a decimal with a glued "s"
// is seconds of a gap or a time (a decade is never written with a
// decimal). A bond named by its coupon is not: "the 7.70s of 1991", "its
// 8.35s due 1993" (a determiner before, or "of"/"due" after).
func (s *scanner) decimalSeconds(f *fig) bool {
	if f.num.sfx != "s" || !f.num.hasDecimal || f.cur {
		return false
	}
	if _, _, dot, ok, k := s.prevKey(f.start); ok && !dot && couponDeterminers[k] {
		return false
	}
	w, _, ok := s.nextWordTok(f.num.sfxStart + 1)
	return !ok || w.key != "of" && w.key != "due"
}

// couponDeterminers before "N.NNs" make it a bond by its coupon.
var couponDeterminers = setOf("the", "its", "their", "these", "those", "our")

// audienceNouns in the noun phrase after "Nm" make it millions of people:
// "a 9m audience", "a 4.1m peak audience"; audienceSubjects in the subject
// of a verb of reaching do so for "rose to 8.2m" ("the viewing figure
// rose to 8.2m").
var (
	audienceNouns    = setOf("audience", "audiences", "viewership")
	audienceSubjects = setOf("viewing", "viewership", "ratings", "attendance", "attendances", "crowds")
)

// scaleAfterCurrencyRange reports "$40-50m": an "m" glued to the second end
// of a range whose first end follows a currency sign is millions, as the
// sign would make it ("$40m").
func (s *scanner) scaleAfterCurrencyRange(f *fig) bool {
	t := s.text
	a := f.num.start - 1
	if f.num.sfx != "m" || a < 2 || t[a] != '-' {
		return false
	}
	b := a
	for b > 0 && (isDigit(t[b-1]) || t[b-1] == '.' || t[b-1] == ',') {
		b--
	}
	if b == a || b == 0 {
		return false
	}
	return t[b-1] == '$' || b >= 2 && (t[b-2:b] == "£" || b >= 3 && t[b-3:b] == "€")
}

// sportOdds reports odds "N-M" the oddsContext cues miss: "at 15-1" in a
// race's result ("by one and a half lengths at 15-1") and "the 11-2
// winner" in a story of bets.
func (s *scanner) sportOdds(start, end int) bool {
	if w, _, ok := s.nextWordTok(end); ok && (w.key == "winner" || w.key == "winners") {
		// "Rooney scored the 2-1 winner" is the goal that made a score.
		return s.cueNear(start, end, betCues) && !s.cueBefore(start, goalVerbs, 3)
	}
	_, _, dot, ok, k := s.prevKey(start)
	return ok && !dot && k == "at" && s.cueNear(start, end, raceMargins)
}

// slashOdds reads fractional odds written with a slash at i (the slash at
// j), "11/4", "100/30", valued as the fraction like "11-4": only where
// oddsContext finds an odds noun after it or a price verb before it ("the
// 11/4 joint-favourite", "backed into 9/2"); elsewhere "11/4" is a date.
func (s *scanner) slashOdds(i, j int) (float64, int, bool) {
	t := s.text
	if j-i > 3 {
		return 0, 0, false
	}
	k := j + 1
	for k < len(t) && isDigit(t[k]) && k-j <= 3 {
		k++
	}
	if k == j+1 || k-j > 3 || k < len(t) && (isDigit(t[k]) || t[k] == '/' || isASCIILetter(t[k])) {
		return 0, 0, false
	}
	a, b := atoiSmall(t[i:j]), atoiSmall(t[j+1:k])
	if a == 0 || b == 0 || a == b || !s.oddsContext(i, k) { // "a 50/50 chance" is no price
		return 0, 0, false
	}
	return float64(a) / float64(b), k, true
}

// goalVerbs before "the N-M winner" make it the goal of a score.
var goalVerbs = setOf("scored", "scores", "scoring", "netted", "headed", "struck", "grabbed", "fired", "slotted",
	"curled", "hit", "got", "kicked", "volleyed", "nodded", "bagged")

// raceMargins are the margins of a horse race: near "at N-M" they make it
// the winner's starting price.
var raceMargins = setOf("lengths", "length", "neck", "nose", "short-head", "head", "furlongs")

// sharedPoints reports the denominator of "N out of M points": points
// written after a whole number, the points played of a match ("won four
// out of five points behind his first serve"), so that the ratio is the
// share of them.
func (s *scanner) sharedPoints(d *fig) bool {
	return d.unit == "points" && !d.cur && !d.signed && !d.hasTo && !d.num.hasDecimal && d.num.end < d.end
}

// carryPoints gives the unit points to a bare count that states the same
// standing as a points figure before it in the sentence, the nearest
// figure before it: a level it went to ("deducted 10 points, later cut to
// six"), a margin ("1,380 points, 111 more than Yamal"; "10 points on his
// licence, two short of a ban") or a rival's total ("926 points, ahead of
// Gilgeous-Alexander on 841"). The count has no subject, and "on" is
// right before it, a word of margin right after it, or "to" before it
// with a comma between the two and no verb of change before the points.
func (s *scanner) carryPoints() {
	t := s.text
	for i := 1; i < len(s.figs); i++ {
		a, b := &s.figs[i-1], &s.figs[i]
		if a.Unit != "points" || a.RangeTo != nil || a.Sentence != b.Sentence || b.Unit != "" ||
			b.Kind != article.KindCount || b.Subject != "" || b.RangeTo != nil || b.Qualifier != "" {
			continue
		}
		if bm := &s.meta[i]; bm.cur || bm.ratio || bm.frac || bm.scaled || b.Value != math.Trunc(b.Value) || b.Value <= 0 {
			continue
		}
		k := s.prevKeyWord(b.Start)
		if k == "to" {
			// "cut to six" after a comma restates the penalty; "slipped 0.8
			// point to 4,120" and "narrowed by two points to nine" are a
			// change to a level, counts by the package's convention.
			pk := s.prevKeyWord(a.Start)
			if !strings.Contains(t[a.End:b.Start], ",") || pk == "by" || pk == "to" || pk == "from" || changeWords[pk] || risingToVerbs[pk] {
				k = ""
			}
		}
		w, _, ok := s.nextWordTok(b.End)
		if k == "to" || k == "on" || ok && pointMargins[w.key] && (b.End == len(t) || t[b.End] == ' ') && s.marginEnds(w) {
			b.Unit, b.Kind = a.Unit, a.Kind
		}
	}
}

// marginEnds reports a word of margin that closes its phrase: "more",
// "fewer" and "less" before "than", "short" before "of" ("two more
// opinion polls" counts polls).
func (s *scanner) marginEnds(w wordTok) bool {
	n, _, ok := s.nextWordTok(w.e)
	switch w.key {
	case "more", "fewer", "less":
		return ok && n.key == "than"
	case "short":
		return ok && n.key == "of"
	}
	return true
}

// pointMargins right after a bare count make it a margin of points.
var pointMargins = setOf("more", "fewer", "less", "short", "clear", "behind", "ahead", "adrift", "off")

// eventTime reports a time in seconds written bare before the event it was
// run or swum in: a number with hundredths, under 60, before "in the" and
// the distance of a track or pool event in metres glued ("his 9.81 in the
// 100m", "a 47.21 in the 100m freestyle"); timing gives hundredths, a
// count or a price there is rare.
func (s *scanner) eventTime(f *fig) bool {
	t := s.text
	n := f.num
	if n.word || !n.hasDecimal || n.scaled || f.signed || f.hasTo || f.v.value() >= 60 || n.end-n.start != n.ndigits+3 || t[n.start+n.ndigits] != '.' {
		return false
	}
	w, _, ok := s.nextWordTok(n.end)
	if !ok || w.key != "in" {
		return false
	}
	if d, _, ok := s.nextWordTok(w.e); ok && (d.key == "the" || d.key == "a") {
		w = d
	}
	q := skipSp(t, w.e)
	e := q
	for e < len(t) && isDigit(t[e]) {
		e++
	}
	if e == q || e >= len(t) || t[e] != 'm' || e+1 < len(t) && letterAt(t, e+1) > 0 {
		return false
	}
	return eventDistances[t[q:e]] && !s.millionNext(e+1)
}

// eventDistances are the distances in metres of track and pool events.
var eventDistances = setOf("50", "60", "100", "110", "200", "400", "800", "1500", "3000", "5000", "10000")
