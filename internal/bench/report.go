package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Goals of issues 8 and 11.
const (
	// GoalChainMBPerCore is the chain's throughput per core to reach.
	GoalChainMBPerCore = 20.0
	// GoalBulkRatio is the share of the raw bulk baseline to reach end to
	// end with cross-article dedup on (issue 11; 0.8 in issue 8), measured
	// with Elasticsearch on a core of its own (--isolate).
	GoalBulkRatio = 0.9
	// GoalESCPURatio bounds Elasticsearch's CPU per indexed article in the
	// pipeline as a multiple of the raw bulk baseline's: the search tier
	// indexes articles and nothing else.
	GoalESCPURatio = 1.1
	// GoalWorkerRSS is the peak RSS a worker must stay under at default
	// settings.
	GoalWorkerRSS = 200e6
)

func metOrNot(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}

// WriteStages writes the stage table in markdown: per stage and corpus,
// throughput per core, wall-clock throughput of one goroutine, and
// allocations per article; then the machine, the load and the goal.
func WriteStages(w io.Writer, results []StageResult, m Machine, loadEnd [3]float64, command string) {
	fmt.Fprintf(w, "| stage | corpus | MB/s per core | articles/s per core | MB/s (1 goroutine, wall) | allocs/article |\n")
	fmt.Fprintf(w, "| --- | --- | ---: | ---: | ---: | ---: |\n")
	row := func(r StageResult) {
		fmt.Fprintf(w, "| %s | %s | %.1f | %s | %.1f | %.0f |\n", r.Stage, r.Corpus, r.MBPerCPUSecond(),
			thousands(r.ArticlesPerCPUSecond()), r.MBPerSecond(), r.AllocsPerArticle())
	}
	var chain, process *StageResult
	for _, s := range Stages {
		any := false
		for _, r := range results {
			if r.Stage == s {
				row(r)
				any = true
			}
		}
		if t, ok := TotalRow(results, s); ok {
			row(t)
			switch s {
			case StageChain:
				chain = &t
			case StageProcess:
				process = &t
			}
		} else if any && (s == StageChain || s == StageProcess) {
			for _, r := range results {
				if r.Stage == s {
					r := r
					if s == StageChain {
						chain = &r
					} else {
						process = &r
					}
				}
			}
		}
	}
	fmt.Fprintf(w, "\nMachine: %s; load average %s at the start, %s at the end.\n", m, LoadString(m.Load), LoadString(loadEnd))
	fmt.Fprintf(w, "MB = 10^6 bytes of raw article text (title + body); per core = per CPU second of the process (user + system, garbage collection included).\n")
	if chain != nil {
		v := chain.MBPerCPUSecond()
		fmt.Fprintf(w, "Goal: the chain at %.0f MB/s per core or more: %.1f over %s, %s.\n", GoalChainMBPerCore, v, chain.Corpus, metOrNot(v >= GoalChainMBPerCore))
	}
	if chain != nil && process != nil && chain.MBPerCPUSecond() > 0 {
		fmt.Fprintf(w, "newsflow process (JSON lines in and out around the chain) over %s: %.1f MB/s per core = %.2f of the chain.\n",
			process.Corpus, process.MBPerCPUSecond(), process.MBPerCPUSecond()/chain.MBPerCPUSecond())
	}
	if command != "" {
		fmt.Fprintf(w, "Command: `%s`\n", command)
	}
}

// WriteE2E writes the end-to-end report in markdown.
func WriteE2E(w io.Writer, rep *E2EReport, command string) {
	c := rep.Config
	fmt.Fprintf(w, "| figure | articles/s | MB/s | ratio to raw bulk | detail |\n")
	fmt.Fprintf(w, "| --- | ---: | ---: | ---: | --- |\n")
	bulk := rep.Bulk.ArticlesPerSecond()
	ratio := func(p Phase) string {
		if !p.Ran || bulk == 0 {
			return ""
		}
		return fmt.Sprintf("%.2f", p.ArticlesPerSecond()/bulk)
	}
	if rep.Pipeline.Ran {
		fmt.Fprintf(w, "| pipeline end to end: produce → %d workers (dedup store %s) → searchable | %s | %.2f | %s | %d articles, %d partitions, %.1fs; Elasticsearch CPU %.1fs (%s per article); load %s |\n",
			c.Workers, c.DedupStore, thousands(rep.Pipeline.ArticlesPerSecond()), rep.Pipeline.MBPerSecond(), ratio(rep.Pipeline),
			rep.Pipeline.Articles, c.Partitions, rep.Pipeline.Duration.Seconds(), rep.Pipeline.ESCPU.Seconds(), us(rep.Pipeline.ESCPUPerArticle()), LoadString(rep.Pipeline.Load))
	}
	if rep.Bulk.Ran {
		fmt.Fprintf(w, "| baseline 1: raw `_bulk` of the processed documents → searchable | %s | %.2f | 1.00 | %d per request, %d in flight, %.1fs; Elasticsearch CPU %.1fs (%s per article); load %s |\n",
			thousands(bulk), rep.Bulk.MBPerSecond(), c.BatchSize, c.LoaderConcurrency, rep.Bulk.Duration.Seconds(), rep.Bulk.ESCPU.Seconds(), us(rep.Bulk.ESCPUPerArticle()), LoadString(rep.Bulk.Load))
	}
	if rep.BulkAfter.Ran {
		fmt.Fprintf(w, "| baseline 1 again, after the pipeline (--baseline-after) | %s | %.2f | %s | %.1fs; Elasticsearch CPU %.1fs (%s per article); load %s |\n",
			thousands(rep.BulkAfter.ArticlesPerSecond()), rep.BulkAfter.MBPerSecond(), ratio(rep.BulkAfter), rep.BulkAfter.Duration.Seconds(),
			rep.BulkAfter.ESCPU.Seconds(), us(rep.BulkAfter.ESCPUPerArticle()), LoadString(rep.BulkAfter.Load))
	}
	if r := rep.BracketedRatio(); r > 0 {
		fmt.Fprintf(w, "| pipeline ÷ the mean of baseline 1 before and after it | | | %.2f | %s ÷ (%s + %s) / 2 |\n",
			r, thousands(rep.Pipeline.ArticlesPerSecond()), thousands(bulk), thousands(rep.BulkAfter.ArticlesPerSecond()))
	}
	if r := rep.ESCPURatio(); r > 0 {
		fmt.Fprintf(w, "| Elasticsearch CPU per indexed article, pipeline ÷ baseline 1 | | | %.2f | %s ÷ %s |\n",
			r, us(rep.Pipeline.ESCPUPerArticle()), us(rep.Bulk.ESCPUPerArticle()))
	}
	if rep.Consume.Ran {
		fmt.Fprintf(w, "| baseline 2: raw consumption (1 group member, no processing) | %s | %.2f | %s | %.1fs; load %s |\n",
			thousands(rep.Consume.ArticlesPerSecond()), rep.Consume.MBPerSecond(), ratio(rep.Consume), rep.Consume.Duration.Seconds(), LoadString(rep.Consume.Load))
	}
	if rep.Produce.Ran {
		fmt.Fprintf(w, "| producer writer (acks=all, zstd), during the pipeline phase | %s | %.2f | %s | %.1fs |\n",
			thousands(rep.Produce.ArticlesPerSecond()), rep.Produce.MBPerSecond(), ratio(rep.Produce), rep.Produce.Duration.Seconds())
	}
	if rep.Latency.Ran {
		l := rep.Latency
		fmt.Fprintf(w, "| latency receipt → searchable at %.0f articles/s | | | | p50 %s, p99 %s, max %s over %d samples of %d articles (poll every %v); load %s |\n",
			l.Rate, ms(l.P50), ms(l.P99), ms(l.Max), l.Samples-l.Missing, l.Sent, latencyPoll, LoadString(l.Load))
	}
	if len(rep.PeakRSS) > 0 {
		var parts []string
		for _, v := range rep.PeakRSS {
			parts = append(parts, fmt.Sprintf("%.0f MB", float64(v)/1e6))
		}
		note := ""
		if rep.RSSNote != "" {
			note = " (" + rep.RSSNote + ")"
		}
		fmt.Fprintf(w, "| peak RSS per worker (VmHWM), default settings | | | | %s%s |\n", strings.Join(parts, ", "), note)
	}
	if rep.Redis.Ran {
		m := rep.Redis
		fmt.Fprintf(w, "| dedup store memory (Redis used_memory, pipeline phase) | | | | %+.1f MB, %+d keys for %.0f paragraphs (%.0f first seen): %.2f GB per million paragraphs, %.2f GB per million first-seen paragraphs |\n",
			float64(m.Bytes)/1e6, m.Keys, m.Paragraphs, m.Unique, m.BytesPerMillionParagraphs()/1e9, m.BytesPerMillionUnique()/1e9)
	}
	fmt.Fprintf(w, "\nMachine: %s; Elasticsearch %s; load average %s at the start, %s at the end. Run %s.\n",
		rep.Machine, rep.ESVersion, LoadString(rep.LoadStart), LoadString(rep.LoadEnd), rep.Run)
	if len(rep.Pinned) > 0 {
		var parts []string
		for _, p := range rep.Pinned {
			parts = append(parts, fmt.Sprintf("%s (pid %d) on CPUs %s", p.Name, p.PID, p.CPUs))
		}
		fmt.Fprintf(w, "Isolation (taskset, both baselines and the pipeline): %s.\n", strings.Join(parts, "; "))
	} else {
		fmt.Fprintf(w, "No isolation: Elasticsearch shares every core with the workers, Kafka, Redis and the harness.\n")
	}
	for _, ph := range []struct {
		name string
		p    Phase
	}{{"baseline 1", rep.Bulk}, {"pipeline", rep.Pipeline}} {
		if ph.p.Ran && len(ph.p.CPU) > 0 {
			fmt.Fprintf(w, "Process CPU during %s (from /proc): %s.\n", ph.name, strings.TrimPrefix(cpuString(ph.p.CPU), "CPU: "))
		}
		if ph.p.Ran && ph.p.Busy.Ran {
			fmt.Fprintf(w, "CPU use over the window of %s (sampled every %v): %s.\n", ph.name, busyEvery, ph.p.Busy)
		}
		if st := ph.p.Stats; ph.p.Ran && st.Ran {
			fmt.Fprintf(w, "Index statistics of %s (primaries, when its merges had finished, %.1fs after the documents were searchable; its Elasticsearch CPU counts them): indexing %.1fs, %d refreshes %.1fs, %d merges %.1fs, %d searches.\n",
				ph.name, ph.p.Settle.Seconds(), st.Index.Seconds(), st.Refreshes, st.Refresh.Seconds(), st.Merges, st.Merge.Seconds(), st.Searches)
		}
	}
	if rep.Bulk.Ran {
		fmt.Fprintf(w, "Baseline 1 sent its documents in %s order (--baseline-order).\n", c.BaselineOrder)
	}
	if c.Backlog {
		fmt.Fprintf(w, "Pipeline as a catch-up (--backlog): the %d articles were produced before the workers started (%.1fs, not counted); the clock ran from the workers' first fetched message.\n", rep.Produce.Articles, rep.Produce.Duration.Seconds())
	} else {
		fmt.Fprintf(w, "The pipeline's clock ran from the producer's first write (the producer and the workers share the CPUs).\n")
	}
	fmt.Fprintf(w, "MB = 10^6 bytes of raw article text (title + body). The workers' set-up (start → ready, group stable) took %.1fs and is not counted.\n", rep.Setup.Seconds())
	b := rep.Breakdown
	if rep.Pipeline.Ran && b.Stage != nil {
		n := float64(rep.Pipeline.Articles + rep.Latency.Sent)
		fmt.Fprintf(w, "Workers (pipeline and latency phases, %.0f articles): CPU %.1fs (%.2f ms/article); stage time summed over partitions: normalize %.1fs, figures %.1fs, dedup %.1fs; dedup store requests: %.0f lookups (%.1fs), %.0f claims (%.1fs), %.0f conflict reads, %.0f failed; keys created %.0f, in conflict %.0f; %.0f bulk requests (%.1fs); %.0f messages fetched, %.0f dead-lettered.\n",
			n, b.WorkerCPU.Seconds(), 1000*b.WorkerCPU.Seconds()/max(n, 1),
			b.Stage["normalize"].Seconds(), b.Stage["figures"].Seconds(), b.Stage["dedup"].Seconds(),
			b.StoreRequests["lookup"], b.StoreTime["lookup"].Seconds(), b.StoreRequests["claim"], b.StoreTime["claim"].Seconds(), b.StoreRequests["conflicts"], b.StoreErrors,
			b.KeysCreated, b.KeysConflict, b.BulkRequests, b.BulkTime.Seconds(), b.Fetched, b.DeadLettered)
	}
	if r := rep.BulkRatio(); r > 0 {
		where := "with Elasticsearch on its own CPUs"
		if len(rep.Pinned) == 0 {
			where = "unpinned (the goal is for --isolate)"
		}
		fmt.Fprintf(w, "Goal: end to end at %.0f%% or more of the raw bulk baseline, dedup on (%s), %s: %.0f%%, %s.\n", 100*GoalBulkRatio, c.DedupStore, where, 100*r, metOrNot(r >= GoalBulkRatio))
		if br := rep.BracketedRatio(); br > 0 {
			fmt.Fprintf(w, "The same against the mean of baseline 1 before and after the pipeline: %.0f%%, %s.\n", 100*br, metOrNot(br >= GoalBulkRatio))
		}
	}
	if r := rep.ESCPURatio(); r > 0 {
		fmt.Fprintf(w, "Goal: Elasticsearch CPU per indexed article at most %.1f× the raw bulk baseline's: %.2f×, %s.\n", GoalESCPURatio, r, metOrNot(r <= GoalESCPURatio))
	}
	if len(rep.PeakRSS) > 0 && rep.RSSNote == "" {
		peak := int64(0)
		for _, v := range rep.PeakRSS {
			peak = max(peak, v)
		}
		fmt.Fprintf(w, "Goal: a worker at default settings under 200 MB RSS: %.0f MB, %s.\n", float64(peak)/1e6, metOrNot(peak < GoalWorkerRSS))
	}
	if command != "" {
		fmt.Fprintf(w, "Command: `%s`\n", command)
	}
}

// us formats a small duration in microseconds.
func us(d time.Duration) string {
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}

// thousands formats a rate with a thousands separator.
func thousands(f float64) string {
	s := fmt.Sprintf("%.0f", f)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
