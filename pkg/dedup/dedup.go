// Package dedup is the paragraph de-duplication stage. It runs after
// normalize and figure extraction and decides, for every paragraph of an
// article, one status of DESIGN.md, and the article's story id:
//
//   - duplicate: the paragraph repeats an earlier paragraph of the same
//     article, exactly or nearly (DuplicateOf: the first occurrence). A body
//     paragraph that normalize already marked as a duplicate of the title
//     (DuplicateOf {a.ID, TitleIndex}) is left as it is.
//   - repeated: it appeared in an earlier article (DuplicateOf: that article
//     and paragraph), exactly or nearly, with the same figures.
//   - updated: it nearly repeats a paragraph of an earlier article but its
//     figures changed (DuplicateOf: that paragraph).
//   - boilerplate: it is among the last Options.BoilerplateTail paragraphs,
//     holds no numeric word and no figure, and this article's story is at
//     least the Options.BoilerplateStories-th distinct story of the same
//     source to carry it (an author bio, a columnist's sign-off, Reuters'
//     "Reuter"). DuplicateOf: its first occurrence.
//   - unique: none of the above.
//
// # Comparison
//
// Paragraphs are compared after folding: case, punctuation, typographic
// quotes, dashes and whitespace do not count (see scratch.analyse for the
// exact rule). Two paragraphs whose figure keys differ are never duplicates
// or repeats. A paragraph is "long" when its folded text has at least
// Options.MinNearLength bytes; short paragraphs are compared exactly only
// ("Russian troops have taken the city of Berdyansk." and "... of
// Energodar." are two facts). Long paragraphs also match nearly: the Jaccard
// similarity of their word 3-shingles, with every numeric word (holding a
// digit, a number word, a month name) replaced by one placeholder, must
// reach Options.NearThreshold, and the numeric words must be the same
// multiset for a duplicate or repeat (so "Article 5" and "Article 7", or
// "March 9" and "April 7", never repeat each other even when no figure
// tells them apart). Within an article the similarity is exact; across
// articles it is estimated from a 128-bin one-permutation MinHash sketch,
// and candidates are found through 5 LSH bands of 2 bins. The README states
// how the method and thresholds were chosen and what they measure.
//
// # Story
//
// StoryID is the story of the earlier article whose body this article
// repeats exactly; else the story that the article's long paragraphs
// repeat or update, when those paragraphs hold at least half of the long
// paragraphs' text and at least one of them is a repeat (a series of daily
// reports whose figures all change is not one story); else the article's
// own ID.
//
// # State and determinism
//
// What dedup remembers across articles goes through a Store: a record per
// Key, created by the first article that claims it and never changed. Each
// record names the article and paragraph that claimed it. Mark ignores
// records that name the article itself (same ID), so that a replayed or
// redelivered article finds its own paragraphs and comes out as the first
// time: the records it had claimed look like "absent" again, and every
// other record it depends on was created before its first processing
// finished and has not changed. Boilerplate is counted in per-source story
// slots (slot n holds the n-th distinct story of the source carrying the
// paragraph): an article looks for its own story in the slots before
// claiming a free one, so its rank, and the decision, is replayed as well.
// Two workers racing on a new key agree on one first occurrence, because
// the store creates each record once; the loser re-decides with the
// winner's record.
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
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

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

// maxClaimRounds bounds the Claim calls of one Mark (races are rare; each
// round only claims keys that are still absent).
const maxClaimRounds = 4

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
	store Store
	opts  Options
	ready bool // opts holds the defaults
	pool  sync.Pool
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

// Mark sets Status and DuplicateOf of every paragraph of a, and a.StoryID.
// figureKeys[i] is the canonical signature of the figures of paragraph i
// ("" when it has none; nil means none anywhere). Paragraphs marked by
// normalize as duplicates of the title are left alone; every other status
// is decided afresh. Mark changes nothing else in a, and reads only
// a.ID, a.Source and the paragraphs.
//
// An error other than ErrNoID and ErrFigureKeysLen comes from the Store and
// is worth retrying; a is then left with undefined statuses.
func (d *Deduper) Mark(ctx context.Context, a *article.Article, figureKeys []string) error {
	if a.ID == "" {
		return ErrNoID
	}
	if figureKeys != nil && len(figureKeys) != len(a.Paragraphs) {
		return fmt.Errorf("%w: %d keys for %d paragraphs", ErrFigureKeysLen, len(figureKeys), len(a.Paragraphs))
	}
	opts := d.opts
	if !d.ready {
		opts = opts.withDefaults()
	}
	m, _ := d.pool.Get().(*marker)
	if m == nil {
		m = new(marker)
	}
	defer func() {
		m.release()
		d.pool.Put(m)
	}()
	m.reset(a, figureKeys, opts)
	m.within()
	if d.store == nil {
		m.apply(a.ID)
		return nil
	}
	if err := m.across(ctx, d.store); err != nil {
		return err
	}
	m.apply(m.story)
	return nil
}

// Paragraph roles within the article.
const (
	roleFirst = iota // first occurrence: takes part in cross-article dedup
	roleTitle        // duplicate of the title, marked by normalize
	roleDup          // duplicate of an earlier paragraph of the article
)

// marker holds the state of one Mark call; it is pooled with its buffers.
type marker struct {
	scratch
	a    *article.Article
	opts Options

	role   []uint8
	status []article.Status
	ref    []article.Ref // DuplicateOf when hasRef
	hasRef []bool

	// Cross-article keys, their records, and where each paragraph's are.
	keys     []Key
	recs     []Record
	exactAt  []int // index into keys of paragraph i's exact key, -1 if none
	bandAt   []int // of its first band key, -1 if none
	slotAt   []int // of its first slot key, -1 if none
	bodyAt   int
	story    string
	claimIdx []int
	claimKey []Key
	claimRec []Record
	sent     []article.Ref
	votes    []vote
}

type vote struct {
	story         string
	weight, exact int // text of long paragraphs repeated or updated; repeated only
}

func (m *marker) release() {
	m.a = nil
	m.story = ""
}

func (m *marker) reset(a *article.Article, figureKeys []string, opts Options) {
	m.a, m.opts = a, opts
	n := len(a.Paragraphs)
	m.paras = grow(m.paras, n)
	m.role = grow(m.role, n)
	m.status = grow(m.status, n)
	m.ref = grow(m.ref, n)
	m.hasRef = grow(m.hasRef, n)
	m.shingles = m.shingles[:0]
	for i := range a.Paragraphs {
		p := &m.paras[i]
		m.analyse(a.Paragraphs[i].Text, opts.MinNearLength, p)
		p.figures = 0
		if figureKeys != nil {
			p.figures = hashString(figureKeys[i])
		}
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// within marks duplicates inside the article: a paragraph repeats the
// earliest earlier paragraph (not itself a duplicate) that it matches
// exactly, else the earliest it matches nearly.
func (m *marker) within() {
	a := m.a
	for i := range a.Paragraphs {
		p := &a.Paragraphs[i]
		if p.Status == article.StatusDuplicate && p.DuplicateOf != nil &&
			p.DuplicateOf.ArticleID == a.ID && p.DuplicateOf.Index == article.TitleIndex {
			m.role[i] = roleTitle
			continue
		}
		m.role[i] = roleFirst
		m.status[i] = article.StatusUnique
		pi := &m.paras[i]
		match := -1
		for j := 0; j < i && match < 0; j++ {
			if m.role[j] != roleDup && m.paras[j].exact == pi.exact && m.paras[j].figures == pi.figures {
				match = j
			}
		}
		for j := 0; j < i && match < 0; j++ {
			if m.role[j] != roleDup && m.nearWithin(i, j) {
				match = j
			}
		}
		if match < 0 {
			continue
		}
		m.role[i] = roleDup
		m.status[i] = article.StatusDuplicate
		m.hasRef[i] = true
		if m.role[match] == roleTitle {
			m.ref[i] = article.Ref{ArticleID: a.ID, Index: article.TitleIndex}
		} else {
			m.ref[i] = article.Ref{ArticleID: a.ID, Index: a.Paragraphs[match].Index}
		}
	}
}

// nearWithin reports whether long paragraphs i and j repeat each other
// nearly: same figures, same numbers, exact shingle Jaccard >= threshold.
func (m *marker) nearWithin(i, j int) bool {
	pi, pj := &m.paras[i], &m.paras[j]
	if !pi.long || !pj.long || pi.figures != pj.figures || pi.numbers != pj.numbers {
		return false
	}
	thr := m.opts.NearThreshold
	small, large := len(pi.shingles), len(pj.shingles) // upper bounds of the set sizes
	if small > large {
		small, large = large, small
	}
	if float64(small) < thr*float64(large) {
		return false // Jaccard <= small/large
	}
	// The sketch estimate has a standard error below 0.07; far below the
	// threshold the exact count is not worth it.
	if pi.sketch.Similarity(&pj.sketch) < thr-0.3 {
		return false
	}
	return jaccard(pi.set(), pj.set()) >= thr
}

// eligible reports whether paragraph i may be boilerplate: a first
// occurrence in the last BoilerplateTail paragraphs, without digits or
// figures.
func (m *marker) eligible(i int) bool {
	return m.role[i] == roleFirst && i >= len(m.paras)-m.opts.BoilerplateTail &&
		!m.paras[i].digits && m.paras[i].figures == 0 && m.paras[i].words > 0
}

// across looks the article's keys up, decides, and claims the new keys,
// re-deciding when another article won a race for one of them.
func (m *marker) across(ctx context.Context, store Store) error {
	m.collectKeys()
	if cap(m.recs) < len(m.keys) {
		m.recs = make([]Record, len(m.keys))
	}
	m.recs = m.recs[:len(m.keys)] // Lookup sets every one
	if err := store.Lookup(ctx, m.keys, m.recs); err != nil {
		return fmt.Errorf("look up %d fingerprints: %w", len(m.keys), err)
	}
	for round := 0; ; round++ {
		m.decide(round < maxClaimRounds)
		if len(m.claimIdx) == 0 {
			return nil
		}
		m.claimKey = m.claimKey[:0]
		for _, k := range m.claimIdx {
			m.claimKey = append(m.claimKey, m.keys[k])
		}
		m.sent = m.sent[:0] // whose record we asked to store
		for c := range m.claimRec {
			m.sent = append(m.sent, m.claimRec[c].Ref)
		}
		if err := store.Claim(ctx, m.claimKey, m.claimRec); err != nil {
			return fmt.Errorf("claim %d fingerprints: %w", len(m.claimKey), err)
		}
		// A claim is lost when the stored record is another's. (A record of
		// the same article and paragraph is one that a concurrent copy of
		// this article stored: it holds what this call would have stored.)
		won := true
		for c, k := range m.claimIdx {
			r := &m.claimRec[c]
			if r.Ref != m.sent[c] || r.StoryID != m.story {
				won = false
			}
			m.recs[k] = *r
		}
		if won {
			return nil // the claimed records are ours: the decision stands
		}
	}
}

// collectKeys lists the keys of the article: per first occurrence its exact
// key, its band keys when long, its boilerplate slots when eligible; and the
// body key.
func (m *marker) collectKeys() {
	n := len(m.paras)
	m.keys = m.keys[:0]
	m.exactAt = grow(m.exactAt, n)
	m.bandAt = grow(m.bandAt, n)
	m.slotAt = grow(m.slotAt, n)
	srcHash := hashString(m.a.Source)
	body := uint64(kindBody)
	for i := range m.paras {
		p := &m.paras[i]
		body = mix(body ^ p.exact)
		m.exactAt[i], m.bandAt[i], m.slotAt[i] = -1, -1, -1
		if m.role[i] != roleFirst || p.words == 0 {
			continue // a paragraph without words is compared within its article only
		}
		m.exactAt[i] = len(m.keys)
		m.keys = append(m.keys, Key(p.exact))
		if p.long {
			m.bandAt[i] = len(m.keys)
			for _, k := range p.bandKeys {
				m.keys = append(m.keys, Key(k))
			}
		}
		if m.eligible(i) {
			m.slotAt[i] = len(m.keys)
			base := mix(uint64(kindSlot) ^ p.exact ^ mix(srcHash))
			for s := range m.opts.BoilerplateStories {
				m.keys = append(m.keys, Key(mix(base+uint64(s))))
			}
		}
	}
	m.bodyAt = len(m.keys)
	m.keys = append(m.keys, Key(mix(body^uint64(n))))
}

// repeatsExactly reports whether another article holds paragraph i's
// exact key. Its band keys are then neither read (the exact record decides
// status and story) nor claimed: every copy of a text has the same bands,
// and the article that claimed the exact key first claimed them too (or
// found them claimed). So a batch need not look them up (MarkBatch).
func (m *marker) repeatsExactly(i int) bool {
	r := &m.recs[m.exactAt[i]]
	return r.Found() && !m.self(r)
}

// self reports whether r was claimed by this article (same ID).
func (m *marker) self(r *Record) bool { return r.Ref.ArticleID == m.a.ID }

func storyOf(r *Record) string {
	if r.StoryID != "" {
		return r.StoryID
	}
	return r.Ref.ArticleID
}

// decide sets status, ref and story from m.recs, and lists in claimIdx and
// claimRec the absent keys to claim (none when claim is false).
func (m *marker) decide(claim bool) {
	a := m.a
	thr := m.opts.NearThreshold
	// Repeats and updates.
	for i := range m.paras {
		if m.exactAt[i] < 0 {
			continue
		}
		m.status[i], m.hasRef[i] = article.StatusUnique, false
		p := &m.paras[i]
		if r := &m.recs[m.exactAt[i]]; r.Found() && !m.self(r) {
			m.status[i], m.ref[i], m.hasRef[i] = article.StatusRepeated, r.Ref, true
			if r.Figures != p.figures {
				m.status[i] = article.StatusUpdated
			}
			continue
		}
		if !p.long {
			continue
		}
		best, bestSim, bestRepeat := -1, 0.0, false
		for b := range bands {
			r := &m.recs[m.bandAt[i]+b]
			if !r.Found() || m.self(r) {
				continue
			}
			if r.Sketch == p.sketch && r.Figures == p.figures && r.Numbers == p.numbers {
				// The same text: its exact key decides. Claims are atomic
				// per key only, so a racing copy may hold the bands while
				// this article holds the exact key; counting its bands too
				// would make both copies repeats and neither the first.
				continue
			}
			sim := p.sketch.Similarity(&r.Sketch)
			if sim < thr {
				continue
			}
			repeat := r.Figures == p.figures && r.Numbers == p.numbers
			if !repeat && r.Figures == p.figures {
				continue // other numbers, same figures: dates or identifiers changed
			}
			if best < 0 || (repeat && !bestRepeat) || (repeat == bestRepeat && sim > bestSim) {
				best, bestSim, bestRepeat = m.bandAt[i]+b, sim, repeat
			}
		}
		if best >= 0 {
			m.status[i], m.ref[i], m.hasRef[i] = article.StatusUpdated, m.recs[best].Ref, true
			if bestRepeat {
				m.status[i] = article.StatusRepeated
			}
		}
	}

	m.story = m.decideStory()

	// Records to claim: every absent exact, band and body key.
	m.claimIdx, m.claimRec = m.claimIdx[:0], m.claimRec[:0]
	add := func(k int, r Record) {
		if claim && !m.recs[k].Found() {
			m.claimIdx = append(m.claimIdx, k)
			m.claimRec = append(m.claimRec, r)
		}
	}
	for i := range m.paras {
		if m.exactAt[i] < 0 {
			continue
		}
		p := &m.paras[i]
		r := Record{Ref: article.Ref{ArticleID: a.ID, Index: a.Paragraphs[i].Index}, StoryID: m.story,
			Figures: p.figures, Numbers: p.numbers}
		if p.long {
			r.Sketch = p.sketch
		}
		add(m.exactAt[i], r)
		if p.long && !m.repeatsExactly(i) {
			for b := range bands {
				add(m.bandAt[i]+b, r)
			}
		}
		if m.slotAt[i] >= 0 {
			m.boilerplate(i, Record{Ref: r.Ref, StoryID: m.story}, add)
		}
	}
	add(m.bodyAt, Record{Ref: article.Ref{ArticleID: a.ID, Index: article.TitleIndex}, StoryID: m.story})
}

// boilerplate ranks the article's story among the stories of its source
// that carried paragraph i, claiming the first free slot when the story is
// in none, and marks the paragraph when the rank reaches BoilerplateStories.
func (m *marker) boilerplate(i int, r Record, add func(int, Record)) {
	n := m.opts.BoilerplateStories
	slots := m.recs[m.slotAt[i] : m.slotAt[i]+n]
	rank := 0
	for s := range slots {
		if slots[s].Found() && (slots[s].StoryID == m.story || m.self(&slots[s])) {
			rank = s + 1
			break
		}
	}
	if rank == 0 {
		for s := range slots {
			if !slots[s].Found() {
				rank = s + 1
				add(m.slotAt[i]+s, r)
				break
			}
		}
	}
	if rank == 0 {
		rank = n + 1 // all slots taken by other stories
	}
	if rank < n {
		return
	}
	m.status[i] = article.StatusBoilerplate
	switch er := &m.recs[m.exactAt[i]]; {
	case er.Found() && !m.self(er):
		m.ref[i], m.hasRef[i] = er.Ref, true
	case slots[0].Found() && !m.self(&slots[0]):
		m.ref[i], m.hasRef[i] = slots[0].Ref, true
	}
}

// decideStory applies the story rule of the package comment.
func (m *marker) decideStory() string {
	if r := &m.recs[m.bodyAt]; r.Found() && !m.self(r) {
		return storyOf(r)
	}
	m.votes = m.votes[:0]
	total := 0
	for i := range m.paras {
		p := &m.paras[i]
		if m.role[i] != roleFirst || !p.long {
			continue
		}
		total += p.length
		if !m.hasRef[i] || (m.status[i] != article.StatusRepeated && m.status[i] != article.StatusUpdated) {
			continue
		}
		story := m.storyOfRef(i)
		k := slices.IndexFunc(m.votes, func(v vote) bool { return v.story == story })
		if k < 0 {
			k = len(m.votes)
			m.votes = append(m.votes, vote{story: story})
		}
		m.votes[k].weight += p.length
		if m.status[i] == article.StatusRepeated {
			m.votes[k].exact += p.length
		}
	}
	if len(m.votes) == 0 {
		return m.a.ID
	}
	best := slices.MaxFunc(m.votes, func(x, y vote) int {
		if c := cmp.Compare(x.weight, y.weight); c != 0 {
			return c
		}
		return -cmp.Compare(x.story, y.story) // ties: the smaller id
	})
	if best.exact > 0 && 2*best.weight >= total {
		return best.story
	}
	return m.a.ID
}

// storyOfRef is the story of the record that paragraph i repeats.
func (m *marker) storyOfRef(i int) string {
	if r := &m.recs[m.exactAt[i]]; r.Found() && !m.self(r) {
		return storyOf(r)
	}
	for b := range bands {
		if r := &m.recs[m.bandAt[i]+b]; r.Found() && r.Ref == m.ref[i] {
			return storyOf(r)
		}
	}
	return m.ref[i].ArticleID
}

// apply writes the decisions into the article.
func (m *marker) apply(story string) {
	a := m.a
	n := 0
	for i := range a.Paragraphs {
		if m.role[i] != roleTitle && m.hasRef[i] {
			n++
		}
	}
	refs := make([]article.Ref, 0, n) // one allocation for the article's refs
	for i := range a.Paragraphs {
		if m.role[i] == roleTitle {
			continue
		}
		p := &a.Paragraphs[i]
		p.Status = m.status[i]
		p.DuplicateOf = nil
		if m.hasRef[i] {
			refs = append(refs, m.ref[i])
			p.DuplicateOf = &refs[len(refs)-1]
		}
	}
	a.StoryID = story
}
