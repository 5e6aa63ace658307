// Package offsets keeps, per partition, the watermark a consumer may commit:
// the highest fetched offset at or below which every fetched message is done
// (indexed or dead-lettered). Kafka stores one offset per partition and
// kafka-go commits the highest offset it is handed, so committing a message
// that finished early, while an earlier one is still in flight, would skip
// the earlier one after a restart. The Tracker prevents that.
//
// Messages are added in fetch order and may finish in any order. Offsets
// need not be consecutive: compaction and transaction markers leave gaps, so
// the Tracker follows the order of fetched offsets rather than arithmetic.
//
// A partition can be revoked and assigned again (a consumer group rebalance).
// Forget drops a revoked partition, and a partition restarted at its
// committed offset (at or below the last offset fetched before) starts a new
// session by itself when Add sees the step back: tickets of an old session
// are ignored by Done, so an old in-flight message can never move the new
// session's watermark.
package offsets

import (
	"sort"
	"sync"
)

// Ticket identifies one fetched message to Done.
type Ticket struct {
	Partition int
	Offset    int64
	session   uint64
}

// Tracker is safe for concurrent use.
type Tracker struct {
	mu    sync.Mutex
	parts map[int]*partition
	next  uint64 // session counter
}

type partition struct {
	session uint64
	// queue holds the fetched offsets not yet below the watermark, in fetch
	// order, from head on; done marks the finished ones.
	queue []int64
	done  []bool
	head  int
	// last is the last offset added (-1 before the first).
	last int64
	// mark is the watermark: the last offset of the done prefix (-1: none).
	mark int64
	// committed is the watermark last reported by Committed (-1: none).
	committed int64
}

// New returns an empty Tracker.
func New() *Tracker { return &Tracker{parts: map[int]*partition{}} }

// Add records a fetched message. Offsets of a partition must be added in
// fetch order; an offset at or below the last one added starts a new session
// for the partition (the partition was re-assigned and restarted at its
// committed offset), dropping what the old session had not finished.
func (t *Tracker) Add(part int, offset int64) Ticket {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.parts[part]
	if p == nil || offset <= p.last {
		t.next++
		p = &partition{session: t.next, last: -1, mark: -1, committed: -1}
		t.parts[part] = p
	}
	p.queue = append(p.queue, offset)
	p.done = append(p.done, false)
	p.last = offset
	return Ticket{Partition: part, Offset: offset, session: p.session}
}

// Done marks a message finished and advances the watermark over the done
// prefix. It reports false when the ticket belongs to a session that has
// since been replaced (or is unknown), in which case nothing changes.
func (t *Tracker) Done(tk Ticket) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.parts[tk.Partition]
	if p == nil || p.session != tk.session {
		return false
	}
	// The queue is sorted (offsets grow within a session): binary search.
	q := p.queue[p.head:]
	i := sort.Search(len(q), func(i int) bool { return q[i] >= tk.Offset })
	if i == len(q) || q[i] != tk.Offset {
		return false // already below the watermark, or never added
	}
	p.done[p.head+i] = true
	for p.head < len(p.queue) && p.done[p.head] {
		p.mark = p.queue[p.head]
		p.head++
	}
	// Compact once the consumed prefix dominates, keeping Add amortised O(1).
	if p.head > 1024 && p.head*2 > len(p.queue) {
		n := copy(p.queue, p.queue[p.head:])
		copy(p.done, p.done[p.head:])
		p.queue, p.done, p.head = p.queue[:n], p.done[:n], 0
	}
	return true
}

// Forget drops partition part: the partition was revoked, or is about to
// restart at another offset. Its unfinished tickets are ignored from now on
// (Done reports false), it no longer counts in Pending, and the next Add of
// it starts a new session.
func (t *Tracker) Forget(part int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.parts, part)
}

// Committable returns, per partition whose watermark moved since the last
// Committed, the offset of the last message that may be committed: every
// fetched message at or below it is done. Hand kafka-go a message with this
// offset; it commits offset+1, the next one to read.
func (t *Tracker) Committable() map[int]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[int]int64{}
	for part, p := range t.parts {
		if p.mark > p.committed {
			out[part] = p.mark
		}
	}
	return out
}

// Committed records that the offsets returned by Committable were committed.
// Offsets of sessions replaced in between are recognised by being above the
// current watermark and ignored.
func (t *Tracker) Committed(marks map[int]int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for part, off := range marks {
		if p := t.parts[part]; p != nil && off <= p.mark && off > p.committed {
			p.committed = off
		}
	}
}

// Pending returns how many added messages are not yet done, over all
// partitions (the current sessions only).
func (t *Tracker) Pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, p := range t.parts {
		for _, d := range p.done[p.head:] {
			if !d {
				n++
			}
		}
	}
	return n
}

// Partitions returns the partitions seen, in ascending order.
func (t *Tracker) Partitions() []int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]int, 0, len(t.parts))
	for part := range t.parts {
		out = append(out, part)
	}
	sort.Ints(out)
	return out
}
