package main

import (
	"context"
	"time"

	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/internal/jsonl"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

const processDetails = `Reads JSON lines of RawArticle (DESIGN.md) on stdin and writes one article
document per line on stdout, in input order. Paragraph de-duplication state is
carried across the whole stream, as a consumer worker carries it across a
topic. A malformed line is reported on stderr with its line number and the rest
is still processed; the exit status is 1 at the end if any line failed.
Memory stays constant however long the input: lines are read one at a time.`

func runProcess(ctx context.Context, st streams, args []string) error {
	s := cli.New("process", "newsflow process: run the stages on JSON lines of raw articles.")
	logs := addLogSettings(s)
	dd := addDedupSettings(s, true)
	var maxLine int
	s.Int(&maxLine, "max-line-bytes", "NEWSFLOW_MAX_LINE_BYTES", jsonl.DefaultMaxLine, "longest input line accepted; longer lines are reported and skipped")
	if _, err := parse(s, st, args, "newsflow process [flags] < raw.jsonl > articles.jsonl", processDetails); err != nil {
		return err
	}
	if _, err := logs.logger(st.stderr); err != nil {
		return err
	}
	d, err := dd.deduper(dedup.NewMemoryStore(dd.memoryKeys))
	if err != nil {
		return err
	}
	p := pipeline.New(d, time.Now, nil)
	return processStream(ctx, st, p, maxLine)
}

// processStream runs p over every line of st.stdin.
func processStream(ctx context.Context, st streams, p *pipeline.Pipeline, maxLine int) error {
	var buf []byte
	return eachLine(ctx, st, "process", maxLine, func(line []byte, out *lineOut) error {
		var err error
		if buf, err = p.ProcessJSON(ctx, buf[:0], line, false); err != nil {
			return err
		}
		return out.write(buf)
	})
}
