package backoff

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// SetupAttemptTimeout bounds one attempt of a start-up step.
const SetupAttemptTimeout = 30 * time.Second

// setupPermanentAttempts is how often a start-up step is tried on an error
// that does not say it may pass (a refused request may still be a cluster
// that is starting).
const setupPermanentAttempts = 3

// Setup runs a start-up step (install a template, create a topic) until it
// succeeds, waiting p's delays between attempts, until ctx ends. Errors for
// which retryable is true (connection errors, 429, 5xx: the cluster may still
// be starting) are retried for as long as it takes; others are given up
// after three attempts. Each attempt gets SetupAttemptTimeout.
func Setup(ctx context.Context, p Policy, logger *slog.Logger, what string, retryable func(error) bool, f func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		sctx, cancel := context.WithTimeout(ctx, SetupAttemptTimeout)
		err := f(sctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if (retryable == nil || !retryable(err)) && attempt+1 >= setupPermanentAttempts {
			return fmt.Errorf("%s: %w", what, err)
		}
		logger.Warn(what+" failed; retrying", "attempt", attempt+1, "err", err)
		if err := p.Wait(ctx, attempt, 0); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}
