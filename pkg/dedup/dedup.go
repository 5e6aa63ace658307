// Package dedup is the paragraph de-duplication stage. It runs after
// normalize and figure extraction and decides, for every paragraph of an
// article, one status of DESIGN.md, and the article's story id:
//
//   - duplicate: the paragraph repeats an earlier paragraph of the same
//     article, exactly or nearly, or two consecutive paragraphs repeat one
//     earlier paragraph together (a split), or one repeats two consecutive
//     earlier ones (a merge). DuplicateOf: the first occurrence. A body
//     paragraph that normalize already marked as a duplicate of the title
//     (DuplicateOf {a.ID, TitleIndex}) is left as it is.
//   - repeated: it appeared in an earlier article (DuplicateOf: that article
//     and paragraph), exactly or nearly, split or merged, with the same
//     figures. A short paragraph repeats another article's only when the
//     two articles are one story.
//   - updated: it nearly repeats a paragraph of an earlier article, or of
//     the same article word for word, but its figures and numbers changed
//     (DuplicateOf: that paragraph).
//   - boilerplate: a paragraph whose text may be boilerplate at all
//     (mayBeBoilerplate: never a short sentence, never a quotation), among
//     the last Options.BoilerplateTail paragraphs but the first, without
//     figures, and this article's story is at least the
//     Options.BoilerplateStories-th distinct story of the same source to
//     carry it or a near copy (an author bio, a columnist's sign-off, a
//     sign-off whose filing time changes, Reuters' "Reuter"). DuplicateOf:
//     its first occurrence.
//   - unique: none of the above.
//
// Only duplicate and boilerplate leave the body. A duplicate's text is in
// the body once; boilerplate is decided by one small predicate on the
// paragraph's own text, which a short sentence ("No one was injured.",
// "Police said.") cannot pass, however many stories repeat it.
//
// # Comparison
//
// Paragraphs are compared after folding: case, punctuation, typographic
// quotes, dashes and whitespace do not count (see scratch.analyse for the
// exact rule), nor a continuation word ending a heading ("cont.",
// "cont'd"; "continued" in a line that is no sentence). A paragraph is "long" when its folded text has at least
// Options.MinNearLength bytes; short paragraphs are compared exactly only
// ("Russian troops have taken the city of Berdyansk." and "... of
// Energodar." are two facts). Long paragraphs also match nearly: the Jaccard
// similarity of their word 3-shingles, with every numeric word (a digit, a
// number word, a month) and weekday masked, must reach Options.NearThreshold
// (storyThreshold for a paragraph of an earlier version of the same story);
// a repeat needs the same figure keys and the same multiset of numeric
// words (so "Article 5" and "Article 7", or "March 9" and "April 7", never
// repeat each other), and at most one name replaced unless the two are
// nearly identical (the same template about another company is not a
// repeat). An update needs other figures and numbers, similarity from
// updateThreshold (otherStoryUpdate for another story's paragraph: a daily
// report), and the same capitalised words give or take one. Within an
// article the similarity is exact; across articles it is estimated from a
// 112-bin one-permutation MinHash sketch kept with the names and size of the
// paragraph, and candidates are found through 5 LSH bands of 2 bins. The
// README states how the method and thresholds were chosen and what they
// measure.
//
// # Story
//
// StoryID is the story of the earlier article whose body this article
// repeats exactly; else the story that the article's voters (long
// paragraphs, pieces of a split, short lines holding a number) repeat or
// update, when it covers at least half of their text, at least one of them
// is a repeat (a series of daily reports whose figures all change is not one
// story), one of them is not a boilerplate candidate (briefs ending with the
// same sign-off are not one story), and it rests on a long paragraph or two
// short ones; else the article's own ID.
//
// # One path
//
// MarkBatch marks a run of articles in order with the store's round trips
// shared; Mark is MarkBatch of one. A batch that keeps losing races to other
// writers goes on in runs of one article, and an article that keeps losing
// is decided against the records it last read without claiming: the call
// always finishes its articles.
//
// # State and determinism
//
// What dedup remembers across articles goes through a Store: a record per
// Key, created by the first article that claims it and never changed. Each
// record names the article and paragraph that claimed it. Dedup ignores
// records that name the article itself (same ID), so that a replayed or
// redelivered article finds its own paragraphs and comes out as the first
// time: the records it had claimed look like "absent" again, and every
// other record it depends on was created before its first processing
// finished and has not changed. Boilerplate is counted in per-source story
// slots (slot n holds the n-th distinct story of the source carrying the
// paragraph or a near copy): an article looks for its own story in the
// slots before claiming a free one, so its rank, and the decision, is
// replayed as well. Two workers racing on a new key agree on one first
// occurrence, because the store creates each record once; the loser
// re-decides with the winner's record.
//
// The limits: determinism holds while the store keeps the article's keys.
// A store that forgot them (the memory store's LRU bound, a retention
// period) makes a replay see what is left, and the replay then claims the
// keys afresh. An article replayed with a different text under the same ID
// is a new version: it does not repeat itself, and records it created are
// ignored as its own. When a race made an article's story change between
// its first claim and the final decision, the records it created carry the
// first story.
package dedup

import (
	"context"
	"errors"
	"fmt"

	"github.com/newsflow/newsflow/internal/freelist"
	"github.com/newsflow/newsflow/pkg/article"
)

// Defaults of Options.
const (
	// DefaultMinNearLength is the folded length, in bytes, from which
	// paragraphs are compared nearly as well as exactly.
	DefaultMinNearLength = 80
	// DefaultNearThreshold is the Jaccard similarity of masked word
	// 3-shingles from which two long paragraphs are near repeats.
	DefaultNearThreshold = 0.65
	// DefaultBoilerplateStories is the number of distinct stories of one
	// source that must carry a paragraph before it counts as boilerplate.
	DefaultBoilerplateStories = 3
	// DefaultBoilerplateTail is the number of paragraphs at the end of an
	// article where boilerplate is looked for.
	DefaultBoilerplateTail = 3
)

// Options tune the stage. The zero value means the defaults.
type Options struct {
	// MinNearLength is the length of a paragraph's folded text (bytes) from
	// which it is also compared nearly; shorter ones match exactly only.
	// Default: 80.
	MinNearLength int
	// NearThreshold is the similarity (0..1] from which two long
	// paragraphs are near repeats. Lower finds more edited repeats and
	// merges more distinct paragraphs. Default: 0.65.
	NearThreshold float64
	// BoilerplateStories is how many distinct stories of one source must
	// carry a paragraph before it is boilerplate: the first stories get
	// unique and repeated, the n-th and later boilerplate. At least 2.
	// Default: 3.
	BoilerplateStories int
	// BoilerplateTail is how many paragraphs at the end of an article may be
	// boilerplate; table headers and formula lines in the middle of a body
	// are kept. Default: 3.
	BoilerplateTail int
}

// Validate reports the first option that is out of range.
func (o Options) Validate() error {
	switch {
	case o.MinNearLength < 0:
		return fmt.Errorf("dedup: MinNearLength %d is negative", o.MinNearLength)
	case o.NearThreshold < 0 || o.NearThreshold > 1:
		return fmt.Errorf("dedup: NearThreshold %v is not within [0, 1]", o.NearThreshold)
	case o.BoilerplateStories == 1 || o.BoilerplateStories < 0:
		return fmt.Errorf("dedup: BoilerplateStories %d must be at least 2", o.BoilerplateStories)
	case o.BoilerplateTail < 0:
		return fmt.Errorf("dedup: BoilerplateTail %d is negative", o.BoilerplateTail)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.MinNearLength == 0 {
		o.MinNearLength = DefaultMinNearLength
	}
	if o.NearThreshold == 0 {
		o.NearThreshold = DefaultNearThreshold
	}
	if o.BoilerplateStories == 0 {
		o.BoilerplateStories = DefaultBoilerplateStories
	}
	if o.BoilerplateTail == 0 {
		o.BoilerplateTail = DefaultBoilerplateTail
	}
	return o
}

// Deduper is the dedup stage. It is safe for concurrent use when its Store
// is; concurrent Marks of articles sharing new paragraphs agree through the
// store's create-if-absent claims. The zero Deduper has no store: it marks
// duplicates within each article only and gives every article its own story.
type Deduper struct {
	store    Store
	opts     Options
	ready    bool // opts holds the defaults
	markers  freelist.List[marker]
	overlays freelist.List[overlay]
	words    freelist.List[wordCache] // one a MarkBatch call, lent to its markers
}

// New returns a Deduper that remembers paragraphs in store (nil: within
// articles only). Zero options take their defaults. It panics when
// opts.Validate fails; validate user input first.
func New(store Store, opts Options) *Deduper {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	return &Deduper{store: store, opts: opts.withDefaults(), ready: true}
}

// Errors of Mark that retrying cannot fix.
var (
	ErrNoID          = errors.New("dedup: article has no id")
	ErrFigureKeysLen = errors.New("dedup: figure keys do not match paragraphs")
)

// Mark marks one article: MarkBatch of a batch of one (there is one
// decision path). It sets Status and DuplicateOf of every paragraph of a,
// and a.StoryID. figureKeys[i] is the canonical signature of the figures of
// paragraph i ("" when it has none; nil means none anywhere). Paragraphs
// marked by normalize as duplicates of the title are left alone; every
// other status is decided afresh. Mark changes nothing else in a, and reads
// only a.ID, a.Source, a.PublishedAt and a.UpdatedAt (a sign-off's filing
// time may change between copies of boilerplate; other numbers may not) and
// the paragraphs. Callers that mark runs of articles use MarkBatch.
//
// An error other than ErrNoID and ErrFigureKeysLen comes from the Store and
// is worth retrying; a is then left with undefined statuses.
func (d *Deduper) Mark(ctx context.Context, a *article.Article, figureKeys []string) error {
	var keys [][]string
	if figureKeys != nil {
		keys = [][]string{figureKeys}
	}
	return d.MarkBatch(ctx, []*article.Article{a}, keys)
}
