package dlq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"

	"github.com/newsflow/newsflow/consumers/lag"
)

// ListClient is the part of *kafka.Client List uses.
type ListClient interface {
	lag.Client
	Fetch(ctx context.Context, req *kafka.FetchRequest) (*kafka.FetchResponse, error)
}

// Listed is one dead letter, with whether the replay group passed it.
type Listed struct {
	Msg      kafka.Message
	Replayed bool
}

// Listing is what List found.
type Listing struct {
	// Total is the number of letters the topic holds; Pending those the
	// replay group has not passed (what replay-dlq would re-publish).
	Total, Pending int64
	// Letters are the newest, newest first.
	Letters []Listed
}

// maxListFetchBytes bounds one fetch of List.
const maxListFetchBytes = 4 << 20

// List reads the newest limit letters of the dead-letter topic, for people
// (the search page): from each partition its last limit messages, merged
// newest first. replayGroup is the group replay-dlq commits; a letter
// below its committed offset was replayed already. It reads, it commits
// nothing.
func List(ctx context.Context, c ListClient, topic, replayGroup string, limit int) (Listing, error) {
	parts, err := lag.Read(ctx, c, replayGroup, topic)
	if err != nil {
		return Listing{}, fmt.Errorf("list dead letters: %w", err)
	}
	var out Listing
	for _, p := range parts {
		out.Total += max(0, p.End-p.First)
		out.Pending += p.Lag()
		from := max(p.First, p.End-int64(limit))
		msgs, err := fetchRange(ctx, c, topic, p.Partition, from, p.End)
		if err != nil {
			return Listing{}, err
		}
		for _, m := range msgs {
			out.Letters = append(out.Letters, Listed{Msg: m, Replayed: p.Committed >= 0 && m.Offset < p.Committed})
		}
	}
	sort.SliceStable(out.Letters, func(i, j int) bool {
		a, b := out.Letters[i].Msg, out.Letters[j].Msg
		if !a.Time.Equal(b.Time) {
			return a.Time.After(b.Time)
		}
		if a.Partition != b.Partition {
			return a.Partition < b.Partition
		}
		return a.Offset > b.Offset
	})
	if len(out.Letters) > limit {
		out.Letters = out.Letters[:limit]
	}
	return out, nil
}

// fetchRange reads the messages of one partition in [from, end).
func fetchRange(ctx context.Context, c ListClient, topic string, partition int, from, end int64) ([]kafka.Message, error) {
	var out []kafka.Message
	for from < end {
		res, err := c.Fetch(ctx, &kafka.FetchRequest{
			Topic: topic, Partition: partition, Offset: from,
			MinBytes: 1, MaxBytes: maxListFetchBytes, MaxWait: 100 * time.Millisecond,
		})
		if err != nil {
			return nil, fmt.Errorf("read dead letters of %s/%d: %w", topic, partition, err)
		}
		if res.Error != nil {
			return nil, fmt.Errorf("read dead letters of %s/%d: %w", topic, partition, res.Error)
		}
		next := from
		for {
			r, err := res.Records.ReadRecord()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("read dead letters of %s/%d: %w", topic, partition, err)
			}
			if r.Offset < from || r.Offset >= end {
				continue // a batch may start before the offset asked for
			}
			m := kafka.Message{Topic: topic, Partition: partition, Offset: r.Offset, Time: r.Time}
			if m.Key, err = readBytes(r.Key); err == nil {
				m.Value, err = readBytes(r.Value)
			}
			if err != nil {
				return nil, fmt.Errorf("read dead letter %s/%d@%d: %w", topic, partition, r.Offset, err)
			}
			for _, h := range r.Headers {
				m.Headers = append(m.Headers, kafka.Header(h))
			}
			out = append(out, m)
			next = r.Offset + 1
		}
		if next == from {
			break // nothing more to read (compacted or deleted meanwhile)
		}
		from = next
	}
	return out, nil
}

func readBytes(b protocol.Bytes) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	defer b.Close()
	return protocol.ReadAll(b)
}
