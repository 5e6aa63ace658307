package main

import (
	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/consumers/backoff"
	"github.com/newsflow/newsflow/internal/cli"
)

// addWorkerSettings declares the consumer worker's settings on s, for every
// command that runs a worker (consume, up). def holds the command's own
// defaults; its zero fields take the package's.
func addWorkerSettings(s *cli.Set, w *consumers.Config, def consumers.Config) {
	s.Int(&w.BatchSize, "batch-size", "NEWSFLOW_BATCH_SIZE", orDefault(def.BatchSize, consumers.DefaultBatchSize),
		"most messages per bulk request; larger batches index faster per document and hold more memory and more repeated work after a crash")
	s.Int(&w.BatchBytes, "batch-bytes", "NEWSFLOW_BATCH_BYTES", orDefault(def.BatchBytes, consumers.DefaultBatchBytes),
		"most message bytes per batch; keep it well below Elasticsearch's http.max_content_length (100mb)")
	s.Duration(&w.FlushInterval, "flush-interval", "NEWSFLOW_FLUSH_INTERVAL", orDefault(def.FlushInterval, consumers.DefaultFlushInterval),
		"longest a batch waits to fill before it is processed anyway: the latency a quiet topic adds; shorter means smaller bulk requests")
	s.Int(&w.MaxInFlight, "max-in-flight", "NEWSFLOW_MAX_IN_FLIGHT", orDefault(def.MaxInFlight, consumers.DefaultMaxInFlight),
		"bulk requests in flight at once while the next batch is processed; more overlaps indexing with the stages and holds more memory; when all are busy (the index slow or down) fetching pauses")
	s.Int(&w.StagesInFlight, "stages-in-flight", "NEWSFLOW_STAGES_IN_FLIGHT", orDefault(def.StagesInFlight, consumers.DefaultStagesInFlight),
		"batches whose stages run at once: a partition's next run starts when its current one is done, without waiting for the other partitions of the batch; 1 processes one batch at a time; each holds a batch of memory")
	s.Int(&w.Parallelism, "parallelism", "NEWSFLOW_PARALLELISM", orDefault(def.Parallelism, consumers.DefaultParallelism),
		"partitions processed at once (the stages run in order within a partition and wait on the dedup store's batched lookups and claims, so this may exceed the CPUs); more than the partitions this worker holds has no effect")
	s.Duration(&w.CommitInterval, "commit-interval", "NEWSFLOW_COMMIT_INTERVAL", orDefault(def.CommitInterval, consumers.DefaultCommitInterval),
		"how often done offsets are committed; shorter means less repeated work after a crash or rebalance, more commit requests")
	s.Duration(&w.ShutdownTimeout, "shutdown-timeout", "NEWSFLOW_SHUTDOWN_TIMEOUT", orDefault(def.ShutdownTimeout, consumers.DefaultShutdownTimeout),
		"how long in-flight work may take to finish after SIGTERM; work not done by then is not committed and is delivered again (keep it below the orchestrator's kill grace period)")
	s.Duration(&w.Backoff.Min, "backoff-min", "NEWSFLOW_BACKOFF_MIN", orDefault(def.Backoff.Min, backoff.DefaultMin),
		"first retry delay for the index, the dedup store and dead letters; doubles per attempt with jitter")
	s.Duration(&w.Backoff.Max, "backoff-max", "NEWSFLOW_BACKOFF_MAX", orDefault(def.Backoff.Max, backoff.DefaultMax),
		"cap of the retry delay; lower recovers sooner after an outage, higher spares a struggling cluster")
}

// orDefault is v, or d when v is the zero value.
func orDefault[T comparable](v, d T) T {
	var zero T
	if v != zero {
		return v
	}
	return d
}
