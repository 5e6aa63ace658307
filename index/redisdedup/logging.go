package redisdedup

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// LogClient sends the go-redis client's own log lines (a failed dial, a
// pool notice: one line per connection attempt while a server is down) to
// logger at debug level instead of the standard error. go-redis keeps one
// logger per process, so this applies to every Store; call it once, in
// main. The Store's errors carry the same causes, are counted in its
// metrics, and the consumer logs them as it retries.
func LogClient(logger *slog.Logger) {
	redis.SetLogger(clientLogger{logger})
}

type clientLogger struct{ l *slog.Logger }

func (c clientLogger) Printf(ctx context.Context, format string, v ...any) {
	if c.l.Enabled(ctx, slog.LevelDebug) {
		c.l.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
	}
}
