//go:build !unix

package bench

import "time"

// CPUTime is unknown on this system: 0, and the harness reports wall time
// only.
func CPUTime() time.Duration { return 0 }
