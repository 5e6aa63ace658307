package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Process roles of the run, the keys of Phase.CPU.
const (
	RoleElasticsearch = "elasticsearch"
	RoleKafka         = "kafka"
	RoleRedis         = "redis"
	RoleHarness       = "harness" // this process: the producer, the bulk loader, the polls
	RoleWorkers       = "workers"
)

// Proc is a server process of the run the harness knows by PID: for the CPU
// it spends in each phase and, with Isolation, to pin it.
type Proc struct {
	Role string
	Name string
	PID  int
}

// ServerProcs reads the PID files scripts/testenv.sh writes in its state
// directory (elasticsearch/pid, kafka/pid, redis/<instance>/pid), keeping
// the processes that run. A missing directory or file is no error: the
// servers may run elsewhere.
func ServerProcs(testenvDir string) []Proc {
	if testenvDir == "" {
		return nil
	}
	var out []Proc
	add := func(role, name, file string) {
		b, err := os.ReadFile(file)
		if err != nil {
			return
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			return
		}
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
			return
		}
		out = append(out, Proc{Role: role, Name: name, PID: pid})
	}
	add(RoleElasticsearch, "elasticsearch", filepath.Join(testenvDir, "elasticsearch", "pid"))
	add(RoleKafka, "kafka", filepath.Join(testenvDir, "kafka", "pid"))
	redis, _ := filepath.Glob(filepath.Join(testenvDir, "redis", "*", "pid"))
	sort.Strings(redis)
	for _, f := range redis {
		add(RoleRedis, "redis "+filepath.Base(filepath.Dir(f)), f)
	}
	return out
}

// Isolation pins Elasticsearch to CPUs of its own and everything else (this
// process, hence the workers it starts, and the other server processes) to
// the rest, for the whole run: both baselines and the pipeline. Then the
// ratio to the raw bulk baseline says how close the pipeline comes when
// Elasticsearch is the bottleneck, as on a deployment where it has its own
// machines. Pinning uses taskset (util-linux) on every thread of a process
// (taskset -a -p -c); threads started later inherit it. The affinities
// found are restored at the end.
type Isolation struct {
	// ESCPUs and OtherCPUs are CPU lists in taskset's syntax ("1", "0",
	// "2-3"); they must not overlap.
	ESCPUs, OtherCPUs string
}

// Pinned is one process as the run pinned it.
type Pinned struct {
	Name string
	PID  int
	// CPUs is the affinity read back from /proc/<pid>/status
	// (Cpus_allowed_list) after pinning; Before the one it had.
	CPUs, Before string
}

// parseCPUList expands a CPU list ("0,2-3").
func parseCPUList(s string) (map[int]bool, error) {
	out := map[int]bool{}
	for _, part := range strings.Split(strings.TrimSpace(s), ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("CPU list %q: %q is not a CPU number", s, part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("CPU list %q: %q is not a range", s, part)
			}
		}
		for c := a; c <= b; c++ {
			out[c] = true
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("CPU list %q is empty", s)
	}
	return out, nil
}

// Validate checks the lists: well formed, within the machine, disjoint.
func (iso Isolation) Validate(cores int) error {
	es, err := parseCPUList(iso.ESCPUs)
	if err != nil {
		return fmt.Errorf("isolation: Elasticsearch's %w", err)
	}
	other, err := parseCPUList(iso.OtherCPUs)
	if err != nil {
		return fmt.Errorf("isolation: the others' %w", err)
	}
	for c := range es {
		if other[c] {
			return fmt.Errorf("isolation: CPU %d is in both lists (%s and %s)", c, iso.ESCPUs, iso.OtherCPUs)
		}
	}
	for _, l := range []map[int]bool{es, other} {
		for c := range l {
			if c >= cores {
				return fmt.Errorf("isolation: CPU %d does not exist (this machine has %d)", c, cores)
			}
		}
	}
	return nil
}

// affinity reads the CPU list a process may run on.
func affinity(pid int) (string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return "", fmt.Errorf("read affinity of %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("no Cpus_allowed_list in /proc/%d/status", pid)
}

// taskset pins every thread of pid to cpus.
func taskset(pid int, cpus string) error {
	cmd := exec.Command("taskset", "-a", "-p", "-c", cpus, strconv.Itoa(pid))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return errors.New("taskset not found: install util-linux")
		}
		return fmt.Errorf("taskset -a -p -c %s %d: %w: %s", cpus, pid, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// pin applies iso to procs and this process; it returns what it pinned
// and a function that restores the affinities found.
func (iso Isolation) pin(procs []Proc) ([]Pinned, func(), error) {
	var pinned []Pinned
	restore := func() {
		for i := len(pinned) - 1; i >= 0; i-- {
			_ = taskset(pinned[i].PID, pinned[i].Before)
		}
	}
	hasES := false
	targets := append([]Proc{{Role: RoleHarness, Name: "harness (and the workers it starts)", PID: os.Getpid()}}, procs...)
	for _, p := range targets {
		cpus := iso.OtherCPUs
		if p.Role == RoleElasticsearch {
			cpus, hasES = iso.ESCPUs, true
		}
		before, err := affinity(p.PID)
		if err != nil {
			restore()
			return nil, nil, err
		}
		if err := taskset(p.PID, cpus); err != nil {
			restore()
			return nil, nil, fmt.Errorf("pin %s: %w", p.Name, err)
		}
		after, err := affinity(p.PID)
		if err != nil {
			restore()
			return nil, nil, err
		}
		pinned = append(pinned, Pinned{Name: p.Name, PID: p.PID, CPUs: after, Before: before})
	}
	if !hasES {
		restore()
		return nil, nil, errors.New("isolation: no Elasticsearch process to pin (give its PID, or the testenv directory holding elasticsearch/pid)")
	}
	return pinned, restore, nil
}

// procCPU is the user + system CPU time of a process so far (0 when it
// cannot be read), from /proc/<pid>/stat in clock ticks of 1/100 s.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	// After the name: state is field 3, utime 14, stime 15.
	if len(f) < 13 {
		return 0
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(u+s) * 10 * time.Millisecond
}

// cpuSnapshot is the CPU time so far of each role's processes.
func (r *run) cpuSnapshot() map[string]time.Duration {
	out := map[string]time.Duration{RoleHarness: CPUTime()}
	for _, p := range r.cfg.Procs {
		out[p.Role] += procCPU(p.PID)
	}
	for _, w := range r.workers {
		if pid := w.PID(); pid > 0 {
			out[RoleWorkers] += procCPU(pid)
		}
	}
	return out
}

// cpuSince is the CPU time spent by each role since before.
func (r *run) cpuSince(before map[string]time.Duration) map[string]time.Duration {
	now := r.cpuSnapshot()
	out := map[string]time.Duration{}
	for k, v := range now {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// cpuString formats a phase's CPU per role ("elasticsearch 9.8s, kafka 1.2s").
func cpuString(cpu map[string]time.Duration) string {
	var parts []string
	for _, role := range []string{RoleElasticsearch, RoleWorkers, RoleHarness, RoleKafka, RoleRedis} {
		if d, ok := cpu[role]; ok {
			parts = append(parts, fmt.Sprintf("%s %.1fs", role, d.Seconds()))
		}
	}
	if len(parts) == 0 {
		return "no process CPU known"
	}
	return "CPU: " + strings.Join(parts, ", ")
}
