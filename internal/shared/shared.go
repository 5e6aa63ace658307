// Package shared locates the test and benchmark data that lives beside the
// repository in ../shared (corpora, feed samples, the seed article, the eval
// suite). That data is licensed for tests and benchmarks only, so it is read
// in place and never copied into the product.
package shared

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvDir names the environment variable that overrides the location.
const EnvDir = "NEWSFLOW_SHARED"

// Dir returns the shared data directory: $NEWSFLOW_SHARED, else the first
// "shared" directory holding DESIGN.md found beside the working directory or
// one of its parents. It returns "" when there is none.
func Dir() string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		cand := filepath.Join(dir, "shared")
		if _, err := os.Stat(filepath.Join(cand, "DESIGN.md")); err == nil {
			return cand
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

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
