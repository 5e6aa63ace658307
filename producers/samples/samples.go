// Package samples is the sample input that ships in the newsflow binary, so
// that the first `newsflow up` shows real articles: IPTC's ninjs examples
// (MIT) and NewsML-G2 Guidelines examples (CC BY 4.0), text items only, as
// NOTICE.md lists with their attribution.
//
// They enter the pipeline the way any feed does. Each directory is served
// as one feed document by an in-process http.RoundTripper on the reserved
// host samples.newsflow.invalid (the ninjs objects as one JSON array, the
// NewsML-G2 news items inside one newsMessage), and `newsflow up` polls
// those two URLs with the producers' feed poller. The first poll publishes
// every item; the producers' seen record makes every later poll, across
// restarts too, skip them as unchanged. The responses carry an ETag, so a
// poll after the first is a 304 that parses nothing.
package samples

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/newsflow/newsflow/producers/feed"
)

//go:embed ninjs/*.json newsml-g2/*.xml NOTICE.md
var files embed.FS

// Host is the reserved host name (RFC 2606 .invalid) the samples are
// served under; it never resolves, so only the Transport answers it.
const Host = "samples.newsflow.invalid"

// Feed names, which become the articles' source.
const (
	SourceNinjs    = "iptc-ninjs"
	SourceNewsMLG2 = "iptc-newsml-g2"
)

// Paths of the two feed documents.
const (
	pathNinjs    = "/iptc-ninjs.json"
	pathNewsMLG2 = "/iptc-newsml-g2.xml"
)

// Feeds are the sample feeds to give the feed poller, with a Transport.
func Feeds() []feed.Feed {
	return []feed.Feed{
		{Name: SourceNinjs, URL: "http://" + Host + pathNinjs},
		{Name: SourceNewsMLG2, URL: "http://" + Host + pathNewsMLG2},
	}
}

// Notice returns NOTICE.md: the sources, licences and attribution.
func Notice() []byte {
	b, _ := files.ReadFile("NOTICE.md")
	return b
}

type document struct {
	body        []byte
	etag        string
	contentType string
}

var documents = func() map[string]document {
	docs := map[string]document{
		pathNinjs:    {body: ninjsArray(), contentType: "application/json"},
		pathNewsMLG2: {body: newsMessage(), contentType: "application/xml"},
	}
	for k, d := range docs {
		sum := sha256.Sum256(d.body)
		d.etag = `"` + hex.EncodeToString(sum[:8]) + `"`
		docs[k] = d
	}
	return docs
}()

func names(dir string) []string {
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		panic(err) // embedded at build time
	}
	var out []string
	for _, e := range entries {
		out = append(out, path.Join(dir, e.Name()))
	}
	sort.Strings(out)
	return out
}

// ninjsArray is the ninjs files as one top-level JSON array.
func ninjsArray() []byte {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, n := range names("ninjs") {
		data, _ := files.ReadFile(n)
		if i > 0 {
			b.WriteString(",\n")
		}
		b.Write(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff"))))
	}
	b.WriteString("\n]\n")
	return b.Bytes()
}

var xmlDecl = regexp.MustCompile(`^\s*<\?xml[^>]*\?>\s*`)

// newsMessage is the NewsML-G2 files' news items in one newsMessage; each
// item keeps its own namespace declarations.
func newsMessage() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">` + "\n")
	b.WriteString("<header><sent>2019-01-01T00:00:00Z</sent><origin>newsflow samples: IPTC NewsML-G2 Guidelines examples, CC BY 4.0</origin></header>\n<itemSet>\n")
	for _, n := range names("newsml-g2") {
		data, _ := files.ReadFile(n)
		b.Write(xmlDecl.ReplaceAll(data, nil))
		b.WriteString("\n")
	}
	b.WriteString("</itemSet>\n</newsMessage>\n")
	return b.Bytes()
}

// Handler serves the two feed documents (and NOTICE.md at /NOTICE.md) with
// ETags; a matching If-None-Match gets 304.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/NOTICE.md" {
			w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
			_, _ = w.Write(Notice())
			return
		}
		d, ok := documents[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", d.etag)
		if strings.Contains(r.Header.Get("If-None-Match"), d.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", d.contentType+"; charset=utf-8")
		w.Header().Set("Content-Length", fmt.Sprint(len(d.body)))
		_, _ = w.Write(d.body)
	})
}

// Transport answers requests for Host from the embedded files and passes
// every other request to next (http.DefaultTransport when nil).
func Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{next: next, h: Handler()}
}

type transport struct {
	next http.RoundTripper
	h    http.Handler
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != Host {
		return t.next.RoundTrip(r)
	}
	if r.Body != nil {
		_ = r.Body.Close()
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	res := rec.Result()
	res.Request = r
	return res, nil
}
