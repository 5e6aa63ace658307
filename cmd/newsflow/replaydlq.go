package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/consumers/lag"
	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/newsflow/newsflow/internal/ops"
)

// defaultReplayGroup is the consumer group replay-dlq commits on the
// dead-letter topic.
const defaultReplayGroup = "newsflow-replay"

const replayDetails = `Re-publishes the dead letters of <topic>.dlq to <topic> after the cause was
fixed (a mapping change, a repaired producer, a new newsflow release), with the
original key and bytes; the consumers then process them like new messages.
Each re-published message carries newsflow.replays (how often it was replayed);
one that fails again returns to the dead-letter topic with that count.

The replay commits its own group's offsets (--replay-group) on the dead-letter
topic after each write is acknowledged, so an interrupted replay resumes where
it stopped, and a second replay does not repeat the first. By default it stops
at the end of what the topic held when it started; --follow keeps replaying new
dead letters until interrupted. --stage limits it to letters of some stages
(decode, validate, normalize, figures, dedup, index); the others are passed
over and committed, so replay them with another --replay-group. --dry-run lists
the letters and changes nothing. Run one replay per group at a time.`

func runReplayDLQ(ctx context.Context, st streams, args []string) error {
	s := cli.New("replay-dlq", "newsflow replay-dlq: re-publish dead letters to the raw topic.")
	logs := addLogSettings(s)
	var (
		k           kafkacfg.Settings
		group       string
		stages      []string
		follow      bool
		dryRun      bool
		batch       int
		metricsAddr string
	)
	k.AddFlags(s)
	s.String(&group, "replay-group", "NEWSFLOW_REPLAY_GROUP", defaultReplayGroup, "consumer group whose offsets on the dead-letter topic record what was replayed")
	s.List(&stages, "stage", "NEWSFLOW_REPLAY_STAGES", nil, "replay only dead letters of this stage (repeatable): decode, validate, normalize, figures, dedup, index")
	s.Bool(&follow, "follow", "NEWSFLOW_REPLAY_FOLLOW", false, "keep replaying new dead letters until interrupted, instead of stopping at the end")
	s.Bool(&dryRun, "dry-run", "NEWSFLOW_REPLAY_DRY_RUN", false, "list the dead letters on stdout; publish and commit nothing")
	s.Int(&batch, "batch-size", "NEWSFLOW_REPLAY_BATCH_SIZE", 100, "dead letters re-published per write")
	s.String(&metricsAddr, "metrics-addr", "NEWSFLOW_METRICS_ADDR", "", "listen address of /metrics, /healthz, /readyz (empty: none; useful with --follow)")
	if _, err := parse(s, st, args, "newsflow replay-dlq [flags]", replayDetails); err != nil {
		return err
	}
	logger, err := logs.logger(st.stderr)
	if err != nil {
		return err
	}
	if err := k.Resolve(nil); err != nil {
		return err
	}
	if group == "" {
		return errors.New("--replay-group is empty")
	}
	dlqTopic := k.DLQTopic()
	reg := ops.NewRegistry()
	if metricsAddr != "" {
		srv, err := ops.Listen("metrics", metricsAddr, ops.Handler(reg, ops.NewProber()), logger)
		if err != nil {
			return err
		}
		go func() { _ = srv.Run() }()
		defer srv.Stop(5 * time.Second)
	}

	kc, err := k.Clients("newsflow-replay")
	if err != nil {
		return err
	}
	defer kc.Close()
	client := kc.Client
	var end map[int]int64
	if !follow {
		parts, err := lag.Read(ctx, client, group, dlqTopic)
		if err != nil {
			return fmt.Errorf("read the dead-letter topic's offsets: %w", err)
		}
		pos := make([]dlq.Position, len(parts))
		for i, p := range parts {
			next := p.Committed
			if next < p.First {
				next = p.First
			}
			pos[i] = dlq.Position{Partition: p.Partition, Next: next, End: p.End}
		}
		end = dlq.Remaining(pos)
		if len(end) == 0 {
			logger.Info("nothing to replay", "topic", dlqTopic, "group", group)
			return nil
		}
	}
	rc := kafkacfg.DefaultReaderConfig()
	rc.Group = group
	reader := kc.GroupReader(dlqTopic, rc, logger, slog.LevelWarn)
	defer func() {
		if err := reader.Close(); err != nil {
			logger.Warn("close kafka reader", "err", err)
		}
	}()
	var w dlq.Writer
	var observe func(kafka.Message)
	if dryRun {
		observe = func(m kafka.Message) {
			fmt.Fprintf(st.stdout, "partition=%d offset=%d key=%q bytes=%d %s\n", m.Partition, m.Offset, m.Key, len(m.Value), dlq.Describe(m))
		}
	} else {
		kw := kc.KeyedWriter(k.Topic)
		defer func() {
			if err := kw.Close(); err != nil {
				logger.Warn("close kafka writer", "err", err)
			}
		}()
		w = kw
	}
	rp := dlq.NewReplayer(reader, w, dlq.ReplayConfig{
		DryRun: dryRun, Observe: observe, Stages: stages, End: end, BatchSize: batch, Logger: logger, Registerer: reg,
		Backoff: backoff.Policy{Min: backoff.DefaultMin, Max: 10 * time.Second},
	})
	logger.Info("replaying dead letters", "from", dlqTopic, "to", k.Topic, "group", group, "stages", stages, "partitions_to_end", end, "dry_run", dryRun)
	counts, err := rp.Replay(ctx)
	logger.Info("replay finished", "republished", counts.Republished, "skipped_by_stage", counts.Skipped, "dry_run", dryRun)
	if err != nil && !(follow && errors.Is(err, context.Canceled)) {
		return err
	}
	return nil
}
