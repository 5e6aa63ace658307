package dedup

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/newsflow/newsflow/pkg/article"
)

// ErrBatchRace is returned by MarkBatch when another writer of the store
// claimed, between the batch's lookup and its claims, a key that the batch
// had decided with as absent; the caller marks the articles one by one
// instead (Mark), which re-decides with that writer's record.
var ErrBatchRace = errors.New("dedup: a key of the batch was claimed by another writer meanwhile")

// MarkBatch marks arts in order, as Mark would one after the other, with the
// store's round trips shared by the whole batch: one Lookup of every key of
// every article, then the decisions in order against that snapshot plus the
// claims of the earlier articles of the batch (an overlay that answers
// exactly like the store would), then one Claim of every new key. A batch of
// articles costs two store requests instead of two per article, which is what
// matters when the store is a network away.
//
// figureKeys[i] are the figure keys of arts[i] (see Mark; nil means none).
//
// When the final Claim finds that another writer created one of the batch's
// keys first (a race between workers, or between partitions of one worker,
// on the same text), the decisions from the first article that used such a
// key on are not valid: those articles are decided again in another round
// against the store, which now holds the winner's record. After
// maxBatchRounds rounds MarkBatch gives up with ErrBatchRace and the caller
// marks the articles one by one with Mark. On any error the articles' statuses are
// undefined and none counts as marked; claims already made are the
// articles' own records, which Mark treats as absent, so marking them again
// gives what a first marking would have given (the redelivery contract of
// the package comment). An error other than ErrBatchRace, ErrNoID and
// ErrFigureKeysLen comes from the Store and is worth retrying.
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
	if d.store == nil || len(arts) == 1 {
		for i, a := range arts {
			if err := d.Mark(ctx, a, keysOf(i)); err != nil {
				return err
			}
		}
		return nil
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
	}
	// A race costs a round for the articles from the first one that used a
	// lost key: they are decided again against the store, which now holds
	// the winner's record (and the batch's own claims, which the articles
	// that made them treat as absent, as on a redelivery).
	from := 0
	for round := 0; ; round++ {
		lost, err := markRound(ctx, d.store, markers[from:])
		if err == nil {
			return nil
		}
		if lost == nil || round+1 == maxBatchRounds {
			return err
		}
		k := slices.IndexFunc(markers[from:], func(m *marker) bool {
			return slices.ContainsFunc(m.keys, func(k Key) bool { return lost[k] })
		})
		if k < 0 {
			return err // cannot happen: every claimed key is some article's
		}
		from += k
	}
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

// maxBatchRounds bounds the rounds of one MarkBatch; races beyond that are
// left to Mark.
const maxBatchRounds = 4

// markRound decides markers (reset and within done) in order against one
// snapshot of their keys plus their own claims, and claims the new keys in
// one call. On a lost race it returns the keys another writer won, with
// ErrBatchRace.
func markRound(ctx context.Context, store Store, markers []*marker) (lost map[Key]bool, err error) {
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
	for i, m := range markers {
		d.lend(m)
		err := m.across(ctx, ov)
		if err == nil {
			m.apply(m.story)
		}
		d.reclaim(m)
		if err != nil {
			return nil, fmt.Errorf("article %d of the batch: %w", i, err)
		}
	}
	return ov.flush(ctx)
}

// overlay is the Store a batch decides against: the records the batch's
// lookup found, plus the claims of the batch's earlier articles, which it
// keeps to write in one Claim at the end. It answers as the store would for
// a single writer; flush finds out whether another writer interfered.
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

func (o *overlay) Lookup(ctx context.Context, keys []Key, out []Record) error {
	var miss []int
	for i, k := range keys {
		r, ok := o.get(k)
		if !ok {
			miss = append(miss, i)
			continue
		}
		out[i] = r
	}
	if len(miss) == 0 {
		return nil
	}
	// Not reached by MarkBatch, which looked every key up; kept so that the
	// overlay is a Store for any caller.
	mk := make([]Key, len(miss))
	mr := make([]Record, len(miss))
	for j, i := range miss {
		mk[j] = keys[i]
	}
	if err := o.base.Lookup(ctx, mk, mr); err != nil {
		return err
	}
	for j, i := range miss {
		o.set(keys[i], mr[j])
		out[i] = mr[j]
	}
	return nil
}

// Claim creates every absent key locally (the first occurrence in the call
// wins, as in the store) and remembers it for flush.
func (o *overlay) Claim(_ context.Context, keys []Key, recs []Record) error {
	for i, k := range keys {
		if r, ok := o.get(k); ok && r.Found() {
			recs[i] = r
			continue
		}
		o.set(k, recs[i])
		o.claimKeys = append(o.claimKeys, k)
		o.claimRecs = append(o.claimRecs, recs[i])
	}
	return nil
}

// flush claims the batch's new keys in the store in one call. When a
// stored record is not the one the batch decided with, it returns those
// keys and ErrBatchRace.
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
	if lost != nil {
		return lost, ErrBatchRace
	}
	return nil, nil
}
