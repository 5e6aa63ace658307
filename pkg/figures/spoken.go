package figures

// Numbers as they are spoken in quotes, bulletins and transcripts: codes
// read out digit by digit ("nine-nine-nine", "oh-eight-hundred",
// "L-P-eight-one"), scores and tallies in words ("win it three-one",
// "fifteen votes to nil"), and the hedge "what," before a number.

import (
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// spokenCode reports a number word inside a run of words joined by hyphens
// that reads a code out digit by digit, and returns the end of the run: a
// phone number or a short code ("nine-nine-nine", "one-one-one",
// "oh-eight-hundred", "five-five-five") or an identifier spelled out
// ("L-P-eight-one"). A run that opens with "oh" or holds a capital letter
// alone is one, and so is a run of three digit words or more that repeats
// one digit, is four long or follows a word of calling ("dial
// two-one-three"; "playing three-nought-four" is a formation); a pair
// ("three-one") is a score or a tally (spokenScore) and "twenty-five" a
// number, since a word of tens or teens belongs to no code.
func (s *scanner) spokenCode(num number) (int, bool) {
	t := s.text
	a := num.start
	if !(a > 0 && t[a-1] == '-' || num.end < len(t) && t[num.end] == '-' || strings.IndexByte(t[a:num.end], '-') >= 0) {
		return 0, false
	}
	for n := 0; n < 12 && a > 1 && t[a-1] == '-' && letterBefore(t, a-1) > 0; n++ {
		a = wordStart(t, a-1)
	}
	digits, letters, words := 0, 0, 0
	oh, same := false, true
	last := -1.0
	digit := func(v float64) {
		same = same && (last < 0 || v == last)
		last = v
		digits++
	}
	p := a
	for words < 16 {
		e := wordEnd(t, p)
		if e == p {
			return 0, false
		}
		w := t[p:e]
		k := s.key(w)
		switch nw, isNum := numWords[k]; {
		case len(w) == 1 && w[0] >= 'A' && w[0] <= 'Z':
			letters++
		case k == "oh":
			oh = oh || words == 0
			digit(0)
		case isNum && nw.class == wUnit:
			digit(nw.val)
		case isNum && nw.class == wHundred && words > 0:
			// "oh-eight-hundred": the hundred of a number read out
		default:
			return 0, false
		}
		words++
		p = e
		if e+1 < len(t) && t[e] == '-' && letterAt(t, e+1) > 0 {
			p = e + 1
			continue
		}
		break
	}
	if words < 2 {
		return 0, false
	}
	if letters > 0 && digits > 0 || oh && digits >= 2 {
		return p, true
	}
	if digits >= 3 && (same || digits >= 4 || s.cueBefore(a, phoneCues, 4) || s.cueBefore(a, phoneOnCues, 4)) {
		return p, true
	}
	return 0, false
}

// spokenScore reads a pair of number words joined by a hyphen that makes no
// compound number ("three-one", "two-nil", "one-all" aside): a score or a
// tally spoken, decided as "N-M" in digits is (rangeAfter). A result word
// after it, a sport verb before it or a pair that does not rise make a
// score, which is no figure: it reports the end of the pair. A vote near it
// keeps it, and so does a rising pair without cues ("two-three weeks").
func (s *scanner) spokenScore(f *fig) (int, bool) {
	t := s.text
	if !f.num.word || f.unit != "" || f.cur || f.signed || f.end != f.num.end || f.end+1 >= len(t) || t[f.end] != '-' ||
		letterAt(t, f.end+1) == 0 || wordEnd(t, f.num.start) != f.end {
		return 0, false
	}
	v := f.v.value()
	if v > 19 {
		return 0, false
	}
	e := wordEnd(t, f.end+1)
	k := s.key(t[f.end+1 : e])
	var v2 float64
	if nw, ok := numWords[k]; ok && nw.class <= wTeen {
		v2 = nw.val
	} else if k != "nil" {
		return 0, false
	}
	if e+1 < len(t) && t[e] == '-' && letterAt(t, e+1) > 0 {
		return 0, false // "one-two-three": no pair
	}
	if w, _, ok := s.nextWordTok(e); ok {
		_, frac := fractionWords[w.key]
		_, scale := scaleWords[w.key]
		_, num := numWords[w.key]
		if frac || scale || num {
			return 0, false // "one-one thousandth", "two-three million"
		}
	}
	if w, _, ok := s.nextWordTok(e); ok && scoreWords[w.key] && !voteAfter[w.key] {
		return e, true // "a two-one win"
	}
	if s.voteContext(f.start, e, v2 > v) {
		return 0, false
	}
	if v2 <= v || s.scoreContext(f.start, e) {
		return e, true // "City win it three-one", "beat Chelsea three-one"
	}
	return 0, false
}

// nilTally reports "nil" at p that is the zero of a vote tally: after "to"
// with a vote word a few words before ("fifteen votes to nil", "voted 12
// to nil").
func (s *scanner) nilTally(p int) bool {
	ws, _, dot, ok, k := s.prevKey(p)
	return ok && !dot && k == "to" && s.cueBefore(ws, voteVerbs, 3)
}

// whatHedge returns where a spoken hedge "what," between commas or dashes
// ending at q (the comma after it) starts, or -1: "looking at, what, forty
// thousand people", "enough for — what — a million homes". The figure
// after it is approximate.
func whatHedge(t string, q int) int {
	ws, we, dot, ok := prevWord(t, q)
	if !ok || dot || !strings.EqualFold(t[ws:we], "what") {
		return -1
	}
	r := skipSpBack(t, ws)
	if r == ws || r == 0 {
		return -1
	}
	if t[r-1] == ',' || r >= 3 && (t[r-3:r] == "—" || t[r-3:r] == "–") {
		return ws
	}
	return -1
}

// hedgeBefore returns the approximate qualifier of a spoken hedge before p
// ("at, what, forty thousand"), with where it starts.
func hedgeBefore(t string, p int) (string, int) {
	q := skipSpBack(t, p)
	if q == p || q == 0 {
		return "", p
	}
	switch {
	case t[q-1] == ',':
		q--
	case q >= 3 && (t[q-3:q] == "—" || t[q-3:q] == "–"):
		q -= 3
	default:
		return "", p
	}
	if w := whatHedge(t, q); w >= 0 {
		return article.QualifierApprox, w
	}
	return "", p
}
