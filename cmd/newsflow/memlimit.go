package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// The soft limit of the Go heap of a long-running command (--memory-limit),
// given to runtime/debug.SetMemoryLimit. Without one the garbage collector
// lets the heap grow to twice what is live (GOGC=100): a consumer worker
// with about 90 MB live peaks near 290 MB RSS at the default settings, and
// at 175 MB with a limit of 150 MiB for 15–20 % more of its CPU
// (internal/bench/RESULTS.md). As Prometheus does, the default follows the
// container: 90 % of the cgroup's memory limit when there is one.

const (
	memoryLimitAuto = "auto"
	memoryLimitNone = "none"
	// memoryLimitShare of the cgroup's limit is the heap's: the rest is
	// stacks, the runtime, the binary and the kernel's page cache of it.
	memoryLimitShare = 0.9
)

// cgroupMemoryFiles hold the memory limit of this process's cgroup: v2,
// then v1 (where "no limit" is a number near 2^63).
var cgroupMemoryFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// memoryLimit resolves --memory-limit (auto, none, or a size such as
// 150MiB) to the bytes to give debug.SetMemoryLimit, 0 for none, and says
// where the figure came from. $GOMEMLIMIT, when set, is the runtime's own
// and wins: 0 with source "GOMEMLIMIT".
func memoryLimit(value string, lookupEnv func(string) (string, bool), readFile func(string) ([]byte, error)) (int64, string, error) {
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
				return 0, "none (no cgroup limit)", nil
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, "", fmt.Errorf("--memory-limit auto: %s holds %q, not a number", path, s)
			}
			if n <= 0 || n >= 1<<60 {
				return 0, "none (no cgroup limit)", nil
			}
			return int64(float64(n) * memoryLimitShare), "90% of the cgroup limit " + path, nil
		}
		return 0, "none (no cgroup)", nil
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
