package format

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/wire"
	"github.com/newsflow/newsflow/producers/publish"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var now = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func parseFile(t *testing.T, rel string) Doc {
	t.Helper()
	b, err := os.ReadFile(shared.Path(t, rel))
	require.NoError(t, err)
	d, err := Parse(b, Options{Source: "wire", Origin: publish.OriginFeed, Now: now, BaseURL: "https://feeds.example.test/x"})
	require.NoError(t, err, rel)
	return d
}

// Independent item counts: the elements a reader of the file would count.
var (
	reItem     = regexp.MustCompile(`<item[\s>]`)
	reEntry    = regexp.MustCompile(`<entry[\s>]`)
	reNewsItem = regexp.MustCompile(`<(\w+:)?newsItem[\s>/]`)
)

func expectedItems(t *testing.T, dir string, b []byte) int {
	switch dir {
	case "rss":
		return len(reItem.FindAll(b, -1))
	case "atom":
		return len(reEntry.FindAll(b, -1))
	case "newsml-g2":
		return len(reNewsItem.FindAll(b, -1))
	case "ninjs":
		var v any
		require.NoError(t, json.Unmarshal(b, &v))
		if arr, ok := v.([]any); ok {
			return len(arr)
		}
		return 1
	}
	t.Fatalf("unknown dir %s", dir)
	return 0
}

// TestEverySampleGivesOneArticlePerItem parses every RSS, Atom, ninjs and
// NewsML-G2 sample and checks the articles against counts taken from the
// files with regular expressions, not with the parser.
func TestEverySampleGivesOneArticlePerItem(t *testing.T) {
	wantFormat := map[string]string{"rss": RSS, "atom": Atom, "ninjs": Ninjs, "newsml-g2": NewsMLG2}
	// Items that are not articles (no headline, text or caption): LISTING_24
	// elides its four items (<newsItem guid="N1" .../>); the video, audio and
	// picture items of the conclave package, the hop-history and AP metadata
	// examples carry metadata only.
	notArticles := map[string]int{
		"iptc-LISTING_24_News_Message_conveying_a_complete_News_Package.xml": 4,
		"reuters-conclave-video-package.xml":                                 3,
		"iptc-LISTING_29_Hop_History.xml":                                    1,
		"iptc-ap_metadata_example.xml":                                       1,
	}
	// Feeds that list an item twice (the same guid).
	repeated := map[string]int{"scripting-news.xml": 2}
	for _, dir := range []string{"rss", "atom", "ninjs", "newsml-g2"} {
		files, err := filepath.Glob(filepath.Join(shared.Path(t, "feeds/"+dir), "*"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, f := range files {
			name := filepath.Base(f)
			t.Run(dir+"/"+name, func(t *testing.T) {
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				want := expectedItems(t, dir, b) - notArticles[name]
				d, err := Parse(b, Options{Source: "wire", Now: now})
				if want == 0 {
					if notArticles[name] == 0 {
						require.ErrorIs(t, err, ErrNoItem)
					} else {
						require.NoError(t, err)
						require.Empty(t, d.Items)
						require.Len(t, d.Rejected, notArticles[name])
					}
					return
				}
				require.NoError(t, err)
				require.Equal(t, wantFormat[dir], d.Format)
				require.Len(t, d.Items, want, "rejected: %v", d.Rejected)
				require.Len(t, d.Rejected, notArticles[name])
				keys := map[string]bool{}
				for _, it := range d.Items {
					a := it.Article
					require.NoError(t, a.Validate())
					require.Equal(t, "wire", a.Source)
					require.True(t, utf8Valid(a.Body), "body is UTF-8")
					require.Equal(t, "2024-05-06T07:08:09.000Z", a.ReceivedAt)
					keys[it.SeenKey()] = true
					switch dir {
					case "ninjs":
						require.Equal(t, article.ContentTypeNinjs, a.ContentType)
						wi, err := wire.ParseNinjs([]byte(a.Body))
						require.NoError(t, err)
						require.Len(t, wi, 1, "the body is one item's own document")
						require.Equal(t, a.SourceID, wi[0].ID)
					case "newsml-g2":
						require.Equal(t, article.ContentTypeNewsMLG2, a.ContentType)
						require.True(t, strings.HasPrefix(a.Body, `<?xml version="1.0" encoding="UTF-8"?>`))
						wi, err := wire.ParseNewsMLG2([]byte(a.Body))
						require.NoError(t, err)
						require.Len(t, wi, 1, "the body is one item's own document")
						require.Equal(t, a.SourceID, wi[0].ID)
					default:
						require.Contains(t, []string{article.ContentTypeHTML, article.ContentTypePlain}, a.ContentType)
					}
				}
				require.Len(t, keys, want-repeated[name], "every item has its own key")
			})
		}
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestFeedQuirks(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		check func(t *testing.T, d Doc)
	}{
		{"a GB2312 feed is decoded through its XML declaration", "feeds/rss/kc0011-gb2312.xml", func(t *testing.T, d Doc) {
			require.Equal(t, "建国35周年纪念，华表，和平鸽", d.Items[0].Article.Title)
			require.Equal(t, "2020-01-10T14:33:00Z", d.Items[0].Article.Published, "YYYY/M/D dates")
			require.Equal(t, "zh-CN", d.Items[0].Article.Language)
		}},
		{"an ISO-8859-1 feed is decoded", "feeds/rss/inovacaotecnologica-iso8859-1-pt.xml", func(t *testing.T, d Doc) {
			require.Equal(t, "Revolução nas telas com pontos quânticos impressos em 3D", d.Items[0].Article.Title)
		}},
		{"Italian day and month names are read", "feeds/rss/ilmessaggero-mondo-it.xml", func(t *testing.T, d Doc) {
			require.Equal(t, "2022-11-15T23:38:15Z", d.Items[0].Article.Published)
			require.Equal(t, "it-IT", d.Items[0].Article.Language, "IT-it is canonicalised")
		}},
		{"a US 12-hour pubDate is read", "feeds/rss/nbc-new-york.xml", func(t *testing.T, d Doc) {
			require.Equal(t, "2023-12-16T14:02:33Z", d.Items[0].Article.Published)
			require.Equal(t, "en-US", d.Items[0].Article.Language)
		}},
		{"an author's job title is not the item title", "feeds/rss/google-cloudblog.xml", func(t *testing.T, d Doc) {
			a := d.Items[0].Article
			require.Equal(t, "Diane Chaleff", a.Byline)
			require.True(t, strings.HasPrefix(a.Title, "Want to keep your employees productive?"), a.Title)
		}},
		{"content:encoded is the body and dc:creator the byline", "feeds/rss/nytimes-wirecutter.xml", func(t *testing.T, d Doc) {
			a := d.Items[0].Article
			require.Equal(t, "James Austin", a.Byline)
			require.Equal(t, article.ContentTypeHTML, a.ContentType)
			require.Greater(t, len(a.Body), 1000, "the full content, not the description")
		}},
		{"an RSS item without guid is keyed by its link", "feeds/rss/macworld.xml", func(t *testing.T, d Doc) {
			a := d.Items[0].Article
			require.Empty(t, a.SourceID)
			require.Equal(t, "wire:"+a.URL, a.Key())
		}},
		{"Atom entries take published, updated, author and link", "feeds/atom/daringfireball-2017.xml", func(t *testing.T, d Doc) {
			a := d.Items[0].Article
			require.Equal(t, "tag:daringfireball.net,2017:/linked//6.33853", a.SourceID)
			require.Equal(t, "https://daringfireball.net/thetalkshow/2017/06/26/ep-195", a.URL)
			require.Equal(t, "2017-06-27T00:54:17Z", a.Published)
			require.Equal(t, "2017-06-27T00:54:20Z", a.Updated)
			require.Equal(t, "John Gruber", a.Byline)
		}},
		{"a newsMessage is cut into one document per newsItem", "feeds/newsml-g2/ap-automated-earnings-3items.xml", func(t *testing.T, d Doc) {
			require.Len(t, d.Items, 3)
			for _, it := range d.Items {
				require.Contains(t, it.Article.Body, `xmlns="http://iptc.org/std/nar/2006-10-01/"`, "the inherited default namespace is declared")
				require.Equal(t, "usable", it.PubStatus)
			}
		}},
		{"a canceled item carries its pub status and version", "feeds/newsml-g2/reuters-2016-L1N14N0FF-rev-b-text.xml", func(t *testing.T, d Doc) {
			require.Equal(t, "canceled", d.Items[0].PubStatus)
			require.Equal(t, "1542761538", d.Items[0].Version)
			require.Equal(t, "tag:reuters.com,0000:newsml_L1N14N0FF", d.Items[0].Article.SourceID)
		}},
		{"a NewsML-G2 embargo becomes RFC 3339 UTC", "feeds/newsml-g2/iptc-LISTING_1_A_NewsML-G2_News_Item.xml", func(t *testing.T, d Doc) {
			require.Equal(t, "2018-10-23T12:00:00Z", d.Items[0].EmbargoedUntil)
		}},
		{"a ninjs embargo becomes RFC 3339 UTC", "feeds/ninjs/superdesk-360info-embargoed-text.json", func(t *testing.T, d Doc) {
			require.NotEmpty(t, d.Items[0].EmbargoedUntil)
			_, err := time.Parse(time.RFC3339, d.Items[0].EmbargoedUntil)
			require.NoError(t, err)
		}},
		{"a ninjs collection gives one compact object per item", "feeds/ninjs/iptc-ninjs-3.0-20231016-event-timeline-sample.json", func(t *testing.T, d Doc) {
			require.Len(t, d.Items, 14)
			for i, it := range d.Items {
				require.True(t, json.Valid([]byte(it.Article.Body)))
				require.NotContains(t, it.Article.Body, "\n")
				require.Equal(t, "https://iptc.org/example/uri/"+itoa(i+1), it.Article.SourceID)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, parseFile(t, tc.file)) })
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestBrokenDocuments(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		charset string
		want    error
		msg     string
	}{
		{"truncated XML is a syntax error", `<?xml version="1.0"?><rss><channel><item><title>a</title>`, "", ErrSyntax, "unexpected EOF"},
		{"an empty body is a syntax error", " \n ", "", ErrSyntax, "empty document"},
		{"bad JSON is a syntax error", `{"uri": "x", "headline": }`, "", ErrSyntax, "parse ninjs"},
		{"an HTML page is not a feed", "<!DOCTYPE html><html><body>Not found</body></html>", "", ErrUnknown, "is the feed URL right?"},
		{"an unknown XML root is not a feed", "<opml><body/></opml>", "", ErrUnknown, "<opml>"},
		{"plain text is not a feed", "hello", "", ErrUnknown, `starts with "hello"`},
		{"non-UTF-8 bytes in an unknown declared charset", "<?xml version=\"1.0\" encoding=\"x-klingon\"?><rss><channel><item><title>caf\xe9</title></item></channel></rss>", "", ErrCharset, `"x-klingon" is unknown`},
		{"non-UTF-8 bytes in an unknown HTTP charset", "<rss><channel><item><title>caf\xe9</title></item></channel></rss>", "x-klingon", ErrCharset, "unknown"},
		{"a package without news items", `<packageItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="p1"/>`, "", ErrNoItem, "<packageItem>"},
		{"an empty ninjs array", `[]`, "", ErrNoItem, "empty ninjs array"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.data), Options{Source: "s", Charset: tc.charset})
			require.ErrorIs(t, err, tc.want)
			require.ErrorContains(t, err, tc.msg)
		})
	}
}

func TestEntriesThatAreNotArticlesAreRejected(t *testing.T) {
	d, err := Parse([]byte(`<rss><channel>
		<item><title>Only a title</title><guid>t1</guid></item>
		<item><guid>empty</guid></item>
		<item><description>&lt;p&gt;Text&lt;/p&gt;</description><link>/rel</link></item>
	</channel></rss>`), Options{Source: "s", BaseURL: "https://example.test/feed.xml"})
	require.NoError(t, err)
	require.Len(t, d.Items, 2)
	require.Equal(t, "Only a title", d.Items[0].Article.Body, "a title-only entry keeps its title as text")
	require.Equal(t, article.ContentTypePlain, d.Items[0].Article.ContentType)
	require.Equal(t, "https://example.test/rel", d.Items[1].Article.URL, "relative links resolve against the feed URL")
	require.Equal(t, "<p>Text</p>", d.Items[1].Article.Body)
	require.Len(t, d.Rejected, 1)
	require.ErrorContains(t, d.Rejected[0], "rss item 2 (empty): no title and no text")
}

func TestHashFollowsContentNotReceiveTime(t *testing.T) {
	feed := func(title string) []byte {
		return []byte(`<rss><channel><item><guid>g1</guid><title>` + title + `</title><description>Body</description></item></channel></rss>`)
	}
	parse := func(b []byte, at time.Time) publish.Item {
		d, err := Parse(b, Options{Source: "s", Now: at})
		require.NoError(t, err)
		return d.Items[0]
	}
	a := parse(feed("Storm"), now)
	require.Equal(t, a.Hash(), parse(feed("Storm"), now.Add(time.Hour)).Hash(), "received_at is not content")
	require.NotEqual(t, a.Hash(), parse(feed("Storm hits coast"), now).Hash(), "a corrected title is a change")
	require.Equal(t, a.Key(), parse(feed("Storm hits coast"), now).Key(), "but the same story")
}

// golden is the metadata of a parsed document; bodies are summarised by
// length so the shared samples are not copied into testdata.
type golden struct {
	Format   string       `json:"format"`
	Items    []goldenItem `json:"items"`
	Rejected []string     `json:"rejected,omitempty"`
}

type goldenItem struct {
	Key        string             `json:"key"`
	Article    article.RawArticle `json:"article"`
	BodyBytes  int                `json:"body_bytes"`
	Headers    map[string]string  `json:"headers"`
	HashPrefix string             `json:"hash_prefix"`
}

func TestGolden(t *testing.T) {
	for _, rel := range []string{
		"feeds/rss/nbc-new-york.xml",
		"feeds/rss/ilgiornale-cronache-it.xml",
		"feeds/atom/youtube-channel-mediarss.xml",
		"feeds/atom/wenn-entertainment-wire.xml",
		"feeds/ninjs/iptc-ninjs-3.0-ntb_text.json",
		"feeds/ninjs/superdesk-360info-embargoed-text.json",
		"feeds/newsml-g2/ansa-catalan-independence-en-text.xml",
		"feeds/newsml-g2/reuters-conclave-video-package.xml",
	} {
		name := strings.TrimSuffix(filepath.Base(rel), filepath.Ext(rel))
		t.Run(name, func(t *testing.T) {
			d := parseFile(t, rel)
			g := golden{Format: d.Format}
			for _, it := range d.Items {
				gi := goldenItem{Key: it.Key(), Article: it.Article, BodyBytes: len(it.Article.Body), Headers: map[string]string{}, HashPrefix: it.Hash()[:8]}
				gi.Article.Body = ""
				for _, h := range it.Headers() {
					gi.Headers[h.Key] = string(h.Value)
				}
				g.Items = append(g.Items, gi)
			}
			for _, r := range d.Rejected {
				g.Rejected = append(g.Rejected, r.Error())
			}
			got, err := json.MarshalIndent(g, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create the golden file")
			require.Equal(t, string(want), string(got))
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for _, rel := range []string{"feeds/atom/research-swtch-russcox.xml", "feeds/rss/kc0011-gb2312.xml", "feeds/newsml-g2/reuters-conclave-video-package.xml"} {
		data, err := os.ReadFile(shared.Path(b, rel))
		require.NoError(b, err)
		b.Run(filepath.Base(rel), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				if _, err := Parse(data, Options{Source: "s", Now: now}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
