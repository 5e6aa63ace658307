package normalize

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/pkg/article"
)

func TestSplitParagraphs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"blank lines separate paragraphs", "One.\n\nTwo.\n \n\nThree.", []string{"One.", "Two.", "Three."}},
		{"a single break between complete sentences separates", "He left.\nShe stayed.", []string{"He left.", "She stayed."}},
		{"a break after a closing quote ending a sentence separates", "He said “no.”\n“Yes,” she said.", []string{"He said “no.”", "“Yes,” she said."}},
		{"a break before a lower-case word joins", "The talks will\ncontinue on Monday.", []string{"The talks will continue on Monday."}},
		{"a break after a comma joins", "In Paris,\nParliament voted.", []string{"In Paris, Parliament voted."}},
		{"a heading line stays apart", "Troops advance\nThe army moved on Sunday.", []string{"Troops advance", "The army moved on Sunday."}},
		{"list items stay apart", "Highlights:\n* Gold up 1 pct\n* Dollar down", []string{"Highlights:", "* Gold up 1 pct", "* Dollar down"}},
		{
			"hard-wrapped text with indented paragraph starts is rejoined",
			"LONDON, May 4 - Shares in the company rose sharply on Monday\nafter it said profits would beat forecasts for the third\nyear in a row.\n   Analysts said the rise was expected after a strong first\nquarter in Europe and Asia.",
			[]string{
				"LONDON, May 4 - Shares in the company rose sharply on Monday after it said profits would beat forecasts for the third year in a row.",
				"Analysts said the rise was expected after a strong first quarter in Europe and Asia.",
			},
		},
		{
			"a wrapped sentence end that fills the line does not split the paragraph",
			"The committee met on Tuesday and agreed the new budget.\nMembers said the plan would be reviewed again in spring\nnext year.\nA vote is due in May.",
			[]string{"The committee met on Tuesday and agreed the new budget. Members said the plan would be reviewed again in spring next year.", "A vote is due in May."},
		},
		{"a word split by a hyphen at a wrap is joined without a space", "The inter-\nnational team", []string{"The inter-national team"}},
		{"separator lines are not paragraphs", "One.\n\n* * *\n\nTwo.", []string{"One.", "Two."}},
		{"table rows of similar length stay apart", "Shr 45 cts vs 58 cts\nNet 1.1 mln vs 829,000\nRevs 12.4 mln vs 10.1 mln", []string{"Shr 45 cts vs 58 cts", "Net 1.1 mln vs 829,000", "Revs 12.4 mln vs 10.1 mln"}},
		{"runs of spaces fold", "  a   b  ", []string{"a b"}},
		{"empty text has no paragraphs", "\n \n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, splitParagraphs(tc.in))
		})
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"paragraph elements", "<p>One.</p><p>Two &amp; three.</p>", []string{"One.", "Two & three."}},
		{"br br separates, single br between sentences too", "<p>A b.<br>C d.<br><br>E f<br>g h.</p>", []string{"A b.", "C d.", "E f g h."}},
		{"source line breaks are spaces", "<p>one\ntwo\n\nthree</p>", []string{"one two three"}},
		{"scripts, styles and chrome are dropped", "<nav>Menu</nav><script>x<y</script><style>p{}</style><p>Text.</p><footer>(c)</footer>", []string{"Text."}},
		{"an unclosed nav does not swallow the story", "<nav><p>Story text here.</p>", []string{"Story text here."}},
		{"pre keeps its lines", "<pre>Gold 1,205\nSilver 17</pre>", []string{"Gold 1,205", "Silver 17"}},
		{"table rows are paragraphs, cells spaced", "<table><tr><td>Gold</td><td>1,205</td></tr><tr><td>Silver</td><td>17</td></tr></table>", []string{"Gold 1,205", "Silver 17"}},
		{"a self-closed iframe reads as raw text to its end, as in browsers", "<p>A.</p><p><iframe src='v' /></p>", []string{"A."}},
		{"nested inline markup", "<p>A <b>bold <i>claim</i></b>.</p>", []string{"A bold claim."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, splitParagraphs(cleanText(htmlToText(tc.in, false))))
		})
	}
}

func TestLooksLikeHTML(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"<p>text</p>", true},
		{"line<br>line", true},
		{"line<BR/>line", true},
		{"<div class=x>a</div>", true},
		{"<Sale Tilney Plc> said", false},
		{"Phillips <P> and USX <X>", false},
		{"<I> and <B and R Inc>", false},
		{"a < b and c > d", false},
		{"no markup", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			require.Equal(t, tc.want, looksLikeHTML(tc.in))
		})
	}
}

func TestSplitDateline(t *testing.T) {
	tests := []struct {
		in, dateline, rest string
	}{
		{"SALVADOR, Feb 26 - Brazil said.", "SALVADOR, Feb 26", "Brazil said."},
		{"KYIV, March 1 (Reuters) - Talks began.", "KYIV, March 1 (Reuters)", "Talks began."},
		{"WASHINGTON (AP) — The Senate voted.", "WASHINGTON (AP)", "The Senate voted."},
		{"NEW YORK, March 2 -- Stocks fell.", "NEW YORK, March 2", "Stocks fell."},
		{"SAN JOSE, Calif., March 3 - Shares rose.", "SAN JOSE, Calif., March 3", "Shares rose."},
		{"FORT WASHINGTON, Pa. (AP) _ Net rose.", "FORT WASHINGTON, Pa. (AP)", "Net rose."},
		{"MOSCOW, Monday (Reuters) - A blast.", "MOSCOW, Monday (Reuters)", "A blast."},
		{"Paris (AFP) - Unions struck.", "Paris (AFP)", "Unions struck."},
		{"London (dpa) - Tränen flossen.", "London (dpa)", "Tränen flossen."},
		{"(ANSA) - Rome, October 11 - The minister spoke.", "(ANSA) - Rome, October 11", "The minister spoke."},
		{"Jan. 12 (BusinessDesk) - Receivers met.", "Jan. 12 (BusinessDesk)", "Receivers met."},
		{"ZÜRICH, 3 Mai - Text.", "", "ZÜRICH, 3 Mai - Text."},
		{"FILE - In this photo, a man walks.", "", "FILE - In this photo, a man walks."},
		{"US - China talks resumed.", "", "US - China talks resumed."},
		{"The talks - which began in May - resumed.", "", "The talks - which began in May - resumed."},
		{"Rome - a city of fountains.", "", "Rome - a city of fountains."},
		{"LONDON - ", "", "LONDON - "},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			dl, rest, ok := splitDateline(tc.in)
			require.Equal(t, tc.dateline != "", ok)
			require.Equal(t, tc.dateline, dl)
			require.Equal(t, tc.rest, rest)
		})
	}
}

func TestBylineOf(t *testing.T) {
	tests := []struct{ in, want string }{
		{"By Jane Doe", "Jane Doe"},
		{"By Jane Doe, Reuters", "Jane Doe, Reuters"},
		{"BY JOHN ROE AND ANN LEE", "JOHN ROE AND ANN LEE"},
		{"Von Christian Hollmann, dpa", "Christian Hollmann, dpa"},
		{"By Martin Luther King Jr.", "Martin Luther King Jr."},
		{"By then the army had left.", ""},
		{"by the river", ""},
		{"Byron spoke.", ""},
		{"By " + strings.Repeat("Name ", 30), ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := bylineOf(tc.in)
			require.Equal(t, tc.want != "", ok)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ a, b string }{
		{"The “Tour” — 2008.", "the tour 2008"},
		{"Minister Resigns Over ‘Leaked’ Memo", "minister resigns over 'leaked' memo"},
		{"ÉLAN  vital", "élan vital"},
		{"well-known", "well known"},
	}
	for _, tc := range tests {
		t.Run(tc.a, func(t *testing.T) {
			require.Equal(t, Fold(tc.b), Fold(tc.a))
		})
	}
	require.NotEqual(t, Fold("taken the city of Berdyansk"), Fold("taken the city of Energodar"))
	require.Equal(t, "1 114 tanks", Fold("1,114 tanks!"))
}

func TestDetectLanguage(t *testing.T) {
	tests := []struct{ want, text string }{
		{"en", "The government said on Tuesday that it would raise taxes for the first time in a decade."},
		{"de", "Die Regierung hat am Dienstag angekündigt, dass sie die Steuern zum ersten Mal seit zehn Jahren erhöhen wird."},
		{"fr", "Le gouvernement a annoncé mardi qu'il allait augmenter les impôts pour la première fois depuis dix ans."},
		{"es", "El gobierno anunció el martes que subirá los impuestos por primera vez en una década, según fuentes oficiales."},
		{"it", "Il governo ha annunciato martedì che aumenterà le tasse per la prima volta in dieci anni, secondo il ministro."},
		{"pt", "O governo anunciou na terça-feira que vai aumentar os impostos pela primeira vez em uma década, segundo o ministro."},
		{"nl", "De regering heeft dinsdag aangekondigd dat zij de belastingen voor het eerst in tien jaar zal verhogen, zo zei de minister."},
		{"sv", "Regeringen meddelade på tisdagen att den kommer att höja skatterna för första gången på tio år, och att det inte blir lätt."},
		{"da", "Regeringen meddelte tirsdag, at den vil hæve skatterne for første gang i ti år, og at det ikke bliver let efter valget."},
		{"no", "Regjeringen sa tirsdag at den vil øke skattene for første gang på ti år, og at det ikke blir lett etter valget, sa hun."},
		{"fi", "Hallitus kertoi tiistaina, että se nostaa veroja ensimmäistä kertaa kymmeneen vuoteen, mutta se ei ole helppoa, kun talous on heikko."},
		{"pl", "Rząd ogłosił we wtorek, że po raz pierwszy od dekady podniesie podatki, ale nie jest to łatwe, jak powiedział minister."},
		{"cs", "Vláda v úterý oznámila, že poprvé za deset let zvýší daně, ale podle ministra to není jednoduché a také se to nelíbí."},
		{"sk", "Vláda v utorok oznámila, že prvýkrát za desať rokov zvýši dane, ale podľa ministra to nie je jednoduché a tiež sa to nepáči."},
		{"ru", "Правительство во вторник объявило, что впервые за десять лет повысит налоги, сообщил министр."},
		{"uk", "Уряд у вівторок оголосив, що вперше за десять років підвищить податки, повідомив міністр."},
		{"zh", "政府周二宣布，十年来首次提高税收，财政部长表示这一决定是必要的。"},
		{"ja", "政府は火曜日、十年ぶりに増税すると発表した。財務大臣はこの決定が必要だと述べた。"},
		{"ko", "정부는 화요일 10년 만에 처음으로 세금을 인상한다고 발표했다."},
		{"el", "Η κυβέρνηση ανακοίνωσε την Τρίτη ότι θα αυξήσει τους φόρους για πρώτη φορά."},
		{"ar", "أعلنت الحكومة يوم الثلاثاء أنها سترفع الضرائب لأول مرة منذ عشر سنوات."},
		{"", "Shr 45 cts vs 58 cts"},
		{"", "12345 678"},
	}
	for _, tc := range tests {
		t.Run(tc.want+" "+excerpt(tc.text, 20), func(t *testing.T) {
			require.Equal(t, tc.want, detectLanguage([]string{tc.text}))
		})
	}
}

func TestLanguageTag(t *testing.T) {
	for in, want := range map[string]string{"en-GB": "en", "IT-it": "it", "en_US": "en", "nb-NO": "nb", "de": "de", "": "", "english": "", "e1": ""} {
		require.Equal(t, want, languageTag(in), in)
	}
}

func TestNormalizeInvalidUTF8(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		want        string
	}{
		{"Windows-1252 bytes without declaration", "text/plain", "\x93Caf\xe9\x94 costs \x805.", "“Café” costs €5."},
		{"declared charset", "text/plain; charset=koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4.", "Привет."},
		{"UTF-8 with a stray Latin-1 byte", "text/html; charset=utf-8", "<p>Caf\u00e9 costs \xa33.</p>", "Café costs £3."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Normalize(article.RawArticle{Source: "s", SourceID: "1", Body: tc.body, ContentType: tc.contentType})
			require.NoError(t, err)
			require.Len(t, a.Paragraphs, 1)
			require.Equal(t, tc.want, a.Paragraphs[0].Text)
		})
	}
}

func TestDecodeBytesExported(t *testing.T) {
	s, err := DecodeBytes([]byte("D\xe9c\xe8s"), "iso-8859-1")
	require.NoError(t, err)
	require.Equal(t, "Décès", s)
	s, err = DecodeBytes([]byte("Décès"), "iso-8859-1")
	require.NoError(t, err)
	require.Equal(t, "Décès", s, "UTF-8 mis-declared as Latin-1 is not garbled")
}

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  article.RawArticle
		want error
	}{
		{"empty body", article.RawArticle{Source: "s", Body: ""}, ErrEmpty},
		{"markup only", article.RawArticle{Source: "s", Body: "<script>x</script><p> </p>", ContentType: "text/html"}, ErrEmpty},
		{"unknown content type", article.RawArticle{Source: "s", Body: "x", ContentType: "image/png"}, ErrContentType},
		{"broken ninjs", article.RawArticle{Source: "s", Body: "{", ContentType: article.ContentTypeNinjs}, ErrDocument},
		{"G2 without news item", article.RawArticle{Source: "s", Body: "<conceptItem/>", ContentType: article.ContentTypeNewsMLG2}, ErrDocument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Normalize(tc.raw)
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, tc.raw.DeriveID(), a.ID, "the error names the article")
			require.Contains(t, err.Error(), a.ID)
		})
	}
}
