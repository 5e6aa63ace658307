package format

import (
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bytes to Parse: it must not panic, and every
// article it returns must be valid.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`<rss><channel><item><guid>a</guid><title>T</title><description>&lt;p&gt;x</description></item></channel></rss>`,
		`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title type="html">&lt;b&gt;T</title><content type="xhtml"><div>x</div></content></entry></feed>`,
		`<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet><newsItem guid="g" version="2"><contentMeta><headline>H</headline></contentMeta></newsItem></itemSet></newsMessage>`,
		`[{"uri":"u1","headline":"H","body_text":"b"},{"uri":"u2"}]`,
		`{"uri":"u","pubStatus":"canceled","embargoed":"2024-01-01T00:00:00Z","headlines":[{"role":"main","value":"H"}]}`,
		"<?xml version=\"1.0\" encoding=\"gb2312\"?><rss><channel><item><title>\xb9\xfa</title></item></channel></rss>",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data, Options{Source: "fuzz", Now: time.Unix(0, 0)})
		if err != nil {
			return
		}
		for _, it := range doc.Items {
			if verr := it.Article.Validate(); verr != nil {
				t.Fatalf("invalid article %+v: %v", it.Article, verr)
			}
		}
	})
}
