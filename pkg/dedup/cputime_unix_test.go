//go:build unix

package dedup

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) the process has used: under a
// shared machine, benchmarks report throughput per CPU second beside the
// wall-clock figure.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
