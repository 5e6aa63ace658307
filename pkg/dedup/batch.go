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
// answers exactly like the store would), then one Claim of every new key. A
// batch of articles costs three store requests instead of three per
// article, which is what matters when the store is a network away.
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
	markers := make([]*marker, len(arts))
	defer func() {
		for _, m := range markers {
			if m != nil {
				m.release()
				d.pool.Put(m)
			}
		}
	}()
	for i, a := range arts {
		m, _ := d.pool.Get().(*marker)
		if m == nil {
			m = new(marker)
		}
		markers[i] = m
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
	from, run, lost := 0, len(markers), 0
	for from < len(markers) {
		end := min(from+run, len(markers))
		claim := run > 1 || lost < maxClaimRounds
		keys, err := markRound(ctx, d.store, markers[from:end], claim)
		if err != nil {
			return err
		}
		if keys == nil {
			from, lost = end, 0
			continue
		}
		k := slices.IndexFunc(markers[from:end], func(m *marker) bool {
			return slices.ContainsFunc(m.keys, func(k Key) bool { return keys[k] })
		})
		from += max(k, 0) // k < 0 cannot happen: every claimed key is some article's
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
}

func (d *decisionBufs) lend(m *marker) {
	m.recs, m.claimRec = d.recs, d.claimRec
}

func (d *decisionBufs) reclaim(m *marker) {
	d.recs, d.claimRec = m.recs, m.claimRec
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
func markRound(ctx context.Context, store Store, markers []*marker, claim bool) (lost map[Key]bool, err error) {
	ov := &overlay{base: store, idx: map[Key]int32{}}
	// First the exact, slot and body keys; then the band keys of the long
	// paragraphs that no other article holds exactly: a repeated text's
	// bands are not read (marker.repeatsExactly), and repeats are where
	// most of the found records, the costly part of a lookup, would be.
	var first []Key
	for _, m := range markers {
		m.collectKeys()
		for i := range m.paras {
			if m.exactAt[i] < 0 {
				continue
			}
			first = ov.want(first, m.keys[m.exactAt[i]])
			if m.slotAt[i] >= 0 {
				for _, k := range m.keys[m.slotAt[i] : m.slotAt[i]+m.opts.BoilerplateStories] {
					first = ov.want(first, k)
				}
			}
		}
		first = ov.want(first, m.keys[m.bodyAt])
	}
	if err := ov.lookup(ctx, first); err != nil {
		return nil, fmt.Errorf("look up %d fingerprints of %d articles: %w", len(first), len(markers), err)
	}
	var second []Key
	for _, m := range markers {
		for i := range m.paras {
			if m.bandAt[i] < 0 {
				continue
			}
			if r, _ := ov.get(m.keys[m.exactAt[i]]); r.Found() && r.Ref.ArticleID != m.a.ID {
				continue
			}
			for _, k := range m.keys[m.bandAt[i] : m.bandAt[i]+bands] {
				second = ov.want(second, k)
			}
		}
	}
	if err := ov.lookup(ctx, second); err != nil {
		return nil, fmt.Errorf("look up %d band fingerprints of %d articles: %w", len(second), len(markers), err)
	}
	// The bands left out are never read; absent records stand for them so
	// that the overlay answers every key of the batch.
	for _, m := range markers {
		for _, k := range m.keys {
			if _, ok := ov.idx[k]; !ok {
				ov.idx[k] = absent
			}
		}
	}
	// The decisions' records are needed only while one article is decided:
	// the markers take turns with one set of buffers, so a batch holds one
	// article's records (about 200 bytes a key) instead of every article's.
	var d decisionBufs
	for _, m := range markers {
		d.lend(m)
		m.recs = grow(m.recs, len(m.keys))
		for k, key := range m.keys {
			m.recs[k], _ = ov.get(key)
		}
		m.decide(claim)
		for c, k := range m.claimIdx {
			ov.claim(m.keys[k], m.claimRec[c])
		}
		m.apply(m.story)
		d.reclaim(m)
	}
	return ov.flush(ctx)
}

// overlay is what a batch decides against: the records the batch's lookup
// found, plus the claims of the batch's earlier articles, which it keeps to
// write in one Claim at the end. It answers as the store would for a single
// writer; flush finds out whether another writer interfered.
type overlay struct {
	base Store
	// idx holds every key of the batch: the index of its record in recs,
	// or absent. Most keys of a batch are absent, and a Record is 200
	// bytes.
	idx       map[Key]int32
	recs      []Record
	claimKeys []Key
	claimRecs []Record
}

// absent is the idx of a key without a record.
const absent = -1

// get returns the record of k (zero when absent) and whether the overlay
// knows k.
func (o *overlay) get(k Key) (Record, bool) {
	i, ok := o.idx[k]
	if !ok || i == absent {
		return Record{}, ok
	}
	return o.recs[i], true
}

// set stores r under k.
func (o *overlay) set(k Key, r Record) {
	if !r.Found() {
		o.idx[k] = absent
		return
	}
	if i, ok := o.idx[k]; ok && i != absent {
		o.recs[i] = r
		return
	}
	o.recs = append(o.recs, r)
	o.idx[k] = int32(len(o.recs) - 1)
}

// want adds k to keys unless the overlay knows it or keys holds it
// already (marked by a pending entry in recs).
func (o *overlay) want(keys []Key, k Key) []Key {
	if _, ok := o.idx[k]; ok {
		return keys
	}
	o.idx[k] = absent
	return append(keys, k)
}

// lookup reads keys from the base store into recs.
func (o *overlay) lookup(ctx context.Context, keys []Key) error {
	if len(keys) == 0 {
		return nil
	}
	found := make([]Record, len(keys))
	if err := o.base.Lookup(ctx, keys, found); err != nil {
		return err
	}
	for i, k := range keys {
		o.set(k, found[i])
	}
	return nil
}

// claim creates k with r unless the overlay holds a record for it (the
// first claim in the batch wins, as in the store) and remembers it for
// flush.
func (o *overlay) claim(k Key, r Record) {
	if cur, ok := o.get(k); ok && cur.Found() {
		return
	}
	o.set(k, r)
	o.claimKeys = append(o.claimKeys, k)
	o.claimRecs = append(o.claimRecs, r)
}

// flush claims the batch's new keys in the store in one call. When a
// stored record is not the one the batch decided with, it returns those
// keys.
func (o *overlay) flush(ctx context.Context) (lost map[Key]bool, err error) {
	if len(o.claimKeys) == 0 {
		return nil, nil
	}
	got := make([]Record, len(o.claimRecs))
	copy(got, o.claimRecs)
	if err := o.base.Claim(ctx, o.claimKeys, got); err != nil {
		return nil, fmt.Errorf("claim %d fingerprints of the batch: %w", len(o.claimKeys), err)
	}
	for i := range got {
		if got[i] != o.claimRecs[i] {
			if lost == nil {
				lost = map[Key]bool{}
			}
			lost[o.claimKeys[i]] = true
		}
	}
	return lost, nil
}
