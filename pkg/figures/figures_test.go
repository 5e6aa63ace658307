package figures_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/figures"
)

var update = flag.Bool("update", false, "rewrite golden files and the eval failure list in testdata/")

// want is an expected figure; zero fields other than Text must match too.
type want struct {
	Text    string
	Value   float64
	To      float64 // range high end; 0 when not a range
	Unit    string
	Kind    string
	Qual    string
	Subject string
}

func count(text string, v float64) want { return want{Text: text, Value: v, Kind: article.KindCount} }

func measure(text string, v float64, unit, kind string) want {
	return want{Text: text, Value: v, Unit: unit, Kind: kind}
}

func money(text string, v float64, unit string) want {
	return measure(text, v, unit, article.KindMoney)
}

func pct(text string, v float64) want { return measure(text, v, "%", article.KindPercent) }

func (w want) q(q string) want      { w.Qual = q; return w }
func (w want) of(s string) want     { w.Subject = s; return w }
func (w want) upTo(to float64) want { w.To = to; w.Qual = article.QualifierRange; return w }

// checkFigures asserts the contract invariants and compares the figures.
func checkFigures(t *testing.T, text string, got []article.Figure, wants []want) {
	t.Helper()
	prev := -1
	for _, f := range got {
		require.GreaterOrEqual(t, f.Start, 0)
		require.LessOrEqual(t, f.End, len(text))
		require.Less(t, f.Start, f.End)
		require.Equal(t, text[f.Start:f.End], f.Text)
		require.Greater(t, f.Start, prev, "figures in order of Start")
		require.Zero(t, f.Paragraph)
		prev = f.Start
	}
	gotW := make([]want, 0, len(got))
	for _, f := range got {
		w := want{Text: f.Text, Value: f.Value, Unit: f.Unit, Kind: f.Kind, Qual: f.Qualifier, Subject: f.Subject}
		if f.RangeTo != nil {
			w.To = *f.RangeTo
		}
		gotW = append(gotW, w)
	}
	if wants == nil {
		wants = []want{}
	}
	require.Equal(t, wants, gotW)
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []want
	}{
		// Digits.
		{"digits with thousands separators are one number", "Russia says it destroyed 1,114 facilities.",
			[]want{count("1,114", 1114).of("facilities")}},
		{"decimals keep their value", "The index stood at 5.93 on Friday.", []want{count("5.93", 5.93)}},
		{"a leading-dot decimal is read", "the rate was .08 then", []want{count(".08", 0.08)}},
		{"a glued minus sign makes the value negative", "The balance fell to -9.5 overnight.", []want{count("-9.5", -9.5)}},
		{"the word minus is a sign and part of the text", "The answer is minus 5.", []want{count("minus 5", -5)}},
		{"narrow no-break spaces group thousands", "about 40\u202f000 people", []want{count("40\u202f000", 40000).q(article.QualifierApprox).of("people")}},
		{"plain spaces group thousands when two groups follow", "a population of 1 414 021 100.", []want{count("1 414 021 100", 1414021100)}},
		{"plain spaces do not join table columns", "orders for 36 100 kilowatt units", []want{count("36", 36), measure("100 kilowatt", 100, "kW", article.KindOther)}},
		{"mixed fractions are one number", "it takes 10 1/2 miles of cable", []want{measure("10 1/2 miles", 10.5, "mi", article.KindDistance).of("cable")}},
		{"wire fractions with a hyphen are read", "a 1-3/8 pct selling concession", []want{pct("1-3/8 pct", 1.375)}},
		{"unicode fractions are read", "yields of 7½ pct", []want{pct("7½ pct", 7.5)}},
		{"a list with commas is separate numbers", "Exercises 22,24,26,31.", []want{count("22", 22), count("24", 24), count("26", 26), count("31", 31)}},
		// Words.
		{"a number word is a figure", "Five groups are bidding.", []want{count("Five", 5).of("groups")}},
		{"hyphenated tens and units are one number", "Twenty-five people died.", []want{count("Twenty-five", 25).of("people")}},
		{"hundreds with and are one number", "two hundred and fifty delegates", []want{count("two hundred and fifty", 250).of("delegates")}},
		{"a dozen is twelve", "a dozen eggs", []want{count("a dozen", 12).of("eggs")}},
		{"half a million is five hundred thousand", "half a million refugees", []want{count("half a million", 500000).of("refugees")}},
		{"one and a half million is a scaled fraction", "one and a half million barrels", []want{measure("one and a half million barrels", 1.5e6, "barrel", article.KindVolume)}},
		{"two thirds is a fraction", "two thirds of voters", []want{count("two thirds", 2.0/3).of("voters")}},
		{"a fraction of a million scales", "a quarter of a million people", []want{count("a quarter of a million", 250000).of("people")}},
		{"a fraction of a unit takes the unit", "a tenth of a second", []want{measure("a tenth of a second", 0.1, "s", article.KindDuration)}},
		{"decimals in words are read", "two hundred point zero three", []want{count("two hundred point zero three", 200.03)}},
		{"vague plurals like dozens are not figures", "dozens of homes and hundreds of people", nil},
		{"the lone word one is not a figure", "one of the largest banks, at one point", nil},
		{"one with a unit is a figure", "one dollar", []want{money("one dollar", 1, "USD")}},
		{"a number word inside a name is not a figure", "the Four Seasons hotel and the Group of Seven", nil},
		// Scales.
		{"scale words multiply", "3.2 billion and 2 million and 1 trillion", []want{count("3.2 billion", 3.2e9), count("2 million", 2e6), count("1 trillion", 1e12)}},
		{"wire scale abbreviations multiply", "5.93 mln against 5.81 and 2 bln", []want{count("5.93 mln", 5.93e6), count("5.81", 5.81), count("2 bln", 2e9)}},
		{"glued k and bn are scales", "10k runners and a 5bn budget", []want{count("10k", 1e4).of("runners"), count("5bn", 5e9)}},
		{"glued m after a currency is million", "profits of £600m", []want{money("£600m", 6e8, "GBP")}},
		{"glued m before a plural noun is million", "2.5m people", []want{count("2.5m", 2.5e6).of("people")}},
		{"glued m alone is metres", "he is 1.8m tall", []want{measure("1.8m", 1.8, "m", article.KindDistance)}},
		{"Indian scales are read", "13 lakh and 1 crore", []want{count("13 lakh", 1.3e6), count("1 crore", 1e7)}},
		// Money.
		{"a dollar sign with a scale is money", "a $3.2 billion deal", []want{money("$3.2 billion", 3.2e9, "USD")}},
		{"wire dollars are USD", "1.5 mln dlrs", []want{money("1.5 mln dlrs", 1.5e6, "USD")}},
		{"hyphenated wire compounds carry their scale and currency", "a 350-mln-dlr issue and a 1.5-billion-dollar loan", []want{money("350-mln-dlr", 3.5e8, "USD"), money("1.5-billion-dollar", 1.5e9, "USD")}},
		{"wire cents keep their value in cents", "Shr 45 cts vs 58 cts", []want{money("45 cts", 45, "cent"), money("58 cts", 58, "cent")}},
		{"wire sterling is GBP", "a 100 mln stg facility", []want{money("100 mln stg", 1e8, "GBP")}},
		{"yen after the number is JPY", "five million yen", []want{money("five million yen", 5e6, "JPY")}},
		{"a prefixed dollar sign names the country", "US$ 150 million and C$ 1.34 and HK$10", []want{money("US$ 150 million", 1.5e8, "USD"), money("C$ 1.34", 1.34, "CAD"), money("HK$10", 10, "HKD")}},
		{"euro and pound signs are read", "€2 million and £60,000", []want{money("€2 million", 2e6, "EUR"), money("£60,000", 60000, "GBP")}},
		{"ISO codes before or after are read", "USD 5 and 10 EUR", []want{money("USD 5", 5, "USD"), money("10 EUR", 10, "EUR")}},
		{"currency names with a nationality are read", "125 million australian dollars and 10,000 Swiss francs", []want{money("125 million australian dollars", 1.25e8, "AUD"), money("10,000 Swiss francs", 10000, "CHF")}},
		{"dollars and cents are one figure", "it cost 3 dollars 50 cents", []want{money("3 dollars 50 cents", 3.5, "USD")}},
		{"pence glued to digits are pence", "shares fell to 44p", []want{money("44p", 44, "pence")}},
		{"money takes the subject of an in phrase", "$48 billion in assets", []want{money("$48 billion", 4.8e10, "USD").of("assets")}},
		{"pounds near money words are sterling", "operating profit improved to 361 million pounds", []want{money("361 million pounds", 3.61e8, "GBP")}},
		{"pounds of a commodity are weight", "7.4 mln pounds of vegetable oil", []want{measure("7.4 mln pounds", 7.4e6, "lb", article.KindWeight).of("vegetable oil")}},
		// Percent.
		{"the percent sign is percent", "growth of 12%", []want{pct("12%", 12)}},
		{"percent spelled out in every form is percent", "5 percent, 6 per cent, 4.5 pct and 7 percentage", []want{pct("5 percent", 5), pct("6 per cent", 6), pct("4.5 pct", 4.5), pct("7 percentage", 7)}},
		{"percentage points are pp", "up 0.5 percentage points", []want{measure("0.5 percentage points", 0.5, "pp", article.KindPercent)}},
		{"basis points are bp", "a 25 basis point cut", []want{measure("25 basis point", 25, "bp", article.KindPercent)}},
		{"negative percentages keep the sign", "just need minus five percent", []want{pct("minus five percent", -5)}},
		// Measures.
		{"distance units are read", "five kilometers, 200 miles and 1.6 km", []want{measure("five kilometers", 5, "km", article.KindDistance), measure("200 miles", 200, "mi", article.KindDistance), measure("1.6 km", 1.6, "km", article.KindDistance)}},
		{"a hyphenated unit adjective is read", "a six-mile trip and a 3-inch screen", []want{measure("six-mile", 6, "mi", article.KindDistance), measure("3-inch", 3, "in", article.KindDistance)}},
		{"weight units are read", "96,000 tonnes and 200lbs and 16,000 metric tons", []want{measure("96,000 tonnes", 96000, "t", article.KindWeight), measure("200lbs", 200, "lb", article.KindWeight), measure("16,000 metric tons", 16000, "t", article.KindWeight)}},
		{"area units are read", "30,000 acres and 660 square meters and 190 km2", []want{measure("30,000 acres", 30000, "acre", article.KindArea), measure("660 square meters", 660, "m2", article.KindArea), measure("190 km2", 190, "km2", article.KindArea)}},
		{"volume units are read", "470 mln barrels of oil and 75ml", []want{measure("470 mln barrels", 4.7e8, "barrel", article.KindVolume).of("oil"), measure("75ml", 75, "ml", article.KindVolume)}},
		{"temperature with minus and Celsius is read", "minus 10 degrees Celsius", []want{measure("minus 10 degrees Celsius", -10, "C", article.KindTemperature)}},
		{"a glued C is Celsius", "it reached 41.9C on Monday", []want{measure("41.9C", 41.9, "C", article.KindTemperature)}},
		{"bare degrees near weather words are a temperature", "temperatures of 40 degrees", []want{measure("40 degrees", 40, "deg", article.KindTemperature)}},
		{"bare degrees elsewhere are an angle", "the ship turned 180 degrees", []want{measure("180 degrees", 180, "deg", article.KindOther)}},
		{"durations are read", "three hours and 18 months", []want{measure("three hours", 3, "h", article.KindDuration), measure("18 months", 18, "month", article.KindDuration)}},
		{"speeds are read", "188 miles an hour and 10 km/h", []want{measure("188 miles an hour", 188, "mph", article.KindSpeed), measure("10 km/h", 10, "km/h", article.KindSpeed)}},
		// Ages.
		{"a year-old adjective is an age", "The 27-year-old striker", []want{measure("27-year-old", 27, "year", article.KindAge)}},
		{"aged before the number is an age", "He died aged 87.", []want{measure("aged 87", 87, "year", article.KindAge)}},
		{"years old after the number is an age", "She was five years old.", []want{measure("five years old", 5, "year", article.KindAge)}},
		// Ranges.
		{"between and is a range", "between 10,000 and 15,000 soldiers", []want{count("10,000 and 15,000", 10000).upTo(15000).of("soldiers")}},
		{"a hyphen range shares the unit", "10-15 km", []want{measure("10-15 km", 10, "km", article.KindDistance).upTo(15)}},
		{"a to range shares the unit", "10 to 15 percent", []want{pct("10 to 15 percent", 10).upTo(15)}},
		{"a range shares the scale", "$5-10 million", []want{money("$5-10 million", 5e6, "USD").upTo(1e7)}},
		{"from X to Y is a change, not a range", "rose from 5 pct to 7 pct", []want{pct("5 pct", 5), pct("7 pct", 7)}},
		{"a change verb blocks a to range", "it rose 5 pct to 7 pct", []want{pct("5 pct", 5), pct("7 pct", 7)}},
		{"sports scores are not figures", "won 2-1 and lost 6-3 3-6 6-2", nil},
		// Qualifiers.
		{"more than is more_than", "more than 5,000 soldiers", []want{count("5,000", 5000).q(article.QualifierMoreThan).of("soldiers")}},
		{"exceeds is more_than", "the toll exceeds 5,000 soldiers", []want{count("5,000", 5000).q(article.QualifierMoreThan).of("soldiers")}},
		{"over before a count is more_than", "over 300 people", []want{count("300", 300).q(article.QualifierMoreThan).of("people")}},
		{"over before a duration is not a qualifier", "repaid over 3 years", []want{measure("3 years", 3, "year", article.KindDuration)}},
		{"at least is at_least", "at least fourteen people", []want{count("fourteen", 14).q(article.QualifierAtLeast).of("people")}},
		{"about, around, some, roughly and approximately are approx", "about 5 km, around 6 km, some 7 km, roughly 8 km, approximately 9 km", []want{
			measure("5 km", 5, "km", article.KindDistance).q(article.QualifierApprox), measure("6 km", 6, "km", article.KindDistance).q(article.QualifierApprox),
			measure("7 km", 7, "km", article.KindDistance).q(article.QualifierApprox), measure("8 km", 8, "km", article.KindDistance).q(article.QualifierApprox),
			measure("9 km", 9, "km", article.KindDistance).q(article.QualifierApprox)}},
		{"nearly and almost are approx (DESIGN.md)", "nearly 500 and almost 6.2 mln", []want{count("500", 500).q(article.QualifierApprox), count("6.2 mln", 6.2e6).q(article.QualifierApprox)}},
		{"less than and fewer than are less_than", "less than 15 % and fewer than 20 people", []want{pct("15 %", 15).q(article.QualifierLessThan), count("20", 20).q(article.QualifierLessThan).of("people")}},
		{"up to and at most are at_most", "up to 300 mln dlrs and at most 4 pct", []want{money("300 mln dlrs", 3e8, "USD").q(article.QualifierAtMost), pct("4 pct", 4).q(article.QualifierAtMost)}},
		{"the qualifier can precede a currency sign", "more than $ 247 million", []want{money("$ 247 million", 2.47e8, "USD").q(article.QualifierMoreThan)}},
		{"or more after the figure is at_least", "5,000 or more", []want{count("5,000", 5000).q(article.QualifierAtLeast)}},
		// Subjects.
		{"the subject runs to the first plural noun", "57 multiple rocket launchers and more", []want{count("57", 57).of("multiple rocket launchers")}},
		{"a partitive takes its of phrase", "121 pieces of field artillery and mortars", []want{count("121", 121).of("pieces of field artillery")}},
		{"a count without a noun has no subject", "Net 1.1 mln vs 829,000", []want{count("1.1 mln", 1.1e6), count("829,000", 829000)}},
		{"a bare number in a list takes the unit of the last", "at 4,340, 4,345 and 4,350 dlrs", []want{money("4,340", 4340, "USD"), money("4,345", 4345, "USD"), money("4,350 dlrs", 4350, "USD")}},
		// Not figures.
		{"model names and identifiers are not figures", "an F-16, the G7, Covid-19, a Boeing 737 MAX and SCP-173", nil},
		{"designators are not figures", "Article 5, Flight 370, Chapter 11 and No. 1", nil},
		{"years are not figures", "in 1987 and the 1986/87 crop and the 1990s", nil},
		{"dates are not figures", "on Feb 26, 1987 and 26 February and 26/02/2022", nil},
		{"times are not figures", "at 3:04 PM, 10 am and 0857 GMT", nil},
		{"ordinals are not figures", "on the fifth day, the 4th time", nil},
		{"an ordinal before an adjective or a duration noun is no fraction", "for a sixth straight month, a third week and a fifth day", nil},
		{"phone numbers and ISBNs are not figures", "call 212-555-1234 or see ISBN 978-3-16-148410-0", nil},
		{"version numbers and addresses are not figures", "version 2.0.1 at 192.168.1.2", nil},
		{"wire codes in angle brackets are not figures", "<Systems 4 Inc> and <SPECTRUM 2000 INC>", nil},
		{"stock split ratios are not figures", "a three-for-two split and a 3-for-2 split", nil},
		{"names with a number are not figures", "He told BBC Radio 4 that Spider-Man 2 was good.", nil},
		{"weekday names do not hide a count", "On Friday 300 people died.", []want{count("300", 300).of("people")}},
		{"weekday and month names are not figures", "last Thursday in May", nil},
		{"empty text has no figures", "", nil},
		{"abbreviated years, generations and noon are not figures", "the class of '87 built 5G masts at 12 noon", nil},
		{"a day range before a month is a date", "it runs from 14 to 17 February", nil},
		{"filing codes are not figures", "an earlier 13-G filing", nil},
		{"below zero is a sign", "the wind chill fell to 25 degrees below zero", []want{measure("25 degrees below zero", -25, "deg", article.KindTemperature)}},
		{"an age range is one figure", "those aged 30-39", []want{measure("aged 30-39", 30, "year", article.KindAge).upTo(39)}},
		{"hyphenated mixed numbers in words are read", "a record of three-and-a-half years", []want{measure("three-and-a-half years", 3.5, "year", article.KindDuration)}},
		// Sentences.
		{"sentences are counted from zero", "It rose 5 pct. Mr. Smith said 3 mln dlrs.\nThen 4 more.", []want{pct("5 pct", 5), money("3 mln dlrs", 3e6, "USD"), count("4", 4)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFigures(t, tt.text, figures.Extract(tt.text), tt.want)
		})
	}
}

func TestSentenceIndex(t *testing.T) {
	text := "It rose 5 pct. Mr. Smith said 3 mln dlrs in the U.S. market.\nThen 4 more! Why 6? \"Quoted 7.\" Next 8."
	var got []int
	for _, f := range figures.Extract(text) {
		got = append(got, f.Sentence)
	}
	require.Equal(t, []int{0, 1, 2, 3, 4, 5}, got)
}

// TestSeedArticle is the golden test on ../shared/seed/article.txt, read as
// plain text and extracted whole: the figures of the issue must be there
// with their units and qualifiers, and nothing for "fifth day" or
// "Thursday". The full output is kept in testdata/seed-article.golden.json.
func TestSeedArticle(t *testing.T) {
	raw, err := os.ReadFile(shared.Path(t, "seed/article.txt"))
	require.NoError(t, err)
	text := string(raw)
	got := figures.Extract(text)
	checkFigures(t, text, got, wantsOf(got))

	find := func(text string) article.Figure {
		t.Helper()
		for _, f := range got {
			if f.Text == text {
				return f
			}
		}
		require.Failf(t, "figure missing", "no figure %q in %v", text, got)
		return article.Figure{}
	}
	f := find("1,114")
	require.Equal(t, 1114.0, f.Value)
	require.Equal(t, article.KindCount, f.Kind)
	require.Contains(t, f.Subject, "installations")
	for text, subject := range map[string]string{"314": "tanks", "57": "multiple rocket launchers",
		"121": "pieces of field artillery", "274": "units of military vehicles"} {
		f := find(text)
		require.Equal(t, subject, f.Subject, text)
		require.Equal(t, article.KindCount, f.Kind, text)
	}
	f = find("5,000")
	require.Equal(t, 5000.0, f.Value)
	require.Equal(t, article.QualifierMoreThan, f.Qualifier)
	require.Equal(t, "soldiers", f.Subject)
	f = find("five kilometers")
	require.Equal(t, 5.0, f.Value)
	require.Equal(t, "km", f.Unit)
	require.Equal(t, article.QualifierMoreThan, f.Qualifier)
	f = find("65 kilometers")
	require.Equal(t, 65.0, f.Value)
	require.Equal(t, "km", f.Unit)
	require.Equal(t, article.QualifierApprox, f.Qualifier)
	for _, f := range got {
		for _, bad := range []string{"fifth", "Thursday", "Friday", "Sunday", "hour"} {
			require.NotContains(t, f.Text, bad)
		}
	}

	path := filepath.Join("testdata", "seed-article.golden.json")
	b, err := json.MarshalIndent(got, "", "  ")
	require.NoError(t, err)
	b = append(b, '\n')
	if *update {
		require.NoError(t, os.WriteFile(path, b, 0o644))
	}
	golden, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run TestSeedArticle -update to create it")
	require.JSONEq(t, string(golden), string(b))
}

func wantsOf(figs []article.Figure) []want {
	var ws []want
	for _, f := range figs {
		w := want{Text: f.Text, Value: f.Value, Unit: f.Unit, Kind: f.Kind, Qual: f.Qualifier, Subject: f.Subject}
		if f.RangeTo != nil {
			w.To = *f.RangeTo
		}
		ws = append(ws, w)
	}
	return ws
}

func ExampleExtract() {
	for _, f := range figures.Extract("Russia says more than 5,000 soldiers died and $3.2 billion was spent.") {
		b, _ := json.Marshal(f)
		fmt.Println(string(b))
	}
	// Output:
	// {"text":"5,000","start":22,"end":27,"value":5000,"subject":"soldiers","kind":"count","qualifier":"more_than","paragraph":0,"sentence":0}
	// {"text":"$3.2 billion","start":46,"end":58,"value":3200000000,"unit":"USD","kind":"money","paragraph":0,"sentence":0}
}
