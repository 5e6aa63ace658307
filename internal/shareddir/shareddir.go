// Package shareddir finds the test and benchmark data that lives beside the
// repository in ../shared (corpora, feed samples, the seed article, the eval
// suite), for `newsflow bench` and, through package shared, the tests. That
// data is licensed for tests and benchmarks only: it is read in place and
// never copied into the product.
package shareddir

import (
	"os"
	"path/filepath"
)

// EnvDir names the environment variable that overrides the location.
const EnvDir = "NEWSFLOW_SHARED"

// Find returns the shared data directory: $NEWSFLOW_SHARED, else the first
// "shared" directory holding DESIGN.md found beside the working directory or
// one of its parents (a checkout next to shared/ finds it). It
// returns "" when there is none.
func Find() string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if cand := filepath.Join(dir, "shared"); isShared(cand) {
			return cand
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

func isShared(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "DESIGN.md"))
	return err == nil
}
