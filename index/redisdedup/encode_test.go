package redisdedup

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// sketchWith returns a sketch with n bytes that are not 0, spread over
// dedup.SketchSize.
func sketchWith(n int) dedup.Sketch {
	var s dedup.Sketch
	for i := range n {
		s[(i*37)%dedup.SketchSize] = byte(1 + (i*91)%255)
	}
	return s
}

func TestRecordRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		rec  dedup.Record
		size int // encoded bytes
	}{
		{"short paragraph, story is the article", dedup.Record{Ref: article.Ref{ArticleID: "reuters-21578-1234", Index: 3}, StoryID: "reuters-21578-1234", Numbers: 0x0123456789abcdef}, 6 + 19 + 1 + 8},
		{"body key (title index)", dedup.Record{Ref: article.Ref{ArticleID: "a1", Index: article.TitleIndex}, StoryID: "a1"}, 6 + 3 + 1},
		{"another story", dedup.Record{Ref: article.Ref{ArticleID: "a2", Index: 0}, StoryID: "a1"}, 6 + 3 + 1 + 3},
		{"no story", dedup.Record{Ref: article.Ref{ArticleID: "a2", Index: 200}}, 6 + 3 + 2 + 1},
		{"figures and numbers", dedup.Record{Ref: article.Ref{ArticleID: "a", Index: 1}, StoryID: "a", Figures: 1<<64 - 1, Numbers: 1}, 6 + 2 + 1 + 16},
		{"long paragraph: sparse sketch", dedup.Record{Ref: article.Ref{ArticleID: "a", Index: 1}, StoryID: "a", Sketch: sketchWith(40)}, 6 + 2 + 1 + bitmapLen + 40},
		{"sparse up to 140 bytes", dedup.Record{Ref: article.Ref{ArticleID: "a", Index: 1}, StoryID: "a", Sketch: sketchWith(maxBinsSparse)}, 6 + 2 + 1 + bitmapLen + maxBinsSparse},
		{"dense sketch stored raw", dedup.Record{Ref: article.Ref{ArticleID: "a", Index: 1}, StoryID: "a", Sketch: sketchWith(maxBinsSparse + 1)}, 6 + 2 + 1 + dedup.SketchSize},
		{"full sketch", dedup.Record{Ref: article.Ref{ArticleID: "a", Index: 1}, StoryID: "a", Sketch: sketchWith(dedup.SketchSize)}, 6 + 2 + 1 + dedup.SketchSize},
		{"unicode ids", dedup.Record{Ref: article.Ref{ArticleID: "ürümqi-新闻-1", Index: 0}, StoryID: "ürümqi-新闻-0"}, 6 + 1 + len("ürümqi-新闻-1") + 1 + 1 + len("ürümqi-新闻-0")},
		{"one full bin", dedup.Record{Ref: article.Ref{ArticleID: "a", Index: 1}, StoryID: "a", Sketch: sketchWith(1)}, 6 + 2 + 1 + bitmapLen + 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := appendRecord(nil, tc.rec, 1_900_000_000)
			require.LessOrEqual(t, len(v), maxRecordLen(tc.rec), "the length a claim reserves")
			require.Len(t, v, tc.size)
			got, exp, err := decodeRecord(v)
			require.NoError(t, err)
			require.Equal(t, tc.rec, got)
			require.Equal(t, uint32(1_900_000_000), exp)
		})
	}
}

func TestDecodeRecordRefusesBadValues(t *testing.T) {
	good := appendRecord(nil, dedup.Record{Ref: article.Ref{ArticleID: "a1", Index: 2}, StoryID: "s", Figures: 5, Sketch: sketchWith(30)}, 99)
	with := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name  string
		value []byte
		want  string
	}{
		{"empty", nil, "record of 0 bytes: truncated"},
		{"header only", good[:headerLen], "article id: truncated"},
		{"another format", with(func(b []byte) []byte { b[0] = 2; return b }), "record format 2: this version reads format 3"},
		{"a JSON value", []byte(`{"a":"x","i":1}`), "record format 123"},
		{"unknown flag", with(func(b []byte) []byte { b[1] |= 0x80; return b }), "record flags 0x"},
		{"both sketch forms", with(func(b []byte) []byte { b[1] |= flagSketchRaw; return b }), "not understood"},
		{"no article id", appendRecord(nil, dedup.Record{StoryID: "s"}, 1), "record without article id"},
		{"cut in the sketch", good[:len(good)-1], "sketch bins: truncated"},
		{"cut in the figures", good[:headerLen+3+1+2+4], "figures hash: truncated"},
		{"bytes after the record", append(append([]byte(nil), good...), 7), "1 bytes after the record"},
		{"a full bin holding 0", with(func(b []byte) []byte { b[len(b)-1] = 0; return b }), "holds 0"},
		{"bitmap without bins", func() []byte {
			v := appendRecord(nil, dedup.Record{Ref: article.Ref{ArticleID: "a", Index: 1}}, 1)
			v[1] |= flagSketchBins
			return append(v, make([]byte, bitmapLen)...)
		}(), "sketch bitmap without a full bin"},
		{"article id longer than the value", func() []byte {
			v := append([]byte(nil), good[:headerLen]...)
			return binary.AppendUvarint(v, 1000)
		}(), "article id: truncated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeRecord(tc.value)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestKeys(t *testing.T) {
	cfg := Config{}.WithDefaults()
	require.Equal(t, "nfdd:v4:", cfg.keyPrefix())
	k := appendKey(nil, cfg.keyPrefix(), 0x0102030405060708)
	require.Equal(t, "nfdd:v4:\x01\x02\x03\x04\x05\x06\x07\x08", string(k))
	require.Equal(t, "0102030405060708", describeKey(0x0102030405060708))
	s := &Store{prefix: "p:"}
	names := s.keyStrings([]dedup.Key{1, 2, 3}, []int{2, 0})
	require.Equal(t, []string{"p:\x00\x00\x00\x00\x00\x00\x00\x03", "p:\x00\x00\x00\x00\x00\x00\x00\x01"}, names)
}

func TestExpireAt(t *testing.T) {
	require.Equal(t, uint32(1_000_000_100), expireAtOf(1_000_000_000, 100))
	require.Equal(t, uint32(1<<32-1), expireAtOf(1<<32-10, 100), "clamped to the format's range")
	require.Equal(t, "1000000100", exat(1_000_000_100))
}

// TestUvarint: uvarint reads what binary.Uvarint does, to the overflows.
func TestUvarint(t *testing.T) {
	inputs := [][]byte{nil, {0x80}, {0x01}, {0xff, 0x7f}, bytes.Repeat([]byte{0xff}, 9), append(bytes.Repeat([]byte{0xff}, 9), 0x01),
		append(bytes.Repeat([]byte{0xff}, 9), 0x02), bytes.Repeat([]byte{0x80}, 11)}
	for _, x := range []uint64{0, 1, 127, 128, 300, 1 << 32, 1<<64 - 1} {
		inputs = append(inputs, binary.AppendUvarint(nil, x))
	}
	for _, in := range inputs {
		wantX, wantN := binary.Uvarint(in)
		x, n := uvarint(in)
		require.Equal(t, wantX, x, "%x", in)
		require.Equal(t, wantN, n, "%x", in)
		x, n = uvarint(string(in))
		require.Equal(t, wantX, x, "%x", in)
		require.Equal(t, wantN, n, "%x", in)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, dedup.Record{Ref: article.Ref{ArticleID: "a1", Index: 2}, StoryID: "s", Figures: 5, Sketch: sketchWith(30)}, 99))
	f.Add(appendRecord(nil, dedup.Record{Ref: article.Ref{ArticleID: "a1", Index: -1}, StoryID: "a1", Sketch: sketchWith(128)}, 99))
	f.Fuzz(func(t *testing.T, v []byte) {
		r, exp, err := decodeRecord(v)
		// A string decodes as its bytes do.
		rs, exps, errs := decodeRecord(string(v))
		require.Equal(t, err == nil, errs == nil, "%v / %v", err, errs)
		require.Equal(t, r, rs)
		require.Equal(t, exp, exps)
		if err != nil {
			return
		}
		// What decodes is a record: encoded again, it decodes the same,
		// within the length a claim reserves for it.
		v2 := appendRecord(nil, r, exp)
		require.LessOrEqual(t, len(v2), maxRecordLen(r))
		again, exp2, err := decodeRecord(v2)
		require.NoError(t, err)
		require.Equal(t, r, again)
		require.Equal(t, exp, exp2)
		require.True(t, r.Found())
	})
}

// BenchmarkAppendRecord encodes a record whose sketch has a pseudo-random
// half of its bytes set (a paragraph of some 60 words), as claims do.
func BenchmarkAppendRecord(b *testing.B) {
	r := benchRecord()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendRecord(buf[:0], r, 1_900_000_000)
	}
}

// BenchmarkDecodeRecord decodes BenchmarkAppendRecord's record from a
// []byte, as a cache hit of the old code did, and from a string.
func BenchmarkDecodeRecord(b *testing.B) {
	r := benchRecord()
	v := appendRecord(nil, r, 1_900_000_000)
	b.Run("bytes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := decodeRecord(v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("string", func(b *testing.B) {
		s := string(v)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := decodeRecord(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchRecord is a record whose sketch has a pseudo-random half of its
// bytes set (a paragraph of some 60 words).
func benchRecord() dedup.Record {
	r := dedup.Record{Ref: article.Ref{ArticleID: "reuters21578-12345", Index: 4}, StoryID: "reuters21578-12001", Figures: 7, Numbers: 9}
	x := uint32(12345)
	for i := range r.Sketch {
		x = x*1664525 + 1013904223
		if x>>31 == 1 {
			r.Sketch[i] = byte(x>>8) | 1
		}
	}
	return r
}
