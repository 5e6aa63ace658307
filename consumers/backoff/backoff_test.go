package backoff

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDelay(t *testing.T) {
	p := Policy{Min: 100 * time.Millisecond, Max: time.Second}
	tests := []struct {
		name    string
		attempt int
		lo, hi  time.Duration
	}{
		{"the first retry waits about the minimum", 0, 50 * time.Millisecond, 100 * time.Millisecond},
		{"each retry doubles", 2, 200 * time.Millisecond, 400 * time.Millisecond},
		{"the delay stops at the cap", 10, 500 * time.Millisecond, time.Second},
		{"a huge attempt number does not overflow", 1000, 500 * time.Millisecond, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := 0; i < 200; i++ {
				d := p.Delay(tc.attempt)
				require.GreaterOrEqual(t, d, tc.lo)
				require.LessOrEqual(t, d, tc.hi)
			}
		})
	}
}

func TestDelayIsJittered(t *testing.T) {
	p := Policy{Min: time.Second, Max: time.Second}
	seen := map[time.Duration]bool{}
	for i := 0; i < 50; i++ {
		seen[p.Delay(0)] = true
	}
	require.Greater(t, len(seen), 10, "delays should differ")
}

func TestSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	err := Policy{Min: time.Hour, Max: time.Hour}.Wait(ctx, 0, 0)
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, time.Since(start), time.Second)
}

func TestWaitHonoursRetryAfterUpToTheCap(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	// Retry-After of an hour is capped at Max (20ms) so it returns in time.
	require.NoError(t, Policy{Min: time.Millisecond, Max: 20 * time.Millisecond}.Wait(ctx, 0, time.Hour))
}
