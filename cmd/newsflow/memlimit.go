package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/newsflow/newsflow/consumers"
)

// The soft limit of the Go heap of a long-running command (--memory-limit),
// given to runtime/debug.SetMemoryLimit. Without one the garbage collector
// lets the heap grow to twice what is live (GOGC=100). A consumer worker at
// the default settings has 50–90 MB live (issue 11, after the retention
// fixes: internal/bench/RESULTS.md), and the live heap is highest in the
// middle of a batch's stages, so a collection that starts there lets the
// heap reach 180 MB before the next: 205–225 MB RSS with the binary's pages.
// A soft limit of 150 MiB clips those peaks (183–188 MB RSS) for 1–4 % more
// of the worker's CPU and the same throughput; before the fixes, with some
// 110 MB live, the same limit bound all the time and cost 15–20 %.
//
// The default, auto, follows the container as Prometheus does (90 % of the
// cgroup's memory limit when there is one); outside one it is
// defaultHeapLimit scaled by how much larger than the defaults the batches
// are, so that a worker told to hold more is not held to the default's
// heap (a soft limit below the live heap costs up to half the CPU in
// collections).

const (
	memoryLimitAuto = "auto"
	memoryLimitNone = "none"
	// memoryLimitShare of the cgroup's limit is the heap's: the rest is
	// stacks, the runtime, the binary and the kernel's page cache of it.
	memoryLimitShare = 0.9
	// defaultHeapLimit is auto's limit outside a container, at the default
	// batch settings: with the binary's pages (about 30 MB resident) a
	// worker stays under the 200 MB RSS of issue 11.
	defaultHeapLimit = 150 << 20
)

// heapLimitOutsideContainer is auto's limit without a cgroup limit for a
// worker with configuration w: defaultHeapLimit times the largest of
// BatchSize, BatchBytes and the batches held at once (MaxInFlight +
// StagesInFlight + the fetch channel's 1) against their defaults, never less than
// defaultHeapLimit.
func heapLimitOutsideContainer(w consumers.Config) int64 {
	scale := 1.0
	ratio := func(v, def int) float64 {
		if v <= 0 {
			return 1
		}
		return float64(v) / float64(def)
	}
	scale = max(scale, ratio(w.BatchSize, consumers.DefaultBatchSize), ratio(w.BatchBytes, consumers.DefaultBatchBytes))
	held := func(c consumers.Config) float64 {
		return float64(orDefault(c.MaxInFlight, consumers.DefaultMaxInFlight) + orDefault(c.StagesInFlight, consumers.DefaultStagesInFlight) + 1)
	}
	scale = max(scale, held(w)/held(consumers.Config{}))
	return int64(scale * defaultHeapLimit)
}

// cgroupMemoryFiles hold the memory limit of this process's cgroup: v2,
// then v1 (where "no limit" is a number near 2^63).
var cgroupMemoryFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// memoryLimit resolves --memory-limit (auto, none, or a size such as
// 150MiB) to the bytes to give debug.SetMemoryLimit, 0 for none, and says
// where the figure came from; outside is auto's limit without a cgroup
// limit (heapLimitOutsideContainer). $GOMEMLIMIT, when set, is the
// runtime's own and wins: 0 with source "GOMEMLIMIT".
func memoryLimit(value string, outside int64, lookupEnv func(string) (string, bool), readFile func(string) ([]byte, error)) (int64, string, error) {
	if v, ok := lookupEnv("GOMEMLIMIT"); ok && v != "" {
		return 0, "GOMEMLIMIT", nil
	}
	switch strings.ToLower(strings.TrimSpace(value)) {
	case memoryLimitNone, "0", "":
		return 0, "none", nil
	case memoryLimitAuto:
		for _, path := range cgroupMemoryFiles {
			b, err := readFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return 0, "", fmt.Errorf("--memory-limit auto: read %s: %w", path, err)
			}
			s := strings.TrimSpace(string(b))
			if s == "max" {
				return outside, "auto: no cgroup limit", nil
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, "", fmt.Errorf("--memory-limit auto: %s holds %q, not a number", path, s)
			}
			if n <= 0 || n >= 1<<60 {
				return outside, "auto: no cgroup limit", nil
			}
			return int64(float64(n) * memoryLimitShare), "90% of the cgroup limit " + path, nil
		}
		return outside, "auto: no cgroup", nil
	}
	n, err := parseSize(value)
	if err != nil {
		return 0, "", fmt.Errorf("--memory-limit %q: %w (want auto, none, or a size such as 150MiB)", value, err)
	}
	return n, "--memory-limit", nil
}

// parseSize reads bytes with an optional binary suffix: KiB, MiB, GiB.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("not a positive size")
	}
	if n > (1<<62)/mult {
		return 0, errors.New("too large")
	}
	return n * mult, nil
}
