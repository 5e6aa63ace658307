package redisdedup

import (
	"math/bits"

	"github.com/newsflow/newsflow/pkg/dedup"
)

// keyIndex maps a key to its cache slot: an open-addressing table with
// linear probing and backward-shift deletion, so that deleting leaves no
// tombstone. The cache deletes as often as it inserts (every eviction),
// and on new text most lookups miss. A Go map under that churn fills its
// groups with tombstones, and a miss then probes group after group: in
// BenchmarkWorkerStagesOnRedis the cache's map was a tenth of the worker's
// CPU (issue 11). Here a miss ends at the first empty entry, which at a
// load of at most a half is one or two keys on, in the same cache line:
// the keys sit in their own array (key 0 marks an empty entry; the key 0
// itself is held beside the table), the slots in another, read on a hit.
// At 12 bytes an entry the table costs what the map did (TestCacheEntrySize).
//
// Keys are hashes already (FNV-1a); a multiplicative mix spreads their
// bits over the table's index. Not safe for concurrent use.
type keyIndex struct {
	keys  []dedup.Key
	slots []int32
	shift uint // 64 - log2(len(keys))
	n     int  // keys in the table, the key 0 not counted

	hasZero  bool // the key 0 is held, at zeroSlot
	zeroSlot int32
}

const minKeyIndex = 64

func (x *keyIndex) home(k dedup.Key) int {
	return int((uint64(k) * 0x9E3779B97F4A7C15) >> x.shift)
}

// len is the number of keys held.
func (x *keyIndex) len() int {
	if x.hasZero {
		return x.n + 1
	}
	return x.n
}

// find returns the entry holding k, or the empty entry that ends its run.
func (x *keyIndex) find(k dedup.Key) int {
	mask := len(x.keys) - 1
	i := x.home(k)
	for x.keys[i] != k && x.keys[i] != 0 {
		i = (i + 1) & mask
	}
	return i
}

// get returns the slot of k.
func (x *keyIndex) get(k dedup.Key) (int32, bool) {
	if k == 0 {
		return x.zeroSlot, x.hasZero
	}
	if x.n == 0 {
		return 0, false
	}
	if i := x.find(k); x.keys[i] == k {
		return x.slots[i], true
	}
	return 0, false
}

// set maps k to slot, replacing its slot if k is present.
func (x *keyIndex) set(k dedup.Key, slot int32) {
	if k == 0 {
		x.hasZero, x.zeroSlot = true, slot
		return
	}
	if 2*(x.n+1) > len(x.keys) {
		x.grow()
	}
	i := x.find(k)
	if x.keys[i] == 0 {
		x.keys[i] = k
		x.n++
	}
	x.slots[i] = slot
}

// delete removes k if present. The keys after it in its run that could
// sit earlier move back, so every key stays reachable from its home.
func (x *keyIndex) delete(k dedup.Key) {
	if k == 0 {
		x.hasZero, x.zeroSlot = false, 0
		return
	}
	if x.n == 0 {
		return
	}
	i := x.find(k)
	if x.keys[i] == 0 {
		return
	}
	mask := len(x.keys) - 1
	for j := (i + 1) & mask; x.keys[j] != 0; j = (j + 1) & mask {
		// The key at j may move to the hole at i unless its home lies
		// cyclically in (i, j].
		if (j-x.home(x.keys[j]))&mask >= (j-i)&mask {
			x.keys[i], x.slots[i] = x.keys[j], x.slots[j]
			i = j
		}
	}
	x.keys[i], x.slots[i] = 0, 0
	x.n--
}

func (x *keyIndex) grow() {
	size := minKeyIndex
	if len(x.keys) > 0 {
		size = 2 * len(x.keys)
	}
	keys, slots := x.keys, x.slots
	x.keys, x.slots = make([]dedup.Key, size), make([]int32, size)
	x.shift = uint(64 - bits.TrailingZeros(uint(size)))
	x.n = 0
	for i, k := range keys {
		if k != 0 {
			x.set(k, slots[i])
		}
	}
}
