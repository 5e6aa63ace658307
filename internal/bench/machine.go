// Package bench is the benchmark harness behind `newsflow bench`: stage
// throughput per CPU core over the shared corpora (bench stages), and the end
// to end throughput, latency and memory of consumer workers on real Kafka and
// Elasticsearch, measured in the same run as two baselines: raw bulk
// indexing of the same documents and raw consumption of the topic (bench
// e2e).
//
// Every figure is reported with the machine it was measured on (cores,
// memory, CPU model), the load average around the measurement and the date,
// because the numbers mean nothing without them; ratios against a baseline
// of the same run are what survive a change of machine.
//
// The corpora under ../shared/corpus are licensed for tests and benchmarks
// only: they are read from disk at run time and never built into the binary.
package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Machine describes where and when a figure was measured.
type Machine struct {
	// Cores is the number of logical CPUs the process may use.
	Cores int
	// MemoryBytes is the total memory (MemTotal), 0 when unknown.
	MemoryBytes uint64
	// CPUModel is the first "model name" of /proc/cpuinfo.
	CPUModel string
	// GoVersion is the toolchain that built the binary.
	GoVersion string
	// Date is when the snapshot was taken.
	Date time.Time
	// Load is the 1, 5 and 15 minute load average at the snapshot.
	Load [3]float64
}

// ReadMachine takes a snapshot of the machine and its load.
func ReadMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), Date: time.Now().UTC(), Load: LoadAverage()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		_ = f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseUint(f[1], 10, 64); err == nil {
					m.MemoryBytes = kb << 10
				}
			}
		}
	}
	if m.CPUModel == "" {
		m.CPUModel = runtime.GOARCH
	}
	return m
}

// LoadAverage returns the 1, 5 and 15 minute load averages (zeros when the
// system does not say).
func LoadAverage() [3]float64 {
	var l [3]float64
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return l
	}
	f := strings.Fields(string(b))
	for i := 0; i < 3 && i < len(f); i++ {
		l[i], _ = strconv.ParseFloat(f[i], 64)
	}
	return l
}

// String is the one-line description printed beside every table.
func (m Machine) String() string {
	return fmt.Sprintf("%d cores (%s), %.1f GiB memory, %s, %s", m.Cores, m.CPUModel,
		float64(m.MemoryBytes)/(1<<30), m.GoVersion, m.Date.Format("2006-01-02 15:04 MST"))
}

// LoadString formats a load average.
func LoadString(l [3]float64) string {
	return fmt.Sprintf("%.2f %.2f %.2f", l[0], l[1], l[2])
}
