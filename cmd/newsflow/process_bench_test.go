package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"

	"github.com/newsflow/newsflow/internal/shared"
)

// BenchmarkProcessReuters runs `newsflow process` (settings, the stream
// loop, JSON in and out) over the Reuters corpus, a fresh dedup memory per
// pass, as `GOMAXPROCS=1 newsflow process < reuters-21578.jsonl` does: MB/s
// of the input file. Compare with the chain of `newsflow bench stages` (the
// stages alone) for what the command adds (scripts/bench.sh does both).
//
//	go test ./cmd/newsflow -run '^$' -bench ProcessReuters -benchmem -cpu 1
func BenchmarkProcessReuters(b *testing.B) {
	in, err := os.ReadFile(shared.Path(b, "corpus/reuters-21578.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		var errs bytes.Buffer
		if err := runProcess(context.Background(), streams{stdin: bytes.NewReader(in), stdout: io.Discard, stderr: &errs}, nil); err != nil {
			b.Fatalf("%v: %s", err, errs.String())
		}
	}
}
