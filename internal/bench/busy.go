package bench

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
)

// busyParts is how many equal slices of a phase's window Busy reports.
const busyParts = 5

// busyEvery is how often the sampler reads the processes' CPU time. /proc
// counts in ticks of 10 ms, so a slice of a 20 s phase (4 s) reads to 0.25 %.
const busyEvery = 250 * time.Millisecond

// Busy is how much of their CPUs Elasticsearch and the rest (workers,
// Kafka, Redis, the harness) used over a phase's timed window, overall and
// by fifths of it. When Elasticsearch is the bottleneck (--isolate) its
// share is what the throughput ratio follows: the pipeline indexes at the
// baseline's pace only while Elasticsearch's core is as busy as in the
// baseline, and the fifths say when it waited (a slow start, a gap in the
// middle, the tail).
type Busy struct {
	Ran bool
	// ESCPUs and OtherCPUs are the CPUs each side may use (the isolation's
	// lists, else every CPU for both).
	ESCPUs, OtherCPUs int
	// ES and Other are the CPU time used ÷ (window × CPUs), overall.
	ES, Other float64
	// ESParts and OtherParts are the same by fifths of the window.
	ESParts, OtherParts []float64
	// Roles are the rest by role (workers, redis, kafka, harness): each
	// role's CPU time ÷ window, by fifths (in CPUs: 0.5 is half of one).
	Roles map[string][]float64
}

// String formats a Busy for the log and the report
// ("Elasticsearch 93% (81 95 96 95 97), the rest 58% (…) of their CPUs").
func (b Busy) String() string {
	if !b.Ran {
		return "not sampled"
	}
	parts := func(p []float64) string {
		s := make([]string, len(p))
		for i, v := range p {
			s[i] = fmt.Sprintf("%.0f", 100*v)
		}
		return strings.Join(s, " ")
	}
	out := fmt.Sprintf("Elasticsearch %.0f%% of %d CPU (by fifths %s), the rest %.0f%% of %d (%s)",
		100*b.ES, b.ESCPUs, parts(b.ESParts), 100*b.Other, b.OtherCPUs, parts(b.OtherParts))
	var roles []string
	for _, role := range []string{RoleWorkers, RoleRedis, RoleKafka, RoleHarness} {
		if p, ok := b.Roles[role]; ok {
			roles = append(roles, role+" "+parts(p))
		}
	}
	if len(roles) > 0 {
		out += "; of one CPU by fifths: " + strings.Join(roles, ", ")
	}
	return out
}

// busySample is the cumulative CPU time of each role at one moment.
type busySample struct {
	at    time.Time
	roles map[string]time.Duration
}

// es is Elasticsearch's CPU time in b, other the sum of every other role's.
func (b busySample) es() time.Duration { return b.roles[RoleElasticsearch] }

func (b busySample) other() time.Duration {
	var d time.Duration
	for role, v := range b.roles {
		if role != RoleElasticsearch {
			d += v
		}
	}
	return d
}

// busySampler reads the CPU time of Elasticsearch's process and of
// everything else the run knows (cpuSnapshot) every busyEvery, from
// start until stop.
type busySampler struct {
	read    func() map[string]time.Duration
	samples []busySample
	quit    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// sampleBusy starts a sampler over the run's processes.
func (r *run) sampleBusy() *busySampler {
	s := &busySampler{
		read: r.cpuSnapshot,
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	s.add()
	go func() {
		defer close(s.done)
		t := time.NewTicker(busyEvery)
		defer t.Stop()
		for {
			select {
			case <-s.quit:
				return
			case <-t.C:
				s.add()
			}
		}
	}()
	return s
}

func (s *busySampler) add() {
	s.samples = append(s.samples, busySample{at: time.Now(), roles: s.read()})
}

// stop ends the sampling and returns the use over [from, to], the phase's
// timed window (from may be later than the sampler's start: the backlog's
// clock starts at the first fetched message).
func (s *busySampler) stop(from, to time.Time, esCPUs, otherCPUs int) Busy {
	s.halt()
	s.add()
	return busyOver(s.samples, from, to, esCPUs, otherCPUs)
}

// halt ends the sampling (more than once is fine: a phase defers it for
// its error paths).
func (s *busySampler) halt() {
	s.once.Do(func() { close(s.quit) })
	<-s.done
}

// cpuCounts is how many CPUs Elasticsearch and the rest may use: the
// isolation's lists, else every CPU for each.
func (r *run) cpuCounts() (es, other int) {
	es, other = runtime.NumCPU(), runtime.NumCPU()
	if iso := r.cfg.Isolate; iso != nil {
		if m, err := parseCPUList(iso.ESCPUs); err == nil && len(m) > 0 {
			es = len(m)
		}
		if m, err := parseCPUList(iso.OtherCPUs); err == nil && len(m) > 0 {
			other = len(m)
		}
	}
	return es, other
}

// busyOver computes a Busy from cumulative CPU samples in time order,
// interpolating linearly between samples at the slice boundaries.
func busyOver(samples []busySample, from, to time.Time, esCPUs, otherCPUs int) Busy {
	if len(samples) < 2 || !to.After(from) || esCPUs < 1 || otherCPUs < 1 {
		return Busy{}
	}
	// at interpolates the cumulative CPU v of the samples at t.
	at := func(t time.Time, v func(busySample) time.Duration) float64 {
		if !t.After(samples[0].at) {
			return float64(v(samples[0]))
		}
		for i := 1; i < len(samples); i++ {
			a, b := samples[i-1], samples[i]
			if t.After(b.at) {
				continue
			}
			f := 0.0
			if span := b.at.Sub(a.at); span > 0 {
				f = float64(t.Sub(a.at)) / float64(span)
			}
			return float64(v(a)) + f*float64(v(b)-v(a))
		}
		return float64(v(samples[len(samples)-1]))
	}
	used := func(a, b time.Time, v func(busySample) time.Duration) float64 {
		return (at(b, v) - at(a, v)) / float64(b.Sub(a))
	}
	share := func(a, b time.Time) (es, other float64) {
		return used(a, b, busySample.es) / float64(esCPUs), used(a, b, busySample.other) / float64(otherCPUs)
	}
	out := Busy{Ran: true, ESCPUs: esCPUs, OtherCPUs: otherCPUs}
	out.ES, out.Other = share(from, to)
	roles := map[string]bool{}
	for _, b := range samples {
		for role := range b.roles {
			if role != RoleElasticsearch {
				roles[role] = true
			}
		}
	}
	step := to.Sub(from) / busyParts
	for i := range busyParts {
		a := from.Add(time.Duration(i) * step)
		b := a.Add(step)
		if i == busyParts-1 {
			b = to
		}
		e, o := share(a, b)
		out.ESParts = append(out.ESParts, e)
		out.OtherParts = append(out.OtherParts, o)
		for role := range roles {
			if out.Roles == nil {
				out.Roles = map[string][]float64{}
			}
			out.Roles[role] = append(out.Roles[role], used(a, b, func(s busySample) time.Duration { return s.roles[role] }))
		}
	}
	return out
}
