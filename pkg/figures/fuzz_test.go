package figures_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/figures"
)

// checkInvariants holds for any input: offsets in range, Text equal to the
// span, figures ordered and not overlapping, finite values, known kinds.
func checkInvariants(t testing.TB, text string, figs []article.Figure) {
	t.Helper()
	end := 0
	for _, f := range figs {
		if f.Start < end || f.End <= f.Start || f.End > len(text) {
			t.Fatalf("bad span [%d,%d) after %d in %d bytes: %+v", f.Start, f.End, end, len(text), f)
		}
		if text[f.Start:f.End] != f.Text {
			t.Fatalf("Text %q != text[%d:%d] %q", f.Text, f.Start, f.End, text[f.Start:f.End])
		}
		if math.IsNaN(f.Value) || math.IsInf(f.Value, 0) {
			t.Fatalf("value not finite: %+v", f)
		}
		if f.RangeTo != nil && (math.IsNaN(*f.RangeTo) || math.IsInf(*f.RangeTo, 0) || *f.RangeTo <= f.Value) {
			t.Fatalf("bad range: %+v", f)
		}
		if !validKinds[f.Kind] {
			t.Fatalf("unknown kind %q", f.Kind)
		}
		end = f.End
	}
}

var validKinds = map[string]bool{
	article.KindCount: true, article.KindMoney: true, article.KindPercent: true, article.KindDistance: true,
	article.KindWeight: true, article.KindArea: true, article.KindVolume: true, article.KindTemperature: true,
	article.KindDuration: true, article.KindAge: true, article.KindSpeed: true, article.KindOther: true,
}

func FuzzExtract(f *testing.F) {
	for _, seed := range []string{
		"", "1", "-", "$", ".5", "1,114 tanks", "more than 5,000 soldiers", "about 65 kilometers",
		"$3.2 billion", "1.5 mln dlrs", "4.5 pct", "minus 10 degrees Celsius", "41.9C", "27-year-old",
		"between 10,000 and 15,000", "10-15 km", "10 to 15 percent", "F-16 G7 Covid-19 Boeing 737 MAX",
		"192.168.1.2", "978-3-16-148410-0", "3:04 PM", "Feb 26, 1987", "two hundred and fifty",
		"half a million", "one and a half", "two thirds", "nought point eleven", "3 dollars 50 cents",
		"40\u202f000", "1 234 567", "7½", "2 ½", "3 1⁄2", "⅔ of", "−3\u00a0°C to −8\u00a0°C", "CHF 1’250’000",
		"≥\u00a018", "<5 %", "12 km²", "17‑year‑old", "“40”", "6′3″", "1:8 ratio", "50\u00a0€", "500 $", "40×", "£600m", "US$ 1MM", "100元", "100,000 ரூ", "20 (kg)",
		"1,", "1,2", "1.", "1/", "1-", "a", "an", "half a", "twenty-", "$-", "-$5", "\xff\xfe1",
		"9999999999999999999999999", "1e308", "1,000,000,000,000,000,000,000", "a hundred thousand trillionths",
		"three lakh crore", "thousand million billion trillion", "aged 30-39", "6-3 3-6", "<SRD 5>",
		strings.Repeat("9", 100), strings.Repeat("one ", 50), strings.Repeat("1,000,", 30),
		"one in five", "1-in-3", "three out of every 10", "voted 51-49", "won 3–1", "737-800",
		"plus or minus 3 points", "±3.1", "+/- 3%", "from 3 to 5 million", "£3-4m", "1.2m postal votes",
		"0800 555 111", "+1 202 555 0143", "(202) 555-0147", "call 101", "10 Downing Street",
		"junctions 9 and 10", "4.3 deaths per 100,000", "BA.2.86", "KSh217", "R254 billion",
		"The president, 78, said", "John Smith (52)", "voters over 65", "aged 8, 10 and 12", "100-odd",
		"400,000 barrels a day", "17.5 terawatt-hours", "180 µg/m3", "1985's",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkInvariants(t, text, figures.Extract(text))
	})
}

// TestPathologicalInput bounds the time on inputs built to be slow:
// megabytes of digits, of grouped digits, of number words, of short words
// and of separators. Each must run in linear time; the bound is generous
// (100 ms per MB) so that a loaded machine does not fail it.
func TestPathologicalInput(t *testing.T) {
	const mb = 1 << 20
	rep := func(unit string) string { return strings.Repeat(unit, mb/len(unit)+1)[:mb] }
	inputs := map[string]string{
		"digits":            rep("9"),
		"grouped digits":    "1" + rep(",000"),
		"space groups":      "1" + rep(" 000"),
		"decimal dots":      rep("1."),
		"hyphen chains":     rep("1-"),
		"slashes":           rep("1/"),
		"number words":      rep("one "),
		"compound words":    rep("twenty-one hundred and "),
		"scales":            rep("million "),
		"a dozen":           rep("a "),
		"and a half":        rep("one and a half "),
		"point words":       "one point" + rep(" nine"),
		"units":             rep("5 km "),
		"ranges":            rep("5-6 "),
		"currency":          rep("$"),
		"minus":             rep("minus "),
		"angle brackets":    rep("<"),
		"sentence marks":    rep(". "),
		"letters":           rep("a"),
		"no-break spaces":   rep("1\u202f"),
		"non-ASCII letters": rep("é"),
	}
	for name, text := range inputs {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			figs := figures.Extract(text)
			d := time.Since(start)
			checkInvariants(t, text, figs)
			// A guard against super-linear scans (quadratic work on a
			// megabyte takes hours), not a speed claim: speed is measured
			// in the benchmarks. The bound leaves a loaded machine room.
			require.Lessf(t, d, 30*time.Second, "%s: %v for %d bytes", name, d, len(text))
			t.Logf("%v, %d figures", d, len(figs))
		})
	}
}
