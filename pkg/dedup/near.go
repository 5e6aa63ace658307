package dedup

import (
	"math/bits"
	"slices"
	"strings"
)

// Fixed parts of the comparison. They are not options: the decisions that
// remove text from a body rest on them (README, "Comparison").
const (
	// updateThreshold is the similarity from which a long paragraph whose
	// figures changed is an update of an earlier one. It is higher than a
	// repeat's: an update is the same text with other figures, and the same
	// template about another company differs from it in a few words only.
	updateThreshold = 0.70
	// otherStoryUpdate is the similarity from which a paragraph updates one
	// of another story (a daily report): the same template with other
	// figures and no more than a word changed, where a version of the same
	// story may change a few words with the figures.
	otherStoryUpdate = 0.85
	// seriesSimilarity is how like another article's paragraph, with the
	// same names, an article's first long paragraph must be for the article
	// to be the next issue of that report (marker.seriesLede). Low: the
	// names decide (another issuer's names differ), and the two ledes
	// already share an LSH band; 0.15 and 0.3 were measured (README).
	seriesSimilarity = 0.15
	// maxNamesDiff is how many bits of the names (two a capitalised word)
	// an update may differ in: one word added or dropped ("the Fed" and
	// "the New York Fed" differ in two). A name in the place of another
	// (another company, person or place) changes about four bits, and so
	// makes no update.
	maxNamesDiff = 2
	// maxRepeatNamesDiff is how many bits of the names a near repeat less
	// similar than namesFreeSimilarity may differ in: one name replaced
	// ("Kiev" for "Kyiv": about four), not a company of two words replaced
	// by another ("Shares of Fenwick Energy were suspended..." and "Shares
	// of Garnet Mining were suspended...": about eight). Nearly identical
	// paragraphs may differ more (case, "U.S." for "United States").
	maxRepeatNamesDiff  = 5
	namesFreeSimilarity = 0.8
	// storyThreshold is the similarity from which a long paragraph repeats
	// one of an earlier version of the same story (a story known from the
	// article's other paragraphs): edits in a new version are larger than
	// coincidences between stories.
	storyThreshold = 0.5
	// containThreshold is the share of a paragraph's shingles found in a
	// paragraph of an earlier version of the same story from which the
	// one contains the other (a sentence added or dropped, a paragraph
	// split or merged).
	containThreshold = 0.9
	// containMore is the share below which the holding paragraph has more
	// than the held one (else the two are near copies).
	containMore = 0.8
)

// Fixed parts of the word comparison (fingerprint version 3, words.go).
const (
	// wordRepeat is the Jaccard similarity of two long paragraphs' bags of
	// content words from which they are near repeats (with the same figures
	// and numbers, no name replaced and no negation changed): a rewording
	// keeps most content words while it changes most shingles ("About 75 pct
	// ... would be used" / "Around 75 pct ... will be used"). The same
	// template about another company differs in a name, which the names
	// gate catches; one about another commodity ("corn" / "soybean meal")
	// passes it (README, "Near repeats", says what that costs).
	wordRepeat = 0.70
	// storyWords is wordRepeat inside one story (storyThreshold's twin).
	storyWords = 0.7
	// maxNamesChanged is how many names one of two near repeats may add or
	// drop ("Noranda said ...", "the U.S. Treasury"); a name in the place
	// of another is never allowed.
	maxNamesChanged = 2
	// sentenceWords is how many content words a sentence added or dropped
	// must hold to make two paragraphs other texts (a paragraph that says
	// more is not a repeat, unless the two are nearly identical).
	sentenceWords = 3
	// nameCommon is how many content words two paragraphs must share
	// before one name may stand in the place of another: in a long
	// paragraph a respelled name ("Hurosawa" / "Kurosawa"), in a formula
	// paragraph another company.
	nameCommon = 20
	// maxNumbersAdded is how many numeric words one of two near repeats
	// inside an article may add to the other's, all the others kept: a
	// date or a day ("by April 1988" / "by April 30, 1988", "last year" /
	// "in 1986"), a dateline, a number word ("one western diplomat" / "a
	// Western diplomat"), with the same figure keys. A number changed is
	// another fact. Across articles only numbers the later paragraph adds
	// are found (addsNumbers).
	maxNumbersAdded = 2
)

// nearKind is what a long paragraph is of another: nothing, an update
// (figures changed), or a repeat (same figures and numbers).
type nearKind uint8

const (
	nearNone nearKind = iota
	nearUpdate
	nearRepeat
)

// nearStats is what classify knows of two long paragraphs: the similarity
// of their masked shingles, and of their bags of content words the stems
// both hold (common), and those one holds only (onlyA, onlyB); the names
// of each that the other lacks (namesA, namesB), and namesBits, the bits by
// which their names bitmaps differ; whether their figure keys, numeric
// words, negations and sentences are the same, and whether the numeric
// words of one are those of the other and a few more (addedNumbers).
type nearStats struct {
	sim                      float64
	common, onlyA, onlyB     int
	namesA, namesB           int
	namesBits                int
	sameFigures, sameNumbers bool
	sameNegations, sameSents bool
	addedNumbers             bool
	// unitsMoved: the figure keys hold the same values and units, paired
	// otherwise (unitsMoved; known within an article only).
	unitsMoved bool
}

// words is the Jaccard similarity of the two bags.
func (st *nearStats) words() float64 {
	return float64(st.common) / float64(max(1, st.common+st.onlyA+st.onlyB))
}

// classify decides what a long paragraph is of an earlier one:
//
//   - a repeat: the same figures (or other figure keys of the same digits
//     read otherwise: reparsed), numbers (or the numbers of one and at
//     most maxNumbersAdded more: a date added) and negations, no name in the
//     place of another (but for one in paragraphs sharing nameCommon
//     content words), and either nearly the same text (shingle similarity
//     from namesFreeSimilarity), or at most maxNamesChanged names added or
//     dropped and a shingle similarity from threshold (Options.NearThreshold;
//     storyThreshold inside one story) or, unless a sentence was added or
//     dropped, a content-word similarity from words (wordRepeat; storyWords
//     inside one story);
//   - an update: other figures and other numbers, shingle similarity >=
//     updateThreshold, and at most one capitalised word added or dropped
//     (no other company, place or person);
//   - else nothing: other numbers with the same figures are dates or
//     identifiers (two reports, not an update); the same numbers with other
//     figure keys, unless reparsed, are words changed around a number (a
//     unit in the place of another), not revised figures.
func classify(st nearStats, threshold, words float64) nearKind {
	update := max(threshold, updateThreshold)
	switch {
	case (st.sameFigures && (st.sameNumbers || st.addedNumbers) || st.reparsed(threshold)) && st.repeats(threshold, words):
		return nearRepeat
	case !st.sameFigures && !st.sameNumbers && st.namesBits <= maxNamesDiff && st.sim >= update:
		return nearUpdate
	}
	return nearNone
}

// reparsed reports whether two paragraphs whose figure keys differ are
// the same text with the same digits that the figures stage read otherwise:
// the same numeric words, and either the same content words in nearly the
// same order (shingle similarity from threshold: only function words or a
// unit said twice changed, "a 1-1/4 pct selling concession and 5/8 pct
// ..." / "... and 5/8 ...", or nothing, "the year 2,000" read as a count
// and "the year 2000" as a year) or nearly the same text (from
// namesFreeSimilarity) of which one paragraph holds every content word of
// the other (a word next to a number dropped: "10,000 Canadian dlrs" /
// "10,000 dlrs", a ticker). Not a figure revised (the numbers would
// differ), nor a word put in the place of another ("5 mln tonnes" / "5 mln
// dlrs": each holds a word the other lacks), nor units moved to other
// numbers (the same words in another order). Across articles onlyB is
// estimated from the record's bag filter.
func (st *nearStats) reparsed(threshold float64) bool {
	switch {
	case st.sameFigures || !st.sameNumbers || st.unitsMoved:
		return false
	case st.onlyA == 0 && st.onlyB == 0:
		return st.sim >= threshold
	}
	return (st.onlyA == 0 || st.onlyB == 0) && st.sim >= namesFreeSimilarity
}

// repeats is classify's test of a repeat, figures and numbers aside.
func (st *nearStats) repeats(threshold, words float64) bool {
	if !st.sameNegations || st.namesA > 0 && st.namesB > 0 && !(st.namesA == 1 && st.namesB == 1 && st.common >= nameCommon) {
		return false
	}
	switch {
	case st.sim >= namesFreeSimilarity:
		return true
	case st.namesA+st.namesB > maxNamesChanged:
		return false
	case st.sim >= threshold:
		return true
	case !st.sameSents && max(st.onlyA, st.onlyB) >= sentenceWords:
		return false
	}
	return st.words() >= words
}

// addsNumbers reports whether p's numeric words are those of a paragraph
// whose numbers (the order-free sum of para.numbers) are other, and from
// one to maxNumbersAdded more: other is p's sum less one or two of its
// words. It needs only the other's sum, which a record holds, and so
// finds the numbers a later paragraph adds to a stored one, not those it
// drops (across articles; inside one the two are tried both ways).
func (p *para) addsNumbers(other uint64) bool {
	n := p.numerics
	if len(n) > 64 {
		return false
	}
	for i := range n {
		d := p.numbers - numberTerm(n[i])
		if d == other {
			return true
		}
		for j := i + 1; j < len(n) && maxNumbersAdded >= 2; j++ {
			if d-numberTerm(n[j]) == other {
				return true
			}
		}
	}
	return false
}

// addedNumbers fills st.addedNumbers for paragraph p against a paragraph
// or record whose figures and numbers st compared: the same figure keys,
// other numbers, p's the other's and a few more.
func addedNumbers(st *nearStats, p *para, other uint64) {
	st.addedNumbers = st.sameFigures && !st.sameNumbers && p.addsNumbers(other)
}

// namesDiff counts the bits by which two paragraphs' names differ.
func namesDiff(a, b nameSet) int { return a.diff(b) }

// bagStats fills the word part of st from the bags of a and b (exact). A
// name of one whose skeleton is that of a name of the other (a respelling)
// counts as shared.
func bagStats(st *nearStats, a, b *para) {
	st.common = common(a.bag, b.bag)
	st.onlyA, st.onlyB = len(a.bag)-st.common, len(b.bag)-st.common
	st.namesA, st.namesB = len(a.nameBag)-common(a.nameBag, b.bag), len(b.nameBag)-common(b.nameBag, a.bag)
	st.sameNegations, st.sameSents = a.negs == b.negs && !negates(a, b) && !negates(b, a), a.sents == b.sents
	st.namesBits = namesDiff(a.names, b.names)
	if st.namesA == 0 || st.namesB == 0 {
		return
	}
	var used uint64 // names of b matched, by index (the first 64)
	for i, s := range a.nameBag {
		if a.skels[i] == 0 {
			continue
		}
		if _, in := slices.BinarySearch(b.bag, s); in {
			continue
		}
		for j, t := range b.nameBag {
			// The cheap tests first (the order changes nothing).
			if j >= 64 || b.skels[j] != a.skels[i] || used&(1<<j) != 0 {
				continue
			}
			if _, in := slices.BinarySearch(a.bag, t); in {
				continue
			}
			used |= 1 << j
			st.respelled()
			break
		}
	}
}

// negates reports whether a holds a negated word ("indirect") whose
// opposite ("direct") b holds and a lacks.
func negates(a, b *para) bool {
	for _, n := range a.negated {
		if _, in := slices.BinarySearch(b.bag, n.base); in {
			if _, own := slices.BinarySearch(a.bag, n.base); !own {
				if _, both := slices.BinarySearch(b.bag, n.stem); !both {
					return true
				}
			}
		}
	}
	return false
}

// respelled counts a name of each side as one word (a respelling).
func (st *nearStats) respelled() {
	if st.namesA > 0 && st.namesB > 0 && st.onlyA > 0 && st.onlyB > 0 {
		st.namesA--
		st.namesB--
		st.onlyA--
		st.onlyB--
		st.common++
	}
}

// sketchStats fills the word part of st from p's bag and the bag filter of
// another paragraph's sketch r (estimates: a stem of p that the filter
// falsely holds counts as common, a name of r that p's bits hide as p's).
func sketchStats(st *nearStats, p *para, r *Sketch) {
	c := 0
	negated := false
	for _, w := range p.bag {
		switch {
		case r.hasStem(w):
			c++
		case r.hasRare(negKey(w)):
			negated = true // r holds w's opposite ("direct" / "indirect")
		}
	}
	for _, n := range p.negated {
		if !r.hasStem(n.stem) && r.hasStem(n.base) {
			if _, own := slices.BinarySearch(p.bag, n.base); !own {
				negated = true // r holds the word p's negates
			}
		}
	}
	st.common, st.onlyA, st.onlyB = c, len(p.bag)-c, max(0, r.bagCount()-c)
	st.namesA = 0
	respelled := 0
	for i, w := range p.nameBag {
		switch {
		case r.hasStem(w):
		case p.skels[i] != 0 && r.hasStem(p.skels[i]):
			respelled++
		default:
			st.namesA++
		}
	}
	all := p.allNameBits()
	rn := r.names()
	st.namesB = (bits.OnesCount64(rn.lo&^all.lo) + bits.OnesCount64(rn.hi&^all.hi) + 1) / 2
	st.sameNegations = min(p.negs, maxBagNibble) == r.negations() && !negated
	st.sameSents = min(p.sents, maxBagNibble) == r.sentences()
	st.namesBits = namesDiff(p.names, rn)
	for range respelled {
		st.namesA++ // respelled moves one of each side to common
		st.respelled()
	}
}

// containment returns the shares of a's and of b's shingles that the two
// have in common, from their Jaccard similarity and sizes.
func containment(sim float64, na, nb int) (ca, cb float64) {
	if na == 0 || nb == 0 {
		return 0, 0
	}
	both := sim * float64(na+nb) / (1 + sim)
	return min(both/float64(na), 1), min(both/float64(nb), 1)
}

// jaccard returns |a∩b|/|a∪b| of two sorted sets of distinct hashes.
func jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	both := common(a, b)
	return float64(both) / float64(len(a)+len(b)-both)
}

// common returns |a∩b| of two sorted sets.
func common(a, b []uint64) int {
	i, j, both := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			both++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return both
}

// unitsMoved reports whether two figure keys (pipeline.FigureKey: "value
// unit" parts sorted, joined by ";") that differ hold the same values and
// the same units: the units moved to other numbers ("3 mln tonnes worth 5
// mln dlrs" / "3 mln dlrs worth 5 mln tonnes"), which is a figure revised,
// however similar the words. Inside an article, where both keys are known,
// it keeps reparsed from such a pair; a record holds only its key's hash.
func unitsMoved(a, b string) bool {
	if a == b || strings.Count(a, ";") != strings.Count(b, ";") {
		return false
	}
	split := func(k string) (values, units []string) {
		for part := range strings.SplitSeq(k, ";") {
			v, u, _ := strings.Cut(part, " ")
			values, units = append(values, v), append(units, u)
		}
		slices.Sort(values)
		slices.Sort(units)
		return values, units
	}
	va, ua := split(a)
	vb, ub := split(b)
	return slices.Equal(va, vb) && slices.Equal(ua, ub)
}

// joinedFigures is the hash of the figure key of two paragraphs read as
// one (the figure keys' parts sorted together, as pipeline.FigureKey sorts
// them).
func joinedFigures(a, b string) uint64 {
	switch {
	case a == "":
		return hashString(b)
	case b == "":
		return hashString(a)
	}
	parts := append(strings.Split(a, ";"), strings.Split(b, ";")...)
	slices.Sort(parts)
	return hashString(strings.Join(parts, ";"))
}
