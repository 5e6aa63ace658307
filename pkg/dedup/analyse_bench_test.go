package dedup

import "testing"

func BenchmarkAnalyse(b *testing.B) {
	for _, tc := range []struct{ name, text string }{
		{"long", talks},
		{"short", shr},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var sc scratch
			var p para
			b.SetBytes(int64(len(tc.text)))
			cpu0 := cpuTime()
			for range b.N {
				sc.shingles, sc.tokens, sc.nums, sc.stems, sc.negated = sc.shingles[:0], sc.tokens[:0], sc.nums[:0], sc.stems[:0], sc.negated[:0]
				sc.analyse(tc.text, DefaultMinNearLength, &p)
			}
			if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
				b.ReportMetric(cpu*1e9/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
