package figures

// Ranges, scores and lists: how two numbers next to each other combine.

import (
	"strings"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
)

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

// changeWords before a figure mean "X to Y" is a change, not a range
// ("rose 5 pct to 7 pct").
var changeWords = setOf("rose", "fell", "rise", "rises", "fall", "falls", "increased", "decreased",
	"increase", "decrease", "up", "down", "raised", "raise", "raises", "cut", "cuts", "lowered",
	"climbed", "jumped", "dropped", "gained", "lost", "grew", "declined", "slipped", "edged",
	"added", "boosted", "reduced", "slumped", "soared", "surged", "plunged", "tumbled", "eased",
	"advanced", "firmed", "revised", "adjusted", "widened", "narrowed", "shrank", "swelled",
	"doubled", "changed", "moved", "went", "compared", "versus", "vs", "against")

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
