package bench

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/newsflow/newsflow/producers/publish"
)

// latencyPhase produces at a fixed rate for LatencyDuration and measures,
// for a sample of the articles, receipt → first seen by a search.
func (r *run) latencyPhase(ctx context.Context) error {
	rate := r.cfg.LatencyRate
	if rate == 0 {
		rate = r.cfg.LatencyFraction * r.rep.Pipeline.ArticlesPerSecond()
	}
	total := int(rate * r.cfg.LatencyDuration.Seconds())
	if total < 1 {
		return fmt.Errorf("rate %.1f/s for %v is no article", rate, r.cfg.LatencyDuration)
	}
	every := max(1, int(rate/latencySamplesPerSecond))
	raws := Cycle(r.cfg.Corpora, r.cfg.Articles+total, r.rep.Run[len(r.cfg.Prefix)+1:]+"l")[r.cfg.Articles:]
	lat := &r.rep.Latency
	lat.Ran, lat.Rate = true, rate
	r.logf("latency: producing %d articles at %.0f/s (%.0f%% of the pipeline's throughput) for %v; polling every %d-th for visibility",
		total, rate, 100*rate/max(r.rep.Pipeline.ArticlesPerSecond(), 1), r.cfg.LatencyDuration, every)
	p, err := r.publisher()
	if err != nil {
		return err
	}
	defer p.Close()
	pctx, cancel := context.WithTimeout(ctx, r.cfg.PhaseTimeout)
	defer cancel()

	var mu sync.Mutex
	pending := map[string]time.Time{}
	var lats []time.Duration
	sendDone := make(chan error, 1)
	go func() {
		start := time.Now()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		sent := 0
		for sent < total {
			select {
			case <-pctx.Done():
				sendDone <- pctx.Err()
				return
			case <-t.C:
			}
			due := min(total, int(rate*time.Since(start).Seconds()))
			if due <= sent {
				continue
			}
			stamp := time.Now()
			at := stamp.UTC().Format(time.RFC3339Nano)
			items := make([]publish.Item, 0, due-sent)
			var ids []string
			for i := sent; i < due; i++ {
				a := raws[i]
				a.ReceivedAt = at
				items = append(items, publish.Item{Article: a, Origin: publish.OriginPush})
				if i%every == 0 {
					ids = append(ids, a.ID)
				}
			}
			mu.Lock()
			for _, id := range ids {
				pending[id] = stamp
			}
			mu.Unlock()
			if err := p.Publish(pctx, items); err != nil {
				sendDone <- err
				return
			}
			sent = due
		}
		lat.Sent = sent
		sendDone <- nil
	}()

	sending := true
	lastLog := time.Now()
	for {
		if sending {
			select {
			case err := <-sendDone:
				if err != nil {
					return err
				}
				sending = false
			default:
			}
		}
		mu.Lock()
		ids := make([]string, 0, len(pending))
		for id := range pending {
			ids = append(ids, id)
		}
		mu.Unlock()
		if !sending && len(ids) == 0 {
			break
		}
		if len(ids) > 0 {
			sort.Strings(ids)
			ids = ids[:min(len(ids), 2000)]
			seen, err := esSearchIDs(pctx, r.cfg.ES, r.names.pipelineAlias, ids)
			now := time.Now()
			if err == nil {
				mu.Lock()
				for _, id := range seen {
					if t, ok := pending[id]; ok {
						lats = append(lats, now.Sub(t))
						delete(pending, id)
					}
				}
				mu.Unlock()
			}
		}
		if err := r.workersAlive(); err != nil {
			return err
		}
		if time.Since(lastLog) >= 5*time.Second {
			mu.Lock()
			r.logf("latency: %d samples seen, %d pending, load %s", len(lats), len(pending), LoadString(LoadAverage()))
			mu.Unlock()
			lastLog = time.Now()
		}
		select {
		case <-pctx.Done():
			mu.Lock()
			lat.Missing = len(pending)
			mu.Unlock()
			if sending {
				return pctx.Err()
			}
			r.logf("latency: %d samples never became searchable", lat.Missing)
			goto done
		case <-time.After(latencyPoll):
		}
	}
done:
	lat.Samples = len(lats) + lat.Missing
	lat.Load = LoadAverage()
	if len(lats) > 0 {
		slices.Sort(lats)
		lat.P50 = quantile(lats, 0.50)
		lat.P99 = quantile(lats, 0.99)
		lat.Max = lats[len(lats)-1]
	}
	r.logf("latency: %d samples: p50 %v, p99 %v, max %v", len(lats), lat.P50.Round(time.Millisecond), lat.P99.Round(time.Millisecond), lat.Max.Round(time.Millisecond))
	return nil
}

// quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
