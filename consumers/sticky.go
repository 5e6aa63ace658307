package consumers

import (
	"encoding/json"
	"slices"
	"sort"
	"sync"

	"github.com/segmentio/kafka-go"
)

// StickyProtocol is the name of the sticky assignment protocol in the
// group's JoinGroup requests. It is newsflow's own (the Java clients'
// "sticky" has another UserData format), so a group mixing newsflow workers
// with other clients falls back to the range protocol they share.
const StickyProtocol = "newsflow-sticky"

// stickyBalancer is a kafka.GroupBalancer that moves only the partitions
// that must move: every member tells the group leader, in its JoinGroup
// UserData, the partitions it owned in the generation that just ended, and
// the leader lets each keep them up to its fair share (⌊n/m⌋ or ⌈n/m⌉ of n
// partitions over m members) before it hands out the rest. kafka-go's own
// balancers (range, round robin) compute the assignment from the member
// list alone, so one member joining or leaving moves most partitions.
//
// The group still rebalances eagerly (the classic protocol as kafka-go
// implements it: every member stops at the end of a generation); stickiness
// is what lets a worker keep the position and read-ahead of the partitions
// it gets back (see Group).
type stickyBalancer struct {
	mu    sync.Mutex
	topic string
	gen   int32
	owned []int
}

// stickyData is the UserData of a member: what it owned, in which
// generation (the later claim wins when two members claim a partition, as
// after one was evicted without noticing).
type stickyData struct {
	Version    int              `json:"v"`
	Generation int32            `json:"g"`
	Topics     map[string][]int `json:"t"`
}

func (b *stickyBalancer) ProtocolName() string { return StickyProtocol }

// owns records the partitions of the current generation.
func (b *stickyBalancer) owns(gen int32, parts []int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gen, b.owned = gen, slices.Clone(parts)
}

// UserData is called at each JoinGroup, after the previous generation ended.
func (b *stickyBalancer) UserData() ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := stickyData{Version: 1, Generation: b.gen, Topics: map[string][]int{}}
	if len(b.owned) > 0 {
		d.Topics[b.topic] = b.owned
	}
	return json.Marshal(d)
}

// AssignGroups is run by the group leader. Members whose UserData cannot
// be read (another version, another client) claim nothing.
func (b *stickyBalancer) AssignGroups(members []kafka.GroupMember, partitions []kafka.Partition) kafka.GroupMemberAssignments {
	out := kafka.GroupMemberAssignments{}
	for _, m := range members {
		out[m.ID] = map[string][]int{}
	}
	byTopic := map[string][]int{}
	for _, p := range partitions {
		byTopic[p.Topic] = append(byTopic[p.Topic], p.ID)
	}
	claims := map[string]stickyData{}
	for _, m := range members {
		var d stickyData
		if json.Unmarshal(m.UserData, &d) == nil && d.Version == 1 {
			claims[m.ID] = d
		}
	}
	for topic, parts := range byTopic {
		var subs []string
		for _, m := range members {
			if slices.Contains(m.Topics, topic) {
				subs = append(subs, m.ID)
			}
		}
		if len(subs) == 0 {
			continue
		}
		prev := map[string][]int{}
		for id, d := range claims {
			prev[id] = d.Topics[topic]
		}
		gens := map[string]int32{}
		for id, d := range claims {
			gens[id] = d.Generation
		}
		for id, ps := range assignSticky(subs, parts, prev, gens) {
			if len(ps) > 0 {
				out[id][topic] = ps
			}
		}
	}
	return out
}

// assignSticky spreads parts over members as evenly as possible, each
// member keeping as many of its prev partitions as its share allows. A
// partition claimed by several members goes to the claim of the latest
// generation (then the lowest member id); claims of partitions that no
// longer exist are ignored.
func assignSticky(members []string, parts []int, prev map[string][]int, gens map[string]int32) map[string][]int {
	members = slices.Clone(members)
	sort.Strings(members)
	exists := map[int]bool{}
	for _, p := range parts {
		exists[p] = true
	}
	// Resolve conflicting claims.
	owner := map[int]string{}
	for _, id := range members {
		for _, p := range prev[id] {
			if !exists[p] {
				continue
			}
			o, taken := owner[p]
			if !taken || gens[id] > gens[o] || (gens[id] == gens[o] && id < o) {
				owner[p] = id
			}
		}
	}
	claimed := map[string][]int{}
	for p, id := range owner {
		claimed[id] = append(claimed[id], p)
	}
	for _, ps := range claimed {
		sort.Ints(ps)
	}
	// Shares: the larger ones to the members that hold the most already.
	order := slices.Clone(members)
	sort.SliceStable(order, func(i, j int) bool { return len(claimed[order[i]]) > len(claimed[order[j]]) })
	base, extra := len(parts)/len(members), len(parts)%len(members)
	quota := map[string]int{}
	for i, id := range order {
		quota[id] = base
		if i < extra {
			quota[id]++
		}
	}
	out := map[string][]int{}
	kept := map[int]bool{}
	for _, id := range members {
		ps := claimed[id]
		if len(ps) > quota[id] {
			ps = ps[:quota[id]]
		}
		for _, p := range ps {
			kept[p] = true
		}
		out[id] = slices.Clone(ps)
	}
	free := make([]int, 0, len(parts))
	for _, p := range parts {
		if !kept[p] {
			free = append(free, p)
		}
	}
	sort.Ints(free)
	for _, id := range members {
		for len(out[id]) < quota[id] && len(free) > 0 {
			out[id] = append(out[id], free[0])
			free = free[1:]
		}
		sort.Ints(out[id])
	}
	return out
}
