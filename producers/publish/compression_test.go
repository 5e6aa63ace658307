package publish_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/producers/format"
)

// BenchmarkCompression compresses one batch of real article values (every
// RSS, Atom, ninjs and NewsML-G2 sample, as the producer would send them)
// with each codec kafka-go offers, reporting the compressed size in percent
// of the input. It is the measurement behind the zstd default.
func BenchmarkCompression(b *testing.B) {
	var batch []byte
	for _, dir := range []string{"rss", "atom", "ninjs", "newsml-g2"} {
		files, err := filepath.Glob(filepath.Join(shared.Path(b, "feeds/"+dir), "*"))
		require.NoError(b, err)
		for _, f := range files {
			data, err := os.ReadFile(f)
			require.NoError(b, err)
			doc, err := format.Parse(data, format.Options{Source: "bench", Now: time.Now()})
			if err != nil {
				continue
			}
			for _, it := range doc.Items {
				v, err := it.Value()
				require.NoError(b, err)
				batch = append(batch, v...)
			}
		}
	}
	for _, c := range []kafka.Compression{kafka.Snappy, kafka.Lz4, kafka.Zstd, kafka.Gzip} {
		codec := c.Codec()
		b.Run(codec.Name(), func(b *testing.B) {
			b.SetBytes(int64(len(batch)))
			var out bytes.Buffer
			for i := 0; i < b.N; i++ {
				out.Reset()
				w := codec.NewWriter(&out)
				if _, err := w.Write(batch); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(100*float64(out.Len())/float64(len(batch)), "%size")
		})
	}
}
