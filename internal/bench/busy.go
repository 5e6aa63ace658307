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
	return fmt.Sprintf("Elasticsearch %.0f%% of %d CPU (by fifths %s), the rest %.0f%% of %d (%s)",
		100*b.ES, b.ESCPUs, parts(b.ESParts), 100*b.Other, b.OtherCPUs, parts(b.OtherParts))
}

type busySample struct {
	at        time.Time
	es, other time.Duration
}

// busySampler reads the CPU time of Elasticsearch's process and of
// everything else the run knows (cpuSnapshot) every busyEvery, from
// start until stop.
type busySampler struct {
	read    func() (es, other time.Duration)
	samples []busySample
	quit    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// sampleBusy starts a sampler over the run's processes.
func (r *run) sampleBusy() *busySampler {
	s := &busySampler{
		read: func() (time.Duration, time.Duration) {
			var es, other time.Duration
			for role, d := range r.cpuSnapshot() {
				if role == RoleElasticsearch {
					es += d
				} else {
					other += d
				}
			}
			return es, other
		},
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
	es, other := s.read()
	s.samples = append(s.samples, busySample{at: time.Now(), es: es, other: other})
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
	at := func(t time.Time) (es, other float64) {
		if !t.After(samples[0].at) {
			return float64(samples[0].es), float64(samples[0].other)
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
			return float64(a.es) + f*float64(b.es-a.es), float64(a.other) + f*float64(b.other-a.other)
		}
		last := samples[len(samples)-1]
		return float64(last.es), float64(last.other)
	}
	share := func(a, b time.Time) (es, other float64) {
		e0, o0 := at(a)
		e1, o1 := at(b)
		wall := float64(b.Sub(a))
		return (e1 - e0) / wall / float64(esCPUs), (o1 - o0) / wall / float64(otherCPUs)
	}
	out := Busy{Ran: true, ESCPUs: esCPUs, OtherCPUs: otherCPUs}
	out.ES, out.Other = share(from, to)
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
	}
	return out
}
