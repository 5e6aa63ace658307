package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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
	return eachLine(ctx, st, "extract", maxLine, func(line []byte, out *lineOut) error {
		var rec extractIn
		if err := json.Unmarshal(line, &rec); err != nil {
			return fmt.Errorf("decode {\"id\",\"text\"}: %w", err)
		}
		if rec.Text == nil {
			return errors.New(`no "text" field`)
		}
		figs := figures.Extract(*rec.Text)
		if figs == nil {
			figs = []article.Figure{}
		}
		return out.encode(extractOut{ID: rec.ID, Figures: figs})
	})
}
