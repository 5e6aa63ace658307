package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisStats are the numbers of the dedup store's server the report gives:
// its memory and keys before and after the pipeline phase.
type redisStats struct {
	UsedMemory int64
	Keys       int64
}

// RedisMemory is what the pipeline phase left in the dedup store's server.
type RedisMemory struct {
	Ran bool
	// Bytes and Keys added during the pipeline phase (INFO used_memory and
	// the keyspace); Paragraphs the workers marked in it
	// (newsflow_paragraphs_total), Unique those of them seen for the first
	// time (status unique: the ones whose keys are new; a cycled corpus
	// repeats the others).
	Bytes, Keys        int64
	Paragraphs, Unique float64
}

// BytesPerMillionParagraphs is the server memory a million paragraphs take.
func (m RedisMemory) BytesPerMillionParagraphs() float64 {
	if m.Paragraphs <= 0 {
		return 0
	}
	return float64(m.Bytes) / m.Paragraphs * 1e6
}

// BytesPerMillionUnique is the server memory a million first-seen
// paragraphs take.
func (m RedisMemory) BytesPerMillionUnique() float64 {
	if m.Unique <= 0 {
		return 0
	}
	return float64(m.Bytes) / m.Unique * 1e6
}

// KeysPerParagraph is the keys the store holds per paragraph.
func (m RedisMemory) KeysPerParagraph() float64 {
	if m.Paragraphs <= 0 {
		return 0
	}
	return float64(m.Keys) / m.Paragraphs
}

func newRedisClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1})
}

// readRedisStats reads used_memory and the keys of every database.
func readRedisStats(ctx context.Context, addr string) (redisStats, error) {
	c := newRedisClient(addr)
	defer c.Close()
	info, err := c.Info(ctx, "memory", "keyspace").Result()
	if err != nil {
		return redisStats{}, fmt.Errorf("redis %s (is it running?): info: %w", addr, err)
	}
	var st redisStats
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			st.UsedMemory, _ = strconv.ParseInt(v, 10, 64)
		}
		// db0:keys=12,expires=12,avg_ttl=0
		if strings.HasPrefix(line, "db") {
			if _, rest, ok := strings.Cut(line, ":keys="); ok {
				n, _, _ := strings.Cut(rest, ",")
				k, _ := strconv.ParseInt(n, 10, 64)
				st.Keys += k
			}
		}
	}
	return st, nil
}

// deleteRedisPrefix deletes the keys starting with prefix (SCAN, UNLINK).
func deleteRedisPrefix(ctx context.Context, addr, prefix string) (int, error) {
	c := newRedisClient(addr)
	defer c.Close()
	var cursor uint64
	n := 0
	for {
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 5000).Result()
		if err != nil {
			return n, err
		}
		if len(keys) > 0 {
			if err := c.Unlink(ctx, keys...).Err(); err != nil {
				return n, err
			}
			n += len(keys)
		}
		if cursor = next; cursor == 0 {
			return n, nil
		}
	}
}
