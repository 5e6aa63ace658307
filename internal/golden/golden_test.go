package golden

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJSONWritesThenCompares(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden.json")
	JSON(t, path, map[string]int{"a": 1}, true)
	JSON(t, path, map[string]int{"a": 1}, false)

	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		JSON(ft, path, map[string]int{"a": 2}, false)
	}()
	require.True(t, ft.failed, "a different value fails")
	require.Contains(t, ft.msg, `-   "a": 1`)
	require.Contains(t, ft.msg, `+   "a": 2`)
}

type fakeT struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = true
	f.msg = sprintf(format, args...)
	panic("fatal")
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
