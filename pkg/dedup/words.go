package dedup

import (
	"slices"
)

// The words of a paragraph (fingerprint version 3): besides its word
// 3-shingles, a paragraph is compared through its bag of content words, the
// words that carry its facts. A word is
//
//   - numeric (a digit, a number word, a month): compared through the
//     numbers gate, not here;
//   - a function word (articles, pronouns, auxiliaries, prepositions,
//     conjunctions, attribution verbs such as "said" and "told", time words
//     such as "today" and the weekdays): ignored, so that "said on Monday"
//     and "told reporters", or "the" and "a", change nothing;
//   - a negation ("not", "no", "never", "without", "didn't", ...): counted,
//     and two paragraphs with different counts never repeat each other;
//   - else a content word, kept as its stem (a crude suffix stripper:
//     "closed", "closing" and "close" are one stem, "prices" and "price"
//     another), and a name when it is capitalised.
//
// "United States", "United Kingdom", "European Community", "European
// Union", "United Nations" and "Soviet Union" count as the one word of
// their initials ("U.S." folds to "us").

// Word kinds (wordKind).
const (
	kindContent  = iota
	kindFunction // ignored in the bag
	kindNegation // counted apart
)

// wordTable is an open-addressing set of word hashes with a value each.
type wordTable struct {
	keys  [512]uint64
	vals  [512]uint64
	bloom [4]uint64 // answers "certainly not in the table" for most words
}

func (t *wordTable) put(h, v uint64) {
	i := h & 511
	for t.keys[i] != 0 && t.keys[i] != h {
		i = (i + 1) & 511
	}
	t.keys[i], t.vals[i] = h, v
	t.bloom[h>>62] |= 1 << (h >> 56 & 63)
}

func (t *wordTable) get(h uint64) (uint64, bool) {
	if t.bloom[h>>62]>>(h>>56&63)&1 == 0 {
		return 0, false
	}
	for i := h & 511; t.keys[i] != 0; i = (i + 1) & 511 {
		if t.keys[i] == h {
			return t.vals[i], true
		}
	}
	return 0, false
}

// wordKinds holds the function words and negations (folded; other words
// are content words).
var wordKinds = func() (t wordTable) {
	for _, w := range []string{
		// articles, determiners, prepositions, conjunctions
		"the", "a", "an", "this", "that", "these", "those", "of", "to", "in", "on", "at", "by", "for",
		"with", "from", "into", "onto", "as", "via", "per", "than", "and", "or", "but", "so", "vs",
		// auxiliaries
		"is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "having",
		"will", "would", "shall", "should", "may", "might", "can", "could", "do", "does", "did",
		// pronouns ("us" is left out: "U.S." folds to it)
		"it", "its", "he", "she", "they", "we", "i", "you", "him", "her", "them", "his", "their",
		"our", "your", "my", "me", "hes", "shes", "theyre", "weve", "theyve", "ive", "thats",
		"which", "who", "whom", "whose", "there", "here", "also", "then", "such", "just", "very",
		// attribution
		"said", "says", "say", "saying", "told", "tell", "tells", "added", "adds", "according", "stated",
		// approximations of a number, time words
		"about", "around", "some", "approximately", "roughly",
		"today", "yesterday", "tomorrow", "tonight",
		"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	} {
		t.put(wordHash(w), kindFunction)
	}
	for _, w := range []string{
		"not", "no", "never", "nor", "cannot", "without", "none", "neither", "nothing", "nobody",
		"didnt", "doesnt", "dont", "isnt", "wasnt", "werent", "wont", "wouldnt", "cant", "couldnt",
		"shouldnt", "hasnt", "havent", "hadnt", "arent", "aint",
	} {
		t.put(wordHash(w), kindNegation)
	}
	return t
}()

// wordKind returns the kind of a non-numeric word of wlen folded bytes.
func wordKind(h uint64, wlen int) uint8 {
	if wlen > 13 {
		return kindContent
	}
	k, ok := wordKinds.get(h)
	if !ok {
		return kindContent
	}
	return uint8(k)
}

// canonicalNumbers maps number words to their digits and month
// abbreviations to the month ("nine" = "9", "sept" = "september"), so that
// the numbers gate does not tell "May 9" from "May nine".
var canonicalNumbers = func() (t wordTable) {
	for i, w := range []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
		"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"} {
		t.put(wordHash(w), wordHash(itoa(i)))
	}
	for i, w := range []string{"thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"} {
		t.put(wordHash(w), wordHash(itoa(30+10*i)))
	}
	t.put(wordHash("million"), wordHash("mln"))
	t.put(wordHash("billion"), wordHash("bln"))
	for _, m := range [][]string{{"january", "jan"}, {"february", "feb"}, {"april", "apr"}, {"june", "jun"},
		{"july", "jul"}, {"august", "aug"}, {"september", "sep", "sept"}, {"october", "oct"},
		{"november", "nov"}, {"december", "dec"}} {
		for _, a := range m[1:] {
			t.put(wordHash(a), wordHash(m[0]))
		}
	}
	return t
}()

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// canonicalNumber returns the canonical hash of numeric word h.
func canonicalNumber(h uint64) uint64 {
	if c, ok := canonicalNumbers.get(h); ok {
		return c
	}
	return h
}

// initialisms maps the first word of a two-word name to its second word
// and the stem of their initials.
var initialisms = func() map[uint64][2]uint64 {
	t := map[uint64][2]uint64{}
	for _, p := range [][3]string{{"united", "states", "us"}, {"united", "kingdom", "uk"}, {"united", "nations", "un"},
		{"european", "community", "ec"}, {"european", "union", "eu"}, {"soviet", "union", "ussr"}} {
		// A first word with two partners ("united") is found through its
		// partner: the value holds one pair; the others are looked up again.
		k := wordHash(p[0]) ^ wordHash(p[1])
		t[k] = [2]uint64{wordHash(p[1]), stemOf([]byte(p[2]))}
	}
	return t
}()

var initialFirst = func() (t wordTable) {
	for _, w := range []string{"united", "european", "soviet"} {
		t.put(wordHash(w), 1)
	}
	return t
}()

// initialism returns the stem of the initials of words a and b, if they
// are one of the names of initialisms.
func initialism(a, b uint64) (uint64, bool) {
	if _, ok := initialFirst.get(a); !ok {
		return 0, false
	}
	v, ok := initialisms[a^b]
	if !ok || v[0] != b {
		return 0, false
	}
	return v[1], true
}

// stemOf hashes the stem of a folded word: one suffix of "ing", "ies",
// "ed", "es" (not after s), "s" (not after s), "e", "y" is dropped when at
// least three letters remain. Only ASCII words are stemmed.
func stemOf(w []byte) uint64 {
	ascii := true
	for _, c := range w {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	return stemHash(w, ascii)
}

// stemHash is stemOf of a folded word whose caller knows whether it is
// ASCII (analyse does).
func stemHash(w []byte, ascii bool) uint64 {
	n := len(w)
	if ascii {
		n = stemLen(w)
	}
	h := uint64(fnvOffset)
	for _, c := range w[:n] {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return mix(h ^ 0x7374656d) // "stem"
}

// stemLen is the length of the stem of an ASCII folded word (stemOf): the
// suffix tests read the last three bytes once.
func stemLen(w []byte) int {
	n := len(w)
	if n < 4 { // every suffix leaves at least three letters
		return n
	}
	a, b, c := w[n-3], w[n-2], w[n-1]
	switch {
	case n >= 6 && (a == 'i' && b == 'n' && c == 'g' || a == 'i' && b == 'e' && c == 's'):
		return n - 3
	case n >= 5 && b == 'e' && c == 'd':
		return n - 2
	case n >= 5 && b == 'e' && c == 's' && a != 's':
		return n - 2
	case c == 's' && b != 's', c == 'e', c == 'y':
		return n - 1
	}
	return n
}

// skeletonOf hashes the spelling skeleton of a folded name: its first
// letter and its other consonants (not a e i o u y), repeats collapsed, so
// that respellings and transliterations of one name agree ("Kiev" /
// "Kyiv", "Centre" / "Center") and most other names do not ("Aberdeen" /
// "Inverness", "Micropolis" / "MTech"). 0 for a name of fewer than four
// letters or two skeleton letters, or one that is not ASCII.
func skeletonOf(w []byte) uint64 {
	if len(w) < 4 {
		return 0
	}
	h := uint64(fnvOffset)
	var last byte
	n := 0
	for i, c := range w {
		if c >= 0x80 {
			return 0
		}
		if i > 0 && (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y' || c == last) {
			continue
		}
		h ^= uint64(c)
		h *= fnvPrime
		last = c
		n++
	}
	if n < 2 {
		return 0
	}
	return mix(h ^ 0x736b656c) // "skel"
}

// The bag part of a sketch: a Bloom filter of the content stems (bagBits
// bits; bagHashes(n) bits a stem for a paragraph of n stems, the number
// that makes false positives rarest), their number, and the numbers of
// negations and of sentences (a nibble each).
const (
	bagOffset    = 128
	bagBits      = 240
	bagCountAt   = bagOffset + bagBits/8 // 158
	bagCountsAt  = bagCountAt + 1        // 159: negations | sentences<<4
	maxBagNibble = 15
	maxBagHashes = 8
)

// bagHashes is the number of bits a stem sets in the bag filter of a
// paragraph of n stems: bagBits/n·ln 2, from 1 to maxBagHashes (a false
// positive in about 150 lookups for 20 stems, in 7 for 60).
func bagHashes(n int) int {
	return max(1, min(maxBagHashes, (bagBits*693/1000+max(n, 1)/2)/max(n, 1)))
}

// setBag writes the words of p into the sketch: its stems, the skeletons
// of its names, and negKey of the words its negated words negate. The bits
// are gathered in words and then written (bit b of the filter is bit b%8
// of byte bagOffset+b/8).
func (s *Sketch) setBag(p *para) {
	k := bagHashes(min(len(p.bag), 255))
	var f bagFilter
	for _, w := range p.bag {
		f.put(w, k)
	}
	for _, w := range p.skels {
		if w != 0 {
			f.put(w, k)
		}
	}
	for _, n := range p.negated {
		f.put(negKey(n.base), k)
		f.put(second(negKey(n.base)), k)
	}
	for i := range bagBits / 8 {
		s[bagOffset+i] |= uint8(f[i/8] >> (i % 8 * 8))
	}
	bag, negs, sents := p.bag, p.negs, p.sents
	s[bagCountAt] = uint8(min(len(bag), 255))
	s[bagCountsAt] = uint8(min(negs, maxBagNibble)) | uint8(min(sents, maxBagNibble))<<4
}

// bagFilter is a bag filter being filled: bit b is bit b%64 of word b/64.
type bagFilter [(bagBits + 63) / 64]uint64

// put sets the k bits of w.
func (f *bagFilter) put(w uint64, k int) {
	x, h2 := uint32(w), uint32(w>>32)|1 // bit i from uint32(w) + i*h2
	for range k {
		b := uint32(uint64(x) * bagBits >> 32)
		f[b>>6&3] |= 1 << (b & 63) // b < 240: the mask only spares a bounds check
		x += h2
	}
}

// hasStem reports whether the bag filter may hold stem w (a false positive
// with a chance of about one percent for a paragraph of 30 content words).
func (s *Sketch) hasStem(w uint64) bool {
	x, h2 := uint32(w), uint32(w>>32)|1 // as bagFilter.put
	for range bagHashes(s.bagCount()) {
		if b := uint32(uint64(x) * bagBits >> 32); s[bagOffset+b/8]&(1<<(b%8)) == 0 {
			return false
		}
		x += h2
	}
	return true
}

// hasRare reports whether the bag filter may hold key w entered twice (a
// negKey): with a false positive in a few ten thousand for a paragraph of
// 30 content words, so that the opposite of every word that one paragraph
// has and the other lacks can be looked up without deciding by chance.
func (s *Sketch) hasRare(w uint64) bool { return s.hasStem(w) && s.hasStem(second(w)) }

// second is the other key of a key entered twice.
func second(w uint64) uint64 { return mix(w ^ 0x7365636f6e64) } // "second"

// bagCount is the number of content stems of the sketch's paragraph (at
// most 255); negations and sentences are its counts of those (at most 15).
func (s *Sketch) bagCount() int  { return int(s[bagCountAt]) }
func (s *Sketch) negations() int { return int(s[bagCountsAt] & 0xf) }
func (s *Sketch) sentences() int { return int(s[bagCountsAt] >> 4) }

// unionBag writes into s the bag of two paragraphs read as one.
func (s *Sketch) unionBag(a, b *Sketch) {
	for i := bagOffset; i < bagCountAt; i++ {
		s[i] = a[i] | b[i]
	}
	s[bagCountAt] = uint8(min(a.bagCount()+b.bagCount(), 255))
	s[bagCountsAt] = uint8(min(a.negations()+b.negations(), maxBagNibble)) |
		uint8(min(a.sentences()+b.sentences(), maxBagNibble))<<4
}

// typoScratch re-reads two paragraphs of an article for the content words
// that one has and the other lacks, to tell a typo fixed ("shareholdrs" /
// "shareholders", "colour" / "color") from another word. Only nearWithin uses it, when the bags
// differ on both sides by a few words.
type typoScratch struct {
	sc    scratch
	arena []byte
	a, b  []typoWord
}

type typoWord struct {
	from, to int32 // the folded word in arena
	stem     uint64
	name     bool
	used     bool
}

// maxTypoWords bounds the words a typo check compares (a typo fixed is a
// word or two).
const maxTypoWords = 4

// check corrects st for paragraphs a and b (texts ta and tb): a pair of
// words, one on each side, that differ in one letter (a letter added,
// dropped, replaced or two swapped; both of five letters or more) is one
// word.
func (t *typoScratch) check(st *nearStats, ta, tb string, a, b *para) {
	if st.onlyA > maxTypoWords || st.onlyB > maxTypoWords {
		return
	}
	t.arena = t.arena[:0]
	t.a = t.collect(t.a[:0], ta, b)
	t.b = t.collect(t.b[:0], tb, a)
	for _, x := range t.a {
		wx := t.arena[x.from:x.to]
		for k := range t.b {
			y := &t.b[k]
			if y.used {
				continue
			}
			wy := t.arena[y.from:y.to]
			if len(wx) >= 5 && len(wy) >= 5 && oneEdit(wx, wy) && st.onlyA > 0 && st.onlyB > 0 {
				y.used = true
				st.onlyA--
				st.onlyB--
				st.common++
				if x.name && st.namesA > 0 {
					st.namesA--
				}
				if y.name && st.namesB > 0 {
					st.namesB--
				}
				break
			}
		}
	}
}

// collect appends to dst the content words of text whose stems other's
// bag lacks (each stem once).
func (t *typoScratch) collect(dst []typoWord, text string, other *para) []typoWord {
	sc := &t.sc
	sc.tokens, sc.nums, sc.shingles, sc.stems = sc.tokens[:0], sc.nums[:0], sc.shingles[:0], sc.stems[:0]
	var q para
	sc.analyse(text, 1<<30, &q)
	for k := range sc.words {
		if sc.kinds[k] != kindContent {
			continue
		}
		w := sc.fold[sc.fofs[k]:sc.fofs[k+1]]
		s := stemHash(w, sc.ascii[k])
		if _, found := slices.BinarySearch(other.bag, s); found || slices.ContainsFunc(dst, func(x typoWord) bool { return x.stem == s }) {
			continue
		}
		from := int32(len(t.arena))
		t.arena = append(t.arena, w...)
		dst = append(dst, typoWord{from: from, to: int32(len(t.arena)), stem: s, name: sc.caps[k]&capUpper != 0})
		if len(dst) > maxTypoWords {
			break
		}
	}
	return dst
}

// negatedStem returns the stem of w without its negating prefix, if it has
// one and at least four letters remain ("indirect": "direct"). The prefixes
// that turn a word into its opposite ("direct" / "indirect", "likely" /
// "unlikely") are non, dis, in, un, il, im and ir; no two start alike, so
// the first letters pick the one to test.
func negatedStem(w []byte, ascii bool) (uint64, bool) {
	if len(w) < 6 { // the shortest prefix and four letters
		return 0, false
	}
	n := 0
	switch w[0] {
	case 'n':
		if w[1] == 'o' && w[2] == 'n' {
			n = 3
		}
	case 'd':
		if w[1] == 'i' && w[2] == 's' {
			n = 3
		}
	case 'i':
		if c := w[1]; c == 'n' || c == 'l' || c == 'm' || c == 'r' {
			n = 2
		}
	case 'u':
		if w[1] == 'n' {
			n = 2
		}
	}
	if n == 0 || len(w) < n+4 {
		return 0, false
	}
	return stemHash(w[n:], ascii), true // the prefix is ASCII: the rest is as the word
}

// negKey is what the bag filter holds for a word that is stem s with a
// negating prefix: a paragraph whose words lack s's opposite finds it there.
func negKey(s uint64) uint64 { return mix(s ^ 0x6e6567) } // "neg"

// oneEdit reports whether a and b differ by at most one letter added,
// dropped or replaced, or two neighbours swapped.
func oneEdit(a, b []byte) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a)-len(b) > 1 {
		return false
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	switch {
	case i == len(b):
		return true
	case len(a) > len(b):
		return string(a[i+1:]) == string(b[i:])
	case string(a[i+1:]) == string(b[i+1:]):
		return true
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && string(a[i+2:]) == string(b[i+2:])
}
