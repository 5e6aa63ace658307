package dedup

import (
	"encoding/binary"
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
	// bands and rows: the LSH band keys come from a separate densified
	// one-permutation MinHash of bands*rows bins; band b hashes the 32-bit
	// minima of bins [b*rows, (b+1)*rows), so two paragraphs become
	// candidates when one band agrees, with probability about
	// 1-(1-J^rows)^bands for Jaccard similarity J.
	bands = 5
	rows  = 2
)

// Sketch is the one-permutation b-bit MinHash signature of a paragraph's
// masked word shingles: one byte per bin, 0 for an empty bin. Similarity
// estimates the Jaccard similarity of two sketches.
type Sketch [SketchSize]uint8

// Similarity estimates the Jaccard similarity of the shingle sets behind s
// and o from the bins that are not empty in both (Li, Owen and Zhang 2012):
// the share of those that agree, corrected for the 1/255 chance that two
// different minima are stored as the same byte. Paragraphs with fewer
// shingles than bins mostly keep one shingle per bin, so the estimate is
// then close to the exact similarity.
func (s *Sketch) Similarity(o *Sketch) float64 {
	// Eight bins at a time: count the bytes that are equal and the bytes
	// that are zero in both (SWAR zero-byte counting).
	const lo7, hi = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	zeros := func(x uint64) int { // number of zero bytes in x
		return bits.OnesCount64(^(((x & lo7) + lo7) | x) & hi)
	}
	equal, empty := 0, 0
	for i := 0; i < SketchSize; i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		y := binary.LittleEndian.Uint64(o[i:])
		equal += zeros(x ^ y)
		empty += zeros(x | y)
	}
	used := SketchSize - empty
	if used == 0 {
		return 1
	}
	const chance = 1.0 / 255
	j := (float64(equal-empty)/float64(used) - chance) / (1 - chance)
	return max(j, 0)
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

// Number words and month names count as numbers, like words holding a
// digit: "five" and "six" make an update, and "week ended March 9" and
// "April 7" are two reports even when no figure tells them apart. "May" and
// "mar" are left out (a verb more often than a month).
var numericWords = func() (t [128]uint64) {
	for _, w := range []string{
		"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
		"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
		"nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
		"hundred", "thousand", "million", "billion", "trillion", "dozen", "mln", "bln",
		"january", "february", "march", "april", "june", "july", "august",
		"september", "october", "november", "december",
		"jan", "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"} {
		h := wordHash(w)
		i := h & 127
		for t[i] != 0 {
			i = (i + 1) & 127
		}
		t[i] = h
	}
	return t
}()

// numericBloom answers "certainly not a numeric word" for most words.
var numericBloom = func() (b [4]uint64) {
	for _, h := range numericWords {
		if h != 0 {
			b[h>>62] |= 1 << (h >> 56 & 63)
		}
	}
	return b
}()

func isNumericWord(w uint64) bool {
	if numericBloom[w>>62]>>(w>>56&63)&1 == 0 {
		return false
	}
	for i := w & 127; numericWords[i] != 0; i = (i + 1) & 127 {
		if numericWords[i] == w {
			return true
		}
	}
	return false
}

// maskedNumber stands in for every numeric word in shingles, so
// that a paragraph whose figures changed still resembles its earlier
// version; the figure and number gates then tell an update from a repeat.
var maskedNumber = mix(0x6e756d626572) // "number"

// para is what dedup derives from one paragraph's text.
type para struct {
	exact   uint64 // folded text, all words in order
	numbers uint64 // multiset of the numeric words (order-free)
	words   int    // number of folded words
	length  int    // bytes of folded text: words joined by single spaces
	digits  bool   // the text holds a numeric word (digit, number word, month)
	long    bool   // compared nearly (length >= Options.MinNearLength)
	figures uint64 // hash of the paragraph's figure key, 0 when none

	// For long paragraphs only:
	shingles []uint64 // hashes of masked word 3-shingles (a set once sorted)
	sorted   bool     // shingles is sorted and without repeats
	sketch   Sketch
	bandKeys [bands]uint64
}

// scratch holds the buffers one Mark call reuses.
type scratch struct {
	words    []uint64 // word hashes of the paragraph being analysed
	digit    []bool   // words[i] is numeric: holds a digit, is a number word or a month
	shingles []uint64 // backing store of para.shingles for the article
	paras    []para
}

// Character classes of the tokenizer.
const (
	clsOther  = iota
	clsLetter // a letter: part of a word
	clsDigit  // a digit: part of a word, which then counts as a number
	clsApos   // ' and its typographic forms: joins letters
	clsPeriod // joins letters ("U.S."), stays between digits ("1.5")
	clsComma  // joins digits ("2,000")
	clsMark   // a combining mark: part of the word it follows
	clsHigh   // first byte of a multi-byte character (ASCII table only)
)

// asciiClass and asciiLower are immutable tables for bytes below 0x80.
var asciiClass, asciiLower = func() (cls [256]uint8, low [256]uint8) {
	for c := range 256 {
		low[c] = uint8(c)
		switch {
		case c >= utf8.RuneSelf:
			cls[c] = clsHigh
		case c >= 'a' && c <= 'z':
			cls[c] = clsLetter
		case c >= 'A' && c <= 'Z':
			cls[c] = clsLetter
			low[c] = uint8(c + 'a' - 'A')
		case c >= '0' && c <= '9':
			cls[c] = clsDigit
		case c == '\'':
			cls[c] = clsApos
		case c == '.':
			cls[c] = clsPeriod
		case c == ',':
			cls[c] = clsComma
		}
	}
	return cls, low
}()

// classAt returns the class of the character at text[i], its folded form
// and its width in bytes.
func classAt(text string, i int) (cls uint8, r rune, n int) {
	c := text[i]
	if cls = asciiClass[c]; cls != clsHigh {
		return cls, rune(asciiLower[c]), 1
	}
	return classHigh(text, i)
}

// classHigh classifies the multi-byte character at text[i].
func classHigh(text string, i int) (cls uint8, r rune, n int) {
	r, n = utf8.DecodeRuneInString(text[i:])
	switch {
	case unicode.IsLetter(r):
		return clsLetter, unicode.ToLower(r), n
	case unicode.IsDigit(r):
		return clsDigit, r, n
	case r == '\u2019' || r == '\u2018' || r == '\u02bc':
		return clsApos, r, n
	case unicode.Is(unicode.Mn, r):
		return clsMark, r, n
	}
	return clsOther, r, n
}

// wordHasher hashes one folded word: characters are packed into a 64-bit
// accumulator (8 bits for ASCII, 24 for other characters) that is mixed
// into the hash whenever it is full, so that a word costs one mix per 8
// ASCII characters rather than a multiplication per character.
type wordHasher struct {
	h, acc uint64
	bits   uint
}

func (w *wordHasher) add(u uint64, width uint) {
	if w.bits+width > 64 {
		w.h = mix(w.h ^ w.acc)
		w.acc, w.bits = 0, 0
	}
	w.acc = w.acc<<width | u
	w.bits += width
}

func (w *wordHasher) sum() uint64 {
	return mix(w.h ^ (w.acc*0x9e3779b97f4a7c15 + uint64(w.bits)))
}

// wordHash hashes a word already folded (lowercase, ASCII or not).
func wordHash(word string) uint64 {
	var w wordHasher
	for _, r := range word {
		if r < utf8.RuneSelf {
			w.add(uint64(r), 8)
		} else {
			w.add(uint64(r), 24)
		}
	}
	return w.sum()
}

// analyse folds text and fills p. Folding lowercases, drops punctuation,
// quotes, dashes and symbols (they separate words), and joins a word across
// an apostrophe (’ ' ‘ ʼ) between letters ("it's" = "its"), a period between
// letters ("U.S." = "us"), and a comma between digits ("2,000" = "2000"); a
// period between digits stays part of the number ("1.5" ≠ "15"). Words that
// hold a digit, number words and month names are numeric (see numericWords).
func (sc *scratch) analyse(text string, minNear int, p *para) {
	words, numeric := sc.words[:0], sc.digit[:0]
	var (
		w      wordHasher
		in     bool  // inside a word
		digit  bool  // the current word holds a digit
		prev   uint8 // class of the previous character
		length int   // folded bytes
		wlen   int   // bytes of the current word
	)
	emit := func() {
		h := w.sum()
		words = append(words, h)
		numeric = append(numeric, digit || (wlen >= 3 && wlen <= 9 && isNumericWord(h)))
		length += wlen
		in, digit, wlen, w = false, false, 0, wordHasher{}
	}
	for i := 0; i < len(text); {
		c := text[i]
		cls := asciiClass[c]
		if cls == clsLetter || cls == clsDigit {
			// The common case: a run of ASCII letters and digits.
			if !in {
				in = true
				if len(words) > 0 {
					length++
				}
			}
			j := i
			for {
				w.add(uint64(asciiLower[c]), 8)
				prev = cls
				if cls == clsDigit {
					digit = true
				}
				j++
				if j == len(text) {
					break
				}
				c = text[j]
				if cls = asciiClass[c]; cls != clsLetter && cls != clsDigit {
					break
				}
			}
			wlen += j - i
			i = j
			continue
		}
		r, n := rune(c), 1
		if cls == clsHigh {
			cls, r, n = classHigh(text, i)
		}
		i += n
		switch cls {
		case clsLetter, clsDigit:
			if !in {
				in = true
				if len(words) > 0 {
					length++
				}
			}
			w.add(uint64(r), 24)
			wlen += n
			digit = digit || cls == clsDigit
			prev = cls
			continue
		case clsMark:
			if in {
				w.add(uint64(r), 24)
				wlen += n
				continue
			}
		case clsApos:
			if prev == clsLetter && i < len(text) {
				if next, _, _ := classAt(text, i); next == clsLetter {
					continue // joined: the word goes on
				}
			}
		case clsPeriod, clsComma:
			if (prev == clsLetter && cls == clsPeriod || prev == clsDigit) && i < len(text) {
				next, _, _ := classAt(text, i)
				switch {
				case prev == clsLetter && next == clsLetter, cls == clsComma && next == clsDigit:
					continue // joined
				case cls == clsPeriod && next == clsDigit:
					w.add('.', 8) // the decimal point stays
					wlen++
					prev = clsOther
					continue
				}
			}
		}
		prev = clsOther
		if in {
			emit()
		}
	}
	if in {
		emit()
	}
	sc.words, sc.digit = words, numeric

	*p = para{words: len(words), length: length, long: length >= minNear}
	e := uint64(kindExact)
	for i, w := range words {
		e = (e ^ w) * 0x100000001b3
		if numeric[i] {
			p.digits = true
			p.numbers += mix(w ^ 0x6e756d73)
		}
	}
	p.exact = mix(e ^ uint64(len(words)))
	if p.long {
		sc.shingle(p)
	}
}

// shingle fills p.shingles (unsorted), p.sketch and p.bandKeys from
// sc.words.
func (sc *scratch) shingle(p *para) {
	start := len(sc.shingles)
	w, numeric := sc.words, sc.digit
	masked := func(i int) uint64 {
		if numeric[i] {
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
		a, b := masked(0), masked(1)
		for i := shingleSize - 1; i < len(w); i++ {
			c := masked(i)
			sc.shingles = append(sc.shingles, mix(bits.RotateLeft64(a, 42)^bits.RotateLeft64(b, 21)^c))
			a, b = b, c
		}
	}
	p.shingles = sc.shingles[start:len(sc.shingles):len(sc.shingles)]

	// One-permutation MinHash (Li, Owen and Zhang 2012): the top bits of a
	// shingle's hash pick its bin, the low 32 bits compete for the bin's
	// minimum. Empty bins stay empty (0); Similarity leaves them out.
	mins := emptyBins
	for _, s := range p.shingles {
		b := s >> (64 - sketchBits)
		if v := uint32(s); v < mins[b] {
			mins[b] = v
		}
	}
	for _, s := range p.shingles { // p.sketch is zero: write the filled bins
		b := s >> (64 - sketchBits)
		p.sketch[b] = byteOf(mins[b])
	}
	p.bandKeys = bandKeysOf(p.shingles)
}

// byteOf is the stored form of a bin: 0 when empty, else 1..255.
func byteOf(m uint32) uint8 {
	if m == ^uint32(0) {
		return 0
	}
	return uint8(m%255) + 1
}

// bandKeysOf computes the LSH band keys from a second, small one-permutation
// MinHash of bands*rows bins (the middle bits of a shingle's hash pick the
// bin), densified so that every bin has a value (Shrivastava 2017: an empty
// bin copies the first filled bin of its fixed random probe sequence; if all
// probes miss, the nearest filled bin to the right, tagged with the distance).
func bandKeysOf(shingles []uint64) (keys [bands]uint64) {
	const n = bands * rows
	var mins [n]uint32
	var filled uint32
	for _, s := range shingles {
		b := (s >> 32 * n) >> 32
		if v := uint32(s); filled&(1<<b) == 0 || v < mins[b] {
			mins[b] = v
			filled |= 1 << b
		}
	}
	var vals [n]uint64
	for i := range vals {
		if filled&(1<<i) != 0 {
			vals[i] = uint64(mins[i])
			continue
		}
		j := -1
		for _, c := range &bandProbes[i] {
			if filled&(1<<c) != 0 {
				j = int(c)
				break
			}
		}
		if j >= 0 {
			vals[i] = uint64(mins[j])
			continue
		}
		for d := 1; d < n; d++ {
			if k := (i + d) % n; filled&(1<<k) != 0 {
				vals[i] = uint64(mins[k]) | uint64(d)<<32
				break
			}
		}
	}
	for b := range keys {
		k := uint64(kindBand) + uint64(b)
		for r := range rows {
			k = mix(k ^ vals[b*rows+r])
		}
		keys[b] = k
	}
	return keys
}

// emptyBins initialises the bins of a sketch.
var emptyBins = func() (m [SketchSize]uint32) {
	for i := range m {
		m[i] = ^uint32(0)
	}
	return m
}()

// bandProbes holds the densification probe sequence of every band bin.
var bandProbes = func() (t [bands * rows][16]uint8) {
	for i := range t {
		for a := range t[i] {
			t[i][a] = uint8((mix(uint64(i)<<32|uint64(a+1)) >> 32) * (bands * rows) >> 32)
		}
	}
	return t
}()

// set returns p's shingles as a sorted set, sorting them in place once.
func (p *para) set() []uint64 {
	if !p.sorted {
		p.shingles = sortUnique(p.shingles)
		p.sorted = true
	}
	return p.shingles
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
