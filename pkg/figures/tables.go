package figures

import (
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// This file holds the immutable lookup tables of the scanner. Keys are lower
// case ASCII unless a table says otherwise; multi-word keys are joined by one
// space. The tables are built once at package initialisation and never
// written afterwards.

// Word classes of the number-word grammar.
const (
	wUnit    = iota + 1 // zero … nine
	wTeen               // ten … nineteen
	wTens               // twenty … ninety
	wHundred            // hundred
	wScale              // thousand, million, … (value is the multiplier)
	wDozen              // dozen, dozens
)

type numWord struct {
	class int
	val   float64
	pow   int // for scales: the power of ten (0 when not a power of ten)
}

var numWords = map[string]numWord{
	"zero": {wUnit, 0, 0}, "nought": {wUnit, 0, 0}, "naught": {wUnit, 0, 0},
	"one": {wUnit, 1, 0}, "two": {wUnit, 2, 0}, "three": {wUnit, 3, 0}, "four": {wUnit, 4, 0},
	"five": {wUnit, 5, 0}, "six": {wUnit, 6, 0}, "seven": {wUnit, 7, 0}, "eight": {wUnit, 8, 0},
	"nine": {wUnit, 9, 0},
	"ten":  {wTeen, 10, 0}, "eleven": {wTeen, 11, 0}, "twelve": {wTeen, 12, 0},
	"thirteen": {wTeen, 13, 0}, "fourteen": {wTeen, 14, 0}, "fifteen": {wTeen, 15, 0},
	"sixteen": {wTeen, 16, 0}, "seventeen": {wTeen, 17, 0}, "eighteen": {wTeen, 18, 0},
	"nineteen": {wTeen, 19, 0},
	"twenty":   {wTens, 20, 0}, "thirty": {wTens, 30, 0}, "forty": {wTens, 40, 0},
	"fifty": {wTens, 50, 0}, "sixty": {wTens, 60, 0}, "seventy": {wTens, 70, 0},
	"eighty": {wTens, 80, 0}, "ninety": {wTens, 90, 0},
	"hundred": {wHundred, 100, 2},
}

// scaleWords multiply the number before them ("3.2 billion", "1.5 mln",
// "13 lakh"). Matched case-insensitively as separate words.
var scaleWords = map[string]numWord{
	"thousand": {wScale, 1e3, 3}, "million": {wScale, 1e6, 6}, "billion": {wScale, 1e9, 9},
	"trillion": {wScale, 1e12, 12},
	"mln":      {wScale, 1e6, 6}, "mn": {wScale, 1e6, 6}, "mil": {wScale, 1e6, 6},
	"bln": {wScale, 1e9, 9}, "bn": {wScale, 1e9, 9}, "billn": {wScale, 1e9, 9},
	"tln": {wScale, 1e12, 12}, "trn": {wScale, 1e12, 12}, "tn": {wScale, 1e12, 12},
	"mld": {wScale, 1e9, 9}, "mlrd": {wScale, 1e9, 9}, "mrd": {wScale, 1e9, 9},
	"lakh": {wScale, 1e5, 5}, "lakhs": {wScale, 1e5, 5}, "lac": {wScale, 1e5, 5},
	"crore": {wScale, 1e7, 7}, "crores": {wScale, 1e7, 7},
	"dozen": {wDozen, 12, 0}, "dozens": {wDozen, 12, 0}, "dzs": {wDozen, 12, 0}, "dozs": {wDozen, 12, 0},
	"doz": {wDozen, 12, 0},
}

// caseScales are spaced scale letters whose meaning depends on case: "10 k"
// and "2.33 K" are thousands, "1.8 M" is a million while "1.8 m" is metres.
var caseScales = map[string]numWord{
	"k": {wScale, 1e3, 3}, "K": {wScale, 1e3, 3},
	"M": {wScale, 1e6, 6}, "MM": {wScale, 1e6, 6}, "MN": {wScale, 1e6, 6},
	"B": {wScale, 1e9, 9}, "BN": {wScale, 1e9, 9},
}

// fractionWords are denominators: "two thirds", "a quarter", "one-eighth".
// ordinal marks the ones that are also ordinals ("a third term"), which are
// fractions only in the contexts of scanner.fractionContext ("of",
// punctuation, a unit that is not a duration, the end, …).
type fracWord struct {
	den     float64
	ordinal bool
}

var fractionWords = map[string]fracWord{
	"half": {2, false}, "halves": {2, false},
	"third": {3, true}, "thirds": {3, false},
	"quarter": {4, true}, "quarters": {4, false},
	"fourth": {4, true}, "fourths": {4, false},
	"fifth": {5, true}, "fifths": {5, false},
	"sixth": {6, true}, "sixths": {6, false},
	"seventh": {7, true}, "sevenths": {7, false},
	"eighth": {8, true}, "eighths": {8, false},
	"ninth": {9, true}, "ninths": {9, false},
	"tenth": {10, true}, "tenths": {10, false},
	"hundredth": {100, true}, "hundredths": {100, false},
	"thousandth": {1e3, true}, "thousandths": {1e3, false},
	"millionth": {1e6, true}, "millionths": {1e6, false},
	"billionth": {1e9, true}, "billionths": {1e9, false},
	"trillionth": {1e12, true}, "trillionths": {1e12, false},
}

// Unit flags.
const (
	fAge       = 1 << iota // "years old": the figure is an age
	fPounds                // "pounds": money or weight, decided by context
	fDegrees               // bare "degrees": temperature or angle by context
	fDollars               // may be followed by "and 45 cents"
	fCents                 // cents, for "3 dollars 50 cents"
	fNeedScale             // only after a scale word or a number ≥ 100 ("won")
	fPoint                 // "point": not after a number word ("at one point")
	fKilo                  // thousands of the unit: "186 koz" is 186,000 oz
)

type unitDef struct {
	unit  string
	kind  string
	flags int
}

func money(code string) unitDef { return unitDef{code, article.KindMoney, 0} }

// Units written after the number, as separate words ("65 kilometers",
// "1.5 mln dlrs", "10,000 swiss francs", "40 deg celsius").
var unitPhrases = buildUnitPhrases()

// unitFirstWords maps the first word of each unit phrase to the most
// words a phrase starting with it has (a word may carry "/…" or glued
// digits: "km/h", "km2"). Keys are lower case.
var unitFirstWords = func() map[string]int8 {
	m := map[string]int8{}
	for k := range unitPhrases {
		// Words are separated by spaces or, in a phrase read after a
		// space, hyphens ("terawatt-hours", "year-old").
		words := strings.FieldsFunc(k, func(r rune) bool { return r == ' ' || r == '-' })
		if len(words) == 0 {
			continue
		}
		first, n := words[0], int8(len(words))
		first = strings.TrimSuffix(first, ".")
		if j := strings.IndexByte(first, '/'); j > 0 {
			if m[first[:j]] < n {
				m[first[:j]] = n
			}
		}
		if m[first] < n {
			m[first] = n
		}
	}
	return m
}()

// dotAbbrevs are unit abbreviations that may carry their dot ("50 deg.").
var dotAbbrevs = setOf("deg", "ft", "lb", "lbs", "oz", "min", "mins", "hr", "hrs", "yr", "yrs",
	"mth", "mths", "sec", "secs", "sq", "cu", "gal", "kms")

// Units written after the number without a space ("10km", "£600m" is a
// scale, see attachedScales), exact case first, then lower case.
var attachedUnits = buildAttachedUnits()

// techUnits are the units of data, clock rates, computing power, batteries,
// clinical readings and sensors (kind
// other): their words ("16 gigabytes") and their glued symbols ("16GB").
var techUnits = []struct {
	code         string
	words, glued []string
}{
	{"KB", []string{"kilobyte", "kilobytes"}, []string{"KB", "kB"}},
	{"MB", []string{"megabyte", "megabytes"}, []string{"MB"}},
	{"GB", []string{"gigabyte", "gigabytes", "gb"}, []string{"GB"}},
	{"TB", []string{"terabyte", "terabytes", "tb"}, []string{"TB"}},
	{"PB", []string{"petabyte", "petabytes"}, []string{"PB"}},
	{"MHz", []string{"megahertz", "mhz"}, []string{"MHz", "Mhz"}},
	{"GHz", []string{"gigahertz", "ghz"}, []string{"GHz", "Ghz"}},
	{"mAh", []string{"milliamp hours", "milliamp-hours"}, []string{"mAh"}},
	{"TFLOPS", []string{"teraflops", "teraflop", "tflops"}, []string{"TFLOPS", "Tflops", "TFlops"}},
	{"PFLOPS", []string{"petaflops", "petaflop", "pflops"}, []string{"PFLOPS", "Pflops", "PFlops"}},
	{"EFLOPS", []string{"exaflops", "exaflop", "eflops"}, []string{"EFLOPS", "Eflops", "EFlops"}},
	{"Wh/kg", []string{"watt-hours per kilogram", "watt hours per kilogram", "watt-hours per kilo", "watt-hour per kilogram", "wh/kg"}, []string{"Wh/kg"}},
	{"mmol/l", []string{"mmol/l", "millimoles per litre", "millimoles per liter", "millimole per litre", "millimole per liter"}, []string{"mmol/L", "mmol/l"}},
	{"mmHg", []string{"mmhg", "millimetres of mercury", "millimeters of mercury"}, []string{"mmHg"}},
	{"MP", []string{"megapixel", "megapixels"}, []string{"MP"}},
}

// attachedScales are scale suffixes glued to digits ("10k", "$1.13bn",
// "£600m" after a currency, "10M"). Exact case.
var attachedScales = map[string]numWord{
	"k": {wScale, 1e3, 3}, "K": {wScale, 1e3, 3},
	"M": {wScale, 1e6, 6}, "MM": {wScale, 1e6, 6}, "mn": {wScale, 1e6, 6}, "mln": {wScale, 1e6, 6},
	"mil": {wScale, 1e6, 6}, "Mn": {wScale, 1e6, 6},
	"b": {wScale, 1e9, 9}, "B": {wScale, 1e9, 9}, "bn": {wScale, 1e9, 9}, "Bn": {wScale, 1e9, 9},
	"BN": {wScale, 1e9, 9}, "bln": {wScale, 1e9, 9},
	"tn": {wScale, 1e12, 12}, "trn": {wScale, 1e12, 12}, "tln": {wScale, 1e12, 12},
}

const (
	kDist  = article.KindDistance
	kWt    = article.KindWeight
	kArea  = article.KindArea
	kVol   = article.KindVolume
	kTemp  = article.KindTemperature
	kDur   = article.KindDuration
	kAge   = article.KindAge
	kSpeed = article.KindSpeed
	kPct   = article.KindPercent
	kOther = article.KindOther
)

func buildUnitPhrases() map[string]unitDef {
	m := map[string]unitDef{}
	add := func(d unitDef, keys ...string) {
		for _, k := range keys {
			m[k] = d
		}
	}
	// Percent.
	add(unitDef{"%", kPct, 0}, "percent", "per cent", "pct", "percents", "percentage", "per-cent", "pc")
	add(unitDef{"pp", kPct, 0}, "percentage points", "percentage point", "percent points",
		"per cent points", "pct points", "pct point", "ppts", "pp")
	add(unitDef{"bp", kPct, 0}, "basis points", "basis point", "bps", "bp")
	// Distance.
	add(unitDef{"km", kDist, 0}, "km", "kms", "kilometer", "kilometers", "kilometre", "kilometres")
	add(unitDef{"km", kDist, 0}, "lane-kilometres", "lane-kilometers", "lane-km", "lane kilometres", "lane kilometers")
	add(unitDef{"m", kDist, 0}, "meter", "meters", "metre", "metres", "m")
	add(unitDef{"cm", kDist, 0}, "cm", "centimeter", "centimeters", "centimetre", "centimetres")
	add(unitDef{"mm", kDist, 0}, "mm", "millimeter", "millimeters", "millimetre", "millimetres")
	add(unitDef{"dm", kDist, 0}, "dm", "decimeter", "decimeters", "decimetre", "decimetres")
	add(unitDef{"pm", kDist, 0}, "picometer", "picometers", "picometre", "picometres")
	add(unitDef{"mi", kDist, 0}, "mile", "miles")
	add(unitDef{"mi", kDist, 0}, "lane-miles", "lane miles")
	add(unitDef{"nmi", kDist, 0}, "nautical mile", "nautical miles", "nmi")
	add(unitDef{"ft", kDist, 0}, "foot", "feet", "ft")
	add(unitDef{"in", kDist, 0}, "inch", "inches")
	add(unitDef{"yd", kDist, 0}, "yard", "yards", "yds")
	add(unitDef{"ly", kDist, 0}, "light years", "light-years", "light year", "light-year")
	add(unitDef{"AU", kDist, 0}, "astronomical units", "astronomical unit")
	// Weight.
	add(unitDef{"kg", kWt, 0}, "kg", "kgs", "kilogram", "kilograms", "kilogramme", "kilogrammes", "kilo", "kilos")
	add(unitDef{"g", kWt, 0}, "gram", "grams", "gramme", "grammes", "g")
	add(unitDef{"mg", kWt, 0}, "mg", "milligram", "milligrams", "milligramme", "milligrammes")
	add(unitDef{"µg", kWt, 0}, "microgram", "micrograms", "microgramme", "microgrammes", "mcg", "μg", "µg")
	add(unitDef{"t", kWt, 0}, "tonne", "tonnes", "metric ton", "metric tons", "metric tonne", "metric tonnes", "mt")
	add(unitDef{"ton", kWt, 0}, "ton", "tons", "short tons", "long tons")
	add(unitDef{"lb", kWt, 0}, "lb", "lbs")
	add(unitDef{"lb", kWt, fPounds}, "pound", "pounds")
	add(unitDef{"oz", kWt, 0}, "ounce", "ounces", "oz")
	add(unitDef{"ozt", kWt, 0}, "troy ounce", "troy ounces")
	add(unitDef{"ct", kWt, 0}, "carat", "carats", "karat", "karats")
	// Area.
	add(unitDef{"km2", kArea, 0}, "square kilometer", "square kilometers", "square kilometre",
		"square kilometres", "sq km", "sq. km", "km2", "km²", "sq kms", "square-kilometre", "square-kilometer")
	add(unitDef{"m2", kArea, 0}, "square meter", "square meters", "square metre", "square metres",
		"sq m", "m2", "m²", "sq metres", "sq meters", "square-metre", "square-meter", "sqm", "sq. m")
	add(unitDef{"mi2", kArea, 0}, "square mile", "square miles", "sq mi", "sq miles", "square-mile")
	add(unitDef{"ft2", kArea, 0}, "square foot", "square feet", "sq ft", "sq feet", "square-foot", "square-feet", "sq-ft")
	add(unitDef{"ha", kArea, 0}, "hectare", "hectares", "ha")
	add(unitDef{"acre", kArea, 0}, "acre", "acres")
	// Volume.
	add(unitDef{"l", kVol, 0}, "liter", "liters", "litre", "litres")
	add(unitDef{"ml", kVol, 0}, "ml", "milliliter", "milliliters", "millilitre", "millilitres")
	add(unitDef{"gal", kVol, 0}, "gallon", "gallons", "gal")
	add(unitDef{"barrel", kVol, 0}, "barrel", "barrels", "bbl", "bbls")
	add(unitDef{"barrel/day", kVol, 0}, "bpd", "b/d", "bopd", "barrels per day", "barrel per day",
		"barrels a day", "barrel a day", "barrels of oil per day", "barrels of oil a day",
		"barrels of crude per day", "barrels of crude a day", "barrels of crude oil per day",
		"barrels of crude oil a day", "barrels daily", "barrels of oil daily")
	add(unitDef{"m3", kVol, 0}, "cubic meter", "cubic meters", "cubic metre", "cubic metres", "m3", "m³")
	add(unitDef{"therm", kOther, 0}, "therm", "therms")
	add(unitDef{"ms", kDur, 0}, "millisecond", "milliseconds")
	add(unitDef{"mK", kTemp, 0}, "millikelvin", "millikelvins")
	add(unitDef{"nm", kDist, 0}, "nanometre", "nanometres", "nanometer", "nanometers")
	add(unitDef{"µm", kDist, 0}, "µm", "μm", "micrometre", "micrometres", "micrometer", "micrometers", "micron", "microns")
	add(unitDef{"kDa", kWt, 0}, "kda", "kilodalton", "kilodaltons")
	add(unitDef{"W", kOther, 0}, "watt", "watts")
	add(unitDef{"W/kg", kOther, 0}, "watts per kilogram", "watts per kilo", "watts a kilogram", "w/kg", "watts/kg")
	add(unitDef{"EH/s", kOther, 0}, "exahashes per second", "exahash per second", "eh/s")
	add(unitDef{"TH/s", kOther, 0}, "terahashes per second", "terahash per second", "th/s")
	add(unitDef{"furlong", kDist, 0}, "furlong", "furlongs")
	add(unitDef{"hp", kOther, 0}, "horsepower", "hp")
	add(unitDef{"bhp", kOther, 0}, "bhp", "brake horsepower")
	add(unitDef{"kcal", kOther, 0}, "calories", "calorie", "kcal", "kilocalories", "kilocalorie")
	add(unitDef{"lb-ft", kOther, 0}, "lb-ft", "pound-feet", "lb ft")
	add(unitDef{"Nm", kOther, 0}, "newton metres", "newton meters", "newton-metres")
	add(unitDef{"mpg", kOther, 0}, "mpg", "miles per gallon")
	add(unitDef{"g/km", kOther, 0}, "g/km", "grams per kilometre", "grams per kilometer")
	add(unitDef{"l/100km", kOther, 0}, "litres per 100km", "liters per 100km", "litres per 100 km", "liters per 100 km", "l/100km")
	add(unitDef{"night", kDur, 0}, "night", "nights")
	add(unitDef{"g/t", kOther, 0}, "g/t", "grams per tonne", "gram per tonne", "grams a tonne", "gpt")
	add(unitDef{"mg/l", kOther, 0}, "mg/l", "milligrams per litre", "milligrams per liter", "milligram per litre", "mg/litre")
	add(unitDef{"oz", kWt, fKilo}, "koz")
	add(unitDef{"ft3", kVol, 0}, "cubic foot", "cubic feet", "cu ft")
	add(unitDef{"bcm", kVol, 0}, "bcm")
	// Temperature.
	add(unitDef{"C", kTemp, 0}, "degrees celsius", "degree celsius", "deg celsius", "celsius",
		"degrees c", "degree c", "deg c", "degrees centigrade", "centigrade", "celcius",
		"degrees celcius", "centigrate", "°c", "° c", "ºc", "℃")
	add(unitDef{"F", kTemp, 0}, "degrees fahrenheit", "degree fahrenheit", "deg fahrenheit", "fahrenheit",
		"degrees f", "degree f", "deg f", "farenheit", "degrees farenheit", "°f", "° f", "ºf", "℉")
	add(unitDef{"K", kTemp, 0}, "degrees kelvin", "degree kelvin", "kelvin", "kelvins")
	add(unitDef{"deg", kTemp, fDegrees}, "degrees", "degree", "°")
	add(unitDef{"deg", kTemp, fDegrees}, "deg")
	// Duration.
	add(unitDef{"s", kDur, 0}, "second", "seconds", "secs")
	add(unitDef{"min", kDur, 0}, "minute", "minutes", "mins", "min")
	add(unitDef{"h", kDur, 0}, "hour", "hours", "hrs", "hr")
	add(unitDef{"day", kDur, 0}, "day", "days")
	add(unitDef{"week", kDur, 0}, "week", "weeks", "wks")
	add(unitDef{"month", kDur, 0}, "month", "months", "mths", "mth")
	add(unitDef{"year", kDur, 0}, "year", "years", "yrs", "yr")
	add(unitDef{"decade", kDur, 0}, "decade", "decades")
	add(unitDef{"century", kDur, 0}, "century", "centuries")
	// Age.
	add(unitDef{"year", kAge, fAge}, "years old", "year old", "year-old", "years-old", "yrs old",
		"years of age", "year of age", "-year-old", "year-olds", "years-olds")
	add(unitDef{"month", kAge, fAge}, "months old", "month old", "month-old", "months of age", "month-olds")
	add(unitDef{"week", kAge, fAge}, "weeks old", "week old", "week-old", "weeks of age")
	add(unitDef{"day", kAge, fAge}, "days old", "day old", "day-old", "days of age")
	// Speed.
	add(unitDef{"km/h", kSpeed, 0}, "km/h", "kph", "kmph", "km/hr", "kmh", "km per hour", "km an hour",
		"kilometre per hour", "kilometer per hour", "kilometre an hour", "kilometer an hour",
		"kilometers per hour", "kilometres per hour", "kilometers an hour", "kilometres an hour")
	add(unitDef{"mph", kSpeed, 0}, "mph", "miles per hour", "miles an hour", "mile per hour", "mi/h", "mile an hour")
	// Points of an index, a poll lead, a game: "fell 2.1 points", "a 10-point lead".
	add(unitDef{"points", kOther, fPoint}, "points", "point", "pts")
	add(unitDef{"pp", kPct, 0}, "percentage-point", "percentage-points", "percent-point")
	add(unitDef{"bp", kPct, 0}, "basis-point", "basis-points")
	// Power and energy: kind other, the unit as the industry writes it.
	add(unitDef{"kW", kOther, 0}, "kw", "kilowatt", "kilowatts")
	add(unitDef{"MW", kOther, 0}, "mw", "megawatt", "megawatts", "mwe")
	add(unitDef{"GW", kOther, 0}, "gw", "gigawatt", "gigawatts")
	add(unitDef{"kWh", kOther, 0}, "kwh", "kilowatt hour", "kilowatt hours", "kilowatt-hour", "kilowatt-hours")
	add(unitDef{"MWh", kOther, 0}, "mwh", "megawatt hour", "megawatt hours", "megawatt-hour", "megawatt-hours")
	add(unitDef{"GWh", kOther, 0}, "gwh", "gigawatt hour", "gigawatt hours", "gigawatt-hour", "gigawatt-hours")
	add(unitDef{"TWh", kOther, 0}, "twh", "terawatt hour", "terawatt hours", "terawatt-hour", "terawatt-hours")
	// Bandwidth and air quality: kind other.
	add(unitDef{"kbps", kOther, 0}, "kbps", "kbit/s", "kilobits per second", "kilobit per second")
	add(unitDef{"Mbps", kOther, 0}, "mbps", "mbit/s", "megabits per second", "megabit per second")
	add(unitDef{"Gbps", kOther, 0}, "gbps", "gbit/s", "gigabits per second", "gigabit per second")
	add(unitDef{"µg/m3", kOther, 0}, "µg/m3", "µg/m³", "μg/m3", "μg/m³", "ug/m3", "mcg/m3",
		"micrograms per cubic metre", "micrograms per cubic meter", "microgram per cubic metre",
		"microgram per cubic meter", "micrograms per cubic metre of air", "micrograms per cubic meter of air")
	add(unitDef{"kn", kSpeed, 0}, "knots", "knot", "kts")
	add(unitDef{"mm/h", kSpeed, 0}, "mm/h", "mm/hr", "mm an hour", "mm per hour", "millimetres an hour", "millimetres per hour",
		"millimeters an hour", "millimeters per hour")
	add(unitDef{"m/s", kSpeed, 0}, "m/s", "meters per second", "metres per second")
	add(unitDef{"km/s", kSpeed, 0}, "km/s", "kilometers per second", "kilometres per second", "km per second")
	add(unitDef{"ft/min", kSpeed, 0}, "feet per minute", "foot per minute", "ft per minute", "fpm")
	for _, u := range techUnits {
		add(unitDef{u.code, kOther, 0}, u.words...)
	}
	// Farm and shipping measures.
	add(unitDef{"bushel", kVol, 0}, "bushel", "bushels", "bu")
	add(unitDef{"dwt", kWt, 0}, "dwt", "deadweight tonnes", "deadweight tons")
	add(unitDef{"st", kWt, 0}, "stone", "stones")
	add(unitDef{"TEU", kOther, 0}, "teu", "teus", "twenty-foot equivalent units")
	add(unitDef{"ppm", kOther, 0}, "ppm", "parts per million")
	add(unitDef{"ppb", kOther, 0}, "ppb", "parts per billion")
	add(unitDef{"Gt", kWt, 0}, "gigatonne", "gigatonnes", "gigaton", "gigatons")
	add(unitDef{"t/ha", kOther, 0}, "tonnes per hectare", "tonnes a hectare", "tons per hectare", "t/ha")
	add(unitDef{"bushel/acre", kOther, 0}, "bushels per acre", "bushels an acre", "bushel per acre", "bushels to the acre")

	// Money by name. ISO 4217 codes; "cent" and "pence" are sub-units whose
	// currency the text does not state (cent) or that is sterling (pence).
	usd := unitDef{"USD", article.KindMoney, fDollars}
	add(usd, "dollar", "dollars", "dlr", "dlrs", "us dollar", "us dollars", "u.s dollar",
		"u.s dollars", "us dlrs", "u.s dlrs", "american dollars", "usd", "greenbacks")
	add(unitDef{"cent", article.KindMoney, fCents}, "cent", "cents", "cts", "ct", "euro cents", "euro cent", "eurocents")
	add(unitDef{"pence", article.KindMoney, 0}, "pence", "penny")
	for _, c := range []struct{ code, names string }{
		{"CAD", "canadian dollar,canadian dollars,canadian dlrs,canadian dlr,c$"},
		{"AUD", "australian dollar,australian dollars,australian dlrs,australian dlr,a$"},
		{"NZD", "new zealand dollar,new zealand dollars,new zealand dlrs,nz dollars,nz dlrs"},
		{"HKD", "hong kong dollar,hong kong dollars,hong kong dlrs,hk dollars,hk dlrs"},
		{"SGD", "singapore dollar,singapore dollars,singapore dlrs"},
		{"TWD", "taiwan dollar,taiwan dollars,taiwan dlrs,new taiwan dollars"},
		{"JMD", "jamaican dollars"}, {"ZWD", "zimbabwe dollars,zimbabwean dollars"},
		{"EUR", "euro,euros,eur"},
		{"GBP", "pounds sterling,pound sterling,sterling,stg,stg pounds,gbp,british pounds,uk pounds,quid"},
		{"EGP", "egyptian pounds,egyptian pound"}, {"LBP", "lebanese pounds"},
		{"IEP", "irish pounds,irish punts,punts"}, {"CYP", "cypriot pounds,cyprus pounds"},
		{"JPY", "yen,japanese yen,jpy"},
		{"CNY", "yuan,renminbi,rmb,chinese yuan,cny,元"},
		{"FRF", "franc,francs,french francs,french franc,ffr"},
		{"CHF", "swiss francs,swiss franc,chf,sfr"},
		{"BEF", "belgian francs,belgian franc,bfr"}, {"LUF", "luxembourg francs"},
		{"XOF", "cfa francs,cfa franc,fcfa"},
		{"DEM", "mark,marks,german marks,deutsche marks,deutschemarks,d-marks,dmarks,german mark,deutsche mark"},
		{"UZS", "soums,soum,uzbek soums"},
		{"FIM", "finnish marks,finnish markka,markka,markkaa"},
		{"ITL", "lire,lira,italian lire"}, {"TRY", "turkish lira,turkish liras,new turkish lira"},
		{"ESP", "peseta,pesetas,spanish pesetas"},
		{"NLG", "guilder,guilders,dutch guilders,dutch guilder"},
		{"DKK", "danish crowns,danish kroner,danish crown,dkk"},
		{"SEK", "swedish crowns,swedish kronor,swedish crown,sek,kronor"},
		{"NOK", "norwegian crowns,norwegian kroner,norwegian crown,nok,kroner"},
		{"CZK", "czech crowns,czech korunas,koruna,korun,kč"},
		{"SEK", "crowns,kr,kr."},
		{"ISK", "icelandic kronur,icelandic crowns"},
		{"ATS", "schilling,schillings,austrian schillings"},
		{"PTE", "escudo,escudos,portuguese escudos"},
		{"GRD", "drachma,drachmas,drachmae"},
		{"ZAR", "rand,south african rand"},
		{"INR", "rupee,rupees,indian rupees,inr"},
		{"PKR", "pakistani rupees,pakistan rupees"}, {"LKR", "sri lankan rupees,ரூ"},
		{"MXN", "mexican pesos,mexican peso,peso,pesos"},
		{"PHP", "philippine pesos,philippine peso"}, {"ARS", "argentine pesos,argentinian pesos"},
		{"CLP", "chilean pesos"}, {"COP", "colombian pesos"},
		{"BRC", "cruzado,cruzados"}, {"BRB", "cruzeiro,cruzeiros"}, {"BRL", "reais,brazilian reais,brazilian real,brazilian reals"},
		{"ARA", "australes,austral"},
		{"SAR", "riyal,riyals,saudi riyals"}, {"QAR", "qatari riyals"},
		{"KWD", "kuwaiti dinars,kuwaiti dinar,dinar,dinars"}, {"IQD", "iraqi dinars"},
		{"AED", "dirham,dirhams,uae dirhams"},
		{"THB", "baht"}, {"MYR", "ringgit"}, {"IDR", "rupiah"},
		{"KRW", "south korean won,korean won"},
		{"PLN", "zloty,zlotys,zlotych,zł"}, {"HUF", "forint,forints"},
		{"RUB", "rouble,roubles,ruble,rubles"}, {"UAH", "hryvnia,hryvnias,hryvnias,hryvnyas"},
		{"ILS", "shekel,shekels,new shekels"}, {"NGN", "naira"}, {"MOP", "patacas,pataca"}, {"KES", "kenyan shillings,kenyan shilling,shillings,shilling,kenya shillings"},
		{"UGX", "ugandan shillings,uganda shillings"}, {"TZS", "tanzanian shillings,tanzania shillings"},
		{"SOS", "somali shillings"}, {"GHS", "cedi,cedis,ghana cedis,ghanaian cedis"},
		{"ETB", "birr,ethiopian birr"}, {"ZMW", "kwacha,zambian kwacha"}, {"MWK", "malawian kwacha"},
		{"BDT", "taka,bangladeshi taka"}, {"VND", "dong,vietnamese dong"}, {"PEN", "soles,peruvian soles"},
		{"KZT", "tenge"}, {"RON", "lei,romanian lei,leu"}, {"BGN", "leva,bulgarian leva"}, {"HRK", "kuna"},
		{"MAD", "moroccan dirhams,moroccan dirham"}, {"OMR", "omani rials,omani rial"},
		{"IRR", "rials,iranian rials,rial"}, {"JOD", "jordanian dinars"}, {"BHD", "bahraini dinars"},
		{"TND", "tunisian dinars"}, {"DZD", "algerian dinars"}, {"RSD", "serbian dinars"},
		{"LYD", "libyan dinars"}, {"NPR", "nepalese rupees,nepali rupees"}, {"MUR", "mauritian rupees"},
		{"AFN", "afghanis"}, {"MMK", "kyat,kyats"}, {"KHR", "riel,riels"}, {"AZN", "manat,manats"},
		{"GTQ", "quetzales,quetzals"}, {"BOB", "bolivianos"}, {"NAD", "namibian dollars"},
		{"XCD", "east caribbean dollars"}, {"FJD", "fijian dollars,fiji dollars"}, {"LRD", "liberian dollars"},
		{"BND", "brunei dollars"}, {"CDF", "congolese francs"}, {"RWF", "rwandan francs"},
		{"GNF", "guinean francs"}, {"XAF", "central african cfa francs"}, {"BWP", "pula"},
		{"BYN", "belarusian roubles,belarusian rubles"}, {"UZS", "uzbek som"},
		{"VEB", "bolivar,bolivars"}, {"CRC", "colón,colones,₡"}, {"GEL", "lari,₾"}, {"LAK", "kip,₭"},
		{"BTC", "bitcoin,bitcoins"},
	} {
		for _, name := range splitComma(c.names) {
			m[name] = money(c.code)
		}
	}
	// "won" is also a verb: money only after a scale or a number ≥ 100.
	m["won"] = unitDef{"KRW", article.KindMoney, fNeedScale}
	return m
}

func buildAttachedUnits() map[string]unitDef {
	m := map[string]unitDef{}
	add := func(d unitDef, keys ...string) {
		for _, k := range keys {
			m[k] = d
		}
	}
	// Exact-case keys. Lower-case "m" is metres; "M" is a scale.
	add(unitDef{"%", kPct, 0}, "%", "pct", "pc")
	add(unitDef{"pp", kPct, 0}, "pp", "ppt", "ppts")
	add(unitDef{"bp", kPct, 0}, "bp", "bps")
	add(unitDef{"km", kDist, 0}, "km", "kms", "Km", "KM")
	add(unitDef{"m", kDist, 0}, "m")
	add(unitDef{"s", kDur, 0}, "sec", "secs")
	add(unitDef{"ms", kDur, 0}, "ms")
	add(unitDef{"W", kOther, 0}, "W")
	add(unitDef{"W/kg", kOther, 0}, "W/kg")
	add(unitDef{"EH/s", kOther, 0}, "EH/s")
	add(unitDef{"TH/s", kOther, 0}, "TH/s")
	add(unitDef{"furlong", kDist, 0}, "f")
	add(unitDef{"bhp", kOther, 0}, "bhp")
	add(unitDef{"hp", kOther, 0}, "hp")
	add(unitDef{"Nm", kOther, 0}, "Nm")
	add(unitDef{"mpg", kOther, 0}, "mpg")
	add(unitDef{"g/km", kOther, 0}, "g/km")
	add(unitDef{"kcal", kOther, 0}, "kcal")
	add(unitDef{"cm", kDist, 0}, "cm")
	add(unitDef{"mm", kDist, 0}, "mm")
	add(unitDef{"dm", kDist, 0}, "dm")
	add(unitDef{"mi", kDist, 0}, "mi")
	add(unitDef{"nmi", kDist, 0}, "nmi")
	add(unitDef{"nm", kDist, 0}, "nm")
	add(unitDef{"µm", kDist, 0}, "µm", "μm")
	add(unitDef{"kDa", kWt, 0}, "kDa")
	add(unitDef{"ft", kDist, 0}, "ft", "′")
	add(unitDef{"in", kDist, 0}, "in", "″")
	add(unitDef{"‰", kOther, 0}, "‰")
	add(unitDef{"cent", article.KindMoney, fCents}, "¢")
	add(unitDef{"kg", kWt, 0}, "kg", "kgs", "Kg", "KG", "kilo", "kilos")
	add(unitDef{"g", kWt, 0}, "g", "gr")
	add(unitDef{"mg", kWt, 0}, "mg")
	add(unitDef{"µg", kWt, 0}, "mcg", "μg", "µg")
	add(unitDef{"t", kWt, 0}, "t", "mt")
	add(unitDef{"lb", kWt, 0}, "lb", "lbs")
	add(unitDef{"oz", kWt, 0}, "oz")
	add(unitDef{"km2", kArea, 0}, "km2", "km²", "sqkm")
	add(unitDef{"m2", kArea, 0}, "m2", "m²", "sqm")
	add(unitDef{"ha", kArea, 0}, "ha")
	add(unitDef{"l", kVol, 0}, "l", "L", "ltr")
	add(unitDef{"ml", kVol, 0}, "ml", "mL")
	add(unitDef{"m3", kVol, 0}, "m3", "m³")
	add(unitDef{"barrel/day", kVol, 0}, "bpd", "bopd")
	add(unitDef{"points", kOther, 0}, "pts")
	add(unitDef{"kW", kOther, 0}, "kW", "KW")
	add(unitDef{"MW", kOther, 0}, "MW")
	add(unitDef{"GW", kOther, 0}, "GW")
	add(unitDef{"kWh", kOther, 0}, "kWh", "KWh", "kwh")
	add(unitDef{"MWh", kOther, 0}, "MWh")
	add(unitDef{"GWh", kOther, 0}, "GWh")
	add(unitDef{"TWh", kOther, 0}, "TWh")
	for _, u := range techUnits {
		add(unitDef{u.code, kOther, 0}, u.glued...)
	}
	add(unitDef{"st", kWt, 0}, "st")
	add(unitDef{"TEU", kOther, 0}, "TEU", "TEUs")
	add(unitDef{"kbps", kOther, 0}, "kbps", "Kbps")
	add(unitDef{"Mbps", kOther, 0}, "Mbps", "mbps", "Mbit/s")
	add(unitDef{"Gbps", kOther, 0}, "Gbps", "gbps", "Gbit/s")
	add(unitDef{"µg/m3", kOther, 0}, "µg/m3", "µg/m³", "μg/m3", "μg/m³", "ug/m3", "mcg/m3")
	add(unitDef{"C", kTemp, 0}, "C", "°C", "ºC", "℃", "°c")
	add(unitDef{"F", kTemp, 0}, "F", "°F", "ºF", "℉", "°f")
	add(unitDef{"deg", kTemp, fDegrees}, "°", "º")
	add(unitDef{"h", kDur, 0}, "h", "hr", "hrs")
	add(unitDef{"min", kDur, 0}, "min", "mins")
	add(unitDef{"km/h", kSpeed, 0}, "km/h", "kph", "kmph", "km/hr", "kmh")
	add(unitDef{"mph", kSpeed, 0}, "mph")
	add(unitDef{"m/s", kSpeed, 0}, "m/s")
	add(unitDef{"kn", kSpeed, 0}, "kts")
	add(unitDef{"pence", article.KindMoney, 0}, "p")
	add(unitDef{"cent", article.KindMoney, 0}, "c")
	add(unitDef{"CNY", article.KindMoney, 0}, "元")
	add(unitDef{"CRC", article.KindMoney, 0}, "₡")
	add(unitDef{"GEL", article.KindMoney, 0}, "₾")
	add(unitDef{"LAK", article.KindMoney, 0}, "₭")
	add(unitDef{"LKR", article.KindMoney, 0}, "ரூ")
	add(unitDef{"EUR", article.KindMoney, 0}, "€")
	return m
}

// pluralNouns are plural or collective nouns without a final "s".
var pluralNouns = setOf("people", "persons", "men", "women", "children", "police", "staff",
	"personnel", "cattle", "sheep", "fish", "livestock", "aircraft", "crew", "infantry", "militia",
	"offspring", "species", "headquarters", "data", "media", "criteria", "youth", "deer", "swine",
	"poultry", "geese", "mice", "teeth", "feet", "folk", "clergy", "faithful", "refugees",
	"spacecraft", "watercraft", "hovercraft", "salmon", "trout", "bison", "moose", "elk", "troops")

// partitives take "of …" into the subject ("121 pieces of field artillery").
var partitives = setOf("pieces", "units", "bags", "cases", "kinds", "types", "pairs", "sets",
	"lots", "groups", "bottles", "boxes", "cans", "head", "items", "rounds", "sacks", "bales",
	"crates", "packets", "packs", "cartons", "loads", "truckloads", "shipments", "cargoes",
	"containers", "batches", "members", "tranches", "blocks", "parcels", "bundles", "sorts",
	"series", "shares", "acres", "hectares", "square", "liters", "litres", "copies", "doses",
	"vials", "bushels", "bars", "ounces", "gallons", "cubic", "cartloads", "portions", "slices")

// notPlural are words ending in "s" that are not plural nouns.
var notPlural = setOf("is", "was", "has", "does", "this", "its", "his", "hers", "yes", "thus",
	"plus", "minus", "us", "less", "across", "always", "perhaps", "whereas", "as", "goes",
	"says", "gets", "makes", "comes", "takes", "means", "news", "analysis", "basis", "crisis",
	"status", "bonus", "census", "virus", "campus", "consensus", "focus", "bus", "gas", "chaos",
	"series", "species", "whereabouts", "overseas", "besides", "sometimes", "nevertheless",
	"unless", "afterwards", "towards", "upwards", "downwards", "thereabouts", "its", "ours",
	"yours", "theirs", "previous", "various", "serious", "famous", "numerous", "obvious",
	"anxious", "enormous", "dangerous", "nervous", "vs", "versus", "alias", "atlas", "canvas",
	"lens", "jeans", "pants", "thanks", "tennis", "physics", "economics", "politics", "mathematics",
	"stress", "business", "process", "access", "address", "success", "progress", "congress",
	"express", "press", "loss", "boss", "cross", "gross", "class", "glass", "grass", "mass",
	"pass", "miss", "kiss", "dismiss", "discuss", "assess", "possess", "tells", "sells", "falls",
	"rises", "gains", "loses", "remains", "seems", "looks", "includes", "continues", "reports",
	"shows", "needs", "holds", "stands", "expects", "plans", "wants", "owns", "runs", "puts",
	"adds", "costs", "pays", "leads", "lets")

// subjectStops end the subject phrase.
var subjectStops = setOf("a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with",
	"without", "into", "onto", "over", "under", "between", "per", "than", "as", "about", "around",
	"since", "until", "till", "during", "after", "before", "against", "via", "across", "near",
	"off", "up", "down", "out", "and", "or", "but", "nor", "so", "yet", "while", "whereas",
	"because", "if", "that", "which", "who", "whom", "whose", "when", "where", "it", "its", "they",
	"them", "their", "he", "she", "his", "her", "we", "our", "you", "your", "this", "these",
	"those", "there", "here", "is", "are", "was", "were", "be", "been", "being", "has", "have",
	"had", "do", "does", "did", "will", "would", "shall", "should", "can", "could", "may", "might",
	"must", "said", "says", "say", "told", "reported", "according", "not", "also", "only",
	"just", "still", "already", "now", "then", "ago", "earlier", "later", "each", "apiece",
	"more", "less", "most", "least", "very", "too", "long", "wide", "tall", "high", "deep", "old",
	"away", "back", "last", "next", "respectively", "vs", "versus", "a-year", "year-on-year",
	"reuter", "reuters", "against", "compared", "previously", "including", "included", "such",
	"other", "another", "all", "both", "either", "neither", "any", "some", "many", "much", "few",
	"several", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"hundred", "thousand", "million", "billion", "mln", "bln", "pct", "percent", "dlrs", "cts",
	"times", "i", "me", "my", "him", "us", "what", "how", "why", "then", "than", "like", "unlike",
	"plus", "minus", "times", "making", "made", "make", "bringing", "taking", "worth", "each",
	"every", "shr", "net", "revs", "avg", "shrs", "qtr", "mths", "nil", "loss", "profit", "vs.",
	"ended", "ending", "year", "years", "month", "months", "week", "weeks", "day", "days",
	"today", "yesterday", "tomorrow", "tonight", "monday", "tuesday", "wednesday", "thursday",
	"friday", "saturday", "sunday", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
	"sept", "oct", "nov", "dec", "january", "february", "march", "april", "june", "july",
	"august", "september", "october", "november", "december", "inc", "corp", "co", "ltd",
	"plc", "percentage", "cent", "cents", "per", "apart")

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// vocab maps every lower-case word of the tables to itself, so that a
// capitalised word can be looked up without allocating (see scanner.key).
var vocab = buildVocab()

func buildVocab() map[string]string {
	m := map[string]string{}
	addWords := func(k string) {
		start := 0
		for i := 0; i <= len(k); i++ {
			if i == len(k) || k[i] == ' ' {
				if i > start {
					w := k[start:i]
					m[w] = w
				}
				start = i + 1
			}
		}
		m[k] = k
	}
	for k := range numWords {
		addWords(k)
	}
	for k := range scaleWords {
		addWords(k)
	}
	for k := range fractionWords {
		addWords(k)
	}
	for k := range unitPhrases {
		addWords(k)
		if a, _, ok := strings.Cut(k, "/"); ok && !strings.Contains(a, " ") {
			addWords(a) // "EH/s": the unit's first word is read up to the slash
		}
	}
	for k := range qualifiers {
		addWords(k)
	}
	for k := range postQualifiers {
		addWords(k)
	}
	for k := range dollarPrefixes {
		addWords(k)
	}
	for k := range perTimeUnits {
		addWords(k)
	}
	for k := range indexMembers {
		addWords(k)
	}
	for _, set := range []map[string]bool{oneDayFormats, paceUnits, finishNouns, audienceNouns, audienceSubjects, raceMargins, goalVerbs, couponDeterminers, pointMargins,
		changeWords, designators, dotDesignators, idPrefixOK,
		months, timeWords, tempCues, moneyCues, weightCues, pluralNouns, partitives, notPlural,
		subjectStops, streetWords, phoneCues, phoneOnCues, ageNouns, appositiveNouns, voteVerbs, voteBodies,
		voteOutcomes, voteAfter, sportVerbs, scoreWords, matchCues, ratioCues, objectVerbs, weekdays, metreEvents, priceCues, perNouns, phoneIsCues, overBounds, underVerbs, screenWords, extentVerbs, countVerbs, ageFollowers, cricketCues, golfVerbs, golfCues, lifeEvents,
		raceCues, streetPrefixWords, nameParticles, notPerTime, oneCompoundNouns, halfPeriods, halfQualifiers, motionVerbs, routeNouns, ageCues, oddsNouns, oddsVerbs, scorecardVerbs, risingVerbs, kinNouns, millionOfNouns, sentenceOpeners, nameVerbs, markFollowers,
		kelvinCues, measuredExtremes, pastDeterminers, timeUnits, priceFromWords, particleVerbs, betCues, makerDesignators,
		raceEventCues, legalModals, lifeFollowers, pronounSubjects, marginNouns, marginWords, roundAdjectives, golfClubs, spreadParts, marginVerbs, foreignMonths, bowlingCues, yearNouns, racingCues, preciousMetals, priceNouns, halfVerbs,
		lengthLabels, countParticiples, reachVerbs, risingToVerbs, markVerbs, markNouns, seismicCues, countSubjects, measuredObjects, fromClauseEnds, phoneLineKinds, raceKNouns, raceKCues, subunitFollowers, perTimeWords, designatorVerbs, verbModals, progressiveAux, amountObjectVerbs, clauseOpeners, calibreWords, gunWords, codeKinds, callVerbs, estimateWords} {
		for k := range set {
			addWords(k)
		}
	}
	for _, w := range []string{"a", "an", "and", "point", "of", "minus", "negative", "aged", "age",
		"to", "or", "half", "in", "cents", "cent", "out", "every", "on", "at", "now", "then", "for",
		"per", "plus", "odd", "by", "who", "is", "was", "turns", "turned", "each", "apiece", "press", "pressing", "pointer", "pointers", "he", "she",
		"pc", "dc", "week", "powerball", "thunderball", "megaball", "stars", "star", "ball", "lucky", "bonus", "mega",
		"numbers", "balls", "were", "are", "absolute", "be", "must", "should", "will", "would",
		"callers", "directory", "helpline", "hotline", "share", "drawn", "picked", "chosen",
		"switch", "text", "texting", "sms", "served", "serve", "serving", "worked", "working", "patch", "firmware", "ran", "clocked",
		"oh", "nil", "what"} {
		m[w] = w
	}
	return m
}
