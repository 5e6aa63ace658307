package dedup

import (
	"context"
	"fmt"
	"slices"

	"github.com/newsflow/newsflow/pkg/article"
)

// MarkBatch marks arts in order, as if one after the other, and is the one
// decision path of the package (Mark is a batch of one). The store's round
// trips are shared by the batch: one Lookup of the exact, slot and body
// keys of every article, one of the band keys of the long paragraphs that
// are not exact repeats, then the decisions in order against that snapshot
// plus the claims of the earlier articles of the batch (an overlay that
// answers exactly like the store would), then one Claim of every new exact,
// band and body key and, when no other writer had one of those, one of the
// new boilerplate slots (overlay.flush says why they come last). A batch of
// articles costs four store requests instead of four per article, which is
// what matters when the store is a network away.
//
// figureKeys[i] are the figure keys of arts[i] (see Mark; nil means none).
//
// When the final Claim finds that another writer created one of the batch's
// keys first (a race between workers, or between partitions of one worker,
// on the same text), the decisions from the first article that used such a
// key on are not valid: those articles are decided again in another round
// against the store, which now holds the winner's record. After
// maxBatchRounds lost rounds the rest of the batch is decided in runs of
// one article; an article that loses maxClaimRounds races in a row is
// decided against the records it last read and claims nothing (its
// decision is the one a later article sees too, once the winners' records
// are stored). So MarkBatch always finishes the batch itself.
//
// On an error the articles' statuses are undefined and none counts as
// marked; claims already made are the articles' own records, which a new
// marking treats as absent, so marking them again gives what a first marking
// would have given (the redelivery contract of the package comment). An
// error other than ErrNoID and ErrFigureKeysLen comes from the Store and is
// worth retrying.
//
// Concurrent writers see the batch's claims only at its end: a race window
// of one batch instead of one article. It changes which of two racing
// articles is first, never the agreement on one first occurrence.
func (d *Deduper) MarkBatch(ctx context.Context, arts []*article.Article, figureKeys [][]string) error {
	if figureKeys != nil && len(figureKeys) != len(arts) {
		return fmt.Errorf("%w: %d figure key lists for %d articles", ErrFigureKeysLen, len(figureKeys), len(arts))
	}
	keysOf := func(i int) []string {
		if figureKeys == nil {
			return nil
		}
		return figureKeys[i]
	}
	for i, a := range arts {
		if a.ID == "" {
			return ErrNoID
		}
		if k := keysOf(i); k != nil && len(k) != len(a.Paragraphs) {
			return fmt.Errorf("%w: %d keys for %d paragraphs of %s", ErrFigureKeysLen, len(k), len(a.Paragraphs), a.ID)
		}
	}
	opts := d.opts
	if !d.ready {
		opts = opts.withDefaults()
	}
	// The word cache is a memo of what a word's bytes give (scratch.bagOf),
	// so the markers of one call, which analyse their articles in turn,
	// share one.
	wc := d.words.Get()
	defer d.words.Put(wc)
	markers := make([]*marker, len(arts))
	defer func() {
		for _, m := range markers {
			if m != nil {
				m.release()
				m.trim()
				d.markers.Put(m)
			}
		}
	}()
	for i, a := range arts {
		m := d.markers.Get()
		markers[i] = m
		m.cache, m.typo.sc.cache = wc, wc
		m.reset(a, keysOf(i), opts)
		m.within()
		if d.store == nil {
			m.applyWithin()
		}
	}
	if d.store == nil {
		return nil
	}
	// A race costs a round for the articles from the first one that used a
	// lost key: they are decided again against the store, which now holds
	// the winner's record (and the batch's own claims, which the articles
	// that made them treat as absent, as on a redelivery).
	ov := d.overlays.Get()
	defer func() {
		ov.base = nil
		ov.trim()
		d.overlays.Put(ov)
	}()
	from, run, lost := 0, len(markers), 0
	for from < len(markers) {
		end := min(from+run, len(markers))
		claim := run > 1 || lost < maxClaimRounds
		keys, err := markRound(ctx, ov.reset(d.store), markers[from:end], claim)
		if err != nil {
			return err
		}
		if keys == nil {
			from, lost = end, 0
			continue
		}
		if k := firstUsing(markers[from:end], keys); k < end-from {
			from += k // (every claimed key is some article's)
		}
		if lost++; run > 1 && lost >= maxBatchRounds {
			run, lost = 1, 0 // contention: the rest one article at a time
		}
	}
	return nil
}

// decisionBufs are the record buffers of one decision, lent to the markers
// of a batch in turn.
type decisionBufs struct {
	recs, claimRec []Record
	peak           int // the longest of them since the last trim
}

func (d *decisionBufs) lend(m *marker) {
	m.recs, m.claimRec = d.recs, d.claimRec
}

func (d *decisionBufs) reclaim(m *marker) {
	d.recs, d.claimRec = m.recs, m.claimRec
	d.peak = max(d.peak, len(m.recs), len(m.claimRec))
	m.recs, m.claimRec = nil, nil
}

// Bounds of the rounds of one MarkBatch: lost rounds of a run of several
// articles before the rest goes one at a time, and lost rounds of one
// article before it is decided without claiming.
const (
	maxBatchRounds = 4
	maxClaimRounds = 4
)

// markRound decides markers (reset and within done) in order against one
// snapshot of their keys plus their own claims, and claims the new keys in
// one call (none when claim is false). It returns the keys another writer
// won, if any.
func markRound(ctx context.Context, ov *overlay, markers []*marker, claim bool) (lost map[Key]bool, err error) {
	// Every key of the batch gets a slot of the overlay (one per distinct
	// key). First the exact, slot and body keys are looked up; then the
	// band keys of the long paragraphs that no other article holds exactly:
	// a repeated text's bands are not read (marker.repeatsExactly), and
	// repeats are where most of the found records, the costly part of a
	// lookup, would be. Bands left out stay absent.
	for _, m := range markers {
		m.collectKeys()
		m.keySlot = grow(m.keySlot, len(m.keys))
		for k, key := range m.keys {
			m.keySlot[k] = ov.slotOf(key)
		}
	}
	first := ov.first[:0]
	for _, m := range markers {
		for i := range m.paras {
			if m.exactAt[i] < 0 {
				continue
			}
			first = ov.want(first, m.keySlot[m.exactAt[i]])
			if m.slotAt[i] >= 0 {
				for _, sl := range m.keySlot[m.slotAt[i] : m.slotAt[i]+m.opts.BoilerplateStories] {
					first = ov.want(first, sl)
				}
			}
		}
		first = ov.want(first, m.keySlot[m.bodyAt])
	}
	ov.first = first
	if err := ov.lookup(ctx, first); err != nil {
		return nil, fmt.Errorf("look up %d fingerprints of %d articles: %w", len(first), len(markers), err)
	}
	second := ov.second[:0]
	for _, m := range markers {
		for i := range m.paras {
			if m.bandAt[i] < 0 {
				continue
			}
			if r := ov.get(m.keySlot[m.exactAt[i]]); r != nil && r.Ref.ArticleID != m.a.ID {
				continue
			}
			for _, sl := range m.keySlot[m.bandAt[i] : m.bandAt[i]+bands] {
				second = ov.want(second, sl)
			}
		}
	}
	ov.second = second
	if err := ov.lookup(ctx, second); err != nil {
		return nil, fmt.Errorf("look up %d band fingerprints of %d articles: %w", len(second), len(markers), err)
	}
	// The decisions' records are needed only while one article is decided:
	// the markers take turns with one set of buffers, so a batch holds one
	// article's records (about 200 bytes a key) instead of every article's.
	d := &ov.bufs
	for mi, m := range markers {
		d.lend(m)
		m.recs = grow(m.recs, len(m.keys))
		for k, sl := range m.keySlot {
			if r := ov.get(sl); r != nil {
				m.recs[k] = *r
			}
		}
		m.decide(claim)
		for c, k := range m.claimIdx {
			ov.claim(m.keySlot[k], m.claimRec[c], m.isSlot(k), mi)
		}
		m.apply(m.story)
		d.reclaim(m)
	}
	return ov.flush(ctx, markers)
}

// overlay is what a batch decides against: the records the batch's lookup
// found, plus the claims of the batch's earlier articles, which it keeps to
// write in one Claim at the end. It answers as the store would for a single
// writer; flush finds out whether another writer interfered.
//
// An overlay is pooled by the Deduper with its buffers: the key slots, the
// key lists of the two lookups, their answers, the claims and the
// decisions' records.
type overlay struct {
	base Store
	// slot numbers every distinct key of the batch; keys[s] is slot s's key
	// and rec[s] the index of its record in recs, or absent (most keys of a
	// batch are absent, and a Record is 200 bytes).
	slot map[Key]int32
	keys []Key
	rec  []int32
	recs []Record
	// The claims are slots whose record (in recs) is the claim's: a
	// claimed record is held once, and copied only into the list the
	// store fills (got).
	claims     []int32 // claims of exact, band and body keys
	slotClaims []int32 // claims of boilerplate slots, made once the others stand
	slotOwner  []int   // the marker (index in the round) of each slot claim
	first      []int32 // slots to look up
	second     []int32
	lookupKeys []Key    // the keys of a lookup or a claim
	found, got []Record // answers of a lookup, of the claim
	bufs       decisionBufs

	// What trim keeps buffers for: the most keys slot held since it was
	// made, and the decaying peaks of the slots of a batch and of the keys
	// of an article.
	slotPeak, usualSlots, usualKeys int
}

// absent is the rec of a slot without a record.
const absent = -1

// asked marks a slot queued for a lookup (rec of a key not yet known).
const asked = -2

// reset empties the overlay for a round against base, keeping its buffers.
func (o *overlay) reset(base Store) *overlay {
	o.base = base
	if o.slot == nil {
		o.slot = make(map[Key]int32, 64)
	} else {
		o.slotPeak = max(o.slotPeak, len(o.slot))
		clear(o.slot)
	}
	o.keys, o.rec, o.recs = o.keys[:0], o.rec[:0], o.recs[:0]
	o.claims, o.slotClaims, o.slotOwner = o.claims[:0], o.slotClaims[:0], o.slotOwner[:0]
	return o
}

// slotOf returns k's slot, numbering it when new (absent until looked up).
func (o *overlay) slotOf(k Key) int32 {
	if s, ok := o.slot[k]; ok {
		return s
	}
	s := int32(len(o.keys))
	o.slot[k] = s
	o.keys = append(o.keys, k)
	o.rec = append(o.rec, absent)
	return s
}

// get returns the record of slot s, nil when absent.
func (o *overlay) get(s int32) *Record {
	if i := o.rec[s]; i >= 0 {
		return &o.recs[i]
	}
	return nil
}

// set stores r in slot s.
func (o *overlay) set(s int32, r Record) {
	if !r.Found() {
		o.rec[s] = absent
		return
	}
	if i := o.rec[s]; i >= 0 {
		o.recs[i] = r
		return
	}
	o.recs = append(o.recs, r)
	o.rec[s] = int32(len(o.recs) - 1)
}

// want adds slot s to the slots to look up unless it was asked for already.
func (o *overlay) want(slots []int32, s int32) []int32 {
	if o.rec[s] != absent {
		return slots
	}
	o.rec[s] = asked
	return append(slots, s)
}

// lookup reads the records of slots from the base store.
func (o *overlay) lookup(ctx context.Context, slots []int32) error {
	if len(slots) == 0 {
		return nil
	}
	o.lookupKeys = o.lookupKeys[:0]
	for _, s := range slots {
		o.lookupKeys = append(o.lookupKeys, o.keys[s])
	}
	o.found = grow(o.found, len(slots))
	if err := o.base.Lookup(ctx, o.lookupKeys, o.found); err != nil {
		return err
	}
	for i, s := range slots {
		o.rec[s] = absent
		o.set(s, o.found[i])
	}
	return nil
}

// claim creates slot s's key with r unless the overlay holds a record for
// it (the first claim in the batch wins, as in the store) and remembers it
// for flush, with the boilerplate slots apart, each with the marker that
// claims it.
func (o *overlay) claim(s int32, r Record, boilerplateSlot bool, owner int) {
	if o.get(s) != nil {
		return
	}
	o.set(s, r)
	if boilerplateSlot {
		o.slotClaims = append(o.slotClaims, s)
		o.slotOwner = append(o.slotOwner, owner)
		return
	}
	o.claims = append(o.claims, s)
}

// flush claims the round's new keys in the store: first the exact, band and
// body keys, then the boilerplate slots of the markers whose decisions
// stand. A slot record names the story of the article that claimed it and
// never changes, and an article's story rests on the other keys: a race
// lost on them may change it, and a slot claimed before would keep the old
// story, making one story count as two (on a store whose claims split
// across keys, such as a Redis cluster, racing copies of one story then
// turned their sign-off into boilerplate). So when another writer won some
// of the other keys, the markers from the first one using a lost key are
// decided again and make their slot claims then; the markers before it are
// final, and their slots are claimed now (else a replay of those articles,
// finding their story in no slot, would rank it anew). When a stored record
// is not the one the round decided with, flush returns those keys.
func (o *overlay) flush(ctx context.Context, markers []*marker) (lost map[Key]bool, err error) {
	if lost, err = o.claimAll(ctx, o.claims); err != nil {
		return nil, err
	}
	stand := len(markers)
	if lost != nil {
		stand = firstUsing(markers, lost)
	}
	n := 0
	for i, owner := range o.slotOwner {
		if owner < stand {
			o.slotClaims[n] = o.slotClaims[i]
			n++
		}
	}
	slotLost, err := o.claimAll(ctx, o.slotClaims[:n])
	if err != nil {
		return nil, err
	}
	for k := range slotLost {
		if lost == nil {
			lost = map[Key]bool{}
		}
		lost[k] = true
	}
	return lost, nil
}

// firstUsing returns the index of the first marker one of whose keys is in
// lost (len(markers) when none is).
func firstUsing(markers []*marker, lost map[Key]bool) int {
	k := slices.IndexFunc(markers, func(m *marker) bool {
		return slices.ContainsFunc(m.keys, func(k Key) bool { return lost[k] })
	})
	if k < 0 {
		return len(markers)
	}
	return k
}

// claimAll claims the keys of slots with their records in one call and
// returns the keys another writer had.
func (o *overlay) claimAll(ctx context.Context, slots []int32) (lost map[Key]bool, err error) {
	if len(slots) == 0 {
		return nil, nil
	}
	keys, got := o.lookupKeys[:0], o.got[:0]
	for _, s := range slots {
		keys = append(keys, o.keys[s])
		got = append(got, *o.get(s))
	}
	o.lookupKeys, o.got = keys, got
	if err := o.base.Claim(ctx, keys, got); err != nil {
		return nil, fmt.Errorf("claim %d fingerprints of the batch: %w", len(keys), err)
	}
	for i, s := range slots {
		if got[i] != *o.get(s) {
			if lost == nil {
				lost = map[Key]bool{}
			}
			lost[keys[i]] = true
		}
	}
	return lost, nil
}
