package kafkacfg

import (
	"bytes"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/segmentio/kafka-go/compress"
)

// The zstd codec of every Kafka client of the process (kafka-go looks codecs
// up in its compress.Codecs table, for readers and writers alike).
//
// kafka-go's own codec decompresses a record batch with a streaming
// zstd.Decoder, which keeps a history ring of the frame's whole window: the
// window the producer's encoder declares, 8 MiB for kafka-go's writer and
// most others, whatever the batch holds (a few hundred KB here). Every
// partition reader decoding at once holds one, and the pooled ones live
// until the garbage collector drops them: a consumer worker held 16–50 MB of
// rings, 15 % of its heap (issue 11). zstdCodec instead decodes the whole
// batch at once (Decoder.DecodeAll, whose history is its output), so a batch
// costs its compressed and decompressed sizes and nothing else. Writers are
// kafka-go's codec unchanged.
func init() {
	compress.Codecs[compress.Zstd] = &zstdCodec{writer: &compress.ZstdCodec}
}

type zstdCodec struct {
	writer compress.Codec
}

func (c *zstdCodec) Code() int8                           { return c.writer.Code() }
func (c *zstdCodec) Name() string                         { return c.writer.Name() }
func (c *zstdCodec) NewWriter(w io.Writer) io.WriteCloser { return c.writer.NewWriter(w) }

// NewReader returns a reader of what r decompresses to; r is read to its
// end at the first Read.
func (c *zstdCodec) NewReader(r io.Reader) io.ReadCloser { return &zstdReader{src: r} }

var (
	zstdDecoderOnce sync.Once
	zstdDecoder     *zstd.Decoder // DecodeAll is safe for concurrent use
	zstdDecoderErr  error
	// zstdBuffers recycles the compressed and decompressed batches.
	zstdBuffers sync.Pool // *[]byte
)

// zstdPooledMax bounds the buffers kept for reuse: a larger one (a batch of
// large messages) is left to the garbage collector.
const zstdPooledMax = 4 << 20

func sharedZstdDecoder() (*zstd.Decoder, error) {
	zstdDecoderOnce.Do(func() {
		// No streaming, so the decoder needs no window of its own; one block
		// decoder per CPU bounds how many batches decode at once.
		zstdDecoder, zstdDecoderErr = zstd.NewReader(nil, zstd.WithDecoderConcurrency(runtime.GOMAXPROCS(0)))
	})
	return zstdDecoder, zstdDecoderErr
}

func getZstdBuffer() *[]byte {
	if b, ok := zstdBuffers.Get().(*[]byte); ok {
		return b
	}
	return new([]byte)
}

func putZstdBuffer(b *[]byte) {
	if b == nil || cap(*b) > zstdPooledMax {
		return
	}
	*b = (*b)[:0]
	zstdBuffers.Put(b)
}

type zstdReader struct {
	src     io.Reader
	out     *[]byte // the decompressed batch
	off     int
	err     error
	decoded bool
}

func (z *zstdReader) decode() {
	z.decoded = true
	dec, err := sharedZstdDecoder()
	if err != nil {
		z.err = err
		return
	}
	in := getZstdBuffer()
	defer putZstdBuffer(in)
	buf := bytes.NewBuffer((*in)[:0])
	if _, err := buf.ReadFrom(z.src); err != nil {
		z.err = err
		return
	}
	*in = buf.Bytes()
	z.out = getZstdBuffer()
	// The frames of a streamed batch do not say their decoded size; text
	// shrinks to about a quarter (kafka-go's guess too), and DecodeAll
	// grows the buffer when that is short.
	*z.out, z.err = dec.DecodeAll(*in, slices.Grow((*z.out)[:0], 4*len(*in)))
}

// Read implements io.Reader.
func (z *zstdReader) Read(p []byte) (int, error) {
	if !z.decoded {
		z.decode()
	}
	if z.err != nil {
		return 0, z.err
	}
	if z.out == nil || z.off >= len(*z.out) {
		return 0, io.EOF
	}
	n := copy(p, (*z.out)[z.off:])
	z.off += n
	return n, nil
}

// WriteTo implements io.WriterTo.
func (z *zstdReader) WriteTo(w io.Writer) (int64, error) {
	if !z.decoded {
		z.decode()
	}
	if z.err != nil {
		return 0, z.err
	}
	if z.out == nil || z.off >= len(*z.out) {
		return 0, nil
	}
	n, err := w.Write((*z.out)[z.off:])
	z.off += n
	return int64(n), err
}

// Close implements io.Closer: the buffers go back to the pool.
func (z *zstdReader) Close() error {
	putZstdBuffer(z.out)
	z.out, z.src = nil, nil
	if z.err == nil {
		z.err = io.ErrClosedPipe
	}
	z.decoded = true
	return nil
}
