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

// eachLine is the stream loop of process and extract: it calls fn with
// every non-blank line of st.stdin (the slice is valid during the call) and
// an encoder writing JSON lines to st.stdout. An error fn returns is the
// line's own failure: it is reported on stderr with the line number and the
// stream goes on. At the end it returns errReported when any line failed.
func eachLine(ctx context.Context, st streams, command string, maxLine int, fn func(line []byte, enc *json.Encoder) error) error {
	in := jsonl.NewReader(st.stdin, maxLine)
	out := bufio.NewWriterSize(st.stdout, 256<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
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
			err = fn(line, enc)
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

// encode writes v as one output line.
func encode(enc *json.Encoder, v any) error {
	if err := enc.Encode(v); err != nil {
		return &writeError{fmt.Errorf("write output: %w", err)}
	}
	return nil
}
