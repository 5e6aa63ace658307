package dedup

import (
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf8"
)

// The fingerprint format. Keys and sketches computed with one format are
// only comparable with keys of the same format, so a change to anything in
// this file (folding, hashing, shingle size, sketch or band layout) must bump
// FingerprintVersion: a persistent Store (the Elasticsearch fingerprint
// index) then has to be rebuilt or namespaced by version.
const (
	// FingerprintVersion names the format of keys and sketches.
	FingerprintVersion = 1

	// shingleSize is the number of words in a shingle.
	shingleSize = 3
	// SketchSize is the number of one-permutation MinHash bins of a long
	// paragraph; each bin is stored as one byte (b-bit MinHash, b = 8).
	SketchSize = 128
	sketchBits = 7 // log2(SketchSize)
	// bands and rows: band b of a sketch hashes the full 32-bit minima of
	// bins [b*rows, (b+1)*rows); two paragraphs become candidates when one
	// band agrees, with probability 1-(1-J^rows)^bands for Jaccard J.
	bands = 8
	rows  = 3
)

// Sketch is the b-bit MinHash signature of a paragraph's masked word
// shingles. Similarity estimates the Jaccard similarity of two sketches.
type Sketch [SketchSize]uint8

// Similarity estimates the Jaccard similarity of the shingle sets behind s
// and o: the share of agreeing bins, corrected for the 1/256 chance that two
// different 8-bit values agree.
func (s *Sketch) Similarity(o *Sketch) float64 {
	m := 0
	for i := range s {
		if s[i] == o[i] {
			m++
		}
	}
	const chance = 1.0 / 256
	j := (float64(m)/SketchSize - chance) / (1 - chance)
	if j < 0 {
		return 0
	}
	return j
}

// Hashing: FNV-1a over folded characters for words, a splitmix64 finaliser
// to combine. Both are stable across platforms and Go versions.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func hashString(s string) uint64 {
	if s == "" {
		return 0
	}
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return mix(h)
}

// Key kinds, mixed into every key so that the kinds never collide.
const (
	kindExact = 0x65786163 // "exac"
	kindBand  = 0x62616e64 // "band"
	kindSlot  = 0x736c6f74 // "slot"
	kindBody  = 0x626f6479 // "body"
)

// Month names count as numbers: "week ended March 9" and "April 7" are two
// reports even when no figure tells them apart. "May" and "mar" are left
// out (a verb more often than a month).
var monthTable = func() (t [64]uint64) {
	for _, m := range []string{"january", "february", "march", "april", "june", "july", "august",
		"september", "october", "november", "december",
		"jan", "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"} {
		h := wordHash(m)
		i := h & 63
		for t[i] != 0 {
			i = (i + 1) & 63
		}
		t[i] = h
	}
	return t
}()

func wordHash(w string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(w); i++ {
		h ^= uint64(w[i])
		h *= fnvPrime
	}
	return mix(h)
}

func isMonth(w uint64) bool {
	for i := w & 63; monthTable[i] != 0; i = (i + 1) & 63 {
		if monthTable[i] == w {
			return true
		}
	}
	return false
}

// maskedNumber stands in for every word holding a digit in shingles, so
// that a paragraph whose figures changed still resembles its earlier
// version; the figure and number gates then tell an update from a repeat.
var maskedNumber = mix(0x6e756d626572) // "number"

// para is what dedup derives from one paragraph's text.
type para struct {
	exact   uint64 // folded text, all words in order
	numbers uint64 // multiset of the words holding a digit (order-free)
	words   int    // number of folded words
	length  int    // bytes of folded text: words joined by single spaces
	digits  bool   // the text holds a digit or a month name
	long    bool   // compared nearly (length >= Options.MinNearLength)
	figures uint64 // hash of the paragraph's figure key, 0 when none

	// For long paragraphs only:
	shingles []uint64 // sorted, distinct hashes of masked word 3-shingles
	sketch   Sketch
	bandKeys [bands]uint64
}

// scratch holds the buffers one Mark call reuses.
type scratch struct {
	words    []uint64 // word hashes of the paragraph being analysed
	digit    []bool   // words[i] holds a digit or is a month name
	shingles []uint64 // backing store of para.shingles for the article
	paras    []para
}

// analyse folds text and fills p. Folding lowercases, drops punctuation,
// quotes, dashes and symbols (they separate words), and joins a word across
// an apostrophe (’ ' ‘ ʼ) between letters ("it's" = "its"), a period between
// letters ("U.S." = "us"), and a comma between digits ("2,000" = "2000"); a
// period between digits stays part of the number ("1.5" ≠ "15").
func (sc *scratch) analyse(text string, minNear int, p *para) {
	sc.words = sc.words[:0]
	sc.digit = sc.digit[:0]
	var (
		h      uint64 = fnvOffset
		in     bool   // inside a word
		digit  bool   // current word holds a digit
		prev   int    // class of the previous character: 0 other, 1 letter, 2 digit
		length int
	)
	end := func() {
		if !in {
			return
		}
		w := mix(h)
		sc.words = append(sc.words, w)
		sc.digit = append(sc.digit, digit || isMonth(w))
		in, digit, h = false, false, fnvOffset
	}
	add := func(c uint64, n int, class int) {
		if !in {
			if len(sc.words) > 0 {
				length++ // the joining space
			}
			in = true
		}
		h ^= c
		h *= fnvPrime
		length += n
		if class == 2 {
			digit = true
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c >= 'a' && c <= 'z':
				add(uint64(c), 1, 1)
				prev = 1
			case c >= 'A' && c <= 'Z':
				add(uint64(c+'a'-'A'), 1, 1)
				prev = 1
			case c >= '0' && c <= '9':
				add(uint64(c), 1, 2)
				prev = 2
			case c == '\'' && prev == 1 && nextClass(text, i) == 1,
				c == '.' && prev == 1 && nextClass(text, i) == 1,
				c == ',' && prev == 2 && nextClass(text, i) == 2:
				// joiner: the word goes on
			case c == '.' && prev == 2 && nextClass(text, i) == 2:
				add('.', 1, 0)
				prev = 0
			default:
				end()
				prev = 0
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		switch {
		case unicode.IsLetter(r):
			r = unicode.ToLower(r)
			add(uint64(r), utf8.RuneLen(r), 1)
			prev = 1
		case unicode.IsDigit(r):
			add(uint64(r), utf8.RuneLen(r), 2)
			prev = 2
		case unicode.Is(unicode.Mn, r) && in:
			add(uint64(r), n, 0)
		case isApostrophe(r) && prev == 1 && nextClass(text, i) == 1:
			// joiner
		default:
			end()
			prev = 0
		}
	}
	end()

	*p = para{words: len(sc.words), length: length, long: length >= minNear}
	e := uint64(kindExact)
	for i, w := range sc.words {
		e = mix(e ^ w)
		if sc.digit[i] {
			p.digits = true
			p.numbers += mix(w ^ 0x6e756d73)
		}
	}
	p.exact = mix(e ^ uint64(len(sc.words)))
	if p.long {
		sc.shingle(p)
	}
}

func isApostrophe(r rune) bool {
	return r == '\u2019' || r == '\u2018' || r == '\u02bc'
}

// nextClass classifies the character at text[i]: 1 letter, 2 digit, 0 other.
func nextClass(text string, i int) int {
	if i >= len(text) {
		return 0
	}
	c := text[i]
	if c < utf8.RuneSelf {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			return 1
		case c >= '0' && c <= '9':
			return 2
		}
		return 0
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	switch {
	case unicode.IsLetter(r):
		return 1
	case unicode.IsDigit(r):
		return 2
	}
	return 0
}

// shingle fills p.shingles, p.sketch and p.bandKeys from sc.words.
func (sc *scratch) shingle(p *para) {
	start := len(sc.shingles)
	w := sc.words
	masked := func(i int) uint64 {
		if sc.digit[i] {
			return maskedNumber
		}
		return w[i]
	}
	if len(w) < shingleSize {
		s := uint64(0)
		for i := range w {
			s = bits.RotateLeft64(s, 21) ^ masked(i)
		}
		sc.shingles = append(sc.shingles, mix(s))
	} else {
		for i := shingleSize - 1; i < len(w); i++ {
			s := bits.RotateLeft64(masked(i-2), 42) ^ bits.RotateLeft64(masked(i-1), 21) ^ masked(i)
			sc.shingles = append(sc.shingles, mix(s))
		}
	}
	set := sortUnique(sc.shingles[start:])
	sc.shingles = sc.shingles[:start+len(set)]
	p.shingles = set

	// One-permutation MinHash: the top bits of a shingle's hash pick its
	// bin, the low 32 bits compete for the bin's minimum.
	var mins [SketchSize]uint32
	var filled [SketchSize]bool
	for _, s := range set {
		b := s >> (64 - sketchBits)
		v := uint32(s)
		if !filled[b] || v < mins[b] {
			mins[b], filled[b] = v, true
		}
	}
	// Densify empty bins (Shrivastava 2017): copy the bin that a fixed
	// probe sequence of the empty bin's index lands on first.
	for i := range mins {
		if filled[i] {
			continue
		}
		for attempt := uint64(1); ; attempt++ {
			j := mix(uint64(i)<<32|attempt) >> (64 - sketchBits)
			if filled[j] {
				mins[i] = mins[j]
				break
			}
		}
	}
	for i, m := range mins {
		p.sketch[i] = uint8(mix(uint64(m)) >> 56)
	}
	for b := range bands {
		k := uint64(kindBand) + uint64(b)
		for r := range rows {
			k = mix(k ^ uint64(mins[b*rows+r]))
		}
		p.bandKeys[b] = k
	}
}

// sortUnique sorts s in place and drops repeats.
func sortUnique(s []uint64) []uint64 {
	slices.Sort(s)
	return slices.Compact(s)
}

// jaccard returns |a∩b|/|a∪b| of two sorted sets of distinct hashes.
func jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
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
	return float64(both) / float64(len(a)+len(b)-both)
}
