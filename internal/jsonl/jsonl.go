// Package jsonl reads JSON lines as a stream: one line at a time, in
// constant memory, with line numbers for error messages. A line longer than
// the limit is reported as an error and skipped, never slurped.
package jsonl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxLine is the longest line accepted by default (16 MiB).
const DefaultMaxLine = 16 << 20

// ErrLineTooLong is wrapped by the error for a line over the limit.
var ErrLineTooLong = errors.New("line too long")

// Reader yields the non-blank lines of a stream.
type Reader struct {
	r    *bufio.Reader
	max  int
	line int
	buf  []byte
}

// NewReader reads r; lines longer than max bytes are errors (0: DefaultMaxLine).
func NewReader(r io.Reader, max int) *Reader {
	if max <= 0 {
		max = DefaultMaxLine
	}
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Next returns the next non-blank line and its 1-based number. The slice is
// valid until the next call. At the end it returns io.EOF. A line over the
// limit returns an error wrapping ErrLineTooLong; reading can go on.
func (r *Reader) Next() (line []byte, n int, err error) {
	for {
		r.buf = r.buf[:0]
		tooLong := false
		for {
			chunk, err := r.r.ReadSlice('\n')
			if !tooLong {
				if len(r.buf)+len(chunk) > r.max+1 {
					tooLong = true
					r.buf = r.buf[:0]
				} else {
					r.buf = append(r.buf, chunk...)
				}
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, r.line, fmt.Errorf("read line %d: %w", r.line+1, err)
			}
			if errors.Is(err, io.EOF) && len(chunk) == 0 && len(r.buf) == 0 && !tooLong {
				return nil, r.line, io.EOF
			}
			break
		}
		r.line++
		if tooLong {
			return nil, r.line, fmt.Errorf("line %d: %w (limit %d bytes)", r.line, ErrLineTooLong, r.max)
		}
		t := bytes.TrimSpace(r.buf)
		if len(t) == 0 {
			continue
		}
		return t, r.line, nil
	}
}
