package dedup

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/newsflow/newsflow/pkg/article"
)

// Paragraph roles within the article.
const (
	roleFirst = iota // first occurrence: takes part in cross-article dedup
	roleTitle        // duplicate of the title, marked by normalize
	roleDup          // duplicate of an earlier paragraph of the article
)

// How a paragraph matched a record of another article.
const (
	matchNone  = iota
	matchExact // the same text
	matchNear  // a near copy
	matchSplit // one of two consecutive paragraphs that together copy one
	matchMerge // a copy of two consecutive paragraphs
	matchStory // in the same story: nearly, or one holds the other
)

// marker holds the state of one article's decision; it is pooled with its
// buffers.
type marker struct {
	scratch
	a       *article.Article
	opts    Options
	figKeys []string // figure keys as given (nil: none)

	role []uint8
	// The outcome within the article, which the cross-article decision
	// starts from: unique, or updated of an earlier paragraph.
	wStatus []article.Status
	wRef    []article.Ref
	wHasRef []bool

	status   []article.Status
	ref      []article.Ref // DuplicateOf when hasRef
	hasRef   []bool
	match    []uint8   // how a repeat or update across articles was found
	refStory []string  // the story of the record it refers to
	simOf    []float64 // the similarity of a near match

	// Cross-article keys, their records, and where each paragraph's are.
	keys      []Key
	keySlot   []int32 // the overlay slot of each key
	recs      []Record
	exactAt   []int // index into keys of paragraph i's exact key, -1 if none
	bandAt    []int // of its first band key, -1 if none
	slotAt    []int // of its first slot key, -1 if none
	bodyAt    int
	story     string
	claimIdx  []int
	claimRec  []Record
	votes     []vote
	tmp       []uint64 // shingles of two paragraphs read as one
	times     []uint64 // the words that write the article's own times (fixedNumbers)
	timesDone bool     // times holds them
	zoneTimes []uint64 // the same in the local time of a zone a paragraph names (fixedNumbers)
	tmp2      []uint64 // shingles of one short paragraph
	typo      typoScratch
	pair      para // two consecutive paragraphs read as one (analysePair)
}

type vote struct {
	story         string
	weight, exact int // text of the voters repeated or updated; repeated only
	core          int // voters that are not boilerplate candidates
	long, short   int // voters: long (or one of a split pair), short lines with numbers
}

func (m *marker) release() {
	m.a, m.figKeys = nil, nil
	m.cache, m.typo.sc.cache = nil, nil // the call's word cache goes back to its pool
	m.story = ""
	m.pair = para{} // holds slices of typo.sc's buffers
	clear(m.refStory)
}

func (m *marker) reset(a *article.Article, figureKeys []string, opts Options) {
	m.a, m.opts, m.figKeys = a, opts, figureKeys
	n := len(a.Paragraphs)
	m.paras = grow(m.paras, n)
	m.role = grow(m.role, n)
	m.wStatus = grow(m.wStatus, n)
	m.wRef = grow(m.wRef, n)
	m.wHasRef = grow(m.wHasRef, n)
	m.status = grow(m.status, n)
	m.ref = grow(m.ref, n)
	m.hasRef = grow(m.hasRef, n)
	m.match = grow(m.match, n)
	m.refStory = grow(m.refStory, n)
	m.simOf = grow(m.simOf, n)
	m.tokens = m.tokens[:0]
	m.nums = m.nums[:0]
	m.shingles = m.shingles[:0]
	m.stems, m.negated = m.stems[:0], m.negated[:0]
	m.times, m.timesDone = m.times[:0], false
	for i := range a.Paragraphs {
		p := &m.paras[i]
		m.analyse(a.Paragraphs[i].Text, opts.MinNearLength, p)
		p.figures = 0
		if figureKeys != nil {
			p.figures = hashString(figureKeys[i])
		}
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// figureKey is the figure key of paragraph i as given.
func (m *marker) figureKey(i int) string {
	if m.figKeys == nil {
		return ""
	}
	return m.figKeys[i]
}

// within marks duplicates inside the article: a paragraph repeats the
// earliest earlier paragraph (not itself a duplicate) that it matches
// exactly, else the earliest it matches nearly; two consecutive paragraphs
// that together repeat an earlier one (a split) are both its duplicates; a
// paragraph that repeats two consecutive earlier ones (a merge) is a
// duplicate of the first. A paragraph that nearly repeats an earlier one
// with other figures is updated (it stays in the body).
func (m *marker) within() {
	a := m.a
	for i := range a.Paragraphs {
		p := &a.Paragraphs[i]
		m.role[i] = roleFirst
		if p.Status == article.StatusDuplicate && p.DuplicateOf != nil &&
			p.DuplicateOf.ArticleID == a.ID && p.DuplicateOf.Index == article.TitleIndex {
			m.role[i] = roleTitle
		}
	}
	for i := range a.Paragraphs {
		if m.role[i] != roleFirst {
			continue
		}
		m.wStatus[i], m.wHasRef[i] = article.StatusUnique, false
		if j := m.exactWithin(i); j >= 0 {
			m.duplicate(i, j)
			continue
		}
		// A split before a near repeat: the first piece of a paragraph
		// split in two may alone be similar enough to it, and the second
		// then belongs to it too.
		if j := m.splitWithin(i); j >= 0 {
			m.duplicate(i, j)
			m.duplicate(i+1, j)
			continue
		}
		if j := m.nearRepeatWithin(i); j >= 0 {
			m.duplicate(i, j)
			continue
		}
		if j := m.mergeWithin(i); j >= 0 {
			m.duplicate(i, j)
			continue
		}
		if j := m.restatedWithin(i); j >= 0 {
			m.duplicate(i, j)
			continue
		}
		if j := m.updateWithin(i); j >= 0 {
			m.wStatus[i], m.wRef[i], m.wHasRef[i] = article.StatusUpdated, article.Ref{ArticleID: a.ID, Index: a.Paragraphs[j].Index}, true
		}
	}
}

// restatedWithin returns the earlier paragraph that holds paragraph i word
// for word, numbers and weekdays included, and more besides (a lede's first
// sentence restated further down, one piece of a split whose other piece
// was reworded), or -1. Removing i then removes no word that the body does
// not keep; a restatement with any word of its own stays. Paragraphs under
// minRestatedWords are left to shortWithin, which allows the earlier one a
// single word more: a short line such as "No one was hurt." repeats a
// clause of a longer paragraph and still says it on its own.
func (m *marker) restatedWithin(i int) int {
	pi := &m.paras[i]
	if pi.words < minRestatedWords || pi.note {
		return -1
	}
	text := m.a.Paragraphs[i].Text
	for j := range i {
		pj := &m.paras[j]
		if m.role[j] != roleFirst || len(pj.tokens) <= len(pi.tokens) || !containsRun(pj.tokens, pi.tokens) {
			continue
		}
		if wordsInside(text, m.a.Paragraphs[j].Text) {
			return j
		}
	}
	return -1
}

// minRestatedWords is the fewest words of a paragraph that restatedWithin
// may find inside a longer one.
const minRestatedWords = 8

// containsRun reports whether run occurs in s as consecutive elements.
func containsRun(s, run []uint64) bool {
	for o := 0; o+len(run) <= len(s); o++ {
		if s[o] == run[0] && slices.Equal(s[o:o+len(run)], run) {
			return true
		}
	}
	return false
}

// wordsInside reports whether the words of part (runs of letters and
// digits, case folded) occur consecutively among the words of whole: the
// check on the texts themselves behind containsRun, whose tokens mask
// numbers and weekdays.
func wordsInside(part, whole string) bool {
	notWord := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
	pw, ww := strings.FieldsFunc(part, notWord), strings.FieldsFunc(whole, notWord)
	for o := 0; o+len(pw) <= len(ww); o++ {
		k := 0
		for k < len(pw) && strings.EqualFold(pw[k], ww[o+k]) {
			k++
		}
		if k == len(pw) {
			return true
		}
	}
	return false
}

// duplicate marks paragraph i as a duplicate of earlier paragraph j.
func (m *marker) duplicate(i, j int) {
	m.role[i] = roleDup
	m.wStatus[i], m.wHasRef[i] = article.StatusDuplicate, true
	if m.role[j] == roleTitle {
		m.wRef[i] = article.Ref{ArticleID: m.a.ID, Index: article.TitleIndex}
	} else {
		m.wRef[i] = article.Ref{ArticleID: m.a.ID, Index: m.a.Paragraphs[j].Index}
	}
}

// exactWithin returns the earlier paragraph that i repeats exactly, or -1.
// The same text holds the same numeric words, so other figure keys are the
// same digits read otherwise (reparsed), not figures revised.
func (m *marker) exactWithin(i int) int {
	pi := &m.paras[i]
	for j := range i {
		if m.role[j] != roleDup && m.paras[j].exact == pi.exact {
			return j
		}
	}
	return -1
}

// nearRepeatWithin returns the earlier paragraph that i repeats nearly, or
// -1: a long paragraph nearly (nearWithin), a short one when it says
// nothing the earlier one does not (shortWithin).
func (m *marker) nearRepeatWithin(i int) int {
	for j := range i {
		if m.role[j] != roleDup && (m.nearWithin(i, j) == nearRepeat || m.shortWithin(i, j)) {
			return j
		}
	}
	return -1
}

// nearWithin says what long paragraph i is of long paragraph j, from the
// exact similarity of their shingles and of their bags of words, with the
// words that one has and the other lacks read again for typos and negating
// prefixes.
func (m *marker) nearWithin(i, j int) nearKind {
	pi, pj := &m.paras[i], &m.paras[j]
	if !pi.long || !pj.long {
		return nearNone
	}
	thr := m.opts.NearThreshold
	st := nearStats{sameFigures: pi.figures == pj.figures, sameNumbers: pi.numbers == pj.numbers}
	addedNumbers(&st, pi, pj.numbers)
	if !st.addedNumbers {
		addedNumbers(&st, pj, pi.numbers)
	}
	if st.sameFigures && !st.sameNumbers && !st.addedNumbers {
		return nearNone // neither a repeat nor an update
	}
	if !st.sameFigures && st.sameNumbers {
		st.unitsMoved = unitsMoved(m.figureKey(i), m.figureKey(j)) // then figures revised, not reparsed
	}
	// The same numbers with other figure keys may be a repeat (reparsed),
	// other numbers and other figure keys an update.
	sameValues := st.sameFigures || st.sameNumbers
	if !sameValues {
		thr = max(thr, updateThreshold) // an update: the shingles decide
	}
	// Cheap filters: the Jaccard similarity of two sets is at most the
	// ratio of their sizes, and the sketch estimate has a standard error
	// below 0.07 (far below the threshold the exact count is not worth it).
	shingles := ratio(len(pi.shingles), len(pj.shingles)) >= thr && pi.sketch.Similarity(&pj.sketch) >= thr-0.3
	words := sameValues && ratio(len(pi.bag), len(pj.bag)) >= wordRepeat
	if !shingles && !words {
		return nearNone
	}
	if shingles {
		st.sim = jaccard(pi.set(), pj.set())
	}
	if !mayBeNear(&st, pi, pj, m.opts.NearThreshold) {
		return nearNone // what classify would say, without the bags compared in full
	}
	bagStats(&st, pi, pj)
	if sameValues && st.onlyA > 0 && st.onlyB > 0 {
		m.typo.check(&st, m.a.Paragraphs[i].Text, m.a.Paragraphs[j].Text, pi, pj)
	}
	return classify(st, m.opts.NearThreshold, wordRepeat)
}

// mayBeNear reports whether classify could find long paragraphs a and b
// (st holding their figures, numbers and shingle similarity) a repeat or an
// update once bagStats and the typo check have filled the word part of st.
// It is false only when neither can be: the shingles are too dissimilar for
// either, so that a repeat needs the bags' Jaccard similarity from
// wordRepeat, and even were every word that the typo check and respellings
// may still pair (a name of each side, or up to maxTypoWords words) paired,
// it stays below. That bound needs one merge of the bags, where bagStats
// also compares names and negations; most pairs of an article's paragraphs
// stop here.
func mayBeNear(st *nearStats, a, b *para, threshold float64) bool {
	if st.sim >= min(threshold, namesFreeSimilarity) {
		return true // a repeat by its shingles, names and negations permitting
	}
	if !st.sameFigures && !st.sameNumbers {
		// No repeat; an update needs the shingles.
		return st.sim >= max(threshold, updateThreshold)
	}
	if !st.sameNumbers && !st.addedNumbers {
		return false
	}
	c := common(a.bag, b.bag)
	onlyA, onlyB := len(a.bag)-c, len(b.bag)-c
	// Each pairing (bagStats' respelled, the typo check) moves one word of
	// each side into common; respellings pair names, and the typo check runs
	// only when both sides are left with at most maxTypoWords words.
	k := min(onlyA, onlyB)
	if respell := min(len(a.nameBag), len(b.nameBag)); max(onlyA, onlyB)-respell > maxTypoWords {
		k = min(k, respell)
	}
	return float64(c+k)/float64(max(1, len(a.bag)+len(b.bag)-c-k)) >= wordRepeat
}

// ratio is the smaller of two sizes over the larger (1 for two empty sets).
func ratio(a, b int) float64 {
	if max(a, b) == 0 {
		return 1
	}
	return float64(min(a, b)) / float64(max(a, b))
}

// shortWithin reports whether paragraph i, short, repeats earlier paragraph
// j of its article without a word of its own: the same figures, numbers and
// negations, at least two content words, all of them j's and in j's order,
// and j holding at most one more ("The driver was taken to hospital on
// Friday." / "The driver was taken to hospital."). Removing i then removes
// nothing the body does not say; a short line that says something else
// ("Water levels fell in Kelso." / "... in Melrose.", "... rose ...") stays.
func (m *marker) shortWithin(i, j int) bool { return shortRepeats(&m.paras[i], &m.paras[j]) }

// shortRepeats is shortWithin's test of short paragraph pi against pj.
func shortRepeats(pi, pj *para) bool {
	if pi.long || pi.figures != pj.figures || pi.numbers != pj.numbers || pi.negs != pj.negs ||
		len(pi.bag) < 2 || len(pj.bag) > len(pi.bag)+1 || common(pi.bag, pj.bag) != len(pi.bag) ||
		len(pj.nameBag) != common(pj.nameBag, pi.bag) {
		return false
	}
	return isSubsequence(pi.stems, pj.stems)
}

// isSubsequence reports whether a's elements appear in b in a's order.
func isSubsequence(a, b []uint64) bool {
	k := 0
	for _, x := range b {
		if k < len(a) && a[k] == x {
			k++
		}
	}
	return k == len(a)
}

// updateWithin returns the earlier paragraph of which i is an update, or
// -1. Inside one article an update is the same text with other numbers and
// figures, word for word (numbers masked): rows of a table on one template
// ("It forecast the barley harvest at...", "... the rapeseed harvest at...")
// differ in a word. A short paragraph may be one when both are sentences of
// at least minShortUpdateTokens words ("19:00 local: The fire has burned
// 4,100 hectares and is 15% contained."); the rows of an earnings table
// ("Shr 12 cts vs 10 cts" for the quarter and again for the year) are not
// sentences.
func (m *marker) updateWithin(i int) int {
	pi := &m.paras[i]
	if !pi.long && !(pi.sentence && len(pi.tokens) >= minShortUpdateTokens) {
		return -1
	}
	for j := range i {
		pj := &m.paras[j]
		if m.role[j] == roleFirst && pj.long == pi.long && (pj.long || pj.sentence) && pj.figures != pi.figures && pj.numbers != pi.numbers &&
			len(pj.tokens) == len(pi.tokens) && slices.Equal(pj.tokens, pi.tokens) &&
			(pi.long || hasFiniteVerb(m.a.Paragraphs[i].Text)) {
			return j
		}
	}
	return -1
}

// hasFiniteVerb reports whether text holds one of the auxiliaries and
// reporting verbs of prose ("The fire has burned ... and is 15% contained,
// Cal Fire said."). The rows of a results table end with a full stop too
// but hold none ("Balance sheet total 48.67 billion marks vs 49.01
// billion.", for the group and again for the parent bank; "us 1-3 500-650
// lbs 41.00-45.00, few 46.00.").
func hasFiniteVerb(text string) bool {
	for w := range strings.FieldsFuncSeq(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		switch strings.ToLower(w) {
		case "is", "are", "was", "were", "has", "have", "had", "been", "said", "says", "will", "would":
			return true
		}
	}
	return false
}

// minShortUpdateTokens is the fewest words of a short sentence that may be
// an update of another in its article.
const minShortUpdateTokens = 8

// joined returns the sorted shingle set of paragraphs i and i+1 read as
// one, in m.tmp.
func (m *marker) joined(i int) []uint64 {
	m.tmp = appendShingles(m.tmp[:0], m.paras[i].tokens, m.paras[i+1].tokens)
	m.tmp = sortUnique(m.tmp)
	return m.tmp
}

// joinedSize bounds the number of shingles of paragraphs i and i+1 read as
// one.
func (m *marker) joinedSize(i int) int {
	return max(1, len(m.paras[i].tokens)+len(m.paras[i+1].tokens)-shingleSize+1)
}

// splitWithin returns the earlier long paragraph that paragraphs i and i+1
// repeat together (each nearly all inside it, the two together similar to
// it), or -1.
func (m *marker) splitWithin(i int) int {
	if i+1 >= len(m.paras) || m.role[i+1] != roleFirst || m.paras[i].words == 0 || m.paras[i+1].words == 0 {
		return -1
	}
	thr := m.opts.NearThreshold
	pi, pn := &m.paras[i], &m.paras[i+1]
	size := m.joinedSize(i)
	var set []uint64
	for j := range i {
		pj := &m.paras[j]
		if m.role[j] != roleFirst || !pj.long || pj.numbers != pi.numbers+pn.numbers ||
			float64(min(size, len(pj.shingles))) < thr*float64(max(size, len(pj.shingles))) ||
			!mayHold(pj, pi) || !mayHold(pj, pn) {
			continue
		}
		if set == nil {
			set = m.joined(i)
		}
		if jaccard(set, pj.set()) < thr || pj.figures != joinedFigures(m.figureKey(i), m.figureKey(i+1)) ||
			!m.inside(i, pj.set()) || !m.inside(i+1, pj.set()) {
			continue
		}
		return j
	}
	return -1
}

// mayHold is a cheap filter before exact counts: whether long paragraph
// whole may hold paragraph part. If it holds it, their Jaccard similarity is
// the ratio of their sizes; the sketch estimates it within a standard error
// below 0.07. A short part is not filtered.
func mayHold(whole, part *para) bool {
	if !part.long {
		return true
	}
	ratio := float64(len(part.shingles)) / float64(max(len(whole.shingles), 1))
	return part.sketch.Similarity(&whole.sketch) >= min(ratio, 1)/2
}

// inside reports whether nearly all of paragraph i's shingles are in set.
func (m *marker) inside(i int, set []uint64) bool {
	own := m.shinglesOf(i)
	return float64(common(own, set)) >= containThreshold*float64(len(own))
}

// shinglesOf returns the shingle set of paragraph i (of a short one in
// m.tmp2, valid until the next call).
func (m *marker) shinglesOf(i int) []uint64 {
	if m.paras[i].long {
		return m.paras[i].set()
	}
	m.tmp2 = sortUnique(appendShingles(m.tmp2[:0], m.paras[i].tokens, nil))
	return m.tmp2
}

// mergeWithin returns the first of two consecutive earlier paragraphs that
// long paragraph i repeats (nearly all of it inside the two, the two
// together similar to it), or -1.
func (m *marker) mergeWithin(i int) int {
	pi := &m.paras[i]
	if !pi.long {
		return -1
	}
	thr := m.opts.NearThreshold
	for j := 0; j+1 < i; j++ {
		if m.role[j] != roleFirst || m.role[j+1] != roleFirst || m.paras[j].numbers+m.paras[j+1].numbers != pi.numbers {
			continue
		}
		size := m.joinedSize(j)
		if float64(min(size, len(pi.shingles))) < thr*float64(max(size, len(pi.shingles))) ||
			!mayHold(pi, &m.paras[j]) || !mayHold(pi, &m.paras[j+1]) {
			continue
		}
		set := m.joined(j)
		if jaccard(set, pi.set()) < thr || pi.figures != joinedFigures(m.figureKey(j), m.figureKey(j+1)) ||
			float64(common(pi.set(), set)) < containThreshold*float64(len(pi.set())) {
			continue
		}
		return j
	}
	return -1
}

// collectKeys lists the keys of the article: per first occurrence its exact
// key, its band keys when long, its boilerplate slots when a candidate; and
// the body key.
func (m *marker) collectKeys() {
	n := len(m.paras)
	m.keys = m.keys[:0]
	m.exactAt = grow(m.exactAt, n)
	m.bandAt = grow(m.bandAt, n)
	m.slotAt = grow(m.slotAt, n)
	srcHash := mix(hashString(m.a.Source))
	body := uint64(kindBody)
	for i := range m.paras {
		p := &m.paras[i]
		body = mix(body ^ p.exact)
		m.exactAt[i], m.bandAt[i], m.slotAt[i] = -1, -1, -1
		if m.role[i] != roleFirst || p.words == 0 {
			continue // a paragraph without words is compared within its article only
		}
		m.exactAt[i] = len(m.keys)
		m.keys = append(m.keys, Key(p.exact))
		if p.long {
			m.bandAt[i] = len(m.keys)
			for _, k := range p.bandKeys {
				m.keys = append(m.keys, Key(k))
			}
		}
		if m.eligible(i) {
			m.slotAt[i] = len(m.keys)
			base := mix(uint64(kindSlot) ^ m.slotIdentity(i) ^ srcHash)
			for s := range m.opts.BoilerplateStories {
				m.keys = append(m.keys, Key(mix(base+uint64(s))))
			}
		}
	}
	m.bodyAt = len(m.keys)
	m.keys = append(m.keys, Key(mix(body^uint64(n))))
}

// isSlot reports whether key k of m.keys is a boilerplate slot.
func (m *marker) isSlot(k int) bool {
	for i, at := range m.slotAt {
		if at >= 0 && k >= at && k < at+m.opts.BoilerplateStories && m.exactAt[i] >= 0 {
			return true
		}
	}
	return false
}

// repeatsExactly reports whether another article holds paragraph i's
// exact key. Its band keys are then neither read (the exact record decides
// status and story) nor claimed: every copy of a text has the same bands,
// and the article that claimed the exact key first claimed them too (or
// found them claimed). So a batch need not look them up (MarkBatch).
func (m *marker) repeatsExactly(i int) bool {
	r := &m.recs[m.exactAt[i]]
	return r.Found() && !m.self(r)
}

// self reports whether r was claimed by this article (same ID).
func (m *marker) self(r *Record) bool { return r.Ref.ArticleID == m.a.ID }

func storyOf(r *Record) string {
	if r.StoryID != "" {
		return r.StoryID
	}
	return r.Ref.ArticleID
}

// other reports whether r is a record of another article's long paragraph.
func (m *marker) other(r *Record) bool { return r.Found() && !m.self(r) && r.Sketch.count() > 0 }

// sameText reports whether band record r holds paragraph i's own text. Its
// exact key decides then: claims are atomic per key only, so a racing copy
// may hold the bands while this article holds the exact key; counting its
// bands too would make both copies repeats and neither the first.
func (m *marker) sameText(i int, r *Record) bool {
	p := &m.paras[i]
	return r.Sketch == p.sketch && r.Figures == p.figures && r.Numbers == p.numbers
}

// recurringReport reports that the article is a version of a recurring report,
// whose other paragraphs may update the last report's word for word with new
// figures, wherever each match comes from: another paragraph of it that
// names someone repeats or updates an earlier article's paragraph, or its
// first long paragraph is like another article's with the same names
// (seriesLede).
func (m *marker) recurringReport(i int) bool {
	for j := range m.paras {
		if j != i && m.match[j] != matchNone && len(m.paras[j].nameBag) > 0 {
			return true
		}
	}
	return m.seriesLede()
}

// seriesLede reports a first long paragraph that names someone and is like
// a paragraph of another article with the same names (its band records):
// the next issue of a report by the same body ("The Bank of England said it
// had provided the money market with 97 mln stg assistance"), not the same
// template about another company ("Guilford Mills Inc said it sold 60 mln
// dlrs of convertible debentures", after "Pope and Talbot Inc said ...").
func (m *marker) seriesLede() bool {
	for j := range m.paras {
		p := &m.paras[j]
		if !p.long || m.bandAt[j] < 0 {
			continue
		}
		if len(p.nameBag) == 0 {
			return false
		}
		for b := range bands {
			r := &m.recs[m.bandAt[j]+b]
			if m.other(r) && namesDiff(p.names, r.Sketch.names()) <= maxNamesDiff && p.sketch.Similarity(&r.Sketch) >= seriesSimilarity {
				return true
			}
		}
		return false
	}
	return false
}

// found records that paragraph i repeats (or updates) record r.
func (m *marker) found(i int, r *Record, how uint8, repeat bool) {
	m.status[i], m.ref[i], m.hasRef[i] = article.StatusUpdated, r.Ref, true
	if repeat {
		m.status[i] = article.StatusRepeated
	}
	m.match[i], m.refStory[i] = how, storyOf(r)
}

// decide sets status, ref and story from m.recs, and lists in claimIdx and
// claimRec the absent keys to claim (none when claim is false).
//
// The order: exact and near repeats and updates of long paragraphs; splits
// and merges; the story (from the body key, else the votes of the
// paragraphs that are not boilerplate candidates); then, within that story
// only, short repeats and looser matches of long paragraphs; boilerplate
// last.
func (m *marker) decide(claim bool) {
	a := m.a
	thr := m.opts.NearThreshold
	for i := range m.paras {
		m.match[i], m.refStory[i] = matchNone, ""
		m.status[i], m.ref[i], m.hasRef[i] = m.wStatus[i], m.wRef[i], m.wHasRef[i]
	}
	// Exact and near repeats and updates of long paragraphs.
	for i := range m.paras {
		if m.exactAt[i] < 0 || !m.paras[i].long {
			continue
		}
		p := &m.paras[i]
		if r := &m.recs[m.exactAt[i]]; r.Found() && !m.self(r) {
			m.found(i, r, matchExact, true) // the same text: the same numbers (exactWithin)
			continue
		}
		best, bestSim, bestScore, bestKind := -1, 0.0, 0.0, nearNone
		for b := range bands {
			r := &m.recs[m.bandAt[i]+b]
			if !m.other(r) || m.sameText(i, r) {
				continue
			}
			st := nearStats{sim: p.sketch.Similarity(&r.Sketch), sameFigures: r.Figures == p.figures, sameNumbers: r.Numbers == p.numbers}
			addedNumbers(&st, p, r.Numbers)
			droppedNumbers(&st, p, r.Numbers, &r.Sketch)
			sketchStats(&st, p, &r.Sketch)
			k := classify(st, thr, wordRepeat)
			if score := max(st.sim, st.words()); k != nearNone && (k > bestKind || (k == bestKind && score > bestScore)) {
				best, bestSim, bestScore, bestKind = m.bandAt[i]+b, st.sim, score, k
			}
		}
		if best >= 0 {
			m.found(i, &m.recs[best], matchNear, bestKind == nearRepeat)
			m.simOf[i] = bestSim
		}
	}
	m.splits()
	m.merges()

	m.story = m.decideStory()
	for i := range m.paras {
		// An update of another story's paragraph (a daily report) must be
		// nearly the same text; within one story a word may change too.
		// Below the top of the article it updates another story only in a
		// recurring report (recurringReport): else it is a template on which
		// another company, place or case writes its own figures ("The
		// debentures are convertible into the company's common stock at
		// ...", "call police on 101, quoting incident 123"), not a version
		// of the same report.
		if m.match[i] == matchNear && m.status[i] == article.StatusUpdated && m.refStory[i] != m.story &&
			(m.simOf[i] < otherStoryUpdate || i > 0 && !m.recurringReport(i)) {
			m.status[i], m.ref[i], m.hasRef[i] = m.wStatus[i], m.wRef[i], m.wHasRef[i]
			m.match[i], m.refStory[i] = matchNone, ""
		}
	}
	m.sameStory()

	// Records to claim: every absent exact, band, slot and body key.
	m.claimIdx, m.claimRec = m.claimIdx[:0], m.claimRec[:0]
	add := func(k int, r Record) {
		if claim && !m.recs[k].Found() {
			m.claimIdx = append(m.claimIdx, k)
			m.claimRec = append(m.claimRec, r)
		}
	}
	for i := range m.paras {
		if m.exactAt[i] < 0 {
			continue
		}
		p := &m.paras[i]
		r := Record{Ref: article.Ref{ArticleID: a.ID, Index: a.Paragraphs[i].Index}, StoryID: m.story,
			Figures: p.figures, Numbers: p.numbers}
		if p.long {
			r.Sketch = p.sketch
		}
		add(m.exactAt[i], r)
		if p.long && !m.repeatsExactly(i) {
			for b := range bands {
				add(m.bandAt[i]+b, r)
			}
		}
		if m.slotAt[i] >= 0 {
			m.boilerplate(i, Record{Ref: r.Ref, StoryID: m.story}, add)
		}
	}
	add(m.bodyAt, Record{Ref: article.Ref{ArticleID: a.ID, Index: article.TitleIndex}, StoryID: m.story})
}

// splits finds pairs of consecutive paragraphs that together copy one
// paragraph of another article (a paragraph split in two by an editor): a
// band of either found it, the two read as one are similar to it with the
// same figures and numbers, and each is nearly all inside it.
func (m *marker) splits() {
	for i := 0; i+1 < len(m.paras); i++ {
		if m.exactAt[i] < 0 || m.exactAt[i+1] < 0 || (m.match[i] != matchNone && m.match[i+1] != matchNone) ||
			m.match[i] == matchExact || m.match[i+1] == matchExact {
			continue
		}
		if r := m.splitOf(i); r != nil {
			m.found(i, r, matchSplit, true)
			m.found(i+1, r, matchSplit, true)
		}
	}
}

// splitOf returns the record found by the bands of paragraph i or i+1 that
// the two copy together, or nil.
func (m *marker) splitOf(i int) *Record {
	pi, pn := &m.paras[i], &m.paras[i+1]
	var joined Sketch
	var have, analysed bool
	for _, at := range [2]int{m.bandAt[i], m.bandAt[i+1]} {
		if at < 0 {
			continue
		}
		for b := range bands {
			r := &m.recs[at+b]
			if !m.other(r) || r.Numbers != pi.numbers+pn.numbers ||
				r.Figures != joinedFigures(m.figureKey(i), m.figureKey(i+1)) {
				continue
			}
			if !have {
				joined = sketchOf(m.joined(i), pi.names.union(pn.names))
				have = true
			}
			sim := joined.Similarity(&r.Sketch)
			if sim < m.opts.NearThreshold {
				if !analysed {
					m.analysePair(i)
					analysed = true
				}
				if !pairRepeats(&m.pair, r, sim, m.opts.NearThreshold) {
					continue
				}
			}
			if m.piece(i, i+1, r, sim) && m.piece(i+1, i, r, sim) {
				return r
			}
		}
	}
	return nil
}

// analysePair reads paragraphs i and i+1 as one paragraph into m.pair (in
// the typo check's scratch, which the cross-article decision does not
// use otherwise).
func (m *marker) analysePair(i int) {
	sc := &m.typo.sc
	sc.tokens, sc.nums, sc.shingles, sc.stems, sc.negated = sc.tokens[:0], sc.nums[:0], sc.shingles[:0], sc.stems[:0], sc.negated[:0]
	m.pair = para{}
	sc.analyse(m.a.Paragraphs[i].Text+" "+m.a.Paragraphs[i+1].Text, m.opts.MinNearLength, &m.pair)
}

// pairRepeats reports whether two paragraphs read as one (pair), with the
// figures and numbers of record r and a shingle similarity sim below the
// threshold, nearly repeat r by their content words, as a near repeat of
// one paragraph may (classify): a piece reworded, its words in another
// order ("kept in a country house library" / "kept in the library of a
// country house"), changes the shingles more than the words.
func pairRepeats(pair *para, r *Record, sim, threshold float64) bool {
	st := nearStats{sim: sim, sameFigures: true, sameNumbers: true}
	sketchStats(&st, pair, &r.Sketch)
	return classify(st, threshold, wordRepeat) == nearRepeat
}

// piece reports whether paragraph i, split from the paragraph of record r
// together with paragraph other (the two read as one have similarity
// joined with it), is part of it: the pair is more similar to it than the
// other alone (an unrelated paragraph next to a near copy makes the pair
// less similar).
func (m *marker) piece(i, other int, r *Record, joined float64) bool {
	q := &m.paras[other]
	if q.long {
		return joined > q.sketch.Similarity(&r.Sketch)
	}
	sk := sketchOf(m.shinglesOf(other), q.names)
	return joined > sk.Similarity(&r.Sketch)
}

// merges finds long paragraphs that copy two consecutive paragraphs of
// another article, both found by its bands: similar to the two read as one
// (the union of their sketches), with their numbers.
func (m *marker) merges() {
	thr := m.opts.NearThreshold
	for i := range m.paras {
		if m.bandAt[i] < 0 || m.match[i] != matchNone {
			continue
		}
		p := &m.paras[i]
		recs := m.recs[m.bandAt[i] : m.bandAt[i]+bands]
	pairs:
		for x := range recs {
			r1 := &recs[x]
			if !m.other(r1) || m.sameText(i, r1) {
				continue
			}
			for y := range recs {
				r2 := &recs[y]
				if !m.other(r2) || r2.Ref.ArticleID != r1.Ref.ArticleID || r2.Ref.Index != r1.Ref.Index+1 ||
					r1.Numbers+r2.Numbers != p.numbers {
					continue
				}
				u := r1.Sketch.union(&r2.Sketch)
				if p.sketch.Similarity(&u) >= thr {
					m.found(i, r1, matchMerge, true)
					break pairs
				}
			}
		}
	}
}

// decideStory applies the story rule of the package comment: the story of
// an earlier exact copy of the body; else the story that the voters repeat
// or update, weighted by folded length, when it covers at least half of the
// voters' text, at least one of them is a repeat, one is not a boilerplate
// candidate, and it rests on a long paragraph or on two short ones. Voters
// are the long paragraphs, the paragraphs of a split pair and the short ones
// holding a number (a line of an earnings table; a short sentence without
// one, such as "No one was injured.", says nothing about which story this
// is). A boilerplate candidate (a sign-off, a bio: issue 15) adds weight to a
// story that another paragraph shows, and never makes one by itself; an
// unmatched long one adds it to the story of the first slot it matches
// (candidateStory: a sign-off whose filing time changed, which its band
// keys miss, is a voter of the story it came from, not new text of this one).
func (m *marker) decideStory() string {
	if r := &m.recs[m.bodyAt]; r.Found() && !m.self(r) {
		return storyOf(r)
	}
	m.votes = m.votes[:0]
	total := 0
	for i := range m.paras {
		p := &m.paras[i]
		if m.exactAt[i] < 0 || !(p.long || p.digits || m.match[i] == matchSplit) || p.note {
			continue // an editor's note says nothing about which story this is
		}
		total += p.length
		var story string
		repeat, long := false, p.long || m.match[i] == matchSplit
		switch r := &m.recs[m.exactAt[i]]; {
		case m.match[i] != matchNone:
			story, repeat = m.refStory[i], m.status[i] == article.StatusRepeated
		case !p.long && r.Found() && !m.self(r):
			story, repeat = storyOf(r), true
		default:
			var ok bool
			if story, ok = m.candidateStory(i); !ok {
				continue
			}
		}
		k := slices.IndexFunc(m.votes, func(v vote) bool { return v.story == story })
		if k < 0 {
			k = len(m.votes)
			m.votes = append(m.votes, vote{story: story})
		}
		v := &m.votes[k]
		v.weight += p.length
		if repeat {
			v.exact += p.length
		}
		if m.slotAt[i] < 0 || m.repeatsLede(i) { // not a boilerplate candidate, or a lede's copy
			v.core++
		}
		if long {
			v.long++
		} else {
			v.short++
		}
	}
	if len(m.votes) == 0 {
		return m.a.ID
	}
	best := slices.MaxFunc(m.votes, func(x, y vote) int {
		if c := cmp.Compare(x.weight, y.weight); c != 0 {
			return c
		}
		return -cmp.Compare(x.story, y.story) // ties: the smaller id
	})
	if best.core > 0 && best.exact > 0 && 2*best.weight >= total && (best.long > 0 || best.short >= 2) {
		return best.story
	}
	return m.a.ID
}

// repeatsLede reports a paragraph matched to the first paragraph of
// another article. A lede is never a boilerplate candidate where it was
// claimed (candidates are never the first paragraph), so its copy in this
// article's last paragraphs is the story's text, not a sign-off: it may
// make the story even when it sits among the candidates (a short update of
// a bulletin, its repeated lede below a new first line).
func (m *marker) repeatsLede(i int) bool {
	return m.match[i] != matchNone && m.hasRef[i] && m.ref[i].Index == 0 && m.ref[i].ArticleID != m.a.ID
}

// sameStory decides, once the story is known, the paragraphs whose match
// depends on it: a short paragraph repeats another article's only if that
// article is of the same story ("No one was injured." in two unrelated
// stories is two facts); a long paragraph not matched yet repeats one of an
// earlier version of the same story more loosely (similarity from
// storyThreshold, or one holding nearly all of the other).
func (m *marker) sameStory() {
	joinedStory := m.story != m.a.ID
	for i := range m.paras {
		if m.exactAt[i] < 0 || m.match[i] != matchNone {
			continue
		}
		p := &m.paras[i]
		if !p.long {
			if r := &m.recs[m.exactAt[i]]; r.Found() && !m.self(r) && storyOf(r) == m.story {
				m.found(i, r, matchExact, true)
			}
			continue
		}
		if !joinedStory {
			continue
		}
		best, bestSim := -1, 0.0
		for b := range bands {
			r := &m.recs[m.bandAt[i]+b]
			if !m.other(r) || m.sameText(i, r) || storyOf(r) != m.story {
				continue
			}
			sim := p.sketch.Similarity(&r.Sketch)
			st := nearStats{sim: sim, sameFigures: r.Figures == p.figures, sameNumbers: r.Numbers == p.numbers}
			addedNumbers(&st, p, r.Numbers)
			droppedNumbers(&st, p, r.Numbers, &r.Sketch)
			sketchStats(&st, p, &r.Sketch)
			st.namesA, st.namesB = 0, 0 // inside one story a name may change
			ok := classify(st, storyThreshold, storyWords) == nearRepeat
			if cp, cr := containment(sim, len(p.shingles), r.Sketch.count()); !ok {
				// One holds the other and more (a sentence added or
				// dropped, a paragraph merged with the next; the numbers of
				// a part cannot be compared). Two near copies hold each
				// other: their numbers decide, above.
				ok = max(cp, cr) >= containThreshold && min(cp, cr) < containMore
			}
			if ok && sim > bestSim {
				best, bestSim = m.bandAt[i]+b, sim
			}
		}
		if best >= 0 {
			m.found(i, &m.recs[best], matchStory, true)
		}
	}
}

// apply writes the decisions into the article.
func (m *marker) apply(story string) {
	a := m.a
	n := 0
	for i := range a.Paragraphs {
		if m.role[i] != roleTitle && m.hasRef[i] {
			n++
		}
	}
	refs := make([]article.Ref, 0, n) // one allocation for the article's refs
	for i := range a.Paragraphs {
		if m.role[i] == roleTitle {
			continue
		}
		p := &a.Paragraphs[i]
		p.Status = m.status[i]
		p.DuplicateOf = nil
		if m.hasRef[i] {
			refs = append(refs, m.ref[i])
			p.DuplicateOf = &refs[len(refs)-1]
		}
	}
	a.StoryID = story
}

// applyWithin writes the decisions within the article alone (no store).
func (m *marker) applyWithin() {
	for i := range m.paras {
		m.status[i], m.ref[i], m.hasRef[i] = m.wStatus[i], m.wRef[i], m.wHasRef[i]
	}
	m.apply(m.a.ID)
}
