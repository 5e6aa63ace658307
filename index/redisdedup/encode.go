package redisdedup

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"

	"github.com/newsflow/newsflow/pkg/dedup"
)

// The record format. A value is:
//
//	format    1 byte, recordFormat
//	flags     1 byte, the flag* bits below
//	expireAt  4 bytes, big-endian Unix seconds: when the server forgets the key
//	article   uvarint length, then the bytes of Ref.ArticleID
//	index     varint (zigzag) Ref.Index (dedup.TitleIndex is -1)
//	story     uvarint length and bytes, unless flagStoryIsArticle
//	figures   8 bytes little-endian, when flagFigures
//	numbers   8 bytes little-endian, when flagNumbers
//	sketch    when flagSketchBins: a bitmap of dedup.SketchSize bits (23 bytes)
//	          of the sketch bytes that are not 0 (bit i%8 of byte i/8 for byte
//	          i) and then those bytes in order; when flagSketchRaw: the
//	          dedup.SketchSize (184) bytes as they are
//
// Most sketches of news paragraphs leave most of their 112 MinHash bins
// empty (a paragraph of 40 words has 38 shingles, so at most 38 bins hold
// one), so the bitmap form takes about half the bytes; a sketch with more
// than 140 bytes that are not 0 is stored raw, which is then no longer.
//
// expireAt travels with the record so that a reader's local cache never
// outlives the server's copy (see the package comment on retention).
// Format 3 is that of dedup.FingerprintVersion 4 (a sketch of 184 bytes:
// the MinHash bins, the names, the bag of content words and the tags of
// the paragraph's numeric words, which are 0 when it has none, so that the
// bitmap form adds 3 bytes and 2 a number); formats 2 (version 3, 160
// bytes) and 1 (version 2, 128 bytes) are never read, their keys having
// another prefix, and would be refused by the format byte if they were.
const recordFormat = 3

const (
	flagStoryIsArticle = 1 << iota // StoryID == Ref.ArticleID (the story's first article)
	flagFigures
	flagNumbers
	flagSketchBins
	flagSketchRaw
	flagsKnown = flagStoryIsArticle | flagFigures | flagNumbers | flagSketchBins | flagSketchRaw
)

const (
	headerLen     = 6                            // format, flags, expireAt
	bitmapLen     = dedup.SketchSize / 8         // whole bytes: see the assertion below
	maxBinsSparse = dedup.SketchSize - bitmapLen // from here on the raw form is no longer
)

// The bitmap of the sketch's bytes covers them in whole bytes (appendRecord
// and decodeRecord read it a byte at a time): this fails to compile if
// dedup.SketchSize stops being a multiple of 8.
var _ = [1]struct{}{}[dedup.SketchSize%8]

// keyLen is the length of a key after its prefix: the 64-bit key, big-endian.
const keyLen = 8

// appendKey appends the Redis key of k under prefix (which ends with the
// fingerprint version, see Config.keyPrefix).
func appendKey(b []byte, prefix string, k dedup.Key) []byte {
	b = append(b, prefix...)
	return binary.BigEndian.AppendUint64(b, uint64(k))
}

// describeKey names k in errors and logs: the hex digits of the
// Elasticsearch store's _id.
func describeKey(k dedup.Key) string { return fmt.Sprintf("%016x", uint64(k)) }

// appendRecord appends the value of r, to be forgotten at expireAt.
func appendRecord(b []byte, r dedup.Record, expireAt uint32) []byte {
	var flags byte
	if r.StoryID == r.Ref.ArticleID {
		flags |= flagStoryIsArticle
	}
	if r.Figures != 0 {
		flags |= flagFigures
	}
	if r.Numbers != 0 {
		flags |= flagNumbers
	}
	// The sketch's bitmap and its bytes that are not 0, in one pass
	// without branches: the bytes set follow no pattern, so a branch a
	// byte was mispredicted half the time (issue 11: appendRecord was 4 %
	// of a worker's CPU).
	var bm [bitmapLen]byte
	var bins [256]byte // indexed by a uint8: no bounds checks
	n := 0
	if r.Sketch != (dedup.Sketch{}) {
		for g := range bm {
			var m uint
			for k, v := range r.Sketch[g*8 : g*8+8] {
				set := (uint(v) + 0xff) >> 8 // 1 when v is not 0
				bins[uint8(n)] = v
				m |= set << k
				n += int(set)
			}
			bm[g] = byte(m)
		}
		if n <= maxBinsSparse {
			flags |= flagSketchBins
		} else {
			flags |= flagSketchRaw
		}
	}
	b = append(b, recordFormat, flags)
	b = binary.BigEndian.AppendUint32(b, expireAt)
	b = binary.AppendUvarint(b, uint64(len(r.Ref.ArticleID)))
	b = append(b, r.Ref.ArticleID...)
	b = binary.AppendVarint(b, int64(r.Ref.Index))
	if flags&flagStoryIsArticle == 0 {
		b = binary.AppendUvarint(b, uint64(len(r.StoryID)))
		b = append(b, r.StoryID...)
	}
	if flags&flagFigures != 0 {
		b = binary.LittleEndian.AppendUint64(b, r.Figures)
	}
	if flags&flagNumbers != 0 {
		b = binary.LittleEndian.AppendUint64(b, r.Numbers)
	}
	switch {
	case flags&flagSketchRaw != 0:
		b = append(b, r.Sketch[:]...)
	case flags&flagSketchBins != 0:
		b = append(b, bm[:]...)
		b = append(b, bins[:n]...)
	}
	return b
}

// maxRecordLen bounds the length of r's value, so that a claim sizes its
// buffer once (grown by append, it was copied some ten times a claim) and
// the values can alias it.
func maxRecordLen(r dedup.Record) int {
	return headerLen + 3*binary.MaxVarintLen64 + len(r.Ref.ArticleID) + len(r.StoryID) + 16 + dedup.SketchSize
}

// errTruncated: a value ends before its fields do.
var errTruncated = errors.New("truncated")

// value is what decodeRecord reads: the cache's strings and the server's
// answers as go-redis gives them (strings), or a []byte.
type value interface{ ~string | ~[]byte }

// decodeRecord reads a value written by appendRecord; it returns the record
// and when the server forgets it. Decoding a string allocates nothing: the
// article and story ids are substrings of it, which keep it alive as long
// as the record lives (a batch), where a []byte would have to be copied
// first and each id again (a cache hit made three allocations).
func decodeRecord[V value](v V) (dedup.Record, uint32, error) {
	var r dedup.Record
	if len(v) < headerLen {
		return r, 0, fmt.Errorf("record of %d bytes: %w", len(v), errTruncated)
	}
	if v[0] != recordFormat {
		return r, 0, fmt.Errorf("record format %d: this version reads format %d", v[0], recordFormat)
	}
	flags := v[1]
	if flags&^flagsKnown != 0 || flags&(flagSketchBins|flagSketchRaw) == flagSketchBins|flagSketchRaw {
		return r, 0, fmt.Errorf("record flags %#x not understood", flags)
	}
	expireAt := uint32(v[2])<<24 | uint32(v[3])<<16 | uint32(v[4])<<8 | uint32(v[5])
	p := v[headerLen:]
	str := func(what string) (string, error) {
		n, w := uvarint(p)
		if w <= 0 || n > uint64(len(p)-w) {
			return "", fmt.Errorf("%s: %w", what, errTruncated)
		}
		s := string(p[w : w+int(n)])
		p = p[w+int(n):]
		return s, nil
	}
	u64 := func(what string) (uint64, error) {
		if len(p) < 8 {
			return 0, fmt.Errorf("%s: %w", what, errTruncated)
		}
		var x uint64
		for i := 7; i >= 0; i-- {
			x = x<<8 | uint64(p[i])
		}
		p = p[8:]
		return x, nil
	}
	var err error
	if r.Ref.ArticleID, err = str("article id"); err != nil {
		return r, 0, err
	}
	if r.Ref.ArticleID == "" {
		return r, 0, errors.New("record without article id")
	}
	ux, w := uvarint(p)
	idx := int64(ux >> 1) // zigzag, as binary.Varint
	if ux&1 != 0 {
		idx = ^idx
	}
	if w <= 0 || idx < math.MinInt32 || idx > math.MaxInt32 {
		return r, 0, fmt.Errorf("paragraph index: %w", errTruncated)
	}
	r.Ref.Index = int(idx)
	p = p[w:]
	if flags&flagStoryIsArticle != 0 {
		r.StoryID = r.Ref.ArticleID
	} else if r.StoryID, err = str("story id"); err != nil {
		return r, 0, err
	}
	if flags&flagFigures != 0 {
		if r.Figures, err = u64("figures hash"); err != nil {
			return r, 0, err
		}
	}
	if flags&flagNumbers != 0 {
		if r.Numbers, err = u64("numbers hash"); err != nil {
			return r, 0, err
		}
	}
	switch {
	case flags&flagSketchRaw != 0:
		if len(p) < dedup.SketchSize {
			return r, 0, fmt.Errorf("sketch: %w", errTruncated)
		}
		copy(r.Sketch[:], p)
		p = p[dedup.SketchSize:]
	case flags&flagSketchBins != 0:
		if len(p) < bitmapLen {
			return r, 0, fmt.Errorf("sketch bitmap: %w", errTruncated)
		}
		bm := p[:bitmapLen]
		p = p[bitmapLen:]
		// A bitmap byte at a time, bin by set bit, rather than a test a bin.
		n := 0
		for g := range bitmapLen {
			n += bits.OnesCount8(bm[g])
		}
		if n == 0 {
			return r, 0, errors.New("sketch bitmap without a full bin")
		}
		if len(p) < n {
			return r, 0, fmt.Errorf("sketch bins: %w", errTruncated)
		}
		j := 0
		for g := range bitmapLen {
			for m := bm[g]; m != 0; m &= m - 1 {
				i := g*8 + bits.TrailingZeros8(m)
				if p[j] == 0 {
					return r, 0, fmt.Errorf("sketch bin %d marked full holds 0", i)
				}
				r.Sketch[i] = p[j]
				j++
			}
		}
		p = p[n:]
	}
	if len(p) != 0 {
		return r, 0, fmt.Errorf("%d bytes after the record", len(p))
	}
	return r, expireAt, nil
}

// uvarint is binary.Uvarint over a value: the value and the number of
// bytes read, 0 when p ends first, negative on an overflow.
func uvarint[V value](p V) (uint64, int) {
	var x uint64
	var s uint
	for i := 0; i < len(p); i++ {
		if i == binary.MaxVarintLen64 {
			return 0, -(i + 1)
		}
		b := p[i]
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, -(i + 1)
			}
			return x | uint64(b)<<s, i + 1
		}
		x |= uint64(b&0x7f) << s
		s += 7
	}
	return 0, 0
}

// expireAtOf returns the Unix second at which a record claimed at now
// (Unix seconds) with the given retention is forgotten, clamped to the
// format's range.
func expireAtOf(now int64, retentionSeconds int64) uint32 {
	t := now + retentionSeconds
	if t > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(t)
}

// exat is the EXAT argument of a claim.
func exat(expireAt uint32) string { return strconv.FormatUint(uint64(expireAt), 10) }
