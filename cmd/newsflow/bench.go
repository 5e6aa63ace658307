package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/newsflow/newsflow/consumers"
	"github.com/newsflow/newsflow/internal/bench"
	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/internal/escfg"
	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/newsflow/newsflow/internal/shareddir"
)

const benchUsage = `newsflow bench: the benchmark harness.

Usage:
  newsflow bench stages [flags]   stage throughput per core over the corpora (no servers)
  newsflow bench e2e [flags]      end to end on real Kafka and Elasticsearch, with
                                  the raw bulk and raw consumption baselines

Each prints progress on stderr and a markdown table on stdout: every figure
with the machine (cores, memory, CPU model), the load average and the date.
Run ` + "`newsflow bench <mode> --help`" + ` for the settings. bench/RESULTS.md holds the
published figures and the commands that produced them.

The corpora (../shared/corpus: Reuters-21578 and BBC News) are licensed for
tests and benchmarks only; the harness reads them from disk at run time.
`

func runBench(ctx context.Context, st streams, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(st.stdout, benchUsage)
		if len(args) == 0 {
			return errors.New("which benchmark? stages or e2e (see newsflow bench --help)")
		}
		return cli.ErrHelp
	}
	switch args[0] {
	case "stages":
		return runBenchStages(ctx, st, args[1:])
	case "e2e":
		return runBenchE2E(ctx, st, args[1:])
	default:
		return fmt.Errorf("unknown benchmark %q: want stages or e2e (see newsflow bench --help)", args[0])
	}
}

// corpusSettings locate the corpora.
type corpusSettings struct {
	dir   string
	files []string
}

func addCorpusSettings(s *cli.Set) *corpusSettings {
	c := &corpusSettings{}
	s.String(&c.dir, "corpus", "NEWSFLOW_BENCH_CORPUS", "",
		"directory of the corpus files (JSON lines of raw articles); default: corpus/ of the shared test data (../shared, or $NEWSFLOW_SHARED)")
	s.List(&c.files, "corpus-file", "NEWSFLOW_BENCH_CORPUS_FILES", nil,
		"corpus file names within --corpus, repeatable; default: every *.jsonl there")
	return c
}

func (c *corpusSettings) load() ([]bench.Corpus, error) {
	dir := c.dir
	if dir == "" {
		if d := shareddir.Find(); d != "" {
			dir = filepath.Join(d, "corpus")
		}
	}
	return bench.LoadCorpora(dir, c.files)
}

const benchStagesDetails = `Measures each stage alone, and the whole chain, on each corpus file, with one
goroutine: normalize (raw article → paragraphs), figures (extraction and the
figure key of every paragraph), dedup (Mark with an in-memory store, fresh per
pass over the corpus) and chain (pipeline.Process: all of them plus assembly).
Inputs of a later stage are computed before its clock starts.

Throughput is megabytes (10^6) of raw article text (title + body) per CPU
second of the process (user + system, so garbage collection on other cores
counts): "per core". Allocations are heap allocations per article. The rows
"all" add the corpora up. The goal of issue 8 is the chain at 20 MB/s per core.

Close other work first: on a shared machine CPU time is steadier than wall
time, but caches and frequency still suffer.`

func runBenchStages(ctx context.Context, st streams, args []string) error {
	s := cli.New("bench stages", "newsflow bench stages: stage throughput per core over the corpora.")
	c := addCorpusSettings(s)
	var stages []string
	var minTime time.Duration
	var cpuProfile string
	s.List(&stages, "stage", "NEWSFLOW_BENCH_STAGES", nil, "stages to measure, repeatable: normalize, figures, dedup, chain (default: all)")
	s.Duration(&minTime, "min-time", "NEWSFLOW_BENCH_MIN_TIME", 3*time.Second, "least time per stage and corpus; whole passes over the corpus repeat until it has passed (longer is steadier)")
	s.String(&cpuProfile, "cpuprofile", "NEWSFLOW_BENCH_CPUPROFILE", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	if _, err := parse(s, st, args, "newsflow bench stages [flags]", benchStagesDetails); err != nil {
		return err
	}
	corpora, err := c.load()
	if err != nil {
		return err
	}
	if cpuProfile != "" {
		stop, err := startCPUProfile(cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	m := bench.ReadMachine()
	res, err := bench.RunStages(ctx, bench.StageConfig{Corpora: corpora, Stages: stages, MinTime: minTime, Progress: st.stderr})
	if err != nil {
		return err
	}
	bench.WriteStages(st.stdout, res, m, bench.LoadAverage(), strings.TrimSpace("newsflow bench stages "+strings.Join(args, " ")))
	return nil
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

const benchE2EDetails = `Measures the pipeline end to end on the Kafka broker, Elasticsearch node and
Redis server (the workers' dedup store, --redis-addr) given, on fresh resources
named <prefix>-<run> (a topic with --partitions, consumer groups, article
aliases with the shipped template, the dedup store's keys under the prefix;
with --dedup-store elasticsearch a fingerprint index instead), deleted at the
end unless --keep. --topic, --group and --index are not used. Phases, in order
(--phase selects):

  bulk      baseline 1: the same N articles processed in this process (memory
            dedup store) and indexed by a minimal loader: bulk requests of
            --batch-size documents, --loader-concurrency in flight, into a fresh
            index with the same template; timed until all are searchable.
  pipeline  K workers (` + "`newsflow consume`" + ` child processes of --binary at default
            settings, plus --worker-arg) are started on the empty topic and
            waited for (ready, group stable, every partition assigned; this
            set-up is reported, not timed); then N articles (the corpora cycled,
            fresh ids) are written with the producer's writer and the clock runs
            from the first write until all N are searchable (a _count without a
            forced refresh sees them: the index refreshes every second).
  latency   with the workers still running, articles are produced at a fixed
            rate (--latency-fraction of the pipeline's throughput) for
            --latency-duration; about 40 a second are polled every 100 ms with
            an ids search; latency = received_at (stamped just before the
            write) → first seen. p50 and p99.
  consume   baseline 2: one member of a fresh group reads N messages of the
            topic from the start and commits, with no processing.

Peak RSS of each worker is VmHWM of /proc/<pid>/status after the latency phase.
Elasticsearch CPU per phase comes from its node stats (and per indexed article:
the pipeline's against baseline 1's); the CPU of the other processes per phase
from /proc (the servers' PIDs from the PID files of --testenv-dir or
--server-pid); the workers' time per stage from their /metrics; the Redis
memory the pipeline phase added, per paragraph, from INFO. The report gives
the pipeline's throughput as a ratio of baseline 1; the goals of issue 11 are
90 % of it with Elasticsearch on a core of its own (--isolate), Elasticsearch
CPU per indexed article at most 1.1 times the baseline's, and a worker under
200 MB RSS.

--isolate pins Elasticsearch to --isolate-es-cpus and everything else (this
process, the workers it starts, Kafka, Redis) to --isolate-other-cpus with
taskset (util-linux; every thread: taskset -a -p -c), for the whole run, both
baselines and the pipeline, and restores the affinities at the end: the ratio
then shows how close the pipeline comes when Elasticsearch is the bottleneck,
as in a deployment that gives it machines of its own. The pinning is printed
with the report.

--backlog makes the pipeline phase a catch-up of a backlog: the articles are
in the topic before the workers start, and the clock runs from the workers'
first fetched message (polled on their /metrics every 20 ms) until all are
searchable. Without it the clock starts with the producer's first write and
the producer (this process) and Kafka's appends share the workers' CPUs for
the first seconds; in a deployment the producers run elsewhere.

--baseline-after runs baseline 1 a second time right after the pipeline phase
(the same documents, a fresh index) and reports the pipeline against the mean
of the two baselines as well as against the first, so the baseline's drift
within the run shows beside the ratio (in five runs of 2026-12-07 the two
baselines differed by up to 24 %, and the ratio to their mean was no steadier
than the ratio to the first: internal/bench/RESULTS.md).

--profile-dir runs the workers inside this process instead (runConsume, the
same code) and writes cpu.pprof for the pipeline phase and heap.pprof at its
end there; RSS is then not reported.

The servers of ` + "`scripts/testenv.sh up`" + ` (NEWSFLOW_TESTENV_* ports) are fine; other
tests sharing them skew the figures, so check the load printed beside them.`

func runBenchE2E(ctx context.Context, st streams, args []string) error {
	s := cli.New("bench e2e", "newsflow bench e2e: end-to-end throughput, latency and memory against the raw baselines.")
	var kc kafkacfg.Settings
	kc.AddFlags(s)
	var ec escfg.Settings
	ec.AddFlags(s)
	c := addCorpusSettings(s)
	var cfg bench.E2EConfig
	var binary, profileDir, analyzer, testenvDir string
	var workerArgs, phases, serverPIDs []string
	var isolate bool
	var iso bench.Isolation
	s.Int(&cfg.Articles, "articles", "NEWSFLOW_BENCH_ARTICLES", bench.DefaultArticles, "N: articles produced and indexed (the corpora are cycled with fresh ids)")
	s.Int(&cfg.Workers, "workers", "NEWSFLOW_BENCH_WORKERS", bench.DefaultWorkers, "K: consumer workers (child processes)")
	s.Int(&cfg.Partitions, "partitions", "NEWSFLOW_BENCH_PARTITIONS", bench.DefaultPartitions, "partitions of the bench topic; a worker processes its partitions in parallel, in order within each")
	s.Int(&cfg.BatchSize, "batch-size", "NEWSFLOW_BENCH_BATCH_SIZE", consumers.DefaultBatchSize, "documents per bulk request of the loader; when changed, also passed to the workers")
	s.Int(&cfg.LoaderConcurrency, "loader-concurrency", "NEWSFLOW_BENCH_LOADER_CONCURRENCY", 0, "bulk requests in flight in baseline 1 (0: workers × the workers' default --max-in-flight, the most they may have in flight)")
	s.Float(&cfg.LatencyFraction, "latency-fraction", "NEWSFLOW_BENCH_LATENCY_FRACTION", bench.DefaultLatencyFraction, "rate of the latency phase as a fraction of the measured pipeline throughput (moderate: latency at saturation is queueing)")
	s.Float(&cfg.LatencyRate, "latency-rate", "NEWSFLOW_BENCH_LATENCY_RATE", 0, "rate of the latency phase in articles/s instead (needed when the pipeline phase is not run)")
	s.Duration(&cfg.LatencyDuration, "latency-duration", "NEWSFLOW_BENCH_LATENCY_DURATION", bench.DefaultLatencyDuration, "how long the latency phase produces")
	s.List(&phases, "phase", "NEWSFLOW_BENCH_PHASES", nil, "phases to run, repeatable: bulk, pipeline, latency, consume (default: all)")
	s.String(&cfg.Prefix, "prefix", "NEWSFLOW_BENCH_PREFIX", bench.DefaultPrefix, "name prefix of the run's topic, groups and indices")
	s.Bool(&cfg.Keep, "keep", "NEWSFLOW_BENCH_KEEP", false, "leave the run's topic, groups and indices in place (to inspect them)")
	s.Duration(&cfg.PhaseTimeout, "phase-timeout", "NEWSFLOW_BENCH_PHASE_TIMEOUT", bench.DefaultPhaseTimeout, "bound of each phase")
	s.String(&binary, "binary", "NEWSFLOW_BENCH_BINARY", "", "newsflow binary the workers run (default: this one)")
	s.List(&workerArgs, "worker-arg", "NEWSFLOW_BENCH_WORKER_ARGS", nil, "extra argument of every worker, repeatable (--worker-arg=--parallelism=4); the default-settings figures use none")
	s.String(&analyzer, "text-analyzer", "NEWSFLOW_TEXT_ANALYZER", "", "analyzer of title, body and boilerplate in the bench indices (default: the shipped one)")
	s.String(&cfg.LogDir, "log-dir", "NEWSFLOW_BENCH_LOG_DIR", "", "directory for the workers' logs (default: a new temporary directory)")
	s.String(&cfg.DedupStore, "dedup-store", "NEWSFLOW_BENCH_DEDUP_STORE", bench.DedupRedis, "the workers' --dedup-store: redis (the default of newsflow consume) or elasticsearch (the fingerprint index, to measure its cost)")
	s.String(&cfg.RedisAddr, "redis-addr", "NEWSFLOW_BENCH_REDIS_ADDR", bench.DefaultRedisAddr, "standalone Redis server of the redis store (the workers' --dedup-redis-addr); the harness reads its memory and deletes the run's keys; other settings (password, TLS) go through --worker-arg and the environment")
	s.String(&testenvDir, "testenv-dir", "NEWSFLOW_TESTENV_DIR", "/tmp/newsflow-testenv", "state directory of scripts/testenv.sh whose PID files (elasticsearch/pid, kafka/pid, redis/*/pid) name the server processes, for their CPU per phase and --isolate")
	s.List(&serverPIDs, "server-pid", "NEWSFLOW_BENCH_SERVER_PIDS", nil, "a server process as role=PID (elasticsearch, kafka or redis), repeatable; replaces those found in --testenv-dir")
	s.Bool(&isolate, "isolate", "NEWSFLOW_BENCH_ISOLATE", false, "pin Elasticsearch to --isolate-es-cpus and everything else to --isolate-other-cpus for the whole run (taskset); the goal of issue 11 is measured so")
	s.String(&iso.ESCPUs, "isolate-es-cpus", "NEWSFLOW_BENCH_ISOLATE_ES_CPUS", "1", "with --isolate: Elasticsearch's CPUs (taskset list)")
	s.String(&iso.OtherCPUs, "isolate-other-cpus", "NEWSFLOW_BENCH_ISOLATE_OTHER_CPUS", "0", "with --isolate: the CPUs of everything else")
	s.Bool(&cfg.BaselineAfter, "baseline-after", "NEWSFLOW_BENCH_BASELINE_AFTER", false, "run baseline 1 again after the pipeline phase (same documents, a fresh index) and report the pipeline against the mean of the two as well, so the baseline's drift within the run shows")
	s.String(&cfg.BaselineOrder, "baseline-order", "NEWSFLOW_BENCH_BASELINE_ORDER", bench.OrderCorpus, "the order baseline 1 sends its documents in: corpus (as cycled), or partitions (as the pipeline's bulk requests carry them: one run per Kafka partition of each article's key in every request), to tell what the order of the ids costs Elasticsearch")
	s.Bool(&cfg.Backlog, "backlog", "NEWSFLOW_BENCH_BACKLOG", false, "run the pipeline phase as a catch-up: produce the N articles first, then start the workers and time from their first fetched message (the producer's CPU out of the window, as the making of the baseline's documents is)")
	s.String(&profileDir, "profile-dir", "NEWSFLOW_BENCH_PROFILE_DIR", "", "run the workers in this process and write cpu.pprof (pipeline phase) and heap.pprof here")
	if _, err := parse(s, st, args, "newsflow bench e2e [flags]", benchE2EDetails); err != nil {
		return err
	}
	if err := kc.Resolve(nil); err != nil {
		return err
	}
	if err := ec.Resolve(nil); err != nil {
		return err
	}
	corpora, err := c.load()
	if err != nil {
		return err
	}
	cfg.Corpora, cfg.Phases, cfg.Analyzer = corpora, phases, analyzer
	if cfg.Procs, err = benchProcs(testenvDir, serverPIDs); err != nil {
		return err
	}
	if isolate {
		cfg.Isolate = &iso
	}
	if cfg.Kafka, err = kc.Clients("newsflow-bench"); err != nil {
		return err
	}
	defer cfg.Kafka.Close()
	es, err := ec.Client()
	if err != nil {
		return err
	}
	cfg.ES = es
	cfg.WorkerArgs = benchWorkerConnArgs(&kc, &ec)
	cfg.ExtraWorkerArgs = workerArgs
	if cfg.BatchSize != consumers.DefaultBatchSize {
		cfg.ExtraWorkerArgs = append([]string{"--batch-size", strconv.Itoa(cfg.BatchSize)}, cfg.ExtraWorkerArgs...)
	}
	cfg.Progress = st.stderr
	if profileDir != "" {
		if err := os.MkdirAll(profileDir, 0o755); err != nil {
			return err
		}
		cfg.StartWorker = inProcessWorkers()
		var stop func()
		cfg.OnPipeline = func(start bool) {
			if start {
				if stop, err = startCPUProfile(filepath.Join(profileDir, "cpu.pprof")); err != nil {
					fmt.Fprintf(st.stderr, "cpu profile: %v\n", err)
				}
				return
			}
			if stop != nil {
				stop()
			}
			if f, err := os.Create(filepath.Join(profileDir, "heap.pprof")); err == nil {
				_ = pprof.Lookup("heap").WriteTo(f, 0)
				_ = f.Close()
			}
		}
	} else {
		if binary == "" {
			if binary, err = os.Executable(); err != nil {
				return fmt.Errorf("find this binary for the workers (pass --binary): %w", err)
			}
		}
		cfg.StartWorker = bench.ChildProcesses(binary)
	}
	rep, err := bench.RunE2E(ctx, cfg)
	if err != nil {
		return err
	}
	bench.WriteE2E(st.stdout, rep, strings.TrimSpace("newsflow bench e2e "+strings.Join(args, " ")))
	return nil
}

// benchProcs are the server processes: those of --server-pid, else those
// whose PID files are in the testenv directory.
func benchProcs(testenvDir string, serverPIDs []string) ([]bench.Proc, error) {
	if len(serverPIDs) == 0 {
		return bench.ServerProcs(testenvDir), nil
	}
	var out []bench.Proc
	for _, sp := range serverPIDs {
		role, v, ok := strings.Cut(sp, "=")
		pid, err := strconv.Atoi(v)
		if !ok || err != nil || pid <= 0 {
			return nil, fmt.Errorf("--server-pid %q: want role=PID (elasticsearch=1234)", sp)
		}
		switch role {
		case bench.RoleElasticsearch, bench.RoleKafka, bench.RoleRedis:
		default:
			return nil, fmt.Errorf("--server-pid %q: role %q: want elasticsearch, kafka or redis", sp, role)
		}
		out = append(out, bench.Proc{Role: role, Name: role, PID: pid})
	}
	return out, nil
}

// benchWorkerConnArgs are the connection flags the workers need to reach
// the same servers; secrets stay in files and the environment, which the
// workers inherit.
func benchWorkerConnArgs(kc *kafkacfg.Settings, ec *escfg.Settings) []string {
	args := []string{"--kafka-brokers", strings.Join(kc.Brokers, ","), "--elasticsearch-url", strings.Join(ec.URLs, ",")}
	add := func(flag, v string) {
		if v != "" {
			args = append(args, flag, v)
		}
	}
	add("--kafka-sasl-mechanism", kc.SASLMechanism)
	add("--kafka-username", kc.Username)
	add("--kafka-password-file", kc.PasswordFile)
	add("--kafka-ca-file", kc.CAFile)
	add("--kafka-cert-file", kc.CertFile)
	add("--kafka-key-file", kc.KeyFile)
	if kc.TLS {
		args = append(args, "--kafka-tls")
	}
	if kc.InsecureSkipVerify {
		args = append(args, "--kafka-tls-insecure")
	}
	add("--elasticsearch-api-key-file", ec.APIKeyFile)
	add("--elasticsearch-username", ec.Username)
	add("--elasticsearch-password-file", ec.PasswordFile)
	add("--elasticsearch-ca-file", ec.CAFile)
	if ec.InsecureSkipVerify {
		args = append(args, "--elasticsearch-tls-insecure")
	}
	return args
}

// inProcessWorkers runs `newsflow consume` in this process (for profiles).
func inProcessWorkers() bench.StartWorker {
	return func(_ context.Context, name string, args []string, log io.Writer) (bench.Worker, error) {
		ctx, cancel := context.WithCancel(context.Background())
		w := &inProcessWorker{name: name, cancel: cancel, exited: make(chan struct{})}
		go func() {
			w.err = runConsume(ctx, streams{stdin: strings.NewReader(""), stdout: log, stderr: log}, args[1:])
			close(w.exited)
		}()
		return w, nil
	}
}

type inProcessWorker struct {
	name   string
	cancel context.CancelFunc
	exited chan struct{}
	err    error
	once   sync.Once
}

func (w *inProcessWorker) Name() string            { return w.name }
func (w *inProcessWorker) PID() int                { return 0 }
func (w *inProcessWorker) Exited() <-chan struct{} { return w.exited }

func (w *inProcessWorker) Err() error {
	select {
	case <-w.exited:
		if w.err == nil {
			return errors.New("returned")
		}
		return w.err
	default:
		return nil
	}
}

func (w *inProcessWorker) PeakRSS() (int64, error) {
	return 0, errors.New("workers ran in the harness's process (--profile-dir): no RSS of their own")
}

func (w *inProcessWorker) Stop(timeout time.Duration) error {
	var err error
	w.once.Do(func() {
		w.cancel()
		select {
		case <-w.exited:
			err = w.err
		case <-time.After(timeout):
			err = fmt.Errorf("worker %s did not stop within %v", w.name, timeout)
		}
	})
	return err
}
