package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/internal/jsonl"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/figures"
)

const extractDetails = `Reads JSON lines {"id": "...", "text": "..."} on stdin and writes
{"id": "...", "figures": [...]} per line on stdout, figures as in the article
document (DESIGN.md) with offsets into "text". Malformed lines are reported on
stderr with their line number; the exit status is 1 at the end if any failed.`

type extractIn struct {
	ID   string  `json:"id"`
	Text *string `json:"text"`
}

type extractOut struct {
	ID      string           `json:"id"`
	Figures []article.Figure `json:"figures"`
}

func runExtract(ctx context.Context, st streams, args []string) error {
	s := cli.New("extract", "newsflow extract: find figures in JSON lines of text.")
	var maxLine int
	s.Int(&maxLine, "max-line-bytes", "NEWSFLOW_MAX_LINE_BYTES", jsonl.DefaultMaxLine, "longest input line accepted; longer lines are reported and skipped")
	if _, err := parse(s, st, args, `newsflow extract [flags] < texts.jsonl > figures.jsonl`, extractDetails); err != nil {
		return err
	}
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
		if err != nil {
			if errors.Is(err, jsonl.ErrLineTooLong) {
				failed++
				fmt.Fprintf(st.stderr, "line %d: %v\n", n, err)
				continue
			}
			return err
		}
		var rec extractIn
		if err := json.Unmarshal(line, &rec); err != nil {
			failed++
			fmt.Fprintf(st.stderr, "line %d: decode {\"id\",\"text\"}: %v\n", n, err)
			continue
		}
		if rec.Text == nil {
			failed++
			fmt.Fprintf(st.stderr, "line %d: no \"text\" field\n", n)
			continue
		}
		figs := figures.Extract(*rec.Text)
		if figs == nil {
			figs = []article.Figure{}
		}
		if err := enc.Encode(extractOut{ID: rec.ID, Figures: figs}); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if failed > 0 {
		fmt.Fprintf(st.stderr, "newsflow extract: %d line(s) failed\n", failed)
		return errReported
	}
	return nil
}
