package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/newsflow/newsflow/search"
)

// progress prints a line every interval while articles flow (and once when
// they stop), and the page URL with the time it took once the first article
// is searchable.
func progress(ctx context.Context, w io.Writer, stats *search.Stats, every time.Duration, url string, started time.Time) {
	if every <= 0 {
		<-ctx.Done()
		return
	}
	var mu sync.Mutex
	say := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, format, a...)
	}
	first := stats.Snapshot()
	base := first.Indexed
	announced := false
	lastLine := ""
	t := time.NewTicker(minDuration(every, time.Second))
	defer t.Stop()
	lastPrint := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s := stats.Snapshot()
		if !announced && s.Indexed > base {
			announced = true
			say("newsflow up: first articles searchable after %s: open %s\n", time.Since(started).Round(100*time.Millisecond), url)
		}
		if time.Since(lastPrint) < every {
			continue
		}
		line := totals(s)
		active := s.ProducedRate > 0 || s.IndexedRate > 0 || s.Lag > 0 || s.InFlight > 0
		if line == lastLine {
			continue
		}
		if active {
			line = fmt.Sprintf("%s · %.1f produced/s, %.1f indexed/s", line, s.ProducedRate, s.IndexedRate)
		}
		say("newsflow up: %s\n", line)
		lastLine, lastPrint = totals(s), time.Now()
	}
}

func totals(s search.Snapshot) string {
	skipped := ""
	if s.Unchanged > 0 {
		skipped = fmt.Sprintf(" (%.0f already sent)", s.Unchanged)
	}
	return fmt.Sprintf("%.0f produced%s, %.0f indexed, %.0f dead-lettered, lag %.0f", s.Produced, skipped, s.Indexed, s.DeadLettered, s.Lag)
}

func minDuration(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}
