package systest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
)

// poisonCount is how many undecodable messages each scenario adds: the
// dead-letter topic must end up with exactly these.
const poisonCount = 20

// pushRate paces the pushes (articles a second), so that a fault lands
// while articles are still being pushed and indexed.
const pushRate = 400

// scenario runs one fault on the cluster: two workers, a producer with the
// push endpoint, N articles pushed and poisonCount poison messages; when
// trigger says so, fault runs and returns when the cluster is whole again.
// It then checks that everything is indexed exactly once, that every
// article the endpoint acknowledged is in the index, and that the dead
// letters are exactly the poison, and logs the time to drain.
func scenario(t *testing.T, trigger func(p *pipeline, pu *pusher, n int) bool, fault func(t *testing.T, p *pipeline) time.Time, opts ...func(*pipeline)) {
	c := needCluster(t)
	n := articlesN(t)
	raws, ids := corpus(t, n)
	p := newPipeline(t, c, 6)
	for _, o := range opts {
		o(p)
	}
	for _, name := range []string{"worker-1", "worker-2"} {
		p.startWorker(t, name)
	}
	p.waitMembers(t, 2, 90*time.Second)
	for _, w := range p.workers {
		w.waitReady(t, 60*time.Second)
	}
	p.startProducer(t)
	p.injectPoison(t, poisonCount)

	pu := newPusher(p.pushURL)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	start := time.Now()
	pushed := make(chan error, 1)
	var pushDone time.Time
	go func() {
		err := pu.pushAll(ctx, raws, 50, pushRate)
		pushDone = time.Now()
		pushed <- err
	}()

	for !trigger(p, pu, n) {
		select {
		case err := <-pushed:
			pushed <- err
			require.NoError(t, err)
		default:
		}
		time.Sleep(100 * time.Millisecond)
	}
	faultAt := time.Now()
	beforeCount, beforeAcked := p.count(), pu.ackedN()
	recovered := fault(t, p)
	t.Logf("fault at %v (%d acknowledged, %d indexed), cluster whole again %v later",
		faultAt.Sub(start).Round(time.Millisecond), beforeAcked, beforeCount, recovered.Sub(faultAt).Round(time.Millisecond))

	require.NoError(t, <-pushed)
	t.Logf("push: %s, done %v after the start", pu.summary(), pushDone.Sub(start).Round(time.Millisecond))
	drained := p.waitDrained(t, len(ids), 15*time.Minute, p.live()...)
	origins, letters := p.deadLetterOrigins(t)
	for wait := time.Now().Add(2 * time.Minute); origins < poisonCount && time.Now().Before(wait); {
		time.Sleep(time.Second)
		origins, letters = p.deadLetterOrigins(t)
	}
	fetched := p.fetched()
	t.Logf("drained %v after the cluster was whole again (%v after the last push was acknowledged, %v in all); "+
		"dead letters: %d for %d poison messages; fetched by the workers: %.0f for %d messages (%.0f re-fetched)",
		drained.Sub(recovered).Round(time.Millisecond), drained.Sub(pushDone).Round(time.Millisecond), drained.Sub(start).Round(time.Millisecond),
		letters, poisonCount, fetched, n+poisonCount, fetched-float64(n+poisonCount))

	acked := map[string]bool{}
	pu.mu.Lock()
	for id := range pu.acked {
		acked[id] = true
	}
	pu.mu.Unlock()
	require.Equal(t, len(ids), len(acked), "every article was acknowledged in the end (the client resends what was not)")
	p.requireExactly(t, ids) // every acknowledged article is in the index, once
	require.Equal(t, poisonCount, origins, "dead letters for exactly the poison messages")

	// Everything stops cleanly.
	p.producer.stop(t)
	for _, w := range p.live() {
		w.stop(t)
	}
}

// leaderOf returns the node name (kafka-N) of the leader of partition.
func (p *pipeline) leaderOf(t *testing.T, partition int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	md, err := p.c.admin().Metadata(ctx, &kafka.MetadataRequest{Topics: []string{p.topic}})
	require.NoError(t, err)
	for _, tp := range md.Topics {
		for _, pt := range tp.Partitions {
			if pt.ID == partition {
				return fmt.Sprintf("kafka-%d", pt.Leader.ID)
			}
		}
	}
	t.Fatalf("no leader for partition %d of %s", partition, p.topic)
	return ""
}

// primaryNode returns the node name (es-N) holding the primary of the
// article index's shard.
func (p *pipeline) primaryNode(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, p.c.esDo(context.Background(), http.MethodGet, "/_cat/shards/"+p.alias+"-*?format=json&h=index,prirep,node,state", "", &b))
	var shards []struct{ Index, Prirep, Node, State string }
	require.NoError(t, json.Unmarshal(b.Bytes(), &shards))
	for _, s := range shards {
		if s.Prirep == "p" && s.State == "STARTED" {
			return s.Node
		}
	}
	t.Fatalf("no started primary of %s: %s", p.alias, b.String())
	return ""
}

func ackedThird(p *pipeline, pu *pusher, n int) bool   { return pu.ackedN() >= n/3 }
func indexedThird(p *pipeline, pu *pusher, n int) bool { return p.count() >= n/3 }

// TestIntegrationSystemKafkaBrokerKilled: the leader of partition 0 is
// killed with SIGKILL mid-stream and restarted 5 s later.
func TestIntegrationSystemKafkaBrokerKilled(t *testing.T) {
	scenario(t, ackedThird, func(t *testing.T, p *pipeline) time.Time {
		node := p.leaderOf(t, 0)
		t.Cleanup(func() { p.c.heal(t, node) })
		p.c.do(t, "kill", node)
		time.Sleep(5 * time.Second)
		p.c.do(t, "restart", node)
		return time.Now()
	})
}

// TestIntegrationSystemPartitionLeaderPaused: the broker leading partition
// 0 is paused with SIGSTOP for 20 s, then resumed.
func TestIntegrationSystemPartitionLeaderPaused(t *testing.T) {
	scenario(t, ackedThird, func(t *testing.T, p *pipeline) time.Time {
		node := p.leaderOf(t, 0)
		t.Cleanup(func() { p.c.heal(t, node) })
		p.c.do(t, "pause", node)
		time.Sleep(20 * time.Second)
		p.c.do(t, "resume", node)
		return time.Now()
	})
}

// TestIntegrationSystemElasticsearchNodeKilled: the node holding the
// article index's primary is killed with SIGKILL while bulk requests run,
// and restarted 10 s later.
func TestIntegrationSystemElasticsearchNodeKilled(t *testing.T) {
	scenario(t, indexedThird, func(t *testing.T, p *pipeline) time.Time {
		node := p.primaryNode(t)
		t.Cleanup(func() { p.c.heal(t, node) })
		p.c.do(t, "kill", node)
		time.Sleep(10 * time.Second)
		p.c.do(t, "restart", node)
		return time.Now()
	})
}

// TestIntegrationSystemWorkerKilledDuringRebalance: a third worker joins;
// while the group rebalances, the first worker is killed with SIGKILL.
func TestIntegrationSystemWorkerKilledDuringRebalance(t *testing.T) {
	scenario(t, indexedThird, func(t *testing.T, p *pipeline) time.Time {
		victim := p.workers[0]
		before := p.fetched()
		p.startWorker(t, "worker-3")
		deadline := time.Now().Add(30 * time.Second)
		state := p.groupState()
		for state == "Stable" && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			state = p.groupState()
		}
		t.Logf("group %s when worker-1 is killed", state)
		require.NotEqual(t, "Stable", state, "the third worker started a rebalance")
		if m := victim.scrape(); m != nil {
			p.departed = m.Sum("newsflow_consumer_fetched_messages_total") // a lower bound: it may fetch more before the kill
		}
		victim.kill(t)
		p.waitMembers(t, 2, 2*time.Minute)
		t.Logf("fetched by the workers before the rebalance: %.0f", before)
		return time.Now()
	})
}

// TestIntegrationSystemDedupStoreRestarted: the dedup store's Redis (a
// server of the test's own, append-only file on disk) is stopped with
// SIGTERM mid-stream and started again 10 s later; the workers retry the
// dedup stage with backoff meanwhile (fetching pauses, nothing committed
// ahead of the index).
func TestIntegrationSystemDedupStoreRestarted(t *testing.T) {
	r := itest.StartRedis(t)
	scenario(t, indexedThird, func(t *testing.T, p *pipeline) time.Time {
		r.Stop()
		time.Sleep(10 * time.Second)
		r.Start()
		return time.Now()
	}, func(p *pipeline) { p.dedup = dedupFlags(t, r.Addr()) })
}

// TestIntegrationSystemRebalanceRefetch measures what a rebalance costs in
// repeated fetches: N articles through two workers; a third joins at a
// quarter, one leaves cleanly (SIGTERM) at a half. Every message fetched
// more than once is counted (newsflow_consumer_fetched_messages_total of
// all three, the leaver's read just before it stopped); the index still
// holds each article once.
func TestIntegrationSystemRebalanceRefetch(t *testing.T) {
	c := needCluster(t)
	n := articlesN(t)
	raws, ids := corpus(t, n)
	p := newPipeline(t, c, 6)
	w1, w2 := p.startWorker(t, "worker-1"), p.startWorker(t, "worker-2")
	p.waitMembers(t, 2, 90*time.Second)
	for _, w := range p.workers {
		w.waitReady(t, 60*time.Second)
	}
	p.startProducer(t)
	pu := newPusher(p.pushURL)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	pushed := make(chan error, 1)
	go func() { pushed <- pu.pushAll(ctx, raws, 50, pushRate) }()

	require.Eventually(t, func() bool { return p.count() >= n/4 }, 10*time.Minute, 200*time.Millisecond)
	joinFetched := p.fetched()
	w3 := p.startWorker(t, "worker-3")
	p.waitMembers(t, 3, 2*time.Minute)
	t.Logf("worker-3 joined at %.0f fetched", joinFetched)

	require.Eventually(t, func() bool { return p.count() >= n/2 }, 10*time.Minute, 200*time.Millisecond)
	require.NoError(t, w2.cmd.Process.Signal(syscall.SIGTERM))
	var leaverFetched float64
	for !w2.exited() {
		if m := w2.scrape(); m != nil {
			leaverFetched = m.Sum("newsflow_consumer_fetched_messages_total")
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, w2.err, "worker-2 exit status")
	p.waitMembers(t, 2, 2*time.Minute)
	require.NoError(t, <-pushed)
	p.waitDrained(t, len(ids), 15*time.Minute, w1, w3)
	p.requireExactly(t, ids)
	total := p.fetched() + leaverFetched
	t.Logf("re-fetched: %.0f of %d messages over one join and one clean leave (%.1f%%; worker-2 fetched %.0f before it left)",
		total-float64(n), n, 100*(total-float64(n))/float64(n), leaverFetched)
	require.GreaterOrEqual(t, total, float64(n))
	p.producer.stop(t)
	w1.stop(t)
	w3.stop(t)
}
