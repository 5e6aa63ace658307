// Package watch ingests the files dropped into a directory, the way wire
// services deliver by FTP or a shared volume. Each new file is read,
// its articles are handed to a Sink (which skips items already sent
// unchanged and publishes the rest), and the file is then moved to done/,
// or to failed/ with the reason in <name>.reason beside it.
//
// # Kinds of file (by extension)
//
//   - .jsonl, .ndjson: JSON lines of RawArticle (DESIGN.md). A line without
//     "source" gets Config.Source; received_at is filled in.
//   - .json: an IPTC ninjs document (one object or an array of them).
//   - .xml: a NewsML-G2 item or message, or an RSS or Atom feed (recognised
//     by content).
//   - .txt, .text: one text/plain article; .html, .htm: one text/html
//     article. Source is Config.Source.
//
// Anything else goes to failed/ ("unsupported file type"). A file that
// starts with a byte-order mark is read as the UTF-16 or UTF-8 it marks.
//
// # Identity
//
// A file's name is not its identity: wire services reuse names (story.txt,
// latest.xml), and an article identified by its file name would be
// replaced by whatever is saved under that name next, with dedup
// references left pointing into the wrong text. An article's identity is
// the id inside the file: the ninjs uri, the NewsML-G2 guid, the RSS guid
// or Atom id, the source_id of a JSON line. A .txt or .html file has none,
// so its identity is its text (format.ContentID of the text with line
// endings and surrounding white space folded): the same text dropped again,
// under any name, is the same article, which the seen record skips; a
// changed text is a new article (dedup marks what it repeats, and the page
// groups it with the first as one story). To replace a story, send it with
// its id and a newer version: the producers log the replacement.
//
// # When is a file complete?
//
// A file is read only when it looks finished: its name is not a temporary
// one (a leading "." or "~", or the suffixes .tmp, .part, .partial,
// .filepart, .crdownload, .swp, "~"), and its size and modification time
// were the same at two scans at least Settle apart, the later one Settle
// or more after the last modification. A writer that pauses longer than
// Settle mid-file can still be read half-way; writers should write under a
// temporary name and rename when done (atomic on one file system), which is
// always safe.
//
// # Failures
//
// A file whose content is bad (not UTF-8 in an unknown charset, malformed,
// no article in it) goes to failed/. In a JSON-lines file the good lines
// are published and the bad ones are listed by line number in the reason;
// the file still goes to failed/ so someone looks at it, and re-dropping
// the fixed file sends only the fixed lines (the others are unchanged).
// When Kafka fails, the file stays where it is and is tried again at a
// later scan: the failure is not the file's.
package watch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/normalize"
	"github.com/newsflow/newsflow/pkg/wire"
	"github.com/newsflow/newsflow/producers/format"
	"github.com/newsflow/newsflow/producers/publish"
)

// Defaults of Config.
const (
	DefaultSource   = "files"
	DefaultInterval = 2 * time.Second
	DefaultSettle   = 2 * time.Second
	DefaultMaxBytes = 32 << 20
)

// Subdirectories files are moved to.
const (
	DoneDir   = "done"
	FailedDir = "failed"
	// ReasonSuffix names the file beside a failed one that says why.
	ReasonSuffix = ".reason"
)

// Config configures a Watcher.
type Config struct {
	// Dir is the watched directory. Required.
	Dir string
	// Source is the source of articles that do not name one. Default: files.
	Source string
	// Interval between scans. Default: 2s.
	Interval time.Duration
	// Settle is how long a file's size and time must stay unchanged before
	// it is read. Default: 2s.
	Settle time.Duration
	// MaxBytes is the largest file read; larger ones go to failed/.
	// Default: 32 MiB.
	MaxBytes int64
}

func (c Config) withDefaults() Config {
	if c.Source == "" {
		c.Source = DefaultSource
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Settle == 0 {
		c.Settle = DefaultSettle
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	return c
}

// Validate names the settings that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("watch directory: none given"))
	} else if fi, err := os.Stat(c.Dir); err != nil {
		errs = append(errs, fmt.Errorf("watch directory: %w", err))
	} else if !fi.IsDir() {
		errs = append(errs, fmt.Errorf("watch directory %s is not a directory", c.Dir))
	}
	if c.Interval <= 0 || c.Settle < 0 {
		errs = append(errs, fmt.Errorf("watch interval %s and settle %s: want a positive interval", c.Interval, c.Settle))
	}
	return errors.Join(errs...)
}

// Sink takes the articles of one file; see feed.Sink.
type Sink interface {
	Send(ctx context.Context, items []publish.Item) error
	Reject(source string, reason error)
}

// Watcher scans the directory.
type Watcher struct {
	cfg     Config
	sink    Sink
	logger  *slog.Logger
	now     func() time.Time
	files   *prometheus.CounterVec
	pending map[string]stamp
}

// stamp is what a scan saw of a file.
type stamp struct {
	size    int64
	modTime time.Time
	seenAt  time.Time
}

// Results of newsflow_producer_watch_files_total.
const (
	resultDone   = "done"
	resultFailed = "failed"
	resultRetry  = "retry"
)

// New returns a Watcher and creates done/ and failed/.
func New(cfg Config, sink Sink, logger *slog.Logger, reg prometheus.Registerer, now func() time.Time) (*Watcher, error) {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for _, d := range []string{DoneDir, FailedDir} {
		if err := os.MkdirAll(filepath.Join(cfg.Dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", d, err)
		}
	}
	w := &Watcher{cfg: cfg, sink: sink, logger: logger, now: now, pending: map[string]stamp{}}
	w.files = promauto.With(reg).NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_producer_watch_files_total",
		Help: "Files of the watched directory by result: done (published, moved to done/), failed (moved to failed/ with a reason) or retry (Kafka failed; left in place).",
	}, []string{"result"})
	for _, r := range []string{resultDone, resultFailed, resultRetry} {
		w.files.WithLabelValues(r)
	}
	return w, nil
}

// Run scans every Interval until ctx ends. A file being published when ctx
// ends is finished (its articles reach Kafka and it is moved) before Run
// returns; files not yet started wait for the next run.
func (w *Watcher) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		if err := w.Scan(ctx); err != nil {
			w.logger.Warn("watch scan failed", "path", w.cfg.Dir, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Scan looks at the directory once and ingests the files that are complete.
func (w *Watcher) Scan(ctx context.Context) error {
	entries, err := os.ReadDir(w.cfg.Dir)
	if err != nil {
		return fmt.Errorf("read directory: %w", err)
	}
	now := w.now()
	present := map[string]bool{}
	var ready []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || temporary(name) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		present[name] = true
		cur := stamp{size: info.Size(), modTime: info.ModTime(), seenAt: now}
		prev, ok := w.pending[name]
		switch {
		case !ok || prev.size != cur.size || !prev.modTime.Equal(cur.modTime):
			w.pending[name] = cur // new or still changing: look again later
		case now.Sub(prev.seenAt) >= w.cfg.Settle && now.Sub(cur.modTime) >= w.cfg.Settle:
			ready = append(ready, name)
		}
	}
	for name := range w.pending {
		if !present[name] {
			delete(w.pending, name)
		}
	}
	sort.Strings(ready) // oldest-named first: wire file names usually sort by time
	for _, name := range ready {
		if ctx.Err() != nil {
			return nil
		}
		if w.ingest(ctx, name) {
			delete(w.pending, name)
		}
	}
	return nil
}

// temporary reports names that writers use while a file is incomplete.
func temporary(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") || strings.HasSuffix(name, "~") {
		return true
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".tmp", ".part", ".partial", ".filepart", ".crdownload", ".swp", ReasonSuffix:
		return true
	}
	return false
}

// ingest publishes one file and moves it; false leaves it for a later scan.
func (w *Watcher) ingest(ctx context.Context, name string) bool {
	path := filepath.Join(w.cfg.Dir, name)
	items, problems, err := w.read(path)
	if err != nil {
		w.fail(name, err.Error())
		return true
	}
	for _, p := range problems {
		w.sink.Reject(w.cfg.Source, fmt.Errorf("%s: %w", name, p))
	}
	published := len(items)
	if err := w.sink.Send(ctx, items); err != nil {
		if publish.Retryable(err) {
			w.files.WithLabelValues(resultRetry).Inc()
			w.logger.Warn("watch file not published; will retry", "path", path, "err", err)
			return false
		}
		var perrs publish.Errors
		errors.As(err, &perrs)
		for _, e := range perrs {
			if e != nil {
				problems = append(problems, e)
				published--
			}
		}
	}
	if len(problems) > 0 {
		var sb strings.Builder
		fmt.Fprintf(&sb, "%d article(s) published; %d entr(y/ies) rejected:\n", published, len(problems))
		for _, p := range problems {
			sb.WriteString(p.Error())
			sb.WriteByte('\n')
		}
		w.fail(name, sb.String())
		return true
	}
	if err := os.Rename(path, target(w.cfg.Dir, DoneDir, name)); err != nil {
		w.logger.Error("move file to done/", "path", path, "err", err)
		return false
	}
	w.files.WithLabelValues(resultDone).Inc()
	w.logger.Info("watch file published", "path", path, "articles", len(items))
	return true
}

// fail moves a file to failed/ and writes its reason beside it, first, so
// whoever sees the file also sees why.
func (w *Watcher) fail(name, reason string) {
	path := filepath.Join(w.cfg.Dir, name)
	dst := target(w.cfg.Dir, FailedDir, name)
	if err := os.WriteFile(dst+ReasonSuffix, []byte(strings.TrimSpace(reason)+"\n"), 0o644); err != nil {
		w.logger.Error("write failure reason", "path", dst+ReasonSuffix, "err", err)
	}
	if err := os.Rename(path, dst); err != nil {
		w.logger.Error("move file to failed/", "path", path, "err", err)
		return
	}
	w.files.WithLabelValues(resultFailed).Inc()
	w.logger.Warn("watch file failed", "path", path, "moved_to", dst, "reason", strings.TrimSpace(reason))
}

// target is where dir/name goes in dir/sub: the same name, or with a time
// suffix when that name is taken.
func target(dir, sub, name string) string {
	dst := filepath.Join(dir, sub, name)
	if _, err := os.Lstat(dst); err == nil {
		dst = filepath.Join(dir, sub, fmt.Sprintf("%s.%d", name, time.Now().UnixNano()))
	}
	return dst
}

// read turns a file into articles. problems are rejected entries of a file
// that is otherwise usable; err makes the whole file fail.
func (w *Watcher) read(path string) (items []publish.Item, problems []error, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if fi.Size() > w.cfg.MaxBytes {
		return nil, nil, fmt.Errorf("file is %d bytes, over the %d-byte limit (--watch-max-bytes)", fi.Size(), w.cfg.MaxBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if b, ok := wire.DecodeBOM(data); ok {
		data = b // UTF-16 (or marked UTF-8) as UTF-8
	}
	name := filepath.Base(path)
	now := w.now()
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".jsonl", ".ndjson":
		items, problems = w.readLines(data, now)
		if len(items) == 0 && len(problems) == 0 {
			return nil, nil, errors.New("no article in file")
		}
		if len(items) == 0 {
			return nil, nil, joinLines(problems)
		}
		return items, problems, nil
	case ".json", ".xml":
		doc, err := format.Parse(data, format.Options{Source: w.cfg.Source, Origin: publish.OriginWatch, Now: now})
		if err != nil {
			return nil, nil, err
		}
		if ext == ".json" && doc.Format != format.Ninjs {
			return nil, nil, fmt.Errorf(".json holds %s, want ninjs", doc.Format)
		}
		items, problems := checked(doc.Items, doc.Rejected)
		if len(items) == 0 {
			return nil, nil, fmt.Errorf("no article in %s document: %w", doc.Format, errors.Join(problems...))
		}
		return items, problems, nil
	case ".txt", ".text", ".html", ".htm":
		text, err := wire.DecodeBytes(data, "")
		if err != nil {
			return nil, nil, err
		}
		ct := article.ContentTypePlain
		if ext == ".html" || ext == ".htm" {
			ct = article.ContentTypeHTML
		}
		if strings.TrimSpace(text) == "" {
			return nil, nil, errors.New("file is empty")
		}
		a := article.RawArticle{
			Source:      w.cfg.Source,
			SourceID:    format.ContentID("", canonicalText(text)),
			Body:        text,
			ContentType: ct,
			ReceivedAt:  now.UTC().Format(format.TimeLayout),
		}
		if err := normalize.Check(a); err != nil {
			return nil, nil, err
		}
		return []publish.Item{{Article: a, Origin: publish.OriginWatch}}, nil, nil
	}
	return nil, nil, fmt.Errorf("unsupported file type %q (want .jsonl, .ndjson, .json, .xml, .txt or .html)", ext)
}

// readLines reads JSON lines of RawArticle.
func (w *Watcher) readLines(data []byte, now time.Time) ([]publish.Item, []error) {
	var items []publish.Item
	var problems []error
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		a, err := article.DecodeRaw(line)
		if err != nil {
			problems = append(problems, fmt.Errorf("line %d: %v", i+1, err))
			continue
		}
		if a.Source == "" {
			a.Source = w.cfg.Source
		}
		// The consumer's rules, so that what is published is indexed.
		if err := normalize.Check(a); err != nil {
			problems = append(problems, fmt.Errorf("line %d: %v", i+1, err))
			continue
		}
		if a.ReceivedAt == "" {
			a.ReceivedAt = now.UTC().Format(format.TimeLayout)
		}
		items = append(items, publish.Item{Article: a, Origin: publish.OriginWatch})
	}
	return items, problems
}

// checked keeps the items the consumer can index (normalize.Check) and
// adds the others to problems.
func checked(items []publish.Item, problems []error) ([]publish.Item, []error) {
	var ok []publish.Item
	for _, it := range items {
		if err := normalize.Check(it.Article); err != nil {
			problems = append(problems, fmt.Errorf("item %s: %w", it.Key(), err))
			continue
		}
		ok = append(ok, it)
	}
	return ok, problems
}

// canonicalText is what a text file's identity is computed from: its text
// with line endings folded to \n and surrounding white space removed.
func canonicalText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

func joinLines(errs []error) error {
	var sb strings.Builder
	for _, e := range errs {
		sb.WriteString(e.Error())
		sb.WriteByte('\n')
	}
	return errors.New(strings.TrimSpace(sb.String()))
}
