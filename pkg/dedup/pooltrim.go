package dedup

import "unsafe"

// The Deduper pools its markers and overlays with their buffers, so that a
// batch does not allocate them again. A pooled buffer keeps the capacity of
// the largest article (or batch) it ever held, and a pool of a few hundred
// markers, each used for a random article of the next batch, ends up with
// every marker at the size of the largest articles: in the consumer worker
// (issue 11) the pools held 35–45 MB more than the batches in work needed,
// about 40 % of the worker's live heap, which the garbage collector then
// doubles. trim lets each buffer go when it is more than twice what its last
// use needed, so the pools follow the articles as they come.

// shrinkSlack is the capacity in bytes a buffer keeps regardless of its
// use (a few hundred markers hold some 40 buffers each).
const shrinkSlack = 512

// shrink returns s, or nil when its capacity is more than twice used plus
// shrinkSlack bytes.
func shrink[T any](s []T, used int) []T {
	var zero T
	if cap(s) > 2*used+shrinkSlack/max(1, int(unsafe.Sizeof(zero))) {
		return nil
	}
	return s
}

// trim drops the buffers of a released marker that are oversized for the
// article it last held (each buffer's length is that article's use).
func (m *marker) trim() {
	// The paragraphs point into the scratch buffers: clear them all, past
	// their length too, so that a dropped buffer is not held through them.
	clear(m.paras[:cap(m.paras)])
	m.scratch.trim()
	m.typo.sc.trim()
	m.typo.arena = shrink(m.typo.arena, len(m.typo.arena))
	m.typo.a = shrink(m.typo.a, len(m.typo.a))
	m.typo.b = shrink(m.typo.b, len(m.typo.b))
	m.role = shrink(m.role, len(m.role))
	m.wStatus = shrink(m.wStatus, len(m.wStatus))
	m.wRef = shrink(m.wRef, len(m.wRef))
	m.wHasRef = shrink(m.wHasRef, len(m.wHasRef))
	m.status = shrink(m.status, len(m.status))
	m.ref = shrink(m.ref, len(m.ref))
	m.hasRef = shrink(m.hasRef, len(m.hasRef))
	m.match = shrink(m.match, len(m.match))
	m.refStory = shrink(m.refStory, len(m.refStory))
	m.simOf = shrink(m.simOf, len(m.simOf))
	m.keys = shrink(m.keys, len(m.keys))
	m.keySlot = shrink(m.keySlot, len(m.keySlot))
	m.exactAt = shrink(m.exactAt, len(m.exactAt))
	m.bandAt = shrink(m.bandAt, len(m.bandAt))
	m.slotAt = shrink(m.slotAt, len(m.slotAt))
	m.claimIdx = shrink(m.claimIdx, len(m.claimIdx))
	m.votes = shrink(m.votes, len(m.votes))
	m.tmp = shrink(m.tmp, len(m.tmp))
	m.tmp2 = shrink(m.tmp2, len(m.tmp2))
	m.times = shrink(m.times, len(m.times))
}

// trim drops the scratch buffers that are oversized for their last use.
func (sc *scratch) trim() {
	sc.paras = shrink(sc.paras, len(sc.paras))
	sc.words = shrink(sc.words, len(sc.words))
	sc.digit = shrink(sc.digit, len(sc.digit))
	sc.caps = shrink(sc.caps, len(sc.caps))
	sc.kinds = shrink(sc.kinds, len(sc.kinds))
	sc.fold = shrink(sc.fold, len(sc.fold))
	sc.fofs = shrink(sc.fofs, len(sc.fofs))
	sc.ascii = shrink(sc.ascii, len(sc.ascii))
	sc.tokens = shrink(sc.tokens, len(sc.tokens))
	sc.nums = shrink(sc.nums, len(sc.nums))
	sc.shingles = shrink(sc.shingles, len(sc.shingles))
	sc.stems = shrink(sc.stems, len(sc.stems))
	sc.negated = shrink(sc.negated, len(sc.negated))
	sc.pairs = shrink(sc.pairs, len(sc.pairs))
	sc.sortBuf = shrink(sc.sortBuf, len(sc.sortBuf))
	sc.names = shrink(sc.names, len(sc.names))
}

// trim drops the buffers of a released overlay that are oversized for the
// batch it last decided: every list holds at most one entry per slot of
// that batch, the decision buffers one per key of its largest article.
func (o *overlay) trim() {
	n := len(o.keys)
	if len(o.slot) > o.slotPeak {
		o.slotPeak = len(o.slot)
	}
	if o.slotPeak > 2*n+shrinkSlack/8 {
		// A cleared map keeps its size: only a new one is smaller.
		o.slot, o.slotPeak = nil, 0
	}
	o.keys = shrink(o.keys, n)
	o.rec = shrink(o.rec, n)
	o.recs = shrink(o.recs, n)
	o.claimKeys = shrink(o.claimKeys, n)
	o.claimRecs = shrink(o.claimRecs, n)
	o.slotKeys = shrink(o.slotKeys, n)
	o.slotRecs = shrink(o.slotRecs, n)
	o.slotOwner = shrink(o.slotOwner, n)
	o.first = shrink(o.first, n)
	o.second = shrink(o.second, n)
	o.lookupKeys = shrink(o.lookupKeys, n)
	o.found = shrink(o.found, n)
	o.got = shrink(o.got, n)
	o.bufs.recs = shrink(o.bufs.recs, o.bufs.peak)
	o.bufs.claimRec = shrink(o.bufs.claimRec, o.bufs.peak)
	o.bufs.peak = 0
}
