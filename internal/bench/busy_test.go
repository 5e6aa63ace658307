package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBusyOverSlicesTheWindow: Elasticsearch idle for the first second of
// five and then at a full CPU, the rest at half of two CPUs throughout,
// sampled every 0.5 s and read over a window that starts and ends between
// samples.
func TestBusyOverSlicesTheWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var samples []busySample
	for i := 0; i <= 12; i++ {
		at := time.Duration(i) * 500 * time.Millisecond
		es := max(0, at-time.Second)
		samples = append(samples, busySample{at: t0.Add(at),
			roles: map[string]time.Duration{RoleElasticsearch: es, RoleWorkers: at * 3 / 4, RoleRedis: at / 4}})
	}
	b := busyOver(samples, t0.Add(250*time.Millisecond), t0.Add(5250*time.Millisecond), 1, 2)
	require.True(t, b.Ran)
	require.InDelta(t, 4.25/5, b.ES, 1e-9)
	require.InDelta(t, 0.5, b.Other, 1e-9)
	require.Len(t, b.ESParts, busyParts)
	// Fifths of 1 s: [0.25, 1.25] holds 0.25 s of work, the others are full.
	want := []float64{0.25, 1, 1, 1, 1}
	for i, v := range want {
		require.InDeltaf(t, v, b.ESParts[i], 1e-9, "fifth %d", i)
		require.InDeltaf(t, 0.5, b.OtherParts[i], 1e-9, "fifth %d of the rest", i)
	}
	require.InDelta(t, 0.75, b.Roles[RoleWorkers][2], 1e-9, "the workers' share of one CPU")
	require.InDelta(t, 0.25, b.Roles[RoleRedis][4], 1e-9)
	require.NotContains(t, b.Roles, RoleElasticsearch)
	require.Equal(t, "Elasticsearch 85% of 1 CPU (by fifths 25 100 100 100 100), the rest 50% of 2 (50 50 50 50 50); of one CPU by fifths: workers 75 75 75 75 75, redis 25 25 25 25 25", b.String())

	require.False(t, busyOver(samples[:1], t0, t0.Add(time.Second), 1, 1).Ran, "one sample is no rate")
	require.False(t, busyOver(samples, t0, t0, 1, 1).Ran, "an empty window")
}
