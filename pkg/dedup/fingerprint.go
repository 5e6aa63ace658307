package dedup

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
)

// The fingerprint format. Keys and sketches computed with one format are
// only comparable with keys of the same format, so a change to anything in
// this file (folding, hashing, shingle size, sketch or band layout) must bump
// FingerprintVersion: a persistent Store (the Elasticsearch fingerprint
// index) then has to be rebuilt or namespaced by version.
const (
	// FingerprintVersion names the format of keys and sketches. Version 2:
	// weekday names are masked in the shingles, and a sketch holds 112 bins
	// (order-preserving bytes, so that two sketches unite), the names bitmap
	// and the shingle count of its paragraph. Version 3: a sketch also holds
	// the bag of the paragraph's content words (words.go), names are
	// capitalised content words by stem, number words count as their digits
	// in the numbers gate, and two of the five LSH bands come from the pairs
	// of consecutive content words. Version 4: a sketch also holds the
	// paragraph's numeric words, up to numberSlots of them, as sorted 16-bit
	// tags (numbersOffset), so that a record tells a number the later
	// paragraph dropped ("LONDON, March 3 - ..." / "..." , "on Monday, 12
	// March" left out) from a number changed; a record held only their
	// additive sum (Record.Numbers), which cannot tell the two apart.
	FingerprintVersion = 4

	// shingleSize is the number of words in a shingle.
	shingleSize = 3
	// SketchSize is the size of a Sketch in bytes: sketchBins one-byte
	// bins of a one-permutation MinHash, then the paragraph's names bitmap
	// (nameBits bits, little endian), its number of distinct shingles (2
	// bytes), the bag of its content words (32 bytes from bagOffset) and the
	// tags of its numeric words (numberSlots 16-bit tags from numbersOffset).
	SketchSize  = numbersOffset + 2*numberSlots
	sketchBins  = 112
	nameBits    = 112
	namesOffset = sketchBins
	countOffset = namesOffset + nameBits/8
	// bands and rows: the LSH band keys come from separate densified
	// one-permutation MinHashes of rows bins a band; band b hashes the
	// 32-bit minima of its bins, so two paragraphs become candidates when
	// one band agrees, with probability about 1-(1-J^rows)^bands for Jaccard
	// similarity J. The first shingleBands hash the masked word shingles
	// (near copies), the last bands-shingleBands the pairs of consecutive
	// content words (a rewording keeps more of them than of its shingles);
	// a paragraph of fewer than two such pairs has shingle bands only.
	bands        = 5
	rows         = 2
	shingleBands = 3
)

// Sketch is what a record keeps of a long paragraph's masked word shingles:
// a one-permutation MinHash of sketchBins bins, one byte per bin (0 for an
// empty bin, else 1 + the top bits of the bin's minimum, so that bytes order
// like the minima), then the paragraph's names bitmap and shingle count,
// the bag of its content words (words.go) and the tags of its numeric words
// (numbers.go). Similarity estimates the Jaccard similarity of two
// paragraphs' shingle sets; union is the sketch of the union of the two
// sets (without number tags: a merge compares the sums of numbers).
type Sketch [SketchSize]uint8

// Similarity estimates the Jaccard similarity of the shingle sets behind s
// and o from the bins that are not empty in both (Li, Owen and Zhang 2012):
// the share of those that agree. Paragraphs with fewer shingles than bins
// mostly keep one shingle per bin, so the estimate is then close to the
// exact similarity.
func (s *Sketch) Similarity(o *Sketch) float64 {
	// Eight bins at a time: count the bytes that are equal and the bytes
	// that are zero in both (SWAR zero-byte counting).
	const lo7, hi = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	zeros := func(x uint64) int { // number of zero bytes in x
		return bits.OnesCount64(^(((x & lo7) + lo7) | x) & hi)
	}
	equal, empty := 0, 0
	for i := 0; i < sketchBins; i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		y := binary.LittleEndian.Uint64(o[i:])
		equal += zeros(x ^ y)
		empty += zeros(x | y)
	}
	used := sketchBins - empty
	if used == 0 {
		return 1
	}
	// Two different minima share a byte with a chance of about 1/255 for
	// paragraphs of up to a few shingles per bin.
	const chance = 1.0 / 255
	j := (float64(equal-empty)/float64(used) - chance) / (1 - chance)
	return max(j, 0)
}

// union returns the sketch of the union of the shingle sets behind s and o
// (the smaller byte of every bin; names, bags and counts added as for two
// paragraphs read as one).
func (s *Sketch) union(o *Sketch) Sketch {
	var u Sketch
	for i := range sketchBins {
		a, b := s[i], o[i]
		switch {
		case a == 0:
			u[i] = b
		case b == 0 || a < b:
			u[i] = a
		default:
			u[i] = b
		}
	}
	u.setNames(s.names().union(o.names()))
	u.setCount(s.count() + o.count())
	u.unionBag(s, o)
	return u
}

// names is the bitmap of the paragraph's names (capitalised content words,
// by stem): two paragraphs that name different companies, places or people
// differ in it.
func (s *Sketch) names() nameSet {
	return nameSet{binary.LittleEndian.Uint64(s[namesOffset:]), uint64(binary.LittleEndian.Uint32(s[namesOffset+8:])) |
		uint64(binary.LittleEndian.Uint16(s[namesOffset+12:]))<<32}
}

func (s *Sketch) setNames(n nameSet) {
	binary.LittleEndian.PutUint64(s[namesOffset:], n.lo)
	binary.LittleEndian.PutUint32(s[namesOffset+8:], uint32(n.hi))
	binary.LittleEndian.PutUint16(s[namesOffset+12:], uint16(n.hi>>32))
}

// nameSet is a Bloom filter of capitalised words: nameBits bits, two per
// word, so that a word added or dropped changes about two bits and another
// name in the place of one about four.
type nameSet struct{ lo, hi uint64 } // hi holds nameBits-64 bits

func (n *nameSet) add(h uint64) {
	for _, b := range [2]uint64{(h >> 32) * nameBits >> 32, (h & 0xffffffff) * nameBits >> 32} {
		if b < 64 {
			n.lo |= 1 << b
		} else {
			n.hi |= 1 << (b - 64)
		}
	}
}

func (n nameSet) union(o nameSet) nameSet { return nameSet{n.lo | o.lo, n.hi | o.hi} }

// diff is the number of bits by which two sets differ.
func (n nameSet) diff(o nameSet) int {
	return bits.OnesCount64(n.lo^o.lo) + bits.OnesCount64(n.hi^o.hi)
}

// count is the number of bits set.
func (n nameSet) count() int { return bits.OnesCount64(n.lo) + bits.OnesCount64(n.hi) }

// count is the number of distinct shingles of the paragraph (at most 65535).
func (s *Sketch) count() int { return int(binary.LittleEndian.Uint16(s[countOffset:])) }

func (s *Sketch) setCount(n int) {
	binary.LittleEndian.PutUint16(s[countOffset:], uint16(min(n, 0xffff)))
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

// weekdays are masked in the shingles, like numbers, and name no company,
// place or person: a daily report "on Monday" and the next "on Tuesday" are
// the same text. They are not numbers for the repeat gate ("later Monday"
// and "later today" are one fact).
var weekdays = func() (t [7]uint64) {
	for i, w := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		t[i] = wordHash(w)
	}
	return t
}()

// weekdayBloom answers "certainly not a weekday" for most words.
var weekdayBloom = func() (b [4]uint64) {
	for _, h := range weekdays {
		b[h>>62] |= 1 << (h >> 56 & 63)
	}
	return b
}()

// continuations are the words that mark a continued heading or table:
// "cont", "contd" ("cont'd") and "continued".
var continuations = [...]uint64{wordHash("cont"), wordHash("contd"), wordHash("continued")}

func isWeekday(w uint64) bool {
	if weekdayBloom[w>>62]>>(w>>56&63)&1 == 0 {
		return false
	}
	for _, d := range weekdays {
		if d == w {
			return true
		}
	}
	return false
}

// maskedNumber stands in for every numeric word in shingles, so
// that a paragraph whose figures changed still resembles its earlier
// version; the figure and number gates then tell an update from a repeat.
var maskedNumber = mix(0x6e756d626572) // "number"

// maskedDay stands in for every weekday name in shingles.
var maskedDay = mix(0x646179) // "day"

// para is what dedup derives from one paragraph's text.
type para struct {
	exact    uint64  // folded text, all words in order
	numbers  uint64  // multiset of the numeric words (order-free, additive; number words as digits)
	names    nameSet // the names: capitalised content words, by stem
	inner    nameSet // the same, without the first word of each sentence ("Shares", "Analysts")
	words    int     // number of folded words
	length   int     // bytes of folded text: words joined by single spaces
	digits   bool    // the text holds a numeric word (digit, number word, month)
	sentence bool    // two words or more, ending with . ! ? or … (closing quotes and brackets aside)
	clause   bool    // no sentence end, but a clause: three words or more with a negation or a verb of clauseWords
	note     bool    // an editor's note, a correction or a clarification (storyNote)
	long     bool    // compared nearly (length >= Options.MinNearLength)
	figures  uint64  // hash of the paragraph's figure key, 0 when none

	// numerics are the hashes of the numeric words, in order (number
	// words as their digits, month abbreviations as the month).
	numerics []uint64

	// The words (words.go): stems are the content words' stems in order,
	// bag the same as a sorted set, nameBag the names' stems as a sorted
	// set and skels their spelling skeletons (skeletonOf); negs and sents
	// count negations and sentences. allNames is the names bitmap of every
	// stem of the bag (filled by allNameBits).
	stems, bag, nameBag, skels []uint64
	negated                    []negatedWord
	negs, sents                int
	allNames                   nameSet
	allDone                    bool

	// tokens are the masked words: a word's hash, maskedNumber for a
	// numeric word, maskedDay for a weekday. Every paragraph has them
	// (splits and merges are compared through them).
	tokens []uint64

	// For long paragraphs only:
	shingles []uint64 // hashes of token 3-shingles (a set once sorted)
	sorted   bool     // shingles is sorted and without repeats
	sketch   Sketch
	bandKeys [bands]uint64
}

// scratch holds the buffers one Mark call reuses.
type scratch struct {
	words    []uint64 // word hashes of the paragraph being analysed
	digit    []bool   // words[i] is numeric: holds a digit, is a number word or a month
	caps     []uint8  // words[i] starts with an uppercase letter (capUpper), not a sentence (capInner)
	kinds    []uint8  // words[i]'s kind (wordKind) when not numeric
	fold     []byte   // the folded words of the paragraph, back to back
	fofs     []int32  // where words[i] starts in fold
	ascii    []bool   // words[i] is ASCII in fold
	tokens   []uint64 // backing store of para.tokens for the article
	nums     []uint64 // backing store of para.numerics
	shingles []uint64 // backing store of para.shingles for the article
	stems    []uint64 // backing store of para.stems, bag, nameBag and skels
	negated  []negatedWord
	pairs    []uint64   // pairs of consecutive stems (pairsOf)
	cache    *wordCache // what bagOf derives from a content word, by word (contentWord; MarkBatch lends one to its markers, else allocated on first use)
	sortBuf  []uint64   // scratch.sortUnique's buffer
	names    []namePair // the names of the paragraph being analysed
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

// numberTerm is what a numeric word (canonicalNumber) adds to
// para.numbers.
func numberTerm(c uint64) uint64 { return mix(c ^ 0x6e756d73) }

// analyse folds text and fills p. Folding lowercases, drops punctuation,
// quotes, dashes and symbols (they separate words), and joins a word across
// an apostrophe (’ ' ‘ ʼ) between letters ("it's" = "its"), a period between
// letters ("U.S." = "us"), and a comma between digits ("2,000" = "2000"); a
// period between digits stays part of the number ("1.5" ≠ "15"). Words that
// hold a digit, number words and month names are numeric (see numericWords).
func (sc *scratch) analyse(text string, minNear int, p *para) {
	words, numeric, caps, kinds := sc.words[:0], sc.digit[:0], sc.caps[:0], sc.kinds[:0]
	fold, fofs, ascii := sc.fold[:0], sc.fofs[:0], sc.ascii[:0]
	var (
		w      wordHasher
		in     bool   // inside a word
		digit  bool   // the current word holds a digit
		up     uint8  // caps of the current word
		start  = true // the next word starts a sentence
		prev   uint8  // class of the previous character
		length int    // folded bytes
		wlen   int    // bytes of the current word
		dotted bool   // the current word joined letters across a period ("U.S")
		high   bool   // the current word holds a character that folds to one beyond ASCII
	)
	emit := func() {
		h := w.sum()
		words = append(words, h)
		num := digit || (wlen >= 3 && wlen <= 9 && isNumericWord(h))
		numeric = append(numeric, num)
		kind := uint8(kindFunction)
		if !num {
			kind = wordKind(h, wlen)
		}
		kinds = append(kinds, kind)
		caps = append(caps, up)
		ascii = append(ascii, !high)
		length += wlen
		in, digit, dotted, high, up, wlen, w = false, false, false, false, 0, 0, wordHasher{}
	}
	for i := 0; i < len(text); {
		c := text[i]
		cls := asciiClass[c]
		if cls == clsLetter || cls == clsDigit {
			// The common case: a run of ASCII letters and digits.
			if !in {
				in = true
				up = capsOf(c >= 'A' && c <= 'Z', start)
				start = false
				if len(words) > 0 {
					length++
				}
				fofs = append(fofs, int32(len(fold)))
			}
			j := i
			for {
				l := asciiLower[c]
				w.add(uint64(l), 8)
				fold = append(fold, l)
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
				orig, _ := utf8.DecodeRuneInString(text[i-n:])
				up = capsOf(unicode.IsUpper(orig), start)
				start = false
				if len(words) > 0 {
					length++
				}
				fofs = append(fofs, int32(len(fold)))
			}
			w.add(uint64(r), 24)
			fold = utf8.AppendRune(fold, r)
			high = high || r >= utf8.RuneSelf
			wlen += n
			digit = digit || cls == clsDigit
			prev = cls
			continue
		case clsMark:
			if in {
				w.add(uint64(r), 24)
				fold = utf8.AppendRune(fold, r)
				high = high || r >= utf8.RuneSelf
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
					dotted = dotted || cls == clsPeriod
					continue // joined
				case cls == clsPeriod && next == clsDigit:
					w.add('.', 8) // the decimal point stays
					fold = append(fold, '.')
					wlen++
					prev = clsOther
					continue
				}
			}
		}
		prev = clsOther
		// A sentence ends at . ! ?, but for the period of an abbreviation
		// ("U.S.", "John F. Kennedy").
		if r == '!' || r == '?' || r == '.' && !(in && (dotted || wlen == 1)) {
			start = true
		}
		if in {
			emit()
		}
	}
	if in {
		emit()
	}
	fofs = append(fofs, int32(len(fold)))
	sc.words, sc.digit, sc.caps, sc.kinds, sc.fold, sc.fofs, sc.ascii = words, numeric, caps, kinds, fold, fofs, ascii

	*p = para{words: len(words), length: length, long: length >= minNear, sents: 1}
	p.sentence = len(words) >= 2 && endsSentence(text)
	p.clause = !p.sentence && len(words) >= 3 && hasClause(words, kinds)
	p.note = storyNote(text)
	e := uint64(kindExact)
	first, firstNum := len(sc.tokens), len(sc.nums)
	// The filing time of a closing desk tag ("... said. (FXGS 1104)") is
	// none of the paragraph's numbers: agencies file one paragraph with
	// and without it, and as a number it made the later copy one whose
	// numbers changed. Its word stays in the exact key and, masked as
	// every number is, in the shingles, so keys and sketches are those of
	// fingerprint version 4 (a record of an older worker differs only in
	// its numbers, and then misses this pair as before).
	tagTime := -1
	if n := len(words) - 1; n > 0 && numeric[n] && article.DeskTagAtEnd(text) >= 0 {
		tagTime = n
	}
	// A table heading continued further down ("LONG GRAIN RICE, in mln
	// CWTs (100 lbs), cont. --", "ALL WHEAT Continued") is the heading: a
	// last word that marks a continuation stays out of the exact key (only
	// there: the shingles and the bag keep it). "continued" only in a line
	// that is no sentence ("The search continued." is a fact).
	exactWords := len(words)
	if n := exactWords - 1; n >= 2 && (words[n] == continuations[0] || words[n] == continuations[1] || words[n] == continuations[2] && !p.sentence) {
		exactWords--
	}
	for i, w := range words {
		if i < exactWords {
			e = (e ^ w) * 0x100000001b3
		}
		if i == tagTime {
			p.digits = true
			sc.tokens = append(sc.tokens, maskedNumber)
			continue
		}
		if numeric[i] {
			c := canonicalNumber(w)
			p.digits = true
			p.numbers += numberTerm(c)
			sc.tokens = append(sc.tokens, maskedNumber)
			sc.nums = append(sc.nums, c)
			continue
		}
		if isWeekday(w) {
			sc.tokens = append(sc.tokens, maskedDay)
			continue
		}
		sc.tokens = append(sc.tokens, w)
	}
	p.exact = mix(e ^ uint64(exactWords))
	p.tokens = sc.tokens[first:len(sc.tokens):len(sc.tokens)]
	p.numerics = sc.nums[firstNum:len(sc.nums):len(sc.nums)]
	sc.bagOf(p)
	if p.long {
		start := len(sc.shingles)
		sc.shingles = appendShingles(sc.shingles, p.tokens, nil)
		p.shingles = sc.shingles[start:len(sc.shingles):len(sc.shingles)]
		p.sketch = sketchOf(p.shingles, p.names)
		p.sketch.setBag(p)
		p.sketch.setNumbers(p.numerics)
		pairs, distinct := sc.pairsOf(p.stems)
		p.bandKeys = bandKeysOf(p.shingles, pairs, distinct)
	}
}

// bagOf fills the words of p (words.go) from the words just analysed: the
// stems of its content words in order, their set, the set of its names
// with their skeletons, its negations and sentences, and its names bitmaps.
func (sc *scratch) bagOf(p *para) {
	words, caps, kinds := sc.words, sc.caps, sc.kinds
	first, firstNeg := len(sc.stems), len(sc.negated)
	names := sc.names[:0]
	add := func(s, skel uint64, c uint8) {
		sc.stems = append(sc.stems, s)
		if c&capUpper != 0 {
			names = append(names, namePair{s, skel})
			p.names.add(s)
			if c&capInner != 0 {
				p.inner.add(s)
			}
		}
	}
	for i := 0; i < len(words); i++ {
		if i > 0 && caps[i] == capUpper {
			p.sents++ // a capital after . ! or ?
		}
		switch kinds[i] {
		case kindNegation:
			p.negs++
			continue
		case kindFunction:
			continue
		}
		if i+1 < len(words) && kinds[i+1] == kindContent {
			if s, ok := initialism(words[i], words[i+1]); ok {
				add(s, 0, caps[i])
				i++
				continue
			}
		}
		st, skel, base, negated := sc.contentWord(words[i], sc.fold[sc.fofs[i]:sc.fofs[i+1]], sc.ascii[i], caps[i]&capUpper != 0)
		if negated {
			sc.negated = append(sc.negated, negatedWord{st, base})
		}
		add(st, skel, caps[i])
	}
	p.stems = sc.stems[first:len(sc.stems):len(sc.stems)]
	p.negated = sc.negated[firstNeg:len(sc.negated):len(sc.negated)]
	at := len(sc.stems)
	sc.stems = append(sc.stems, p.stems...)
	sc.stems = sc.stems[:at+len(sc.sortUnique(sc.stems[at:]))]
	p.bag = sc.stems[at:len(sc.stems):len(sc.stems)]
	if len(names) <= 12 {
		// What slices.SortFunc does for so few (an insertion sort, which
		// keeps equal stems in order), without a comparison function.
		for i := 1; i < len(names); i++ {
			for j := i; j > 0 && names[j].stem < names[j-1].stem; j-- {
				names[j], names[j-1] = names[j-1], names[j]
			}
		}
	} else {
		slices.SortFunc(names, func(a, b namePair) int { return cmp.Compare(a.stem, b.stem) })
	}
	names = slices.CompactFunc(names, func(a, b namePair) bool { return a.stem == b.stem })
	at = len(sc.stems)
	for _, n := range names {
		sc.stems = append(sc.stems, n.stem)
	}
	for _, n := range names {
		sc.stems = append(sc.stems, n.skel)
	}
	p.nameBag = sc.stems[at : at+len(names) : at+len(names)]
	p.skels = sc.stems[at+len(names) : len(sc.stems) : len(sc.stems)]
	sc.names = names
}

// wordCache remembers what bagOf derives from a content word, by its
// folded bytes: its stem, the stem it negates (negatedStem) and its spelling
// skeleton. A paragraph's words are mostly among the few thousand an
// article stream keeps using, so that most content words cost one lookup
// instead of hashing their stems again. An entry is found by the word's
// hash and holds the word itself, so that only the same word finds it (the
// values are those the functions give).
type wordCache [wordCacheSize]wordEntry

const wordCacheSize = 4096 // entries of 56 bytes: 224 KiB a scratch

type wordEntry struct {
	h, stem, base, skel uint64
	word                [16]byte // the folded word; longer words are not kept
	n                   uint8    // its length (0: an empty entry)
	negated, skelDone   bool     // base is set; skel is set
}

// contentWord returns the stem of content word w (folded; h its word hash,
// ascii whether it is ASCII), its skeleton if it is a name (else 0), and the
// stem it negates if it has a negating prefix.
func (sc *scratch) contentWord(h uint64, w []byte, ascii, name bool) (stem, skel, base uint64, negated bool) {
	if len(w) > len(wordEntry{}.word) {
		base, negated = negatedStem(w, ascii)
		if name {
			skel = skeletonOf(w)
		}
		return stemHash(w, ascii), skel, base, negated
	}
	if sc.cache == nil {
		sc.cache = new(wordCache)
	}
	e := &sc.cache[h&(wordCacheSize-1)]
	if e.h != h || int(e.n) != len(w) || string(e.word[:e.n]) != string(w) {
		*e = wordEntry{h: h, n: uint8(len(w)), stem: stemHash(w, ascii)}
		copy(e.word[:], w)
		e.base, e.negated = negatedStem(w, ascii)
	}
	if name {
		if !e.skelDone {
			e.skel, e.skelDone = skeletonOf(w), true
		}
		skel = e.skel
	}
	return e.stem, skel, e.base, e.negated
}

// negatedWord is a content word with a negating prefix: its stem and the
// stem of the word it negates ("indirect", "direct").
type negatedWord struct{ stem, base uint64 }

// pairsOf returns the hashes of the pairs of consecutive stems of p (in
// sc.pairs, valid until the next call; repeats left in, which a MinHash
// does not mind) and the number of distinct ones, counted up to 2.
func (sc *scratch) pairsOf(stems []uint64) ([]uint64, int) {
	sc.pairs = sc.pairs[:0]
	distinct := 0
	for i := 1; i < len(stems); i++ {
		h := mix(bits.RotateLeft64(stems[i-1], 21) ^ stems[i])
		switch {
		case distinct == 0:
			distinct = 1
		case distinct == 1 && h != sc.pairs[0]:
			distinct = 2
		}
		sc.pairs = append(sc.pairs, h)
	}
	return sc.pairs, distinct
}

// namePair is a name's stem and spelling skeleton.
type namePair struct{ stem, skel uint64 }

// allNameBits returns the names bitmap of every content stem of p: a name
// of another paragraph whose bits it lacks is not among p's words.
func (p *para) allNameBits() nameSet {
	if !p.allDone {
		p.allNames = nameSet{}
		for _, s := range p.bag {
			p.allNames.add(s)
		}
		p.allDone = true
	}
	return p.allNames
}

// Flags of a word's capitals.
const (
	capUpper = 1 << iota // starts with an uppercase letter
	capInner             // and is not the first word of a sentence
)

func capsOf(upper, sentenceStart bool) uint8 {
	switch {
	case !upper:
		return 0
	case sentenceStart:
		return capUpper
	}
	return capUpper | capInner
}

// endsSentence reports whether text ends like a sentence: with . ! ? or …,
// after trailing spaces, control characters, closing quotes and brackets.
func endsSentence(text string) bool {
	for len(text) > 0 {
		r, n := utf8.DecodeLastRuneInString(text)
		switch {
		case r == '.' || r == '!' || r == '?' || r == '…':
			return true
		case unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Pe, r) || unicode.Is(unicode.Pf, r) ||
			r == '"' || r == '\'' || r == '»':
			text = text[:len(text)-n]
		default:
			return false
		}
	}
	return false
}

// appendShingles appends to dst the hashes of the 3-shingles of the tokens
// a followed by b (one shingle for fewer than three tokens).
func appendShingles(dst, a, b []uint64) []uint64 {
	n := len(a) + len(b)
	at := func(i int) uint64 {
		if i < len(a) {
			return a[i]
		}
		return b[i-len(a)]
	}
	if n == 0 {
		return dst
	}
	if n < shingleSize {
		s := uint64(0)
		for i := range n {
			s = bits.RotateLeft64(s, 21) ^ at(i)
		}
		return append(dst, mix(s))
	}
	x, y := at(0), at(1)
	for i := shingleSize - 1; i < n; i++ {
		z := at(i)
		dst = append(dst, mix(bits.RotateLeft64(x, 42)^bits.RotateLeft64(y, 21)^z))
		x, y = y, z
	}
	return dst
}

// set returns p's shingles as a sorted set, sorting them in place once.
func (p *para) set() []uint64 {
	if !p.sorted {
		p.shingles = sortUnique(p.shingles)
		p.sorted = true
	}
	return p.shingles
}

// sketchOf is the sketch of a set of shingles (repeats allowed; the count
// then counts them): a one-permutation
// MinHash (Li, Owen and Zhang 2012) in which the top bits of a shingle's
// hash pick its bin and the low 32 bits compete for the bin's minimum; empty
// bins stay empty (0) and Similarity leaves them out.
func sketchOf(set []uint64, names nameSet) Sketch {
	var sk Sketch
	mins := emptyBins
	for _, s := range set {
		b := binOf(s)
		mins[b] = min(mins[b], uint32(s)) // without a branch to mispredict
	}
	for _, s := range set { // sk is zero: write the filled bins
		b := binOf(s)
		sk[b] = byteOf(mins[b])
	}
	sk.setNames(names)
	sk.setCount(len(set))
	return sk
}

// binOf is the sketch bin of a shingle hash.
func binOf(s uint64) uint64 { return (s >> 32) * sketchBins >> 32 }

// byteOf is the stored form of a bin: 0 when empty, else 1..255, in the
// order of the minima (so that the smaller byte of two sketches is the byte
// of their union).
func byteOf(m uint32) uint8 {
	if m == ^uint32(0) {
		return 0
	}
	return 1 + uint8(uint64(m>>24)*255>>8)
}

// bandKeysOf computes the LSH band keys of a long paragraph: the first
// shingleBands from its shingles (the first bands of the MinHash of
// bands*rows bins that gives all of them to a paragraph of fewer than two
// pairs of content words, so that those are version 2's), the others from
// its pairs of consecutive content words (pairsOf: a rewording, an
// attribution changed or a clause moved keep most of them; single content
// words are shared by too many unrelated paragraphs to make a band).
// distinct is the number of distinct pairs (counted up to 2; pairs may
// repeat).
func bandKeysOf(shingles, pairs []uint64, distinct int) (keys [bands]uint64) {
	if distinct < 2 {
		minHashBands(keys[:], shingles, bands, 0, 0)
		return keys
	}
	minHashBands(keys[:shingleBands], shingles, bands, 0, 0)
	minHashBands(keys[shingleBands:], pairs, bands-shingleBands, shingleBands, 0x776f726473) // "words"
	return keys
}

// minHashBands computes len(keys) band keys, the first numbered from, from
// the first bins of a small one-permutation MinHash of of*rows bins of set
// (hashes mixed with salt; the middle bits pick the bin), densified so that
// every bin has a value (Shrivastava 2017: an empty bin copies the first
// filled bin of its fixed random probe sequence; if all probes miss, the
// nearest filled bin to the right, tagged with the distance).
func minHashBands(keys []uint64, set []uint64, of, from int, salt uint64) {
	n := of * rows
	mins := emptyBandBins
	var filled uint32
	for _, s := range set {
		if salt != 0 {
			s = mix(s ^ salt)
		}
		b := (s >> 32 * uint64(n)) >> 32
		// The minimum without a branch: an empty bin holds the largest value.
		mins[b] = min(mins[b], uint32(s))
		filled |= 1 << b
	}
	probes := &bandProbes[n]
	var vals [bands * rows]uint64
	for i := range n {
		if filled&(1<<i) != 0 {
			vals[i] = uint64(mins[i])
			continue
		}
		j := -1
		for _, c := range &probes[i] {
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
		k := uint64(kindBand) + uint64(from+b) + salt
		for r := range rows {
			k = mix(k ^ vals[b*rows+r])
		}
		keys[b] = k
	}
}

// emptyBins initialises the bins of a sketch.
var emptyBins = func() (m [sketchBins]uint32) {
	for i := range m {
		m[i] = ^uint32(0)
	}
	return m
}()

// emptyBandBins initialises the bins of minHashBands.
var emptyBandBins = func() (m [bands * rows]uint32) {
	for i := range m {
		m[i] = ^uint32(0)
	}
	return m
}()

// bandProbes holds, for a MinHash of n bins (n up to bands*rows), the
// densification probe sequence of every bin.
var bandProbes = func() (t [bands*rows + 1][bands * rows][16]uint8) {
	for n := 1; n <= bands*rows; n++ {
		for i := range n {
			for a := range t[n][i] {
				t[n][i][a] = uint8((mix(uint64(i)<<32|uint64(a+1)) >> 32) * uint64(n) >> 32)
			}
		}
	}
	return t
}()

// sortUnique sorts s in place and drops repeats.
func sortUnique(s []uint64) []uint64 {
	slices.Sort(s)
	return slices.Compact(s)
}

// sortUnique is sortUnique with a buffer: from 32 hashes to 255 (the stems
// of a long paragraph) it distributes them into 32 buckets by their top
// five bits and sorts by insertion, which for hashes has a few elements a
// bucket to move: about 0.5-0.7 of slices.Sort's time from 30 hashes up,
// slower below. The order of uint64s is total, so the result is the same.
func (sc *scratch) sortUnique(s []uint64) []uint64 {
	if len(s) < 32 || len(s) > 255 {
		return sortUnique(s)
	}
	var at [33]uint8 // bucket b starts at at[b]; 255 fits
	for _, x := range s {
		at[x>>59+1]++
	}
	for b := 1; b < len(at); b++ {
		at[b] += at[b-1]
	}
	buf := slices.Grow(sc.sortBuf[:0], len(s))[:len(s)]
	for _, x := range s {
		buf[at[x>>59]] = x
		at[x>>59]++
	}
	for i, x := range buf { // insertion from buf into s
		j := i
		for ; j > 0 && s[j-1] > x; j-- {
			s[j] = s[j-1]
		}
		s[j] = x
	}
	sc.sortBuf = buf
	return slices.Compact(s)
}
