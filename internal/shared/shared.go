// Package shared gives tests the test and benchmark data that lives beside
// the repository in ../shared (corpora, feed samples, the seed article, the
// eval suite): paths that skip a test without the data (fail it under
// CI=true) and the corpus records. That data is licensed for tests and
// benchmarks only, so it is read in place and never copied into the product.
// It is a test helper (it imports testing); the binary finds the directory
// through package shareddir.
package shared

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/newsflow/newsflow/internal/shareddir"
)

// EnvDir names the environment variable that overrides the location.
const EnvDir = shareddir.EnvDir

// Dir returns the shared data directory (see shareddir.Find), or "".
func Dir() string { return shareddir.Find() }

// Path returns the path of rel inside the shared directory. When the data is
// missing the test is skipped, or failed when CI=true, with a hint.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	d := Dir()
	p := filepath.Join(d, rel)
	if d != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	msg := "shared test data " + rel + " not found: set " + EnvDir + " to the directory holding DESIGN.md, corpus/, feeds/, seed/ and eval/"
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// Corpus file names in the shared corpus/ directory.
const (
	CorpusReuters = "reuters-21578.jsonl"
	CorpusBBC     = "bbc-news.jsonl"
)

// CorpusRecord is one line of a shared corpus file.
type CorpusRecord struct {
	ID        string `json:"id"`
	Source    string `json:"source"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	Published string `json:"published,omitempty"`
}

// LoadCorpus reads the records of corpus/<name> (skipped, or failed under
// CI, when the data is missing). limit > 0 keeps the first limit records.
func LoadCorpus(tb testing.TB, name string, limit int) []CorpusRecord {
	tb.Helper()
	f, err := os.Open(Path(tb, filepath.Join("corpus", name)))
	if err != nil {
		tb.Fatalf("open corpus: %v", err)
	}
	defer f.Close()
	var out []CorpusRecord
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	for dec.More() {
		var r CorpusRecord
		if err := dec.Decode(&r); err != nil {
			tb.Fatalf("decode corpus %s record %d: %v", name, len(out)+1, err)
		}
		out = append(out, r)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out
}
