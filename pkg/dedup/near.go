package dedup

import (
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

// nearKind is what a long paragraph is of another: nothing, an update
// (figures changed), or a repeat (same figures and numbers).
type nearKind uint8

const (
	nearNone nearKind = iota
	nearUpdate
	nearRepeat
)

// classify decides what a long paragraph is of an earlier one, given the
// similarity of their masked shingles, whether their figure keys and their
// numeric words are the same, and how many capitalised words differ.
//
//   - a repeat: the same figures and numbers, similarity >= threshold
//     (Options.NearThreshold; storyThreshold inside one story), and no more
//     than one name replaced unless nearly identical;
//   - an update: other figures and other numbers, similarity >=
//     updateThreshold, and at most one capitalised word added or dropped
//     (no other company, place or person);
//   - else nothing: other numbers with the same figures are dates or
//     identifiers (two reports, not an update); the same numbers with other
//     figure keys are words changed around a number (a unit, a ticker), not
//     revised figures.
func classify(sim, threshold float64, sameFigures, sameNumbers bool, namesDiff int) nearKind {
	update := max(threshold, updateThreshold)
	switch {
	case sameFigures && sameNumbers && sim >= threshold && (namesDiff <= maxRepeatNamesDiff || sim >= namesFreeSimilarity):
		return nearRepeat
	case !sameFigures && !sameNumbers && namesDiff <= maxNamesDiff && sim >= update:
		return nearUpdate
	}
	return nearNone
}

// namesDiff counts the bits by which two paragraphs' names differ.
func namesDiff(a, b nameSet) int { return a.diff(b) }

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
