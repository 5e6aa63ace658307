package figures

// Tallies and scores: "N-M" is a vote tally near vote words, a sports score
// near sport words, or a model number ("737-800"); and the backward search
// for cue words that decides it.

import (
	"math"
	"strconv"
	"strings"
)

// scoreContext reports a pair "N-N" that is a sports score: a result word
// after it ("a 2-1 win") or a sport verb before it ("Spain lost 1-2").
func (s *scanner) scoreContext(start, end int) bool {
	if w, _, ok := s.nextWordTok(end); ok && scoreWords[w.key] {
		return true
	}
	return s.cueBefore(start, sportVerbs, 3)
}

// pairNext reports another pair "N-N" next to the pair in [start, end): a
// set score ("6-3 3-6 6-2"). It is checked before the vote words, which a
// run of pairs cannot be.
func (s *scanner) pairNext(start, end int) bool {
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
			if k := tieBreakAt(t, j); k > j {
				i = k // "7-6(3) 6-7(8)": a set's tie-break
				continue
			}
			if j < len(t) && (t[j] == '(' || t[j] == ')' || t[j] == ',') {
				i = j + 1
				continue
			}
			if strings.HasPrefix(t[j:], "and ") {
				i = j + 4 // "116-112, 115-113 and 114-114"
				continue
			}
			return j
		}
	}
	skipBack := func(i int) int {
		for {
			j := skipSpBack(t, i)
			if k := tieBreakBefore(t, j); k < j {
				i = k
				continue
			}
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
	return false
}

// tieBreakAt returns the end of a tennis tie-break score "(N)" of one or
// two digits at i, or i.
func tieBreakAt(t string, i int) int {
	if i >= len(t) || t[i] != '(' {
		return i
	}
	j := i + 1
	for j < len(t) && j-i <= 2 && isDigit(t[j]) {
		j++
	}
	if j == i+1 || j >= len(t) || t[j] != ')' {
		return i
	}
	return j + 1
}

// tieBreakBefore returns the start of a tie-break "(N)" ending at i, or i.
func tieBreakBefore(t string, i int) int {
	if i < 3 || t[i-1] != ')' {
		return i
	}
	j := i - 1
	for j > 0 && i-1-j < 2 && isDigit(t[j-1]) {
		j--
	}
	if j == i-1 || j == 0 || t[j-1] != '(' {
		return i
	}
	return j - 1
}

// scoreWords after "N-N" make it a score.
var scoreWords = setOf("win", "wins", "victory", "defeat", "defeats", "draw", "draws", "lead", "loss",
	"scoreline", "deficit", "thrashing", "triumph", "aggregate", "home", "away", "margin", "success",
	"drubbing", "reverse", "setback", "result", "score", "favour", "favor", "up", "down")

// sportVerbs a few words before "N-M" make it a score ("Spain lost 1-2").
var sportVerbs = setOf("won", "win", "wins", "winning", "lost", "lose", "loses", "losing", "beat", "beats",
	"beating", "drew", "draw", "draws", "drawing", "defeated", "defeat", "defeats", "trailed", "trail",
	"trails", "trailing", "led", "lead", "leads", "leading", "edged", "thrashed", "routed", "crushed",
	"hammered", "thumped", "downed", "outscored", "tied", "level", "finished", "ended", "scoreline")

// Vote tallies: a vote verb among the four words before "N-M" ("the Senate
// voted 51-49", "ruled 6-3", "approved the merger 97-3"), a vote word right
// after it ("a 5-4 decision"), or a voting body in the sentence when the
// pair does not rise or an outcome verb is near ("the committee ... 8-1",
// "the motion was defeated 4-5"). A sport verb nearer than any of these
// makes it a score.
var (
	voteVerbs = setOf("vote", "votes", "voted", "voting", "ballot", "balloted", "ruled", "ruling",
		"approved", "approve", "approves", "rejected", "reject", "rejects", "adopted", "adopt", "adopts",
		"passed", "pass", "passes", "backed", "cleared", "confirmed", "endorsed", "split", "unanimously",
		"ratified", "overturned", "upheld", "acquitted", "convicted")
	voteBodies = setOf("motion", "bill", "measure", "amendment", "resolution", "ordinance", "jury",
		"jurors", "justices", "judges", "court", "senate", "house", "committee", "council", "board",
		"parliament", "lawmakers", "legislators", "senators", "mps", "delegates", "shareholders",
		"panel", "commission", "assembly", "congress", "chamber", "lords", "commons", "mpc", "fomc")
	voteOutcomes = setOf("defeated", "failed", "carried")
	voteAfter    = setOf("vote", "votes", "decision", "ruling", "verdict", "majority", "split", "tally")
)

// modelPair reports an aircraft-style model number "737-800", "767-300":
// three digits not ending in 0, then hundreds, and no plural noun after
// (a range "135-200 people" has one).
func (s *scanner) modelPair(a, b *fig) bool {
	x, y := a.v.value(), b.v.value()
	return a.num.ndigits == 3 && b.num.ndigits == 3 && math.Mod(x, 10) != 0 && math.Mod(y, 100) == 0 &&
		!s.nounAfter(b.end)
}

// voteContext reports whether the pair of numbers in [start, end) is a vote
// tally; rising tells whether the second number is the larger.
func (s *scanner) voteContext(start, end int, rising bool) bool {
	if w, _, ok := s.nextWordTok(end); ok && voteAfter[w.key] {
		return true
	} else if ok && isCapitalized(s.text[w.s:w.e]) {
		// "a 6-3 Supreme Court ruling": the body's name before the word
		for range 2 {
			if w, _, ok = s.nextWordTok(w.e); !ok || !isCapitalized(s.text[w.s:w.e]) {
				break
			}
		}
		if ok && voteAfter[w.key] {
			return true
		}
	}
	t := s.text
	body, outcome := false, false
	j := start
	lim := max(0, start-100) // bounded: the scan costs O(1)
	for n := 0; n < 10 && j > lim; {
		c := t[j-1]
		if c == '\n' || c == '!' || c == '?' || c == ';' || c == '.' && !(j >= 2 && isDigit(t[j-2])) {
			break
		}
		if letterBefore(t, j) == 0 {
			j--
			continue
		}
		ws := wordStart(t, j)
		k := s.key(t[ws:j])
		switch {
		case n < 4 && voteVerbs[k]:
			return true
		case n < 4 && voteOutcomes[k]:
			outcome = true
		case n < 4 && sportVerbs[k]:
			return false
		case voteBodies[k]:
			body = true
		}
		n++
		j = ws
	}
	return body && (!rising || outcome)
}

// tallyAfter reports a vote tally's second half after p ("-3", " to 3").
func (s *scanner) tallyAfter(p int) bool {
	t := s.text
	if p+1 < len(t) && t[p] == '-' && isDigit(t[p+1]) {
		return true
	}
	w, h, ok := s.nextWordTok(p)
	if !ok || h || w.key != "to" {
		return false
	}
	r := skipSp(t, w.e)
	return r < len(t) && isDigit(t[r])
}

// cueBefore reports a word of set among the most words before p in the
// same sentence (a sentence mark, semicolon or line break ends the search,
// and so do 100 bytes).
func (s *scanner) cueBefore(p int, set map[string]bool, most int) bool {
	return s.wordsBack(p, most, false, func(k string) (bool, bool) { return set[k], set[k] })
}

// clauseCueBefore is cueBefore within the clause of p: a comma or a word
// that opens a clause (clauseOpeners: "as", "when", "while") ends the
// search too, so that "About 1.5m people were told to leave as floodwater
// reached 1.5m" finds no subject of counting before "reached".
func (s *scanner) clauseCueBefore(p int, set map[string]bool, most int) bool {
	return s.wordsBack(p, most, true, func(k string) (bool, bool) {
		if set[k] {
			return true, true
		}
		return clauseOpeners[k], false
	})
}

// wordsBack walks the words before p, nearest first, at most most of them,
// in p's sentence (a sentence mark, semicolon or line break ends the walk,
// a comma too when clause is set, and so do 100 bytes), and calls visit
// with each word's key. The walk stops when visit says stop, and wordsBack
// returns visit's verdict; false when the walk ends first.
func (s *scanner) wordsBack(p, most int, clause bool, visit func(k string) (stop, verdict bool)) bool {
	t := s.text
	j := p
	lim := max(0, p-100)
	for n := 0; n < most && j > lim; {
		c := t[j-1]
		switch {
		case c == '\n' || c == '!' || c == '?' || c == ';' || clause && c == ',':
			return false
		case c == '.' && !(j >= 2 && isDigit(t[j-2]) && j < len(t) && isDigit(t[j])):
			return false
		}
		if letterBefore(t, j) > 0 {
			ws := wordStart(t, j)
			if stop, verdict := visit(s.key(t[ws:j])); stop {
				return verdict
			}
			n++
			j = ws
			continue
		}
		j--
	}
	return false
}

// clauseOpeners open a clause of their own inside a sentence: its subject
// comes after them.
var clauseOpeners = setOf("as", "when", "while", "whilst", "after", "before", "because", "until", "where",
	"since", "though", "although", "once", "if", "but", "then")

// sportTotal reports a number that is a team's or a player's score in a
// sport whose scores are not written "N-M": a cricket total ("287 for six",
// "bowled out for 190", "all out for 243") or a golf round or total ("a 65",
// "-12") with words of the game nearby.
func (s *scanner) sportTotal(f *fig) (int, bool) {
	t := s.text
	if f.unit == "" && !f.cur && f.num.hasDecimal && s.overBall(f) {
		return f.end, true // "in 43.2 overs": the over and the ball
	}
	if f.unit != "" || f.cur || f.num.scaled || f.num.hasDecimal {
		return 0, false
	}
	v := f.v.value()
	// Cricket: "N for W" with W a number of wickets, or "out for N".
	if w, h, ok := s.nextWordTok(f.end); ok && !h && w.key == "for" && v >= 10 {
		if d, _, ok := s.nextWordTok(w.e); ok && (wickets(d.key) || len(t[d.s:d.e]) <= 2 && isDigit(t[d.s])) &&
			s.cueNear(f.start, f.end, cricketCues) {
			return d.e, true // the wickets belong to the score
		}
	}
	if ws, _, _, ok, k := s.prevKey(f.start); ok && k == "for" {
		if _, _, _, ok, k2 := s.prevKey(ws); ok && (k2 == "out" || k2 == "dismissed" && s.cueNear(f.start, f.end, cricketCues)) {
			return f.end, true // "bowled out for 190", "all out for 243", "dismissed for 278"
		}
	}
	// Golf: "carded a 65", "shot a 64", or "-12" among words of the game.
	if ws, _, _, ok, k := s.prevKey(f.start); ok && (k == "a" || k == "an") && v >= 55 && v <= 89 && !f.signed {
		if _, _, _, ok, k2 := s.prevKey(ws); ok && (golfVerbs[k2] || k2 == "with" && s.sentenceCue(f, golfCues)) {
			return f.end, true // "carded a 65", "closed with a 65 to finish on -12"
		}
	}
	if e, ok := s.toPar(f); ok {
		return e, true
	}
	if v >= 55 && v <= 89 && !f.signed && s.roundAfterAdjectives(f) {
		return f.end, true // "a closing 65", "a bogey-free 66"
	}
	if w, h, ok := s.nextWordTok(f.end); ok && h && golfClubs[w.key] && v <= 9 {
		return w.e, true // "a 4-iron", "a 3-wood": clubs
	}
	if f.signed && v == math.Trunc(v) && math.Abs(v) <= 40 && s.sentenceCue(f, golfCues) {
		if _, _, _, ok, k := s.prevKey(f.start); ok && (k == "on" || k == "at" || k == "to") {
			return f.end, true // "to finish on -12", "at -5 after nine holes"
		}
	}
	return 0, false
}

// toPar reports a golf score against par, with the total it may give:
// "at 17 under par", "13-under 275", "finishing at 23-under", "at 12 under
// and one shot behind", "19 strokes under par", "a 7-under-par 65", "two
// over". A whole number up to 40 followed by "under" or "over" (and "par"
// or nothing of a noun phrase), with words of the game in its sentence.
// It returns the end of the score or of the total after it.
func (s *scanner) toPar(f *fig) (int, bool) {
	t := s.text
	v := f.v.value()
	if f.signed || v > 40 || v != math.Trunc(v) {
		return 0, false
	}
	w, _, ok := s.nextWordTok(f.end)
	if ok && (w.key == "strokes" || w.key == "shots") {
		w, _, ok = s.nextWordTok(w.e)
	}
	if !ok || w.key != "under" && w.key != "over" {
		return 0, false
	}
	end := w.e
	if p, _, ok := s.nextWordTok(end); ok && p.key == "par" {
		end = p.e
	} else if q := skipSp(t, end); q < len(t) && letterAt(t, q) > 0 {
		// "12 under and", not "5 under the limit" or "2 over budget".
		if p.key != "and" && p.key != "after" && p.key != "with" && p.key != "for" && p.key != "to" {
			return 0, false
		}
	}
	if !s.sentenceCue(f, golfCues) {
		return 0, false
	}
	// The total after it: "13-under 275", "a 7-under-par 65".
	if q := skipSp(t, end); q > end && q < len(t) && isDigit(t[q]) {
		e := q
		for e < len(t) && isDigit(t[e]) {
			e++
		}
		if e-q <= 3 && (e == len(t) || letterAt(t, e) == 0 && t[e] != '.' || t[e] == '.' && !(e+1 < len(t) && isDigit(t[e+1]))) {
			end = e
		}
	}
	return end, true
}

// roundAfterAdjectives reports a golf round's score after "a" and one or
// two adjectives, before the end of its phrase: "after a closing 65.", "a
// bogey-free 66 to win", "a closing 68 lifted her", in a sentence of the
// game; not "a further 65 players" (a noun follows).
func (s *scanner) roundAfterAdjectives(f *fig) bool {
	t := s.text
	p := f.start
	for n := 0; n < 2; n++ {
		ws, _, dot, ok, k := s.prevKey(p)
		if !ok || dot {
			return false
		}
		if k == "a" || k == "an" || k == "another" {
			if n == 0 {
				return false // "a 65": sportTotal's rule above
			}
			return !s.nounAfter(f.end) && s.sentenceCue(f, golfCues)
		}
		for ws > 1 && t[ws-1] == '-' && letterBefore(t, ws-1) > 0 {
			ws = wordStart(t, ws-1) // "bogey-free"
		}
		if !roundAdjective(t[ws:p]) {
			return false
		}
		p = ws
	}
	return false
}

// roundAdjective reports a word that may describe a golf round: "closing",
// "opening", "bogey-free", "final-round".
func roundAdjective(w string) bool {
	w = strings.TrimSpace(w)
	return roundAdjectives[strings.ToLower(w)] || strings.HasSuffix(w, "-free") || strings.HasSuffix(w, "-round")
}

var (
	roundAdjectives = setOf("closing", "opening", "final", "second", "third", "fourth", "first", "superb", "brilliant", "stunning", "flawless")
	golfClubs       = setOf("iron", "wood", "hybrid", "irons", "woods")
)

// overBall reports a cricket innings' length written overs.balls before
// "overs": "reached 241 for four in 43.2 overs" is the second ball of the
// 44th over, not 43.2 of anything (a whole "37 overs" counts).
func (s *scanner) overBall(f *fig) bool {
	t := s.text
	n := f.num
	dot := strings.IndexByte(t[n.start:n.end], '.')
	if dot < 0 || n.end-(n.start+dot) != 2 || t[n.end-1] < '1' || t[n.end-1] > '5' {
		return false
	}
	w, h, ok := s.nextWordTok(n.end)
	return ok && !h && w.key == "overs"
}

// sentenceCue reports a word of set in the sentence of figure f, before or
// after it.
func (s *scanner) sentenceCue(f *fig, set map[string]bool) bool {
	if s.cueBefore(f.start, set, 30) {
		return true
	}
	t := s.text
	for p, n := f.end, 0; n < 30 && p < len(t); n++ {
		q := p
		for q < len(t) && letterAt(t, q) == 0 {
			if c := t[q]; c == '!' || c == '?' || c == ';' || c == '\n' || c == '.' && !(q > 0 && isDigit(t[q-1]) && q+1 < len(t) && isDigit(t[q+1])) {
				return false // the sentence ended
			}
			q++
		}
		if q >= len(t) {
			return false
		}
		e := wordEnd(t, q)
		if set[s.key(t[q:e])] {
			return true
		}
		p = e
	}
	return false
}

// wickets reports a number word of wickets, one to ten ("287 for six").
func wickets(k string) bool {
	nw, ok := numWords[k]
	return ok && nw.val >= 1 && nw.val <= 10
}

var (
	cricketCues = setOf("wickets", "wicket", "innings", "stumps", "overs", "bowled", "declared", "batting",
		"runs", "test", "odi", "t20", "crease", "bowler", "bowlers", "seamers", "spinners", "tea", "openers",
		"opener", "lunch")
	bowlingCues = setOf("took", "figures", "returned", "claimed", "bowling", "finished")
	golfVerbs   = setOf("carded", "shot", "fired", "signed", "posted", "returned", "closed", "opened")
	golfCues    = setOf("par", "birdie", "birdies", "bogey", "bogeys", "eagle", "eagles", "round", "leaderboard",
		"tee", "fairway", "putt", "putts", "golf", "golfer", "open", "masters", "pga", "shots", "shot",
		"stroke", "strokes", "hole", "holes")
)

// oddsContext reports betting odds "N-M": an odds noun right after the pair
// ("the 5-2 favourite", "a 7-1 shot", "a 6-1 chance", "the 100-1
// outsider") or a price verb right before it ("priced at 11-4", "backed
// into 7-4", "odds of 3-1").
func (s *scanner) oddsContext(start, end int) bool {
	if s.sportOdds(start, end) {
		return true // "at 15-1" after a race's margin, "the 11-2 winner" (sport.go)
	}
	if w, _, ok := s.nextWordTok(end); ok && oddsNouns[w.key] {
		return true
	} else if ok && (w.key == "second" || w.key == "joint" || w.key == "co") {
		if w2, _, ok := s.nextWordTok(w.e); ok && (w2.key == "favourite" || w2.key == "favorite") {
			return true // "the 11-4 second favourite"
		}
	}
	ws, _, dot, ok, k := s.prevKey(start)
	if !ok || dot {
		return false
	}
	if (k == "to" || k == "from") && s.cueNear(start, end, racingCues) {
		return true // "was cut to 6-4 from 3-1" in a story of a race
	}
	if k == "of" || k == "at" || k == "into" {
		_, _, dot, ok, pk := s.prevKey(ws)
		if ok && !dot && oddsVerbs[pk] {
			return true
		}
		// "Burnley's win at Everton at 14-1", "combined odds of upwards of
		// 29,000-1" in a story of bets: a price against one.
		return isOne(s.text, end) && s.cueNear(start, end, betCues)
	}
	return false
}

// isOne reports "1" right before end, alone ("14-1", not "14-11").
func isOne(t string, end int) bool {
	return end >= 2 && t[end-1] == '1' && !isDigit(t[end-2])
}

// betCues near "at N-1" make it odds.
var betCues = setOf("odds", "bookmaker", "bookmakers", "bookie", "bookies", "accumulator", "punter", "punters",
	"bet", "bets", "betting", "wager", "backed")

// oddsNouns after "N-M" make it betting odds.
var oddsNouns = setOf("favourite", "favorite", "outsider", "shot", "chance", "joint-favourite", "second-favourite")

// oddsVerbs before "of", "at" or "into" and "N-M" ("sent off at 7-1": the
// starting price).
var oddsVerbs = setOf("odds", "priced", "backed", "price", "quoted", "offered", "off")

// racingCues near "to N-M" or "from N-M" make it odds.
var racingCues = setOf("favourite", "favorite", "handicapper", "furlongs", "furlong", "jockey", "trainer",
	"stall", "odds", "bookmakers", "bookmaker", "punters", "colt", "filly", "gelding", "mare")

// scorecardVerbs a few words before "N-M" make it a judge's card.
var scorecardVerbs = setOf("scored", "scoring", "cards", "card", "scorecards")

// footyScore reads an Australian football score at f, "G.B (T)": goals and
// behinds, then the points they make, six a goal and one a behind
// ("12.10 (82)"). The sum is the test: no count or decimal reads so.
func footyScore(t string, f *fig) (int, bool) {
	n := f.num
	if !n.hasDecimal || f.start != n.start || n.word {
		return 0, false
	}
	dot := strings.IndexByte(t[n.start:n.end], '.')
	if dot <= 0 || n.end-n.start-dot-1 > 2 {
		return 0, false
	}
	goals, err1 := strconv.Atoi(t[n.start : n.start+dot])
	behinds, err2 := strconv.Atoi(t[n.start+dot+1 : n.end])
	if err1 != nil || err2 != nil || !strings.HasPrefix(t[n.end:], " (") {
		return 0, false
	}
	q := n.end + 2
	e := q
	for e < len(t) && isDigit(t[e]) {
		e++
	}
	if e == q || e >= len(t) || t[e] != ')' {
		return 0, false
	}
	points, err := strconv.Atoi(t[q:e])
	if err != nil || points != 6*goals+behinds {
		return 0, false
	}
	return e + 1, true
}
