package consumers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
)

// Group is the worker's Fetcher in a consumer group: one member of the
// group (kafka-go's kafka.ConsumerGroup), a partition reader per assigned
// partition, and the commits of a generation through that generation.
//
// kafka-go's group Reader restarts every partition at its committed offset
// at each rebalance and drops its read-ahead, so everything fetched and not
// yet committed is fetched again, also on the partitions the member keeps.
// Group instead, when a generation ends and before the member rejoins:
//
//  1. stops handing out messages (its partition readers keep their position
//     and their read-ahead);
//  2. waits, at most DrainTimeout, until every message it handed out is
//     done (indexed, skipped or dead-lettered);
//  3. commits the worker's watermark of every partition of the ending
//     generation through that generation (the broker accepts it while the
//     group prepares the rebalance);
//
// and then rejoins with the partitions it owned in the UserData of the
// sticky balancer, so that the leader moves only the partitions that must
// move. In the next generation a partition it gets back continues where
// its reader was, with the same offsets.Tracker session, when the offset the
// group holds for it is the one this member committed last (nobody else
// touched it); any other partition, and one whose committed offset moved,
// starts afresh at the committed offset (the worker forgets its session).
// Commits only ever cover partitions of the current generation, so a worker
// never moves the offset of a partition that another member now owns.
//
// What cannot be finished within DrainTimeout is not committed (as at
// shutdown): the next owner fetches it again, which repeats work and loses
// none.
type Group struct {
	cfg      GroupConfig
	cg       groupClient
	open     func(partition int, offset int64, assigned int) partitionReader
	balancer *stickyBalancer
	log      *slog.Logger

	msgs   chan kafka.Message
	errs   chan error
	handed atomic.Int64 // messages handed to FetchMessage's caller

	ctx     context.Context // ends at Close
	cancel  context.CancelFunc
	runDone chan struct{}
	closing atomic.Bool
	closed  chan struct{}
	once    sync.Once

	mu     sync.Mutex
	member member
	gen    generation // the current generation; nil between generations
	owned  map[int]bool
	parts  map[int]*partState
	totals kafka.ReaderStats // of readers closed since the last Stats
}

// GroupConfig configures a Group. Topic and DrainTimeout are required.
type GroupConfig struct {
	// Topic is the one topic the group consumes.
	Topic string
	// DrainTimeout bounds the wait for the work in flight when a
	// generation ends. It must leave time to commit and rejoin within the
	// session timeout (kafka-go stops heartbeating when the generation
	// ends). kafkacfg.ReaderConfig.DrainTimeout is half the session or
	// rebalance timeout, whichever is shorter.
	DrainTimeout time.Duration
	// CommitTimeout bounds the commit at the end of a generation.
	// Default: DefaultCommitTimeout.
	CommitTimeout time.Duration
	// Logger: default discard.
	Logger *slog.Logger
}

// partState is one assigned partition: its reader and what this member
// knows of its committed offset.
type partState struct {
	partition int
	r         partitionReader
	// held is a message read from r and not yet handed out (the
	// generation ended meanwhile).
	held *kafka.Message
	// expect is the offset the group holds for the partition if nobody but
	// this member committed it: the assignment's offset, then each of this
	// member's commits.
	expect int64
}

// member is the worker as its Group sees it (*Worker).
type member interface {
	// Pending is the number of fetched messages not yet done.
	Pending() int
	// admitted is the number of messages fetched and recorded in the
	// tracker.
	admitted() int64
	// commitNow commits the watermark of every partition that moved.
	commitNow(ctx context.Context) error
	// forget drops a partition's tracker session.
	forget(partition int)
}

// generation is one generation of the group (*kafka.Generation).
type generation interface {
	ID() int32
	// Assigned lists the member's partitions of topic and the offsets the
	// group holds for them (kafka.FirstOffset when none).
	Assigned(topic string) []kafka.PartitionAssignment
	// Start runs fn until the generation ends; the group rejoins only after
	// every fn returned.
	Start(fn func(ctx context.Context))
	// Commit stores offsets (partition → next offset to read) of topic.
	Commit(topic string, offsets map[int]int64) error
}

// groupClient is the group membership (*kafka.ConsumerGroup).
type groupClient interface {
	Next(ctx context.Context) (generation, error)
	Close() error
}

// partitionReader reads one partition from an offset (*kafka.Reader
// without a GroupID).
type partitionReader interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	Stats() kafka.ReaderStats
	Close() error
}

// errNoGeneration: a commit between two generations (a rebalance is under
// way); the watermark is committed at the next interval.
var errNoGeneration = errors.New("consumer group is rebalancing: no generation to commit in")

// GroupParts are the Kafka parts of a Group, built by
// kafkacfg.Clients.ConsumerGroup and .PartitionReader.
type GroupParts struct {
	// NewGroup joins the group with the given balancers, in order of
	// preference.
	NewGroup func(balancers []kafka.GroupBalancer) (*kafka.ConsumerGroup, error)
	// NewReader opens a reader of one partition at offset (an absolute
	// offset or kafka.FirstOffset); queue is its read-ahead in messages.
	NewReader func(partition int, offset int64, queue int) *kafka.Reader
	// Prefetch is the read-ahead shared by the assigned partitions.
	Prefetch int
}

// NewGroup joins the consumer group and starts following its generations.
// The balancers offered are the sticky one, then kafka-go's range and round
// robin (what a group Reader offers), so workers of an older version in the
// same group make it fall back to range.
func NewGroup(cfg GroupConfig, p GroupParts) (*Group, error) {
	b := &stickyBalancer{topic: cfg.Topic}
	cg, err := p.NewGroup([]kafka.GroupBalancer{b, kafka.RangeGroupBalancer{}, kafka.RoundRobinGroupBalancer{}})
	if err != nil {
		return nil, fmt.Errorf("join consumer group: %w", err)
	}
	open := func(partition int, offset int64, assigned int) partitionReader {
		return p.NewReader(partition, offset, max(1, p.Prefetch/max(1, assigned)))
	}
	return newGroup(cfg, kafkaGroup{cg}, open, b), nil
}

// newGroup starts following the generations of cg; open opens a reader of
// a partition at an offset, given how many partitions are assigned.
func newGroup(cfg GroupConfig, cg groupClient, open func(partition int, offset int64, assigned int) partitionReader, b *stickyBalancer) *Group {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CommitTimeout <= 0 {
		cfg.CommitTimeout = DefaultCommitTimeout
	}
	if b == nil {
		b = &stickyBalancer{topic: cfg.Topic}
	}
	g := &Group{
		cfg: cfg, cg: cg, open: open, balancer: b, log: cfg.Logger,
		msgs: make(chan kafka.Message), errs: make(chan error, 1),
		runDone: make(chan struct{}), closed: make(chan struct{}),
		parts: map[int]*partState{},
	}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	go g.run()
	return g
}

// attach is called by New: the worker drains and commits at the end of a
// generation, and forgets the partitions that restart.
func (g *Group) attach(m member) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.member = m
}

// FetchMessage returns the next message of any assigned partition. It
// returns io.EOF once the group is closed.
func (g *Group) FetchMessage(ctx context.Context) (kafka.Message, error) {
	select {
	case m := <-g.msgs:
		return m, nil
	case err := <-g.errs:
		return kafka.Message{}, err
	case <-g.closed:
		return kafka.Message{}, io.EOF
	case <-ctx.Done():
		return kafka.Message{}, ctx.Err()
	}
}

// CommitMessages commits, for each partition of the current generation
// among msgs, the highest offset + 1 (as kafka-go's Reader does). Messages
// of partitions the member does not own now are left out. Between
// generations it fails with errNoGeneration and commits nothing.
func (g *Group) CommitMessages(_ context.Context, msgs ...kafka.Message) error {
	g.mu.Lock()
	gen, owned := g.gen, g.owned
	g.mu.Unlock()
	if gen == nil {
		return errNoGeneration
	}
	offs := map[int]int64{}
	for _, m := range msgs {
		if owned[m.Partition] && m.Offset+1 > offs[m.Partition] {
			offs[m.Partition] = m.Offset + 1
		}
	}
	if len(offs) == 0 {
		return nil
	}
	// kafka-go's Generation.CommitOffsets takes no context: its coordinator
	// connection's timeout bounds it.
	if err := gen.Commit(g.cfg.Topic, offs); err != nil {
		return fmt.Errorf("commit in generation %d: %w", gen.ID(), err)
	}
	g.mu.Lock()
	for p, off := range offs {
		if st := g.parts[p]; st != nil {
			st.expect = off
		}
	}
	g.mu.Unlock()
	return nil
}

// Stats adds up the counters of the partition readers (reset at each call,
// as kafka-go's are); Rebalances counts the generations joined.
func (g *Group) Stats() kafka.ReaderStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.totals
	g.totals = kafka.ReaderStats{}
	for _, p := range g.parts {
		addStats(&st, p.r.Stats())
	}
	return st
}

func addStats(to *kafka.ReaderStats, s kafka.ReaderStats) {
	to.Errors += s.Errors
	to.Fetches += s.Fetches
	to.Timeouts += s.Timeouts
	to.Dials += s.Dials
	to.Bytes += s.Bytes
	to.Messages += s.Messages
	to.Rebalances += s.Rebalances
}

// Close leaves the group (the worker has committed by then) and closes the
// partition readers. FetchMessage returns io.EOF afterwards.
func (g *Group) Close() error {
	var err error
	g.once.Do(func() {
		g.closing.Store(true)
		err = g.cg.Close()
		g.cancel()
		<-g.runDone
		g.mu.Lock()
		parts := g.parts
		g.parts = map[int]*partState{}
		g.mu.Unlock()
		for _, st := range parts {
			g.closeReader(st)
		}
		close(g.closed)
	})
	return err
}

// run follows the generations until Close.
func (g *Group) run() {
	defer close(g.runDone)
	for {
		gen, err := g.cg.Next(g.ctx)
		if err != nil {
			if g.ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				return
			}
			if errors.Is(err, kafka.RebalanceInProgress) {
				// Another member joined or left during our join: kafka-go
				// joins again at once; nothing is wrong.
				g.log.Debug("consumer group: rebalancing again", "topic", g.cfg.Topic, "err", err)
				continue
			}
			// kafka-go retries the join by itself; the worker counts and
			// logs the error as a fetch retry.
			select {
			case g.errs <- fmt.Errorf("join consumer group: %w", err):
			default:
			}
			continue
		}
		g.begin(gen)
	}
}

// begin sets up a generation: keeps, restarts, opens and closes partition
// readers, then starts a pump per partition and the end-of-generation
// hook.
func (g *Group) begin(gen generation) {
	assigned := gen.Assigned(g.cfg.Topic)
	sort.Slice(assigned, func(i, j int) bool { return assigned[i].ID < assigned[j].ID })
	var kept, fresh, lost []int
	var toClose []*partState
	g.mu.Lock()
	owned := map[int]bool{}
	for _, a := range assigned {
		owned[a.ID] = true
	}
	g.owned = owned
	mem := g.member
	for _, a := range assigned {
		st := g.parts[a.ID]
		if st != nil && st.expect == a.Offset {
			kept = append(kept, a.ID)
			continue
		}
		if st != nil {
			toClose = append(toClose, st)
		}
		// Before the new reader's first message reaches the worker: the old
		// session's tickets must not count any more.
		if mem != nil {
			mem.forget(a.ID)
		}
		g.parts[a.ID] = &partState{partition: a.ID, r: g.open(a.ID, a.Offset, len(assigned)), expect: a.Offset}
		fresh = append(fresh, a.ID)
	}
	for p, st := range g.parts {
		if !owned[p] {
			toClose = append(toClose, st)
			delete(g.parts, p)
			if mem != nil {
				mem.forget(p)
			}
			lost = append(lost, p)
		}
	}
	states := make([]*partState, 0, len(assigned))
	ids := make([]int, 0, len(assigned))
	for _, a := range assigned {
		states = append(states, g.parts[a.ID])
		ids = append(ids, a.ID)
	}
	g.gen = gen
	g.totals.Rebalances++
	g.mu.Unlock()
	g.balancer.owns(gen.ID(), ids)
	for _, st := range toClose {
		g.closeReader(st)
	}
	sort.Ints(lost)
	g.log.Info("consumer group generation", "generation", gen.ID(), "topic", g.cfg.Topic, "partitions", ids, "kept", kept, "started", fresh, "revoked", lost)

	var pumps sync.WaitGroup
	for _, st := range states {
		pumps.Add(1)
		gen.Start(func(ctx context.Context) {
			defer pumps.Done()
			g.pump(ctx, st)
		})
	}
	gen.Start(func(ctx context.Context) {
		<-ctx.Done()
		pumps.Wait()
		g.end(gen)
	})
}

// closeReader closes a partition's reader, keeping its last counters.
func (g *Group) closeReader(st *partState) {
	s := st.r.Stats()
	if err := st.r.Close(); err != nil {
		g.log.Warn("close partition reader", "topic", g.cfg.Topic, "partition", st.partition, "err", err)
	}
	g.mu.Lock()
	addStats(&g.totals, s)
	g.mu.Unlock()
}

// pump hands out the messages of one partition until the generation ends.
func (g *Group) pump(ctx context.Context, st *partState) {
	for ctx.Err() == nil {
		if st.held == nil {
			m, err := st.r.FetchMessage(ctx)
			if err != nil {
				if ctx.Err() != nil || errors.Is(err, io.EOF) {
					return
				}
				select {
				case g.errs <- fmt.Errorf("fetch partition %d of %s: %w", st.partition, g.cfg.Topic, err):
				default:
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
				continue
			}
			st.held = &m
		}
		// Counted before the hand-over so that end, once the pumps have
		// returned, knows exactly how many messages the worker got.
		g.handed.Add(1)
		select {
		case g.msgs <- *st.held:
			st.held = nil
		case <-ctx.Done():
			g.handed.Add(-1)
			return
		}
	}
}

// end runs when a generation ends, after the pumps stopped and before the
// group rejoins: the worker finishes what it has (at most DrainTimeout) and
// commits through this generation.
func (g *Group) end(gen generation) {
	g.mu.Lock()
	mem := g.member
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		if g.gen == gen {
			g.gen, g.owned = nil, nil
		}
		g.mu.Unlock()
	}()
	if mem == nil || g.closing.Load() {
		return // closing: the worker has drained and committed already
	}
	start := time.Now()
	dctx, cancel := context.WithTimeout(context.Background(), g.cfg.DrainTimeout)
	drained := g.drain(dctx, mem)
	cancel()
	cctx, cancel := context.WithTimeout(context.Background(), g.cfg.CommitTimeout)
	err := mem.commitNow(cctx)
	cancel()
	args := []any{"generation", gen.ID(), "topic", g.cfg.Topic, "took", time.Since(start).Round(time.Millisecond), "unfinished", mem.Pending()}
	switch {
	case err != nil:
		g.log.Warn("consumer group rebalancing: commit failed; the next owners fetch the uncommitted messages again", append(args, "err", err)...)
	case !drained:
		g.log.Warn("consumer group rebalancing: work in flight not done within the drain timeout; committed what was done", append(args, "drain_timeout", g.cfg.DrainTimeout)...)
	default:
		g.log.Info("consumer group rebalancing: work in flight done and committed", args...)
	}
}

// drain waits until the worker has recorded every message handed out and
// finished them all, or ctx ends (false).
func (g *Group) drain(ctx context.Context, mem member) bool {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		if mem.admitted() == g.handed.Load() && mem.Pending() == 0 {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}

// kafkaGroup adapts *kafka.ConsumerGroup.
type kafkaGroup struct{ cg *kafka.ConsumerGroup }

func (k kafkaGroup) Next(ctx context.Context) (generation, error) {
	gen, err := k.cg.Next(ctx)
	if err != nil {
		return nil, err
	}
	return kafkaGeneration{gen}, nil
}

func (k kafkaGroup) Close() error { return k.cg.Close() }

// kafkaGeneration adapts *kafka.Generation.
type kafkaGeneration struct{ g *kafka.Generation }

func (k kafkaGeneration) ID() int32 { return k.g.ID }

func (k kafkaGeneration) Assigned(topic string) []kafka.PartitionAssignment {
	return append([]kafka.PartitionAssignment(nil), k.g.Assignments[topic]...)
}

func (k kafkaGeneration) Start(fn func(ctx context.Context)) { k.g.Start(fn) }

func (k kafkaGeneration) Commit(topic string, offsets map[int]int64) error {
	return k.g.CommitOffsets(map[string]map[int]int64{topic: offsets})
}
