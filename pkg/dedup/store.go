package dedup

import (
	"context"

	"github.com/newsflow/newsflow/pkg/article"
)

// Key is a 64-bit fingerprint that the dedup stage records in a Store. Each
// key belongs to one of four kinds (the kind is mixed into the hash, so kinds
// never collide):
//
//   - exact: a paragraph's folded text (every paragraph that is not a
//     duplicate within its article has one);
//   - band: one LSH band of a long paragraph's shingles (5 per long paragraph);
//   - slot: the n-th distinct story of one source that carried a paragraph
//     (Options.BoilerplateStories slots per boilerplate candidate);
//   - body: the sequence of an article's exact keys (one per article).
type Key uint64

// Record is what a Store keeps under a Key: who claimed it first. Records
// are created once, when the key is first claimed, and never change, so a
// copy held in a cache stays valid for as long as the store keeps the key.
// The zero Record stands for "no record".
type Record struct {
	// Ref is the first occurrence: the article and the index of the
	// paragraph that claimed the key (TitleIndex for body keys).
	Ref article.Ref
	// StoryID is the story dedup assigned to that article.
	StoryID string
	// Figures hashes the paragraph's figure key; 0 when it has no figures.
	// (A boilerplate slot of a long paragraph, which has no figures, holds
	// the hash of its folded text here.)
	Figures uint64
	// Numbers hashes the multiset of the paragraph's numeric words (a slot
	// of a long paragraph: those that are not the article's own times).
	Numbers uint64
	// Sketch is the paragraph's MinHash sketch on the exact and band keys of
	// a long paragraph, the sketch of its set of words on its boilerplate
	// slots; zero on short paragraphs and bodies.
	Sketch Sketch
}

// Found reports whether r is a stored record rather than the zero Record.
// Article ids are never empty, so an empty Ref.ArticleID means "none".
func (r Record) Found() bool { return r.Ref.ArticleID != "" }

// Store is the cross-article memory of the dedup stage. The Deduper calls
// it at most a few times per article, always with all of the article's keys
// at once: one Lookup, then one Claim when some keys are new (a second or
// third Claim only when another worker won a race for a key meanwhile).
//
// Implementations must be safe for concurrent use and provide, per key:
//
//   - create-if-absent: Claim never replaces a record; of two callers
//     claiming the same absent key concurrently, exactly one creates it and
//     both get the record of the one that did (first writer wins);
//   - immutability: a record, once created, is returned unchanged by every
//     later Lookup and Claim until the store forgets the key;
//   - forgetting is allowed (a bound on memory, a retention period), but
//     only whole records: a key is either present with its original record
//     or absent.
//
// No atomicity across keys is required. An Elasticsearch implementation
// maps this onto a fingerprint index with one document per key (_id = the
// key in hex): Lookup is an mget (after a local cache of found records,
// which never go stale), Claim is a bulk of op_type=create followed by an
// mget of the keys that answered 409 Conflict.
type Store interface {
	// Lookup sets out[i] to the record stored under keys[i], or to the zero
	// Record when there is none. len(out) must equal len(keys).
	Lookup(ctx context.Context, keys []Key, out []Record) error
	// Claim stores recs[i] under keys[i] for every key without a record and
	// then sets recs[i] to the record stored under keys[i]: left as it was
	// when this call created it, else replaced by the earlier record. When a
	// key appears more than once in one call, the first of them is the one
	// stored. len(recs) must equal len(keys). On error, recs is undefined
	// and the caller may retry the whole call: claims already made are
	// found again, and a claim that returns the caller's own record is
	// indistinguishable from one that created it.
	Claim(ctx context.Context, keys []Key, recs []Record) error
}
