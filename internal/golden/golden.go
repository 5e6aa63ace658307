// Package golden compares test output with golden files, as the stages'
// table tests do (testdata/<case>.golden.json), and rewrites them when the
// test runs with -update.
package golden

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// JSON compares got, as indented JSON, with the file at path, or writes the
// file when update is set. A difference fails the test with the first
// differing lines.
func JSON(t testing.TB, path string, got any, update bool) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatalf("marshal golden output: %v", err)
	}
	b = append(b, '\n')
	if update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden file (go test -update writes it): %v", err)
	}
	if string(want) != string(b) {
		t.Fatalf("output differs from %s (go test -update rewrites it):\n%s", path, FirstDiff(string(want), string(b)))
	}
}

// FirstDiff shows the first differing line of two texts with some context:
// "- " lines are only in want, "+ " lines only in got.
func FirstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(wl) && i < len(gl) && wl[i] == gl[i] {
		i++
	}
	from := max(0, i-3)
	var sb strings.Builder
	for k := from; k < i+4; k++ {
		if k < len(wl) && (k >= len(gl) || wl[k] != gl[k]) {
			sb.WriteString("- " + wl[k] + "\n")
		}
		if k < len(gl) {
			mark := "  "
			if k >= len(wl) || wl[k] != gl[k] {
				mark = "+ "
			}
			sb.WriteString(mark + gl[k] + "\n")
		}
	}
	return sb.String()
}
