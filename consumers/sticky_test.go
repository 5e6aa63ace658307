package consumers

import (
	"encoding/json"
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
)

func claim(gen int32, topic string, parts ...int) []byte {
	b, _ := json.Marshal(stickyData{Version: 1, Generation: gen, Topics: map[string][]int{topic: parts}})
	return b
}

func partitionsOf(topic string, n int) []kafka.Partition {
	out := make([]kafka.Partition, n)
	for i := range out {
		out[i] = kafka.Partition{Topic: topic, ID: i}
	}
	return out
}

func TestStickyBalancer(t *testing.T) {
	const topic = "news.raw"
	m := func(id string, userData []byte, topics ...string) kafka.GroupMember {
		if len(topics) == 0 {
			topics = []string{topic}
		}
		return kafka.GroupMember{ID: id, Topics: topics, UserData: userData}
	}
	tests := []struct {
		name    string
		members []kafka.GroupMember
		parts   []kafka.Partition
		want    map[string][]int
	}{
		{
			name:    "a first assignment spreads the partitions evenly",
			members: []kafka.GroupMember{m("a", nil), m("b", nil)},
			parts:   partitionsOf(topic, 6),
			want:    map[string][]int{"a": {0, 1, 2}, "b": {3, 4, 5}},
		},
		{
			name:    "a member that joins takes one partition from each, the rest stay",
			members: []kafka.GroupMember{m("a", claim(4, topic, 0, 1, 2)), m("b", claim(4, topic, 3, 4, 5)), m("c", nil)},
			parts:   partitionsOf(topic, 6),
			want:    map[string][]int{"a": {0, 1}, "b": {3, 4}, "c": {2, 5}},
		},
		{
			name:    "the partitions of a member that left go to the others, nothing else moves",
			members: []kafka.GroupMember{m("a", claim(5, topic, 0, 1)), m("c", claim(5, topic, 2, 5))},
			parts:   partitionsOf(topic, 6),
			want:    map[string][]int{"a": {0, 1, 3}, "c": {2, 4, 5}},
		},
		{
			name:    "the larger shares go to the members that hold the most already",
			members: []kafka.GroupMember{m("a", claim(2, topic, 0)), m("b", claim(2, topic, 1, 2, 3, 4))},
			parts:   partitionsOf(topic, 5),
			want:    map[string][]int{"a": {0, 4}, "b": {1, 2, 3}},
		},
		{
			name: "a partition claimed twice goes to the later generation's claim",
			// b was evicted in generation 3 without noticing; a got its
			// partitions in generation 4.
			members: []kafka.GroupMember{m("a", claim(4, topic, 0, 1, 2, 3)), m("b", claim(3, topic, 2, 3))},
			parts:   partitionsOf(topic, 4),
			want:    map[string][]int{"a": {0, 1}, "b": {2, 3}},
		},
		{
			name:    "claims of partitions that are gone are ignored, new ones are handed out",
			members: []kafka.GroupMember{m("a", claim(1, topic, 0, 7)), m("b", claim(1, topic, 1))},
			parts:   partitionsOf(topic, 4),
			want:    map[string][]int{"a": {0, 2}, "b": {1, 3}},
		},
		{
			name:    "user data of another client or version counts as no claim",
			members: []kafka.GroupMember{m("a", []byte("\x00\x01binary")), m("b", []byte(`{"v":2,"t":{"news.raw":[0,1,2]}}`))},
			parts:   partitionsOf(topic, 3),
			want:    map[string][]int{"a": {0, 1}, "b": {2}},
		},
		{
			name:    "more members than partitions leaves some without",
			members: []kafka.GroupMember{m("a", claim(1, topic, 0)), m("b", nil), m("c", nil)},
			parts:   partitionsOf(topic, 2),
			want:    map[string][]int{"a": {0}, "b": {1}, "c": nil},
		},
		{
			name:    "a member gets only the topics it subscribes to",
			members: []kafka.GroupMember{m("a", nil, topic), m("b", nil, "other")},
			parts:   append(partitionsOf(topic, 2), partitionsOf("other", 1)...),
			want:    map[string][]int{"a": {0, 1}, "b": nil},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := (&stickyBalancer{topic: topic}).AssignGroups(tc.members, tc.parts)
			require.Len(t, got, len(tc.members), "every member gets an entry")
			for id, want := range tc.want {
				require.Equal(t, want, got[id][topic], "member %s", id)
			}
		})
	}
}

// TestStickyBalancerUserDataRoundTrip: what a member announces is what the
// leader reads.
func TestStickyBalancerUserDataRoundTrip(t *testing.T) {
	b := &stickyBalancer{topic: "news.raw"}
	empty, err := b.UserData()
	require.NoError(t, err)
	b.owns(7, []int{4, 1})
	ud, err := b.UserData()
	require.NoError(t, err)
	got := b.AssignGroups([]kafka.GroupMember{
		{ID: "a", Topics: []string{"news.raw"}, UserData: ud},
		{ID: "b", Topics: []string{"news.raw"}, UserData: empty},
	}, partitionsOf("news.raw", 6))
	require.Equal(t, []int{0, 1, 4}, got["a"]["news.raw"], "a keeps 1 and 4")
	require.Equal(t, []int{2, 3, 5}, got["b"]["news.raw"])
	require.Equal(t, StickyProtocol, b.ProtocolName())
}
