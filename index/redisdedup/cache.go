package redisdedup

import (
	"github.com/newsflow/newsflow/pkg/dedup"
)

// recordCache is the Store's LRU of found records. Records never change
// once created, so a cached copy is valid for as long as the server keeps
// the key: until the record's expireAt, less a margin for the clocks of
// the worker and the server (Store.cacheMargin). An entry past that is
// dropped when met.
//
// Each entry holds the value as the server stores it (compact: about 90
// bytes for a long paragraph's record) and decodes it on a hit; slots sit
// in one slice linked by index, so there is no element per record.
//
// Not safe for concurrent use: the Store holds its lock.
type recordCache struct {
	max   int
	index map[dedup.Key]int32
	slots []cacheSlot
	head  int32 // most recently used, -1 when empty
	tail  int32 // least recently used
	free  []int32
}

type cacheSlot struct {
	key        dedup.Key
	prev, next int32
	validUntil uint32 // Unix seconds
	value      string // the stored value (appendRecord)
}

func newRecordCache(max int) *recordCache {
	return &recordCache{max: max, index: map[dedup.Key]int32{}, head: -1, tail: -1}
}

// Len is the number of entries held.
func (c *recordCache) Len() int { return len(c.index) }

// get returns the value cached for k when it is still valid at now (Unix
// seconds) and marks it most recently used; an expired entry is dropped.
func (c *recordCache) get(k dedup.Key, now uint32) (string, bool) {
	i, ok := c.index[k]
	if !ok {
		return "", false
	}
	if c.slots[i].validUntil <= now {
		c.remove(i)
		return "", false
	}
	c.touch(i)
	return c.slots[i].value, true
}

// put caches value under k until validUntil (a present key is only
// touched: records never change) and evicts the least recently used
// beyond max.
func (c *recordCache) put(k dedup.Key, value string, validUntil, now uint32) {
	if c.max <= 0 || validUntil <= now {
		return
	}
	if i, ok := c.index[k]; ok {
		c.touch(i)
		return
	}
	var i int32
	switch {
	case len(c.free) > 0:
		i = c.free[len(c.free)-1]
		c.free = c.free[:len(c.free)-1]
	case len(c.slots) < c.max:
		c.slots = append(c.slots, cacheSlot{})
		i = int32(len(c.slots) - 1)
	default:
		i = c.tail // full: reuse the least recently used slot
		delete(c.index, c.slots[i].key)
		c.unlink(i)
	}
	c.slots[i] = cacheSlot{key: k, prev: -1, next: -1, validUntil: validUntil, value: value}
	c.index[k] = i
	c.pushFront(i)
}

func (c *recordCache) remove(i int32) {
	delete(c.index, c.slots[i].key)
	c.unlink(i)
	c.slots[i] = cacheSlot{prev: -1, next: -1}
	c.free = append(c.free, i)
}

func (c *recordCache) touch(i int32) {
	if c.head == i {
		return
	}
	c.unlink(i)
	c.pushFront(i)
}

func (c *recordCache) unlink(i int32) {
	s := &c.slots[i]
	if s.prev >= 0 {
		c.slots[s.prev].next = s.next
	} else if c.head == i {
		c.head = s.next
	}
	if s.next >= 0 {
		c.slots[s.next].prev = s.prev
	} else if c.tail == i {
		c.tail = s.prev
	}
	s.prev, s.next = -1, -1
}

func (c *recordCache) pushFront(i int32) {
	s := &c.slots[i]
	s.prev, s.next = -1, c.head
	if c.head >= 0 {
		c.slots[c.head].prev = i
	}
	c.head = i
	if c.tail < 0 {
		c.tail = i
	}
}
