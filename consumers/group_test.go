package consumers

import (
	"context"
	"errors"
	"io"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
)

// fakeGroup hands out the generations a test makes, as kafka.ConsumerGroup
// does: one at a time, the next only after the previous one ended and every
// function it started returned.
type fakeGroup struct {
	next   chan *fakeGen
	closed chan struct{}
	once   sync.Once
	mu     sync.Mutex
	cur    *fakeGen
}

func newFakeGroup() *fakeGroup {
	return &fakeGroup{next: make(chan *fakeGen), closed: make(chan struct{})}
}

func (f *fakeGroup) Next(ctx context.Context) (generation, error) {
	select {
	case g := <-f.next:
		f.mu.Lock()
		f.cur = g
		f.mu.Unlock()
		return g, nil
	case <-f.closed:
		return nil, kafka.ErrGroupClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close ends the current generation and waits for its functions, as
// kafka.ConsumerGroup.Close does before it leaves the group.
func (f *fakeGroup) Close() error {
	f.once.Do(func() { close(f.closed) })
	f.mu.Lock()
	g := f.cur
	f.mu.Unlock()
	if g != nil {
		g.end()
		g.wait()
	}
	return nil
}

// fakeGen is one generation over a fakeLog: Commit stores offsets in the
// log (refused once the generation is stale, as the broker refuses a
// commit of an older generation).
type fakeGen struct {
	id      int32
	assign  []kafka.PartitionAssignment
	log     *fakeLog
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	stale   bool
	commits []map[int]int64
}

func (f *fakeGroup) generation(l *fakeLog, id int32, parts ...int) *fakeGen {
	g := &fakeGen{id: id, log: l}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	committed := l.committedOffsets()
	for _, p := range parts {
		off, ok := committed[p]
		if !ok {
			off = kafka.FirstOffset
		}
		g.assign = append(g.assign, kafka.PartitionAssignment{ID: p, Offset: off})
	}
	return g
}

func (g *fakeGen) ID() int32 { return g.id }

func (g *fakeGen) Assigned(string) []kafka.PartitionAssignment {
	return append([]kafka.PartitionAssignment(nil), g.assign...)
}

func (g *fakeGen) Start(fn func(ctx context.Context)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		fn(g.ctx)
		g.cancel() // one function returning ends the generation
	}()
}

func (g *fakeGen) Commit(_ string, offs map[int]int64) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stale {
		return kafka.IllegalGeneration
	}
	g.log.mu.Lock()
	for p, o := range offs {
		g.log.committed[p] = o
	}
	g.log.commits++
	g.log.mu.Unlock()
	c := map[int]int64{}
	for p, o := range offs {
		c[p] = o
	}
	g.commits = append(g.commits, c)
	return nil
}

// end makes the group rebalance; wait returns when the member has done
// what it does before rejoining (drained, committed).
func (g *fakeGen) end()  { g.cancel() }
func (g *fakeGen) wait() { g.wg.Wait() }

func (g *fakeGen) retire() {
	g.mu.Lock()
	g.stale = true
	g.mu.Unlock()
}

// fetchLog records every message a partition reader handed out.
type fetchLog struct {
	mu sync.Mutex
	n  map[[2]int64]int // (partition, offset) → times fetched
}

func (f *fetchLog) add(m kafka.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n[[2]int64{int64(m.Partition), m.Offset}]++
}

func (f *fetchLog) counts() (total, repeated int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.n {
		total += n
		repeated += n - 1
	}
	return total, repeated
}

// fakePartReader reads one partition of a fakeLog from an offset.
type fakePartReader struct {
	log       *fakeLog
	partition int
	fetched   *fetchLog
	mu        sync.Mutex
	next      int64
	closed    bool
}

func (r *fakePartReader) FetchMessage(ctx context.Context) (kafka.Message, error) {
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return kafka.Message{}, io.EOF
		}
		r.log.mu.Lock()
		if r.next < int64(len(r.log.parts[r.partition])) {
			m := r.log.parts[r.partition][r.next]
			r.next++
			r.log.mu.Unlock()
			r.mu.Unlock()
			r.fetched.add(m)
			return m, nil
		}
		r.log.mu.Unlock()
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return kafka.Message{}, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

func (r *fakePartReader) Stats() kafka.ReaderStats { return kafka.ReaderStats{} }

func (r *fakePartReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return nil
}

// groupMember is one worker with its Group on a shared fakeLog.
type groupMember struct {
	group  *Group
	client *fakeGroup
	worker *Worker
	opened []kafka.PartitionAssignment // readers opened, in order
	reg    *prometheus.Registry
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan error
}

// drainEnough is the drain bound of the tests whose drain must finish: a
// drain returns as soon as the work in flight is done, so a long bound costs
// nothing, and a loaded machine (the helper saw 2 s fail at load 10) still
// finishes within it.
const drainEnough = 30 * time.Second

func (h *harness) startMember(t *testing.T, cfg Config, drain time.Duration, fetched *fetchLog) *groupMember {
	t.Helper()
	m := &groupMember{client: newFakeGroup(), done: make(chan error, 1), reg: prometheus.NewRegistry()}
	open := func(p int, off int64, _ int) partitionReader {
		m.mu.Lock()
		m.opened = append(m.opened, kafka.PartitionAssignment{ID: p, Offset: off})
		m.mu.Unlock()
		if off == kafka.FirstOffset {
			off = 0
		}
		return &fakePartReader{log: h.log, partition: p, next: off, fetched: fetched}
	}
	m.group = newGroup(GroupConfig{Topic: cfg.Topic, DrainTimeout: drain, CommitTimeout: time.Second}, m.client, open, nil)
	w, err := New(cfg, Options{Fetcher: m.group, Processor: h.proc, Indexer: h.ix, DeadLetters: h.dl, Registerer: m.reg})
	require.NoError(t, err)
	m.worker = w
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go func() { m.done <- w.Run(ctx) }()
	t.Cleanup(func() { m.stop(t) })
	return m
}

// join hands the member a generation of parts, offsets from the log.
func (m *groupMember) join(h *harness, id int32, parts ...int) *fakeGen {
	g := m.client.generation(h.log, id, parts...)
	m.client.next <- g
	return g
}

// stop shuts the worker down and leaves the group, as Assembly.Run does.
func (m *groupMember) stop(t *testing.T) {
	if m.cancel == nil {
		return
	}
	m.cancel()
	m.cancel = nil
	select {
	case err := <-m.done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("worker did not stop")
	}
	require.NoError(t, m.group.Close())
}

func (m *groupMember) openedReaders() []kafka.PartitionAssignment {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]kafka.PartitionAssignment(nil), m.opened...)
}

// fetched is what the worker fetched (newsflow_consumer_fetched_messages_total).
func (m *groupMember) fetched() int {
	return int(counter(m.reg, "newsflow_consumer_fetched_messages_total"))
}

func waitIndexed(t *testing.T, h *harness, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return h.ix.count() >= n }, 10*time.Second, time.Millisecond)
}

// TestRebalanceKeepingEveryPartitionFetchesNothingTwice: a generation ends
// mid-stream and the next one gives the member the same partitions: the
// work in flight is finished and committed before it rejoins, and the
// partitions continue from their readers (no reader reopened, no message
// fetched twice).
func TestRebalanceKeepingEveryPartitionFetchesNothingTwice(t *testing.T) {
	h := newHarness(3, 300)
	fetched := &fetchLog{n: map[[2]int64]int{}}
	m := h.startMember(t, testConfig(), drainEnough, fetched)
	g1 := m.join(h, 1, 0, 1, 2)
	waitIndexed(t, h, 300)
	g1.end()
	g1.wait()
	// Before rejoining: everything handed out is done and committed.
	committed := h.log.committedOffsets()
	sum := int64(0)
	for _, o := range committed {
		sum += o
	}
	require.Equal(t, int64(m.fetched()), sum, "the commit at the end of the generation covers every message fetched")
	require.Zero(t, m.worker.Pending())
	g1.retire()
	m.join(h, 2, 0, 1, 2)
	waitIndexed(t, h, 900)
	m.stop(t)
	total, repeated := fetched.counts()
	require.Equal(t, 900, total)
	require.Zero(t, repeated, "no message read twice from Kafka")
	require.Equal(t, 900, m.fetched(), "no message fetched twice")
	require.Len(t, m.openedReaders(), 3, "the kept partitions' readers were not reopened")
	require.Equal(t, map[int]int64{0: 300, 1: 300, 2: 300}, h.log.committedOffsets())
}

// TestRebalanceHandsOverCommittedWork: two members; the second joins and
// gets one of the first member's partitions. The first commits what it did
// of it before rejoining, the second starts there: across both, nothing is
// fetched twice, and the first never commits the partition it lost.
func TestRebalanceHandsOverCommittedWork(t *testing.T) {
	h := newHarness(2, 400)
	fetched := &fetchLog{n: map[[2]int64]int{}}
	a := h.startMember(t, testConfig(), drainEnough, fetched)
	g1 := a.join(h, 1, 0, 1)
	waitIndexed(t, h, 200)
	g1.end()
	g1.wait()
	g1.retire()
	b := h.startMember(t, testConfig(), drainEnough, fetched)
	g2a := a.join(h, 2, 0)
	g2b := b.join(h, 2, 1)
	waitIndexed(t, h, 800)
	a.stop(t)
	b.stop(t)
	require.Equal(t, 800, a.fetched()+b.fetched(), "the new owner started where the old one had finished")
	_, repeated := fetched.counts()
	require.LessOrEqual(t, repeated, 1, "read from Kafka again: at most the message the old owner's reader held")
	for _, c := range g2a.commits {
		require.NotContains(t, c, 1, "a member commits only partitions it owns")
	}
	// The new owner commits what it did; it may have had nothing to do: the
	// old owner's reader can have fetched all of partition 1 before the
	// generation ended (a loaded machine processes slower than the fake
	// reader fetches), and its drain then finished and committed it all.
	if b.fetched() > 0 {
		require.NotEmpty(t, g2b.commits, "b fetched %d messages of partition 1 and committed none", b.fetched())
	}
	require.Equal(t, map[int]int64{0: 400, 1: 400}, h.log.committedOffsets())
}

// TestRebalanceCommitsOnlyDoneWorkWhenTheDrainTimesOut: Elasticsearch
// holds every bulk request past the drain timeout. The end of the
// generation commits nothing undone; the member keeps its partitions, goes
// on from its readers' positions, and commits everything once the requests
// pass.
func TestRebalanceCommitsOnlyDoneWorkWhenTheDrainTimesOut(t *testing.T) {
	h := newHarness(2, 100)
	h.ix.started = make(chan struct{}, 1)
	h.ix.blockAll = make(chan struct{})
	fetched := &fetchLog{n: map[[2]int64]int{}}
	cfg := testConfig()
	cfg.ShutdownTimeout = 5 * time.Second
	m := h.startMember(t, cfg, 100*time.Millisecond, fetched)
	g1 := m.join(h, 1, 0, 1)
	<-h.ix.started
	start := time.Now()
	g1.end()
	g1.wait()
	require.Less(t, time.Since(start), 2*time.Second, "the drain is bounded")
	require.Empty(t, h.log.committedOffsets(), "nothing was done, nothing committed")
	require.NotZero(t, m.worker.Pending())
	g1.retire()
	m.join(h, 2, 0, 1)
	close(h.ix.blockAll)
	waitIndexed(t, h, 200)
	m.stop(t)
	require.Equal(t, 200, m.fetched(), "the kept partitions continued from their readers")
	require.Len(t, m.openedReaders(), 2)
	require.Equal(t, map[int]int64{0: 100, 1: 100}, h.log.committedOffsets())
}

// TestRebalanceRestartsAPartitionWhoseOffsetMoved: between two
// generations the group's offset of a partition is not the one this member
// committed (another member committed it meanwhile): the member restarts
// it at the group's offset with a new session, and keeps the other.
func TestRebalanceRestartsAPartitionWhoseOffsetMoved(t *testing.T) {
	h := newHarness(2, 100)
	fetched := &fetchLog{n: map[[2]int64]int{}}
	m := h.startMember(t, testConfig(), drainEnough, fetched)
	g1 := m.join(h, 1, 0, 1)
	waitIndexed(t, h, 200)
	g1.end()
	g1.wait()
	g1.retire()
	h.log.mu.Lock()
	h.log.committed[1] = 50 // someone else's commit, behind ours
	h.log.mu.Unlock()
	m.join(h, 2, 0, 1)
	require.Eventually(t, func() bool { return h.log.committedOffsets()[1] == 100 }, 5*time.Second, time.Millisecond)
	m.stop(t)
	opened := m.openedReaders()
	sort.Slice(opened, func(i, j int) bool {
		return opened[i].ID < opened[j].ID || opened[i].ID == opened[j].ID && opened[i].Offset < opened[j].Offset
	})
	require.Equal(t, []kafka.PartitionAssignment{{ID: 0, Offset: kafka.FirstOffset}, {ID: 1, Offset: kafka.FirstOffset}, {ID: 1, Offset: 50}}, opened)
	require.Equal(t, 250, m.fetched(), "offsets 50–99 of partition 1 again")
	require.Equal(t, 200, h.ix.count())
}

// TestGroupCommitsNothingBetweenGenerations: the commit loop's commits
// while the group rebalances wait for the next generation; they are not
// errors and mark nothing committed.
func TestGroupCommitsNothingBetweenGenerations(t *testing.T) {
	g := newGroup(GroupConfig{Topic: "t", DrainTimeout: time.Second}, newFakeGroup(), nil, nil)
	err := g.CommitMessages(context.Background(), kafka.Message{Partition: 0, Offset: 5})
	require.True(t, errors.Is(err, errNoGeneration), "%v", err)
	require.NoError(t, g.Close())
	_, err = g.FetchMessage(context.Background())
	require.ErrorIs(t, err, io.EOF, "a closed group fetches nothing")
}
