package dedup

import "unsafe"

// The Deduper keeps its markers and overlays with their buffers in free
// lists, so that a batch does not allocate them again. A pooled buffer keeps the capacity of
// the largest article (or batch) it ever held, and a pool of a few hundred
// markers, each used for a random article of the next batch, ends up with
// every marker at the size of the largest articles: in the consumer worker
// (issue 11) the pools held 35–45 MB more than the batches in work needed,
// about 40 % of the worker's live heap, which the garbage collector then
// doubles. trim lets each buffer go when it is more than shrinkFactor times
// what its last use needed, so the pools follow the articles as they come:
// sizes within a factor of four of each other keep their buffers (a factor
// of two gave up so many that the worker's allocations, and its CPU, rose).

// shrinkFactor and shrinkSlack (bytes) bound what a buffer keeps: its last
// use times the factor, plus the slack (a few hundred markers hold some 40
// buffers each).
const (
	shrinkFactor = 4
	shrinkSlack  = 1024
)

// shrink returns s, or nil when its capacity is more than shrinkFactor
// times used plus shrinkSlack bytes.
func shrink[T any](s []T, used int) []T {
	var zero T
	if cap(s) > shrinkFactor*used+shrinkSlack/max(1, int(unsafe.Sizeof(zero))) {
		return nil
	}
	return s
}

// paragraphKeep is what a buffer of one paragraph (or one comparison) may
// keep, in bytes: its length says only what the last paragraph needed, so
// it is bounded by size instead (a paragraph of some 500 words).
const paragraphKeep = 8 << 10

// shrinkParagraph returns s, or nil when its capacity is above
// paragraphKeep bytes.
func shrinkParagraph[T any](s []T) []T {
	var zero T
	if cap(s)*int(unsafe.Sizeof(zero)) > paragraphKeep {
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
	m.typo.arena = shrinkParagraph(m.typo.arena)
	m.typo.a = shrinkParagraph(m.typo.a)
	m.typo.b = shrinkParagraph(m.typo.b)
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
	m.tmp = shrinkParagraph(m.tmp)
	m.tmp2 = shrinkParagraph(m.tmp2)
	m.times = shrink(m.times, len(m.times))
	m.zoneTimes = shrink(m.zoneTimes, len(m.zoneTimes))
}

// trim drops the scratch buffers that are oversized for their last use:
// those of the whole article by its use, those of one paragraph by size.
func (sc *scratch) trim() {
	sc.paras = shrink(sc.paras, len(sc.paras))
	sc.tokens = shrink(sc.tokens, len(sc.tokens))
	sc.nums = shrink(sc.nums, len(sc.nums))
	sc.shingles = shrink(sc.shingles, len(sc.shingles))
	sc.stems = shrink(sc.stems, len(sc.stems))
	sc.negated = shrink(sc.negated, len(sc.negated))
	sc.words = shrinkParagraph(sc.words)
	sc.digit = shrinkParagraph(sc.digit)
	sc.caps = shrinkParagraph(sc.caps)
	sc.kinds = shrinkParagraph(sc.kinds)
	sc.fold = shrinkParagraph(sc.fold)
	sc.fofs = shrinkParagraph(sc.fofs)
	sc.ascii = shrinkParagraph(sc.ascii)
	sc.pairs = shrinkParagraph(sc.pairs)
	sc.sortBuf = shrinkParagraph(sc.sortBuf)
	sc.names = shrinkParagraph(sc.names)
}

// trim drops the buffers of a released overlay that are oversized for the
// batches it decided lately: every list holds at most one entry per slot of
// a batch, the decision buffers one per key of its largest article. The
// partitions' batches differ in size from one call to the next by more than
// shrinkFactor (a fetch brings one partition hundreds of messages, the next
// few), so the measure is a peak that decays by a quarter a call rather than
// the last call's size: an outlier's buffers go after some ten calls, and
// the usual sizes keep theirs (trimming by the last call alone made the
// overlays a third of the worker's allocations).
func (o *overlay) trim() {
	o.usualSlots = max(len(o.keys), o.usualSlots-o.usualSlots/4)
	o.usualKeys = max(o.bufs.peak, o.usualKeys-o.usualKeys/4)
	n := o.usualSlots
	if len(o.slot) > o.slotPeak {
		o.slotPeak = len(o.slot)
	}
	if o.slotPeak > shrinkFactor*n+shrinkSlack/8 {
		// A cleared map keeps its size: only a new one is smaller.
		o.slot, o.slotPeak = nil, 0
	}
	o.keys = shrink(o.keys, n)
	o.rec = shrink(o.rec, n)
	o.recs = shrink(o.recs, n)
	o.claims = shrink(o.claims, n)
	o.slotClaims = shrink(o.slotClaims, n)
	o.slotOwner = shrink(o.slotOwner, n)
	o.first = shrink(o.first, n)
	o.second = shrink(o.second, n)
	o.lookupKeys = shrink(o.lookupKeys, n)
	o.found = shrink(o.found, n)
	o.got = shrink(o.got, n)
	o.bufs.recs = shrink(o.bufs.recs, o.usualKeys)
	o.bufs.claimRec = shrink(o.bufs.claimRec, o.usualKeys)
	o.bufs.peak = 0
}
