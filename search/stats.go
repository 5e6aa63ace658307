package search

import (
	"math"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metric names the stats are read from (DESIGN.md, "Metrics").
const (
	metricProduced  = "newsflow_producer_articles_total"
	metricMessages  = "newsflow_consumer_messages_total"
	metricLag       = "newsflow_consumer_lag"
	metricInFlight  = "newsflow_consumer_in_flight_messages"
	metricStage     = "newsflow_stage_duration_seconds"
	metricEndToEnd  = "newsflow_end_to_end_latency_seconds"
	metricDLQ       = "newsflow_dlq_messages_total"
	metricPolls     = "newsflow_producer_polls_total"
	metricFeedErrs  = "newsflow_producer_feed_errors_total"
	metricFeedOK    = "newsflow_producer_last_success_timestamp_seconds"
	metricWatch     = "newsflow_producer_watch_files_total"
	defaultWindow   = 10 * time.Second
	minSampleSpread = 500 * time.Millisecond
)

// Stats turns the process's Prometheus registry into the figures of the
// page's live panel and of the terminal progress line: totals, rates over a
// sliding window, consumer lag, and stage latency. It reads the same
// registry that /metrics serves, so the panel and a Prometheus server agree.
type Stats struct {
	g      prometheus.Gatherer
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	samples []sample
	feeds   map[string]*feedTrack
}

// feedTrack remembers, across snapshots, when a feed's errors last grew
// and by which reason: the counters alone do not say whether the last poll
// failed.
type feedTrack struct {
	errors     float64
	reasons    map[string]float64
	lastErrAt  time.Time
	lastReason string
}

// NewStats reads g; rates are averaged over window (default 10s).
func NewStats(g prometheus.Gatherer, window time.Duration, now func() time.Time) *Stats {
	if window <= 0 {
		window = defaultWindow
	}
	if now == nil {
		now = time.Now
	}
	return &Stats{g: g, window: window, now: now}
}

// Snapshot is what the live panel shows. Counts are totals since the
// process started; rates are per second over the last window.
type Snapshot struct {
	Time          time.Time `json:"time"`
	WindowSeconds float64   `json:"window_seconds"`

	Produced     float64 `json:"produced"`
	ProducedRate float64 `json:"produced_per_second"`
	// Unchanged counts feed and file items skipped as already sent.
	Unchanged        float64 `json:"unchanged"`
	Indexed          float64 `json:"indexed"`
	IndexedRate      float64 `json:"indexed_per_second"`
	DeadLettered     float64 `json:"dead_lettered"`
	DeadLetteredRate float64 `json:"dead_lettered_per_second"`
	SkippedOlder     float64 `json:"skipped_older"`
	// DeadLettersByStage splits the dead letters by the stage that failed.
	DeadLettersByStage map[string]float64 `json:"dead_letters_by_stage"`
	// Lag is the messages not yet consumed, summed over partitions (as the
	// lag monitor last measured it).
	Lag      float64 `json:"lag"`
	InFlight float64 `json:"in_flight"`

	Stages   []Latency `json:"stages"`
	EndToEnd Latency   `json:"end_to_end"`

	// Feeds are the polled feeds, by name; Watch the watched directory
	// (nil without one).
	Feeds []FeedHealth `json:"feeds"`
	Watch *WatchHealth `json:"watch,omitempty"`
}

// Feed and watch states.
const (
	StateOK       = "ok"
	StateFailing  = "failing"
	StateWaiting  = "waiting"
	StateRetrying = "retrying"
)

// FeedHealth is one feed in the live panel.
type FeedHealth struct {
	Name string `json:"name"`
	// State: ok (the last poll that changed anything succeeded), failing
	// (its last error came after its last success), waiting (not polled
	// yet).
	State string `json:"state"`
	// Polls that succeeded (ok or not modified), and failed ones.
	Polls  float64 `json:"polls"`
	Errors float64 `json:"errors"`
	// LastSuccess is the time of the last successful poll (omitted
	// before the first).
	LastSuccess *time.Time `json:"last_success,omitempty"`
	// LastError is the reason of the latest failure (timeout, network,
	// status, too_large, charset, parse, publish).
	LastError string `json:"last_error,omitempty"`
}

// WatchHealth is the watched directory in the live panel.
type WatchHealth struct {
	// State: ok, or retrying while Kafka refuses its files (a retry in the
	// window).
	State  string  `json:"state"`
	Done   float64 `json:"done"`
	Failed float64 `json:"failed"`
	Retry  float64 `json:"retry"`
}

// Latency summarises a duration histogram: over the window when it saw
// observations, else since the start (Recent false).
type Latency struct {
	Name   string  `json:"name"`
	Count  float64 `json:"count"`
	Mean   float64 `json:"mean_seconds"`
	P95    float64 `json:"p95_seconds"`
	Recent bool    `json:"recent"`
}

type sample struct {
	t          time.Time
	counters   map[string]float64 // produced, unchanged, indexed, dead_lettered, skipped_older
	hists      map[string]hist    // stage:<name>, end_to_end
	lag        float64
	inFlight   float64
	dlqByStage map[string]float64
	feeds      map[string]*feedSample
	watch      map[string]float64 // by result; nil without a watched directory
}

type feedSample struct {
	polls, errors float64
	reasons       map[string]float64
	lastSuccess   float64 // Unix seconds, 0 for never
}

type hist struct {
	count, sum float64
	bounds     []float64
	cum        []float64 // cumulative counts per bound
}

// Snapshot gathers the registry now and computes the panel's figures.
func (s *Stats) Snapshot() Snapshot {
	cur := s.gather()
	s.mu.Lock()
	// Keep samples spread out and within the window (plus the one just
	// before it, the base of the rates).
	if n := len(s.samples); n == 0 || cur.t.Sub(s.samples[n-1].t) >= minSampleSpread {
		s.samples = append(s.samples, cur)
	}
	base := s.samples[0]
	for len(s.samples) > 2 && cur.t.Sub(s.samples[1].t) >= s.window {
		s.samples = s.samples[1:]
		base = s.samples[0]
	}
	feeds := s.trackFeeds(cur)
	s.mu.Unlock()

	snap := Snapshot{
		Time:               cur.t.UTC(),
		Produced:           cur.counters["produced"],
		Unchanged:          cur.counters["unchanged"],
		Indexed:            cur.counters["indexed"],
		DeadLettered:       cur.counters["dead_lettered"],
		SkippedOlder:       cur.counters["skipped_older"],
		DeadLettersByStage: cur.dlqByStage,
		Lag:                cur.lag,
		InFlight:           cur.inFlight,
		Stages:             []Latency{},
	}
	if dt := cur.t.Sub(base.t).Seconds(); dt > 0 {
		snap.WindowSeconds = dt
		rate := func(k string) float64 { return math.Max(0, cur.counters[k]-base.counters[k]) / dt }
		snap.ProducedRate = rate("produced")
		snap.IndexedRate = rate("indexed")
		snap.DeadLetteredRate = rate("dead_lettered")
	}
	var names []string
	for k := range cur.hists {
		if len(k) > 6 && k[:6] == "stage:" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		l := latency(cur.hists[k], base.hists[k])
		l.Name = k[6:]
		snap.Stages = append(snap.Stages, l)
	}
	snap.EndToEnd = latency(cur.hists["end_to_end"], base.hists["end_to_end"])
	snap.EndToEnd.Name = "end_to_end"
	snap.Feeds = feeds
	if cur.watch != nil {
		w := &WatchHealth{State: StateOK, Done: cur.watch["done"], Failed: cur.watch["failed"], Retry: cur.watch["retry"]}
		if base.watch != nil && w.Retry > base.watch["retry"] {
			w.State = StateRetrying
		}
		snap.Watch = w
	}
	return snap
}

// trackFeeds updates what s remembers of the feeds' errors with cur and
// returns their health, by name. s.mu is held.
func (s *Stats) trackFeeds(cur sample) []FeedHealth {
	if s.feeds == nil {
		s.feeds = map[string]*feedTrack{}
	}
	names := make([]string, 0, len(cur.feeds))
	for n := range cur.feeds {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]FeedHealth, 0, len(names))
	for _, n := range names {
		f := cur.feeds[n]
		tr := s.feeds[n]
		if tr == nil {
			tr = &feedTrack{reasons: map[string]float64{}}
			if f.errors > 0 {
				// Errors before the first look: as recent as anything.
				tr.lastErrAt = cur.t
				best := -1.0
				for r, v := range f.reasons {
					if v > best || (v == best && r < tr.lastReason) {
						best, tr.lastReason = v, r
					}
				}
			}
			s.feeds[n] = tr
		} else if f.errors > tr.errors {
			tr.lastErrAt = cur.t
			for r, v := range f.reasons {
				if v > tr.reasons[r] {
					tr.lastReason = r
				}
			}
		}
		tr.errors = f.errors
		for r, v := range f.reasons {
			tr.reasons[r] = v
		}
		h := FeedHealth{Name: n, Polls: f.polls, Errors: f.errors, LastError: tr.lastReason}
		var success time.Time
		if f.lastSuccess > 0 {
			success = time.Unix(0, int64(f.lastSuccess*1e9)).UTC()
			h.LastSuccess = &success
		}
		switch {
		case f.polls == 0 && f.errors == 0:
			h.State = StateWaiting
		case f.errors > 0 && !tr.lastErrAt.IsZero() && (success.IsZero() || tr.lastErrAt.After(success)):
			h.State = StateFailing
		default:
			h.State = StateOK
		}
		out = append(out, h)
	}
	return out
}

// latency summarises cur minus base when observations arrived in between,
// else cur.
func latency(cur, base hist) Latency {
	l := Latency{Count: cur.count}
	h := cur
	if d := cur.count - base.count; d > 0 && len(base.cum) == len(cur.cum) && base.count > 0 {
		h = hist{count: d, sum: cur.sum - base.sum, bounds: cur.bounds, cum: make([]float64, len(cur.cum))}
		for i := range cur.cum {
			h.cum[i] = cur.cum[i] - base.cum[i]
		}
		l.Recent = true
	} else if d > 0 && base.count == 0 {
		l.Recent = true
	}
	if h.count > 0 {
		l.Mean = h.sum / h.count
		l.P95 = quantile(h, 0.95)
	}
	return l
}

// quantile interpolates linearly within the bucket holding the q-th
// observation, as Prometheus's histogram_quantile does.
func quantile(h hist, q float64) float64 {
	if h.count == 0 || len(h.bounds) == 0 {
		return 0
	}
	rank := q * h.count
	prevBound, prevCum := 0.0, 0.0
	for i, b := range h.bounds {
		if h.cum[i] >= rank {
			if math.IsInf(b, 1) {
				return prevBound
			}
			inBucket := h.cum[i] - prevCum
			if inBucket <= 0 {
				return b
			}
			return prevBound + (b-prevBound)*(rank-prevCum)/inBucket
		}
		prevBound, prevCum = b, h.cum[i]
	}
	return prevBound
}

func (s *Stats) gather() sample {
	smp := sample{
		t:          s.now(),
		counters:   map[string]float64{},
		hists:      map[string]hist{},
		dlqByStage: map[string]float64{},
		feeds:      map[string]*feedSample{},
	}
	feed := func(name string) *feedSample {
		f := smp.feeds[name]
		if f == nil {
			f = &feedSample{reasons: map[string]float64{}}
			smp.feeds[name] = f
		}
		return f
	}
	mfs, _ := s.g.Gather() // a partial result is still worth showing
	for _, mf := range mfs {
		switch mf.GetName() {
		case metricProduced:
			for _, m := range mf.GetMetric() {
				switch label(m, "result") {
				case "sent":
					smp.counters["produced"] += m.GetCounter().GetValue()
				case "unchanged":
					smp.counters["unchanged"] += m.GetCounter().GetValue()
				}
			}
		case metricMessages:
			for _, m := range mf.GetMetric() {
				smp.counters[label(m, "result")] += m.GetCounter().GetValue()
			}
		case metricLag:
			for _, m := range mf.GetMetric() {
				smp.lag += m.GetGauge().GetValue()
			}
		case metricInFlight:
			for _, m := range mf.GetMetric() {
				smp.inFlight += m.GetGauge().GetValue()
			}
		case metricDLQ:
			for _, m := range mf.GetMetric() {
				smp.dlqByStage[label(m, "stage")] += m.GetCounter().GetValue()
			}
		case metricStage:
			for _, m := range mf.GetMetric() {
				smp.hists["stage:"+label(m, "stage")] = toHist(m.GetHistogram())
			}
		case metricEndToEnd:
			for _, m := range mf.GetMetric() {
				smp.hists["end_to_end"] = toHist(m.GetHistogram())
			}
		case metricPolls:
			for _, m := range mf.GetMetric() {
				f := feed(label(m, "feed"))
				switch label(m, "result") {
				case "ok", "not_modified":
					f.polls += m.GetCounter().GetValue()
				}
			}
		case metricFeedErrs:
			for _, m := range mf.GetMetric() {
				f := feed(label(m, "feed"))
				v := m.GetCounter().GetValue()
				f.errors += v
				f.reasons[label(m, "reason")] += v
			}
		case metricFeedOK:
			for _, m := range mf.GetMetric() {
				feed(label(m, "feed")).lastSuccess = m.GetGauge().GetValue()
			}
		case metricWatch:
			smp.watch = map[string]float64{}
			for _, m := range mf.GetMetric() {
				smp.watch[label(m, "result")] += m.GetCounter().GetValue()
			}
		}
	}
	return smp
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func toHist(h *dto.Histogram) hist {
	out := hist{count: float64(h.GetSampleCount()), sum: h.GetSampleSum()}
	for _, b := range h.GetBucket() {
		out.bounds = append(out.bounds, b.GetUpperBound())
		out.cum = append(out.cum, float64(b.GetCumulativeCount()))
	}
	out.bounds = append(out.bounds, math.Inf(1))
	out.cum = append(out.cum, out.count)
	return out
}
