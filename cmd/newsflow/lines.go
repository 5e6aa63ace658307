package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/newsflow/newsflow/internal/jsonl"
)

// lineOut writes the JSON lines of a stream to st.stdout, buffered.
type lineOut struct {
	w   *bufio.Writer
	enc *json.Encoder
}

// encode writes v as one line, as a json.Encoder without HTML escaping
// writes it.
func (o *lineOut) encode(v any) error {
	if err := o.enc.Encode(v); err != nil {
		return &writeError{fmt.Errorf("write output: %w", err)}
	}
	return nil
}

// write writes one line already encoded (without its newline).
func (o *lineOut) write(line []byte) error {
	if _, err := o.w.Write(line); err != nil {
		return &writeError{fmt.Errorf("write output: %w", err)}
	}
	if err := o.w.WriteByte('\n'); err != nil {
		return &writeError{fmt.Errorf("write output: %w", err)}
	}
	return nil
}

// eachLine is the stream loop of process and extract: it calls fn with
// every non-blank line of st.stdin (the slice is valid during the call) and
// the output. An error fn returns is the line's own failure: it is reported
// on stderr with the line number and the stream goes on. At the end it
// returns errReported when any line failed.
func eachLine(ctx context.Context, st streams, command string, maxLine int, fn func(line []byte, out *lineOut) error) error {
	in := jsonl.NewReader(st.stdin, maxLine)
	out := bufio.NewWriterSize(st.stdout, 256<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	lo := &lineOut{w: out, enc: enc}
	failed := 0
	for {
		if err := ctx.Err(); err != nil {
			_ = out.Flush()
			return fmt.Errorf("interrupted: %w", err)
		}
		line, n, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil {
			err = fn(line, lo)
			var werr *writeError
			if errors.As(err, &werr) {
				return werr.err
			}
		} else if !errors.Is(err, jsonl.ErrLineTooLong) {
			return err
		}
		if err != nil {
			failed++
			fmt.Fprintf(st.stderr, "line %d: %v\n", n, err)
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if failed > 0 {
		fmt.Fprintf(st.stderr, "newsflow %s: %d line(s) failed\n", command, failed)
		return errReported
	}
	return nil
}

// writeError ends the stream: the output cannot be written.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
