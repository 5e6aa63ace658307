package figures_test

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/figures"
)

// labelled is one case of testdata/families.txt or testdata/heldout.txt
// (the format is described at the top of families.txt).
type labelled struct {
	file   string
	line   int
	family string
	text   string
	want   []labelFig
	not    [][2]int // byte spans that no figure may touch
}

// labelFig is an expected figure with its byte span in the case's text.
type labelFig struct {
	start, end int
	text       string
	value      float64
	to         *float64
	unit, kind string
	qual       string
}

var qualCodes = map[string]string{
	"": "", "~": article.QualifierApprox, ">": article.QualifierMoreThan, ">=": article.QualifierAtLeast,
	"<": article.QualifierLessThan, "<=": article.QualifierAtMost,
}

// unitKinds gives the usual kind of a unit code; a label names the kind
// when it differs ("year:age").
var unitKinds = map[string]string{
	"": article.KindCount, "%": article.KindPercent, "pp": article.KindPercent, "bp": article.KindPercent,
	"cent": article.KindMoney, "pence": article.KindMoney,
	"km": article.KindDistance, "m": article.KindDistance, "cm": article.KindDistance, "mm": article.KindDistance, "nm": article.KindDistance,
	"mi": article.KindDistance, "nmi": article.KindDistance, "ft": article.KindDistance, "in": article.KindDistance,
	"yd": article.KindDistance,
	"kg": article.KindWeight, "g": article.KindWeight, "mg": article.KindWeight, "µg": article.KindWeight,
	"t": article.KindWeight, "ton": article.KindWeight, "lb": article.KindWeight, "oz": article.KindWeight,
	"km2": article.KindArea, "m2": article.KindArea, "mi2": article.KindArea, "ft2": article.KindArea,
	"ha": article.KindArea, "acre": article.KindArea,
	"l": article.KindVolume, "ml": article.KindVolume, "gal": article.KindVolume, "barrel": article.KindVolume,
	"barrel/day": article.KindVolume, "m3": article.KindVolume, "bcm": article.KindVolume,
	"C": article.KindTemperature, "F": article.KindTemperature, "K": article.KindTemperature,
	"s": article.KindDuration, "min": article.KindDuration, "h": article.KindDuration, "day": article.KindDuration,
	"week": article.KindDuration, "month": article.KindDuration, "year": article.KindDuration,
	"decade": article.KindDuration, "century": article.KindDuration,
	"km/h": article.KindSpeed, "mph": article.KindSpeed, "kn": article.KindSpeed, "m/s": article.KindSpeed, "km/s": article.KindSpeed,
	"points": article.KindOther, "MW": article.KindOther, "GW": article.KindOther, "kW": article.KindOther,
	"MWh": article.KindOther, "GWh": article.KindOther, "TWh": article.KindOther, "kWh": article.KindOther,
	"Mbps": article.KindOther, "Gbps": article.KindOther, "µg/m3": article.KindOther,
	"KB": article.KindOther, "MB": article.KindOther, "GB": article.KindOther, "TB": article.KindOther,
	"PB": article.KindOther, "MHz": article.KindOther, "GHz": article.KindOther, "mAh": article.KindOther,
	"MP": article.KindOther, "TEU": article.KindOther, "t/ha": article.KindOther, "bushel/acre": article.KindOther,
	"bushel": article.KindVolume, "dwt": article.KindWeight, "st": article.KindWeight, "ft/min": article.KindSpeed,
	"ppm": article.KindOther, "ppb": article.KindOther, "Gt": article.KindWeight,
}

func kindOfUnit(u string) (string, bool) {
	if k, ok := unitKinds[u]; ok {
		return k, true
	}
	if len(u) == 3 && strings.ToUpper(u) == u {
		return article.KindMoney, true // an ISO 4217 code
	}
	return "", false
}

func parseNumber(s string) (float64, error) {
	if a, b, ok := strings.Cut(s, "/"); ok {
		x, err1 := strconv.ParseFloat(a, 64)
		y, err2 := strconv.ParseFloat(b, 64)
		if err1 != nil || err2 != nil || y == 0 {
			return 0, fmt.Errorf("bad fraction %q", s)
		}
		return x / y, nil
	}
	return strconv.ParseFloat(s, 64)
}

// parseLabelled reads one case line (without the family) into its text,
// expected figures and not-figure spans.
func parseLabelled(src string) (string, []labelFig, [][2]int, error) {
	var b strings.Builder
	var figs []labelFig
	var not [][2]int
	for i := 0; i < len(src); {
		switch {
		case strings.HasPrefix(src[i:], "{{"):
			j := strings.Index(src[i:], "}}")
			if j < 0 {
				return "", nil, nil, fmt.Errorf("unclosed {{ at %d", i)
			}
			fields := strings.Split(src[i+2:i+j], "|")
			if len(fields) < 2 || len(fields) > 4 || fields[0] == "" {
				return "", nil, nil, fmt.Errorf("want {{span|value|unit|qualifier}}, got %q", src[i:i+j+2])
			}
			for len(fields) < 4 {
				fields = append(fields, "")
			}
			f := labelFig{start: b.Len(), text: fields[0]}
			lo, hi, isRange := strings.Cut(fields[1], "..")
			v, err := parseNumber(lo)
			if err != nil {
				return "", nil, nil, fmt.Errorf("value of %q: %w", fields[0], err)
			}
			f.value = v
			if isRange {
				to, err := parseNumber(hi)
				if err != nil {
					return "", nil, nil, fmt.Errorf("range end of %q: %w", fields[0], err)
				}
				f.to = &to
				f.qual = article.QualifierRange
			}
			unit, kind, hasKind := strings.Cut(fields[2], ":")
			f.unit = unit
			if !hasKind {
				k, ok := kindOfUnit(unit)
				if !ok {
					return "", nil, nil, fmt.Errorf("unit %q of %q has no usual kind; write unit:kind", unit, fields[0])
				}
				kind = k
			}
			f.kind = kind
			q, ok := qualCodes[fields[3]]
			if !ok {
				return "", nil, nil, fmt.Errorf("bad qualifier %q", fields[3])
			}
			if !isRange {
				f.qual = q
			}
			b.WriteString(fields[0])
			f.end = b.Len()
			figs = append(figs, f)
			i += j + 2
		case strings.HasPrefix(src[i:], "<<"):
			j := strings.Index(src[i:], ">>")
			if j < 0 {
				return "", nil, nil, fmt.Errorf("unclosed << at %d", i)
			}
			s := b.Len()
			b.WriteString(src[i+2 : i+j])
			not = append(not, [2]int{s, b.Len()})
			i += j + 2
		default:
			b.WriteByte(src[i])
			i++
		}
	}
	return b.String(), figs, not, nil
}

func loadLabelled(t *testing.T, name string) []labelled {
	t.Helper()
	path := filepath.Join("testdata", name)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	var cases []labelled
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		family, src, ok := strings.Cut(line, " ")
		require.Truef(t, ok, "%s:%d: want \"family sentence\"", path, n)
		text, want, not, err := parseLabelled(src)
		require.NoErrorf(t, err, "%s:%d", path, n)
		cases = append(cases, labelled{file: name, line: n, family: family, text: text, want: want, not: not})
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, cases)
	return cases
}

// familyScore counts, for one family, the figures expected and found: a
// found figure matches an expected one when their spans overlap and the
// value and range end are the same. Unit, kind, qualifier and exact span
// are compared on the matched pairs.
type familyScore struct {
	cases, tp, fp, fn              int
	unitOK, kindOK, qualOK, spanOK int
	notHits                        int
}

func (s familyScore) precision() float64 { return ratio(s.tp, s.tp+s.fp) }
func (s familyScore) recall() float64    { return ratio(s.tp, s.tp+s.fn) }
func (s familyScore) f1() float64 {
	p, r := s.precision(), s.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
func (s familyScore) unit() float64 { return ratio(s.unitOK, s.tp) }
func (s familyScore) kind() float64 { return ratio(s.kindOK, s.tp) }
func (s familyScore) qual() float64 { return ratio(s.qualOK, s.tp) }
func (s familyScore) span() float64 { return ratio(s.spanOK, s.tp) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func (s *familyScore) add(o familyScore) {
	s.cases += o.cases
	s.tp += o.tp
	s.fp += o.fp
	s.fn += o.fn
	s.unitOK += o.unitOK
	s.kindOK += o.kindOK
	s.qualOK += o.qualOK
	s.spanOK += o.spanOK
	s.notHits += o.notHits
}

func sameRange(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return sameValue(*a, *b)
}

func fmtFig(f article.Figure) string {
	to := ""
	if f.RangeTo != nil {
		to = fmt.Sprintf("..%v", *f.RangeTo)
	}
	return fmt.Sprintf("%q=%v%s %s/%s %s", f.Text, f.Value, to, f.Unit, f.Kind, f.Qualifier)
}

func fmtLabel(w labelFig) string {
	to := ""
	if w.to != nil {
		to = fmt.Sprintf("..%v", *w.to)
	}
	return fmt.Sprintf("%q=%v%s %s/%s %s", w.text, w.value, to, w.unit, w.kind, w.qual)
}

// scoreLabelled scores one case and describes every difference.
func scoreLabelled(c labelled, got []article.Figure) (familyScore, []string) {
	s := familyScore{cases: 1}
	var diffs []string
	used := make([]bool, len(got))
	for _, w := range c.want {
		match := -1
		for i, f := range got {
			if !used[i] && f.Start < w.end && w.start < f.End && sameValue(f.Value, w.value) && sameRange(f.RangeTo, w.to) {
				match = i
				break
			}
		}
		if match < 0 {
			s.fn++
			diffs = append(diffs, "missed "+fmtLabel(w))
			continue
		}
		used[match] = true
		f := got[match]
		s.tp++
		var bad []string
		if f.Unit == w.unit {
			s.unitOK++
		} else {
			bad = append(bad, "unit")
		}
		if f.Kind == w.kind {
			s.kindOK++
		} else {
			bad = append(bad, "kind")
		}
		if f.Qualifier == w.qual {
			s.qualOK++
		} else {
			bad = append(bad, "qualifier")
		}
		if f.Start == w.start && f.End == w.end {
			s.spanOK++
		} else {
			bad = append(bad, "span")
		}
		if len(bad) > 0 {
			diffs = append(diffs, fmt.Sprintf("%s differs: want %s, got %s", strings.Join(bad, ", "), fmtLabel(w), fmtFig(f)))
		}
	}
	for i, f := range got {
		if !used[i] {
			s.fp++
			diffs = append(diffs, "extra "+fmtFig(f))
		}
		for _, n := range c.not {
			if f.Start < n[1] && n[0] < f.End {
				s.notHits++
				diffs = append(diffs, fmt.Sprintf("not a figure: %q, got %s", c.text[n[0]:n[1]], fmtFig(f)))
			}
		}
	}
	return s, diffs
}

// scoreSet extracts every case and returns the scores per family, the total
// and the differences, one line per case.
func scoreSet(t *testing.T, cases []labelled) (map[string]*familyScore, familyScore, []string) {
	t.Helper()
	fams := map[string]*familyScore{}
	var total familyScore
	var diffs []string
	for _, c := range cases {
		got := figures.Extract(c.text)
		checkInvariants(t, c.text, got)
		s, d := scoreLabelled(c, got)
		if fams[c.family] == nil {
			fams[c.family] = &familyScore{}
		}
		fams[c.family].add(s)
		total.add(s)
		if len(d) > 0 {
			diffs = append(diffs, fmt.Sprintf("%s:%d [%s] %s\n\t%s", c.file, c.line, c.family, c.text, strings.Join(d, "\n\t")))
		}
	}
	return fams, total, diffs
}

func scoreTable(fams map[string]*familyScore, total familyScore) string {
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "| %-9s | %5s | %8s | %5s | %6s | %6s | %6s | %6s | %6s | %6s | %6s | %4s |\n", "family", "cases",
		"expected", "found", "P", "R", "F1", "unit", "qual", "kind", "span", "not")
	fmt.Fprintf(&b, "| %s |\n", strings.Repeat("--- | ", 11)+"---")
	row := func(name string, s familyScore) {
		fmt.Fprintf(&b, "| %-9s | %5d | %8d | %5d | %6.3f | %6.3f | %6.3f | %6.3f | %6.3f | %6.3f | %6.3f | %4d |\n", name, s.cases,
			s.tp+s.fn, s.tp+s.fp, s.precision(), s.recall(), s.f1(), s.unit(), s.qual(), s.kind(), s.span(), s.notHits)
	}
	for _, n := range names {
		row(n, *fams[n])
	}
	row("all", total)
	return b.String()
}

// Goals of issue 12 on held-out copy, held here on the labelled set.
const (
	goalF1   = 0.98
	goalUnit = 0.97
	goalQual = 0.95
)

// familyFloor is what every family of the labelled set must reach on its
// own; the not-a-figure families must also leave every marked span alone.
const familyFloor = 0.95

// TestFamilies scores Extract on the labelled sentences of
// testdata/families.txt per phrase family (issue 12), prints the table and
// the differences with -v, and fails below the goals. The held-out part
// (testdata/heldout.txt) is scored and printed the same way and held to the
// overall goals.
func TestFamilies(t *testing.T) {
	fams, total, diffs := scoreSet(t, loadLabelled(t, "families.txt"))
	t.Logf("families.txt\n%s", scoreTable(fams, total))
	t.Logf("%d cases differ:\n%s", len(diffs), strings.Join(diffs, "\n"))
	require.GreaterOrEqual(t, total.f1(), goalF1, "F1")
	require.GreaterOrEqual(t, total.unit(), goalUnit, "unit agreement")
	require.GreaterOrEqual(t, total.qual(), goalQual, "qualifier agreement")
	for name, s := range fams {
		require.GreaterOrEqualf(t, s.f1(), familyFloor, "%s: F1", name)
		require.GreaterOrEqualf(t, s.unit(), familyFloor, "%s: unit agreement", name)
		require.GreaterOrEqualf(t, s.qual(), familyFloor, "%s: qualifier agreement", name)
		require.Zerof(t, s.notHits, "%s: figures on spans marked as no figure", name)
	}
}

// TestFamiliesHeldOut scores the held-out parts of the labelled set:
// heldout.txt, written with families.txt, heldout-late.txt and
// heldout-r3.txt, written after the rules (EVAL.md gives their first scores,
// taken before any fix, and what changed after them).
func TestFamiliesHeldOut(t *testing.T) {
	for _, name := range []string{"heldout.txt", "heldout-late.txt", "heldout-r3.txt", "heldout-r4.txt", "heldout-r5.txt", "heldout-r6.txt", "heldout-r7.txt", "heldout-r8.txt", "heldout-r9.txt", "heldout-r10.txt", "heldout-r11.txt", "heldout-r12.txt", "heldout-r13.txt", "heldout-r15.txt", "heldout-r16.txt", "heldout-r14.txt", "heldout-r17.txt", "heldout-r18.txt", "heldout-r19.txt", "heldout-r20.txt", "heldout-r21.txt", "heldout-r22.txt", "heldout-r23.txt", "heldout-r24.txt", "heldout-r25.txt", "heldout-r26.txt", "heldout-r27.txt", "heldout-r28.txt", "heldout-r29.txt", "heldout-r30.txt", "heldout-r31.txt", "heldout-r32.txt", "heldout-r33.txt", "heldout-r34.txt", "heldout-r35.txt", "heldout-r36.txt", "heldout-r37.txt", "heldout-r38.txt", "heldout-r39.txt", "heldout-r40.txt"} {
		t.Run(name, func(t *testing.T) {
			fams, total, diffs := scoreSet(t, loadLabelled(t, name))
			t.Logf("%s\n%s", name, scoreTable(fams, total))
			t.Logf("%d cases differ:\n%s", len(diffs), strings.Join(diffs, "\n"))
			require.GreaterOrEqual(t, total.f1(), goalF1, "F1")
			require.GreaterOrEqual(t, total.unit(), goalUnit, "unit agreement")
			require.GreaterOrEqual(t, total.qual(), goalQual, "qualifier agreement")
		})
	}
}

// TestParseLabelled checks the reader of the labelled format, so that a
// typo in a label fails loudly instead of scoring wrong.
func TestParseLabelled(t *testing.T) {
	text, figs, not, err := parseLabelled("Some {{1.2m|1.2e6||~}} votes, {{aged 11 to 18|11..18|year:age}}, <<0800 555 111>>.")
	require.NoError(t, err)
	require.Equal(t, "Some 1.2m votes, aged 11 to 18, 0800 555 111.", text)
	require.Len(t, figs, 2)
	require.Equal(t, "1.2m", text[figs[0].start:figs[0].end])
	require.Equal(t, 1.2e6, figs[0].value)
	require.Equal(t, article.KindCount, figs[0].kind)
	require.Equal(t, article.QualifierApprox, figs[0].qual)
	require.Equal(t, "aged 11 to 18", text[figs[1].start:figs[1].end])
	require.Equal(t, 18.0, *figs[1].to)
	require.Equal(t, article.KindAge, figs[1].kind)
	require.Equal(t, article.QualifierRange, figs[1].qual)
	require.Equal(t, [][2]int{{32, 44}}, not)
	for _, bad := range []string{"{{5}}", "{{5|x}}", "{{5|5|furlong}}", "{{5|5||?}}", "{{5|5", "<<5"} {
		_, _, _, err := parseLabelled(bad)
		require.Errorf(t, err, "%q", bad)
	}
	require.False(t, math.IsNaN(figs[0].value))
}
