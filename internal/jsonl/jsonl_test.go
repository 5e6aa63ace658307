package jsonl

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReader(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		max   int
		lines []string
		nums  []int
		errAt []int
	}{
		{name: "lines are numbered from one", in: "{\"a\":1}\n{\"b\":2}\n", lines: []string{`{"a":1}`, `{"b":2}`}, nums: []int{1, 2}},
		{name: "blank lines are skipped but counted", in: "a\n\n  \nb", lines: []string{"a", "b"}, nums: []int{1, 4}},
		{name: "crlf is trimmed", in: "a\r\nb\r\n", lines: []string{"a", "b"}, nums: []int{1, 2}},
		{name: "an over-long line is an error and reading goes on", in: "ok\n" + strings.Repeat("x", 100) + "\nnext\n", max: 10, lines: []string{"ok", "", "next"}, nums: []int{1, 2, 3}, errAt: []int{2}},
		{name: "an over-long last line without newline", in: "ok\n" + strings.Repeat("y", 70000), max: 1000, lines: []string{"ok", ""}, nums: []int{1, 2}, errAt: []int{2}},
		{name: "a long line under the limit spans buffer refills", in: strings.Repeat("z", 200000) + "\n", max: 300000, lines: []string{strings.Repeat("z", 200000)}, nums: []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), tt.max)
			var lines []string
			var nums, errAt []int
			for {
				l, n, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					require.ErrorIs(t, err, ErrLineTooLong)
					errAt = append(errAt, n)
				}
				lines = append(lines, string(l))
				nums = append(nums, n)
			}
			require.Equal(t, tt.lines, lines)
			require.Equal(t, tt.nums, nums)
			require.Equal(t, tt.errAt, errAt)
		})
	}
}
