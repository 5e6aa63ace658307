// Package backoff computes capped exponential delays with jitter for the
// retries of the consumer (Elasticsearch bulk requests, the dedup store, the
// dead-letter producer) and sleeps them while honouring a context, so a
// shutdown is never held up by a retry that is waiting.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Defaults.
const (
	// DefaultMin is the first delay.
	DefaultMin = 100 * time.Millisecond
	// DefaultMax caps the delay.
	DefaultMax = 30 * time.Second
)

// Policy is a capped doubling backoff with "equal jitter": attempt n waits a
// random time in [d/2, d) where d = min(Max, Min·2ⁿ). Half the delay is
// fixed, so a crowd of workers retrying a recovering node neither stampedes
// it at once nor waits for nothing.
type Policy struct {
	// Min is the delay before the first retry. Default: 100ms.
	Min time.Duration
	// Max caps every delay. Default: 30s.
	Max time.Duration
}

// Delay returns the wait before retry number attempt (0 is the first retry).
func (p Policy) Delay(attempt int) time.Duration {
	lo, hi := p.Min, p.Max
	if lo <= 0 {
		lo = DefaultMin
	}
	if hi <= 0 {
		hi = DefaultMax
	}
	if hi < lo {
		hi = lo
	}
	d := lo
	for i := 0; i < attempt && d < hi; i++ {
		d *= 2
	}
	if d > hi {
		d = hi
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(d-half)+1))
}

// Sleep waits d or until ctx is done, returning ctx.Err() in that case.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Wait sleeps the delay of attempt, or at least retryAfter when the server
// asked for it (capped by Max), honouring ctx.
func (p Policy) Wait(ctx context.Context, attempt int, retryAfter time.Duration) error {
	d := p.Delay(attempt)
	if retryAfter > d {
		d = retryAfter
		if max := p.Max; max > 0 && d > max {
			d = max
		}
	}
	return Sleep(ctx, d)
}
