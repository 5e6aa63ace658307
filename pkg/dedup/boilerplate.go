package dedup

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
)

// minBoilerplateSentence is the folded length (bytes) from which a sentence
// may be boilerplate. Below it a sentence carries its story's own fact ("No
// one was injured.", "Police are appealing for witnesses."), however often
// other stories say the same.
const minBoilerplateSentence = 80

// boilerplateWords is the similarity of two long paragraphs' sets of words
// (numbers masked) from which one counts as the other's copy for
// boilerplate: a bio reworded a little keeps most of its words in another
// order (0.8 and more on the labelled cases), two paragraphs about one
// person share far fewer.
const boilerplateWords = 0.6

// mayBeBoilerplate is the only gate to the boilerplate status, and the only
// way besides a duplicate within the article by which a paragraph leaves
// the body. It depends on the paragraph's own text alone:
//
//   - a paragraph holding a quotation mark never is: quoted words are a
//     statement the story reports; nor is an editor's note, a correction or
//     a clarification (storyNote): a note on this story;
//   - a paragraph of at least minBoilerplateSentence folded bytes (an author
//     bio, a long sign-off, a disclaimer) may be; its numeric words (a
//     filing date or time) are masked when it is compared with other
//     stories' paragraphs;
//   - a shorter paragraph may be only if it is a sign-off token (one word,
//     or words joined without a space: "Reuter", "ENDS", "(END)", "cg/mb")
//     or has a shape of wire furniture (furniture: a credit, rights,
//     label, contact or tag line), and is no sentence, no clause and holds
//     no numeric word;
//   - so a short statement never is, with a full stop or without: "Police
//     said.", "The case continues", "More rain expected", "Reporting
//     restrictions apply" (held-out 12: a gate that let every short
//     non-sentence through removed such lines from the body).
//
// The marker adds what depends on the article: a first occurrence, among
// the last Options.BoilerplateTail paragraphs but not the first, without
// figures (and without numeric words when the caller gave no figure keys:
// only the figures stage tells a quantity from a time). Copies from other
// stories count only when they repeat its numbers, but for the article's
// own times (fixedNumbers).
func mayBeBoilerplate(text string, p *para) bool {
	if p.words == 0 || p.note || strings.ContainsAny(text, "\"“”„«»") {
		return false
	}
	if p.length >= minBoilerplateSentence {
		return true
	}
	if p.sentence || p.clause || p.digits {
		return false
	}
	// A sign-off token is one word, or words joined without a space
	// ("Reuter", "ENDS", "(END)", "cg/mb"); "(Investigations continue)" is
	// a statement.
	return p.words == 1 || !strings.Contains(strings.TrimSpace(text), " ") || furniture(text)
}

// storyNote reports an editor's note, a correction or a clarification: a
// note on this story ("Editor's note: police have asked that the woman's
// name not be published"), however many stories carry one in nearly the
// same words. analyse sets para.note from it.
func storyNote(text string) bool {
	t := trimBullet(text)
	for _, p := range storyNotes {
		if len(t) >= len(p) && strings.EqualFold(t[:len(p)], p) {
			return true
		}
	}
	return false
}

var storyNotes = []string{"editor's note", "editors' note", "editor’s note", "editors’ note", "correction:", "clarification:"}

// trimBullet drops what may open a line before its first word: bullets,
// dashes, an opening bracket, spaces.
func trimBullet(text string) string { return strings.TrimLeft(text, "•*-–—([ ") }

// furniture reports a short line in one of the shapes of wire furniture: a
// credit ("(Reporting by …; Editing by …)", "(Live updates by Rhea Tan)",
// "Compiled by the world desk", "(Example sports desk)"), a rights line
// ("ALL RIGHTS RESERVED (c) …", "© Example Wire"), a label line ("Media
// contact: …", "Source: Example Feed", "Note: shr after preferred
// dividends"), a contact (an e-mail address or a web address), or a tag
// line whose first word alone is in capitals ("SOURCE Example plc",
// "AGENCY/Photographer Name"). A statement of the story has none of these
// shapes ("The case continues", "More rain expected", "(Investigations
// continue)").
func furniture(text string) bool {
	l := strings.ToLower(text)
	for _, c := range creditMarks {
		if strings.Contains(l, c) {
			return true
		}
	}
	words := strings.Fields(text)
	for k := 0; k+1 < len(words); k++ {
		if w := strings.TrimLeft(words[k], "("); w == "by" && words[k+1][0] >= 'A' && words[k+1][0] <= 'Z' {
			return true // "… by Jane Doe"
		}
	}
	t := trimBullet(text)
	if c := strings.IndexByte(t, ':'); c > 0 && c <= 32 && c+1 < len(t) && t[c+1] == ' ' {
		return true // "Media contact: …"
	}
	first, rest, _ := strings.Cut(strings.ReplaceAll(t, "/", " "), " ")
	return len(first) >= 3 && rest != "" && strings.ToUpper(first) == first && strings.ToLower(first) != first &&
		strings.ToUpper(rest) != rest
}

// creditMarks are the lower-case marks of credit, rights and contact lines.
var creditMarks = []string{
	"reporting by", "editing by", "writing by", "additional reporting",
	"copyright", "rights reserved", "(c)", "©",
	"@", "www.", "http://", "https://",
	" desk)", " desk", " bureau", " newsroom",
}

// eligible reports whether paragraph i is a boilerplate candidate: a first
// occurrence among the last BoilerplateTail paragraphs (never the first
// paragraph), without figures, whose text may be boilerplate. Candidates
// never vote for the article's story (issue 15: briefs that end with the
// same sign-off are not one story).
func (m *marker) eligible(i int) bool {
	p := &m.paras[i]
	return m.role[i] == roleFirst && i > 0 && i >= len(m.paras)-m.opts.BoilerplateTail &&
		p.figures == 0 && (!p.digits || m.figKeys != nil) && mayBeBoilerplate(m.a.Paragraphs[i].Text, p)
}

// fixedNumbers is the hash of the multiset of p's numeric words that do not
// write the article's own publication or update time: the numbers that a
// copy of a boilerplate paragraph must repeat ("has reviewed music since
// 2009"), where the filing time may change ("Filed at 14:32 GMT on 3
// March"). A date that is not the article's ("completed by April 1988") is
// a fact of the story, and another story's copy has another.
func (m *marker) fixedNumbers(p *para) uint64 {
	if !p.digits {
		return 0
	}
	if !m.timesDone {
		m.times = appendTimeWords(appendTimeWords(m.times[:0], m.a.PublishedAt, 0), m.a.UpdatedAt, 0)
		m.timesDone = true
	}
	// A paragraph that names a time zone ("10:10 CEST") may write the
	// article's times in that zone's local time.
	m.zoneTimes = m.zoneTimes[:0]
	if off, ok := zoneOffset(p.tokens); ok && off != 0 {
		m.zoneTimes = appendTimeWords(appendTimeWords(m.zoneTimes, m.a.PublishedAt, off), m.a.UpdatedAt, off)
	}
	var h uint64
	for _, w := range p.numerics {
		if !slices.Contains(m.times, w) && !slices.Contains(m.zoneTimes, w) {
			h += mix(w ^ 0x6e756d73)
		}
	}
	return h
}

// timeZoneWords are the hours east of UTC of the abbreviations of time
// zones that a sign-off may write its filing time in, by the folded word's
// hash (para.tokens); a lookup table, never written. Left out: the
// ambiguous ones (CST, IST), those off the hour, and those that are English
// words (WEST, WET, EAT, CAT, ART).
var timeZoneWords = func() map[uint64]int {
	zones := map[string]int{
		"gmt": 0, "utc": 0, "bst": 1, "cet": 1, "cest": 2, "eet": 2, "eest": 3, "msk": 3,
		"est": -5, "edt": -4, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7, "akst": -9, "hst": -10,
		"sast": 2, "wat": 1, "ict": 7, "wib": 7, "sgt": 8, "hkt": 8, "pht": 8, "awst": 8,
		"jst": 9, "kst": 9, "aest": 10, "aedt": 11, "nzst": 12, "nzdt": 13,
	}
	out := make(map[uint64]int, len(zones))
	for w, off := range zones {
		out[wordHash(w)] = off
	}
	return out
}()

// zoneOffset returns the hours east of UTC of the first time zone that the
// masked words name, if any.
func zoneOffset(tokens []uint64) (int, bool) {
	for _, w := range tokens {
		if off, ok := timeZoneWords[w]; ok {
			return off, true
		}
	}
	return 0, false
}

// appendTimeWords appends the hashes of the folded words that may write
// the time ts (RFC 3339), read in UTC shifted by offset hours (a time
// zone's local time): its year (2026, 26), month (march, mar, 3, 03), day
// (3, 03), hour (14, 2, 02), minute (32) and clock forms (1432, 14.32,
// 2.32). Nothing for an empty or unreadable time.
func appendTimeWords(dst []uint64, ts string, offset int) []uint64 {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return dst
	}
	t = t.UTC().Add(time.Duration(offset) * time.Hour)
	month := strings.ToLower(t.Month().String())
	h12 := t.Hour() % 12
	if h12 == 0 {
		h12 = 12
	}
	for _, w := range []string{
		strconv.Itoa(t.Year()), fmt.Sprintf("%02d", t.Year()%100),
		month, month[:3], strconv.Itoa(int(t.Month())), fmt.Sprintf("%02d", int(t.Month())),
		strconv.Itoa(t.Day()), fmt.Sprintf("%02d", t.Day()),
		strconv.Itoa(t.Hour()), fmt.Sprintf("%02d", t.Hour()), strconv.Itoa(h12), fmt.Sprintf("%02d", h12),
		fmt.Sprintf("%02d", t.Minute()), fmt.Sprintf("%02d%02d", t.Hour(), t.Minute()),
		fmt.Sprintf("%d.%02d", t.Hour(), t.Minute()), fmt.Sprintf("%d.%02d", h12, t.Minute()),
	} {
		dst = append(dst, wordHash(w))
	}
	return dst
}

// slotIdentity returns the identity under which the boilerplate slots of
// candidate i are kept: a short candidate's exact text; a long one's names
// inside its sentences when it holds two or more (a bio reworded a little
// still names the same person and desk, and a sign-off whose filing time
// changed the same desk), else its first LSH band of masked shingles (a copy
// whose time changed has the same, numbers being masked). The slot records
// then tell which of the paragraphs under one identity are copies
// (slotMatches).
func (m *marker) slotIdentity(i int) uint64 {
	p := &m.paras[i]
	switch {
	case !p.long:
		return p.exact
	case p.inner.count() >= 3: // two names or more, two bits each
		return mix(mix(p.inner.lo^0x6e616d6573) ^ p.inner.hi) // "names"
	}
	return p.bandKeys[0]
}

// wordSketch is the sketch a slot record keeps of a long candidate: of its
// set of words (numbers masked), which rewording changes less than its
// shingles.
func (m *marker) wordSketch(i int) Sketch {
	p := &m.paras[i]
	m.tmp = append(m.tmp[:0], p.tokens...)
	return sketchOf(sortUnique(m.tmp), p.names)
}

// slotMatches reports whether the record in a slot holds a paragraph like
// candidate i (words, the sketch of its words): the same text for a short
// candidate (its identity is its text); for a long one, the same numbers
// but the article's own times, at least boilerplateWords of the same words,
// and at most maxNamesDiff capitalised words more or less (a bio of another
// columnist on the same template names another person).
func (m *marker) slotMatches(i int, words *Sketch, r *Record) bool {
	p := &m.paras[i]
	if !p.long {
		return true
	}
	return r.Sketch.count() > 0 && r.Numbers == m.fixedNumbers(p) && namesDiff(p.names, r.Sketch.names()) <= maxNamesDiff &&
		words.Similarity(&r.Sketch) >= boilerplateWords
}

// candidateStory returns the story of the first slot of another article
// whose paragraph long candidate i, without numbers but the article's own
// times, matches (slotMatches) without being its text (an exact copy is its
// exact key's): the story a sign-off whose filing time changed, or a bio
// reworded a little, comes from. It reads the slots only; boilerplate
// claims them once the story is known.
func (m *marker) candidateStory(i int) (string, bool) {
	p := &m.paras[i]
	if m.slotAt[i] < 0 || !p.long || m.fixedNumbers(p) != 0 {
		return "", false
	}
	var words Sketch
	for s := range m.opts.BoilerplateStories {
		sr := &m.recs[m.slotAt[i]+s]
		if !sr.Found() {
			break
		}
		if m.self(sr) || sr.Figures == p.exact {
			continue
		}
		if words.count() == 0 {
			words = m.wordSketch(i)
		}
		if m.slotMatches(i, &words, sr) {
			return storyOf(sr), true
		}
	}
	return "", false
}

// boilerplate ranks the article's story among the stories of its source
// that carried candidate i (under each of its identities, counting the
// slots whose paragraph matches it), claiming the first free slot of an
// identity where its story is in none (with the sketch of its words for a
// long one), and marks the paragraph when the rank
// reaches BoilerplateStories.
func (m *marker) boilerplate(i int, r Record, add func(int, Record)) {
	n := m.opts.BoilerplateStories
	if m.paras[i].long {
		r.Sketch, r.Numbers, r.Figures = m.wordSketch(i), m.fixedNumbers(&m.paras[i]), m.paras[i].exact
	}
	slots := m.recs[m.slotAt[i] : m.slotAt[i]+n]
	rank, own, first := 0, false, -1 // first: index in recs of the first occurrence
	for s := range slots {
		sr := &slots[s]
		if !sr.Found() {
			rank++
			add(m.slotAt[i]+s, r)
			own = true
			break
		}
		if sr.StoryID == m.story || m.self(sr) {
			// A version of the story that claimed this slot: a near copy
			// repeats that version's paragraph.
			if first < 0 && !m.self(sr) && m.slotMatches(i, &r.Sketch, sr) {
				first = m.slotAt[i] + s
			}
			rank++
			own = true
			break
		}
		if m.slotMatches(i, &r.Sketch, sr) {
			rank++
			if first < 0 {
				first = m.slotAt[i] + s
			}
		}
	}
	if !own {
		rank++ // every slot taken by other stories
	}
	if rank < n {
		// Not boilerplate (yet): a long candidate without numbers but the
		// article's own times (a sign-off whose filing time changed, a
		// bio without a year) that matched another article's near copy
		// repeats it, even when no band found it; a fixed number ("as of
		// April 1" after "as of March 1") leaves it to the bands. (A copy
		// of the same text is left to its exact key: a racing copy may
		// hold the slot.)
		if rec := m.slotRecord(first); rec != nil && m.paras[i].long && m.fixedNumbers(&m.paras[i]) == 0 && m.status[i] == article.StatusUnique &&
			rec.Figures != m.paras[i].exact {
			m.found(i, rec, matchNear, true)
		}
		return
	}
	m.status[i] = article.StatusBoilerplate
	switch er := &m.recs[m.exactAt[i]]; {
	case er.Found() && !m.self(er):
		m.ref[i], m.hasRef[i] = er.Ref, true
	case first >= 0:
		m.ref[i], m.hasRef[i] = m.recs[first].Ref, true
	}
}

// slotRecord returns the slot record at index at of m.recs, nil for -1.
func (m *marker) slotRecord(at int) *Record {
	if at < 0 {
		return nil
	}
	return &m.recs[at]
}

// clauseWords are the verbs that make a short line without a full stop a
// clause, a statement of its story ("** Company did not respond to a
// request for comment", "Police are appealing for witnesses"), where a
// sign-off or a credit line has none ("(Reporting by Jane Doe; Editing by
// Ed Roe)", "Reuter", "Note: shr after preferred dividends"): the
// auxiliaries and the verbs of saying, folded; a negation (wordKinds, the
// contractions too) makes one as well.
var clauseWords = func() (t wordTable) {
	for _, w := range []string{
		"is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had",
		"will", "would", "shall", "should", "may", "might", "can", "could", "must", "do", "does", "did",
		"said", "says", "told", "added", "declined", "refused", "confirmed", "denied",
	} {
		t.put(wordHash(w), 1)
	}
	return t
}()

// hasClause reports whether the words of a paragraph hold a negation or a
// word of clauseWords.
func hasClause(words []uint64, kinds []uint8) bool {
	for i, w := range words {
		if kinds[i] == kindNegation {
			return true
		}
		if _, ok := clauseWords.get(w); ok {
			return true
		}
	}
	return false
}
