package dedup

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

func TestMayBeBoilerplate(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"Reuter", true},
		{"REUTER...^M", true},
		{"ENDS", true},
		{"(Reporting by Anna Berg; Editing by Tom Hale)", true},
		{"Note: shr after preferred dividends", true},
		{"Bill Thompson is a regular commentator on the BBC World Service programme Go Digital.", true},
		{"Filed by the Example Wire Frankfurt desk at 14:32 GMT on 3 March. Corrections and clarifications go to the duty editor.", true},
		// Short sentences carry their story's facts.
		{"Police said.", false},
		{"No one was injured.", false},
		{"Police are appealing for witnesses.", false},
		{"An investigation is under way!", false},
		{"Was anyone hurt?", false},
		{"It gave no further details.\u201d", false},
		{"The cause is not yet known\u2026", false},
		{"Terms were not disclosed.)", false},
		// Short clauses without a full stop (bulletin and BUZZ style) too.
		{"** Company did not respond to a request for comment", false},
		{"Police are appealing for witnesses", false},
		{"The spokesman declined to comment", false},
		{"Officers say the road will reopen later", false},
		{"No injuries reported", false},
		{"Additional reporting by Jane Doe in London", true},
		{"Compiled by the world desk", true},
		// Short statements without a verb of clauseWords are no furniture
		// either (held-out 12), while credit, label, contact and tag lines are.
		{"The case continues", false},
		{"THE CASE CONTINUES", false},
		{"Reporting restrictions apply", false},
		{"Kick-off time TBC", false},
		{"• More rain expected", false},
		{"(Investigations continue)", false},
		{"(Live updates by Rhea Tan and Gideon Marsh)", true},
		{"(Fixtureline sports desk)", true},
		{"Media contact: Jana Ruml, Verdanta press office", true},
		{"Westmarch press office: press@westmarch.example", true},
		{"SOURCE Tallis Home plc", true},
		{"KESTREL/Ana Ruiz", true},
		{"ALL RIGHTS RESERVED (c) Copyright VELA", true},
		{"cg/mb", true},
		// An editor's note is a note on its story, however long.
		{"Editor's note: Wendale Police have asked that the name of the woman who died is not published until her family have been told.", false},
		// Short lines with numbers are table rows and dates.
		{"Record March 31", false},
		{"Shr 45 cts vs 58 cts", false},
		{"Nine mths", false},
		// Quotations are statements of the story, however long.
		{"\"The nation demands an expeditious and complete disclosure of our government's involvement in the affair,\" the judge ruled.", false},
		{"\u201cWe will appeal against the ruling of the court and expect to win before the end of the year,\u201d the chief executive said.", false},
		{"", false},
		{"...", false},
	} {
		t.Run(tc.text, func(t *testing.T) {
			var sc scratch
			var p para
			sc.analyse(tc.text, DefaultMinNearLength, &p)
			require.Equal(t, tc.want, mayBeBoilerplate(tc.text, &p))
		})
	}
}

// TestFixedNumbers: the numbers of a long boilerplate candidate that its
// copies must repeat are those that do not write the article's own times.
func TestFixedNumbers(t *testing.T) {
	m := marker{a: &article.Article{PublishedAt: "2026-03-03T14:32:00Z", UpdatedAt: "2026-03-04T09:05:00+01:00"}}
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"Filed at 14:32 GMT on 3 March 2026 by the Frankfurt desk of the wire, which takes corrections.", true},
		{"Filed at 1432 GMT on March 3 by the Frankfurt desk of the wire, which takes corrections at any hour.", true},
		{"Updated at 08:05 GMT on 4 March by the Frankfurt desk of the wire, which takes corrections at any hour.", true},
		{"Filed at 2.32 pm on 03/03/26 by the Frankfurt desk of the wire, which takes corrections at any hour.", true},
		// In the local time of a zone the paragraph names.
		{"Filed at 15:32 CET on 3 March by the Frankfurt desk of the wire, which takes corrections at any hour.", true},
		{"Filed at 09:32 EST on 3 March by the New York desk of the wire, which takes corrections at any hour.", true},
		{"Updated at 10:05 CEST on 4 March by the Frankfurt desk of the wire, which takes corrections at any hour.", true},
		{"Filed at 16:32 CET on 3 March by the Frankfurt desk of the wire, which takes corrections at any hour.", false},
		{"Filed at 15:32 GMT on 3 March by the Frankfurt desk of the wire, which takes corrections at any hour.", false},
		{"Markets in New York close at 16:00 EST and the desk of the wire takes corrections until midnight.", false},
		{"Work on the contract, awarded as part of a procurement programme, is expected to be completed by June 2028.", false},
		{"Banks must make their bids by 1400 GMT today and funds allocated will be credited to accounts tomorrow.", false},
		{"The spot riyal was steady at 3.7500 to the dollar after quotes of 3.7498 in the previous session of trading.", false},
	} {
		t.Run(tc.text, func(t *testing.T) {
			var sc scratch
			var p para
			sc.analyse(tc.text, DefaultMinNearLength, &p)
			require.True(t, p.digits)
			require.Equal(t, tc.want, m.fixedNumbers(&p) == 0, "only the article's own times")
		})
	}
	require.Empty(t, appendTimeWords(nil, "", 0), "no time, no words")
	require.Empty(t, appendTimeWords(nil, "yesterday", 0))
}

// TestShortSentencesStayInTheBody is the guarantee of mayBeBoilerplate as a
// property: many unrelated stories of one source, each closing with short
// generic sentences drawn from one pool (so that every sentence recurs in
// dozens of stories), marked in batches of random sizes with figure keys,
// never lose one of those sentences from the body, never get one marked
// repeated, and never join each other's story. A one-word sign-off closing
// every story becomes boilerplate all the same.
func TestShortSentencesStayInTheBody(t *testing.T) {
	pool := []string{
		"Police said.", "No one was injured.", "Police are appealing for witnesses.", "An investigation is under way.",
		"He was taken to hospital.", "She declined to comment.", "The cause is not yet known.", "The road was closed for several hours.",
		"Two people were arrested.", "It was not immediately clear why.", "Nobody was hurt!", "What happened next?",
		"Officials gave no reason.", "The company did not comment.", "Talks will resume next week.", "More details are expected on Monday.",
	}
	words := strings.Fields("harbour council minister river station bridge factory airport court hospital market school " +
		"tunnel railway village mayor union strike storm flood fire inquiry budget contract tender election museum")
	r := rand.New(rand.NewPCG(12, 15))
	ctx := context.Background()
	for round := range 4 {
		d := New(NewMemoryStore(0), Options{})
		var arts []*article.Article
		var keys [][]string
		for i := range 120 {
			var lede strings.Builder
			fmt.Fprintf(&lede, "Story %d of round %d:", i, round)
			for range 18 {
				lede.WriteString(" " + words[r.IntN(len(words))])
			}
			lede.WriteString(".")
			paras := []string{lede.String()}
			for _, k := range r.Perm(len(pool))[:1+r.IntN(4)] {
				paras = append(paras, pool[k])
			}
			if r.IntN(2) == 0 {
				paras = append(paras, "ENDS")
			}
			a := doc{id: fmt.Sprintf("s%d-%d", round, i), source: "desk", paras: paras}.article()
			k := make([]string, len(paras))
			for j, p := range paras {
				k[j] = figureKey(p)
			}
			arts, keys = append(arts, a), append(keys, k)
		}
		for i := 0; i < len(arts); {
			n := 1 + r.IntN(16)
			n = min(n, len(arts)-i)
			require.NoError(t, d.MarkBatch(ctx, arts[i:i+n], keys[i:i+n]))
			i += n
		}
		signOffs := map[article.Status]int{}
		for _, a := range arts {
			require.Equal(t, a.ID, a.StoryID, "unrelated stories stay apart")
			for _, p := range a.Paragraphs[1:] {
				if p.Text == "ENDS" {
					signOffs[p.Status]++
					continue
				}
				require.Equal(t, article.StatusUnique, p.Status, "%s: %q", a.ID, p.Text)
			}
		}
		require.Greater(t, signOffs[article.StatusBoilerplate], 10, "the sign-off token is boilerplate: %v", signOffs)
	}
}
