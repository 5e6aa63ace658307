package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/newsflow/newsflow/internal/shared"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/producers/format"
	"github.com/newsflow/newsflow/producers/publish"
	"github.com/newsflow/newsflow/producers/sinktest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	dir   string
	sink  *sinktest.Sink
	clock *clock
	w     *Watcher
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir(), sink: &sinktest.Sink{}, clock: &clock{t: time.Now().Add(time.Hour)}}
	w, err := New(Config{Dir: f.dir, Source: "drop", Settle: time.Second, Interval: time.Second},
		f.sink, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), f.clock.now)
	require.NoError(t, err)
	f.w = w
	return f
}

// write creates a file whose modification time is the fixture's now.
func (f *fixture) write(t *testing.T, name string, data []byte) {
	t.Helper()
	p := filepath.Join(f.dir, name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	require.NoError(t, os.Chtimes(p, f.clock.now(), f.clock.now()))
}

// settle scans twice, Settle apart, so complete files are ingested.
func (f *fixture) settle(t *testing.T) {
	t.Helper()
	require.NoError(t, f.w.Scan(context.Background()))
	f.clock.add(2 * time.Second)
	require.NoError(t, f.w.Scan(context.Background()))
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func sample(t *testing.T, rel string) []byte {
	b, err := os.ReadFile(shared.Path(t, rel))
	require.NoError(t, err)
	return b
}

func TestEachKindOfFileIsPublishedAndMovedToDone(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		data      func(t *testing.T) []byte
		wantItems int
		wantCT    string
		wantID    string
	}{
		{"JSON lines of RawArticle", "batch.jsonl", func(*testing.T) []byte {
			return []byte(`{"source":"wire","source_id":"1","body":"One."}` + "\n\n" + `{"source_id":"2","body":"Two.","content_type":"text/html"}` + "\n")
		}, 2, "", "1"},
		{"a ninjs document", "item.json", func(t *testing.T) []byte { return sample(t, "feeds/ninjs/iptc-ninjs-3.0-dpa_text.json") }, 1, article.ContentTypeNinjs, ""},
		{"a NewsML-G2 news message", "msg.xml", func(t *testing.T) []byte { return sample(t, "feeds/newsml-g2/ap-automated-earnings-3items.xml") }, 3, article.ContentTypeNewsMLG2, ""},
		{"an RSS feed saved as .xml", "feed.xml", func(t *testing.T) []byte { return sample(t, "feeds/rss/nbc-new-york.xml") }, 1, article.ContentTypeHTML, "4956764"},
		{"a text file", "storm-2024.txt", func(*testing.T) []byte { return []byte("Storm hits the coast.\n\nMore than 5,000 fled.") }, 1, article.ContentTypePlain,
			format.ContentID("", "Storm hits the coast.\n\nMore than 5,000 fled.")},
		{"an HTML file in Windows-1252", "page.html", func(*testing.T) []byte { return []byte("<p>Caf\xe9 \x93quoted\x94</p>") }, 1, article.ContentTypeHTML,
			format.ContentID("", "<p>Café “quoted”</p>")},
		{"a UTF-16 text file with its byte-order mark", "u16.txt", func(*testing.T) []byte { return utf16LE("Storm hits the coast.\r\n\r\nMore than 5,000 fled.") }, 1, article.ContentTypePlain,
			format.ContentID("", "Storm hits the coast.\n\nMore than 5,000 fled.")},
		{"UTF-16 JSON lines", "u16.jsonl", func(*testing.T) []byte { return utf16LE(`{"source":"wire","source_id":"7","body":"Café."}`) }, 1, "", "7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.write(t, tc.file, tc.data(t))
			f.settle(t)
			require.True(t, exists(filepath.Join(f.dir, DoneDir, tc.file)), "moved to done/")
			require.False(t, exists(filepath.Join(f.dir, tc.file)))
			require.Len(t, f.sink.Sent(), tc.wantItems)
			a := f.sink.Sent()[0].Article
			require.Equal(t, tc.wantCT, a.ContentType)
			require.NotEmpty(t, a.ReceivedAt)
			require.Equal(t, publish.OriginWatch, f.sink.Sent()[0].Origin)
			if tc.wantID != "" {
				require.Equal(t, tc.wantID, a.SourceID)
			}
			require.NoError(t, a.Validate())
			if tc.file == "u16.txt" {
				require.Equal(t, "Storm hits the coast.\r\n\r\nMore than 5,000 fled.", a.Body, "decoded, not the UTF-16 bytes")
			}
			if tc.file == "u16.jsonl" {
				require.Equal(t, "Café.", a.Body)
			}
			if tc.file == "page.html" {
				require.Equal(t, "<p>Café “quoted”</p>", a.Body)
				require.Equal(t, "drop", a.Source)
			}
			if tc.file == "batch.jsonl" {
				require.Equal(t, "drop", f.sink.Sent()[1].Article.Source, "a line without source gets the directory's")
			}
		})
	}
}

func utf16LE(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// A watched file's identity is its content, not its name: another story
// saved later under the same name is another article, and the same story
// under another name is the same one (the seen record then skips it).
func TestTextFilesAreIdentifiedByTheirContent(t *testing.T) {
	f := newFixture(t)
	first := "Storm hits the coast.\n\nMore than 5,000 fled."
	f.write(t, "story.txt", []byte(first))
	f.settle(t)
	f.write(t, "story.txt", []byte("Markets rally.\n\nShares rose 3% in Tokyo."))
	f.settle(t)
	f.write(t, "copy-of-story.txt", []byte(first+"\n"))
	f.settle(t)
	f.write(t, "crlf.txt", []byte(strings.ReplaceAll(first, "\n", "\r\n")))
	f.settle(t)
	sent := f.sink.Sent()
	require.Len(t, sent, 4)
	ids := []string{sent[0].Article.SourceID, sent[1].Article.SourceID, sent[2].Article.SourceID, sent[3].Article.SourceID}
	require.NotEqual(t, ids[0], ids[1], "another story under the same name is another article")
	require.Equal(t, ids[0], ids[2], "the same story under another name is the same article")
	require.Equal(t, ids[0], ids[3], "line endings do not make another story")
	require.Equal(t, sent[0].Article.DeriveID(), sent[2].Article.DeriveID())
}

// Lines the consumer would dead-letter are refused at the door, as the
// push endpoint does.
func TestLinesTheConsumerWouldRefuseFail(t *testing.T) {
	f := newFixture(t)
	f.write(t, "lines.jsonl", []byte(`{"source":"s","source_id":"1","body":" \t "}`+"\n"+`{"source":"s","source_id":"2","body":"ok","published":"yesterday"}`+"\n"+`{"source":"s","source_id":"3","body":"ok"}`))
	f.settle(t)
	require.Len(t, f.sink.Sent(), 1)
	reason, err := os.ReadFile(filepath.Join(f.dir, FailedDir, "lines.jsonl"+ReasonSuffix))
	require.NoError(t, err)
	require.Contains(t, string(reason), "line 1: normalize")
	require.Contains(t, string(reason), "article has no text")
	require.Contains(t, string(reason), `line 2: "published" "yesterday" is not a date`)
}

func TestBadFilesGoToFailedWithTheirReason(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		data       string
		wantReason string
		wantSent   int
	}{
		{"an unsupported extension", "photo.jpg", "\xff\xd8\xff", `unsupported file type ".jpg"`, 0},
		{"malformed XML", "broken.xml", "<newsItem><contentSet>", "unexpected EOF", 0},
		{"a package with no news item", "pkg.xml", `<packageItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="p"/>`, "holds no newsItem", 0},
		{"an empty text file", "empty.txt", "  \n", "file is empty", 0},
		{"a .json file that is not ninjs", "x.json", `<rss><channel/></rss>`, ".json holds rss, want ninjs", 0},
		{"JSON lines with bad lines among good ones", "mixed.jsonl",
			`{"source":"a","source_id":"1","body":"ok"}` + "\nnot json\n" + `{"source":"a","source_id":"2"}` + "\n" + `{"source":"a","source_id":"3","body":"ok"}`,
			"2 article(s) published; 2 entr(y/ies) rejected:\nline 2: decode RawArticle JSON: invalid character 'o' in literal null (expecting 'u')\nline 3: raw article has no \"body\"\n", 2},
		{"JSON lines that are all bad", "bad.jsonl", "x\ny\n", "line 1: decode RawArticle", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.write(t, tc.file, []byte(tc.data))
			f.settle(t)
			failed := filepath.Join(f.dir, FailedDir, tc.file)
			require.True(t, exists(failed), "moved to failed/")
			reason, err := os.ReadFile(failed + ReasonSuffix)
			require.NoError(t, err, "the reason is beside the file")
			require.Contains(t, string(reason), tc.wantReason)
			require.Len(t, f.sink.Sent(), tc.wantSent)
			require.Equal(t, 1.0, testutil.ToFloat64(f.w.files.WithLabelValues(resultFailed)))
		})
	}
}

func TestAFileIsReadOnlyOnceComplete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.write(t, ".upload.txt", []byte("hidden while uploading"))
	f.write(t, "story.txt.part", []byte("partial"))
	f.write(t, "growing.txt", []byte("first half"))
	require.NoError(t, f.w.Scan(ctx))
	require.Empty(t, f.sink.Sent(), "a file seen once is not read")

	f.clock.add(2 * time.Second)
	f.write(t, "growing.txt", []byte("first half, second half")) // still being written
	require.NoError(t, f.w.Scan(ctx))
	require.Empty(t, f.sink.Sent(), "a file that changed since the last scan is not read")

	f.clock.add(2 * time.Second)
	require.NoError(t, f.w.Scan(ctx))
	require.Len(t, f.sink.Sent(), 1)
	require.Equal(t, "first half, second half", f.sink.Sent()[0].Article.Body)
	require.True(t, exists(filepath.Join(f.dir, ".upload.txt")), "temporary names are left alone")
	require.True(t, exists(filepath.Join(f.dir, "story.txt.part")))

	// The writer renames its temporary file when done: picked up then.
	require.NoError(t, os.Rename(filepath.Join(f.dir, "story.txt.part"), filepath.Join(f.dir, "story.txt")))
	f.settle(t)
	require.Len(t, f.sink.Sent(), 2)
}

func TestAFileStaysWhileKafkaFails(t *testing.T) {
	f := newFixture(t)
	f.write(t, "a.txt", []byte("text"))
	f.sink.Fail(errors.New("kafka down"))
	f.settle(t)
	require.True(t, exists(filepath.Join(f.dir, "a.txt")), "not the file's fault: it stays")
	require.Equal(t, 1.0, testutil.ToFloat64(f.w.files.WithLabelValues(resultRetry)))

	f.sink.Fail(nil)
	f.clock.add(2 * time.Second)
	require.NoError(t, f.w.Scan(context.Background()))
	require.True(t, exists(filepath.Join(f.dir, DoneDir, "a.txt")))
	require.Len(t, f.sink.Sent(), 1)
}

func TestAFileWithAnArticleTooLargeForKafkaFails(t *testing.T) {
	f := newFixture(t)
	f.write(t, "two.jsonl", []byte(`{"source":"s","source_id":"1","body":"huge"}`+"\n"+`{"source":"s","source_id":"2","body":"ok"}`))
	f.sink.Fail(publish.Errors{fmt.Errorf("article s:1 is 2000000 bytes: %w", publish.ErrTooLarge), nil})
	f.settle(t)
	reason, err := os.ReadFile(filepath.Join(f.dir, FailedDir, "two.jsonl"+ReasonSuffix))
	require.NoError(t, err, "not retryable: the file goes to failed/")
	require.Equal(t, "1 article(s) published; 1 entr(y/ies) rejected:\narticle s:1 is 2000000 bytes: message too large\n", string(reason))
}

func TestANameAlreadyInDoneGetsASuffix(t *testing.T) {
	f := newFixture(t)
	f.write(t, "a.txt", []byte("one"))
	f.settle(t)
	f.write(t, "a.txt", []byte("two"))
	f.settle(t)
	m, err := filepath.Glob(filepath.Join(f.dir, DoneDir, "a.txt*"))
	require.NoError(t, err)
	require.Len(t, m, 2)
}
