package kafkacfg

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/segmentio/kafka-go/compress"
	kzstd "github.com/segmentio/kafka-go/compress/zstd"
)

// zstdBatch compresses n lines of text as kafka-go's writer does (a
// streaming encoder, which declares an 8 MiB window).
func zstdBatch(t testing.TB, n int) (raw, compressed []byte) {
	t.Helper()
	var r bytes.Buffer
	for i := range n {
		fmt.Fprintf(&r, "paragraph %d of a wire story, with figures: %d.%d%% and %d tonnes\n", i, i%97, i%10, i*13)
	}
	var c bytes.Buffer
	w := new(kzstd.Codec).NewWriter(&c)
	if _, err := w.Write(r.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return r.Bytes(), c.Bytes()
}

func TestZstdCodecInstalled(t *testing.T) {
	c, ok := compress.Zstd.Codec().(*zstdCodec)
	if !ok {
		t.Fatalf("compress.Codecs[Zstd] is %T, want *zstdCodec", compress.Zstd.Codec())
	}
	if c.Code() != 4 || c.Name() != "zstd" {
		t.Fatalf("code %d name %q", c.Code(), c.Name())
	}
}

func TestZstdCodecRoundTrip(t *testing.T) {
	codec := compress.Zstd.Codec()
	for _, n := range []int{0, 1, 2000, 40000} {
		raw, _ := zstdBatch(t, n)
		var c bytes.Buffer
		w := codec.NewWriter(&c)
		if _, err := w.Write(raw); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		// As kafka-go reads a batch: bytes.Buffer.ReadFrom (Read), or io.Copy (WriteTo).
		for _, how := range []string{"read", "writeto"} {
			r := codec.NewReader(bytes.NewReader(c.Bytes()))
			var got bytes.Buffer
			var err error
			if how == "read" {
				_, err = got.ReadFrom(struct{ io.Reader }{r})
			} else {
				_, err = io.Copy(&got, r)
			}
			if err != nil {
				t.Fatalf("%d lines, %s: %v", n, how, err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), raw) {
				t.Fatalf("%d lines, %s: got %d bytes, want %d", n, how, got.Len(), len(raw))
			}
		}
	}
}

func TestZstdCodecCorrupt(t *testing.T) {
	_, c := zstdBatch(t, 100)
	c[len(c)/2] ^= 0xff
	r := compress.Zstd.Codec().NewReader(bytes.NewReader(c))
	defer r.Close()
	if _, err := io.ReadAll(r); err == nil {
		t.Fatal("a corrupt batch decoded without error")
	}
}

// TestZstdCodecMemory is the point of the codec: a batch costs about its
// own sizes, not the 8 MiB window kafka-go's streaming decoder allocates.
func TestZstdCodecMemory(t *testing.T) {
	raw, c := zstdBatch(t, 3000) // ~200 KB
	allocated := func(codec compress.Codec) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range 4 {
			r := codec.NewReader(bytes.NewReader(c))
			got := bytes.NewBuffer(make([]byte, 0, len(raw)+bytes.MinRead))
			if _, err := got.ReadFrom(struct{ io.Reader }{r}); err != nil || got.Len() != len(raw) {
				t.Fatalf("%T: %d bytes, %v", codec, got.Len(), err)
			}
			r.Close()
			runtime.GC() // a pooled decoder of kafka-go's is dropped after two cycles
			runtime.GC()
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / 4
	}
	ours, theirs := allocated(compress.Zstd.Codec()), allocated(new(kzstd.Codec))
	t.Logf("per batch of %d bytes: %d bytes allocated (kafka-go's codec: %d)", len(raw), ours, theirs)
	if ours > 6*uint64(len(raw)) || ours*3 > theirs {
		t.Fatalf("allocated %d bytes per batch of %d (kafka-go's codec: %d)", ours, len(raw), theirs)
	}
}
