// Package seen is the producer's on-disk record of the wire items it has
// sent: item key → content hash. A feed lists the same items poll after
// poll and a wire service sends the same item again; the record lets the
// producer send an item only when it is new or its content changed (a new
// version, a correction, a cancellation), also across restarts.
//
// An entry is recorded only after Kafka acknowledged the item, so a crash
// between the two costs one duplicate message and loses nothing.
//
// # Bound and compaction
//
// The record keeps at most MaxEntries items (default 100,000), evicting the
// one least recently offered by any source: an item a feed still lists is
// refreshed on every poll and stays. Size the bound above the number of
// items all sources list at once, else an evicted item that is still listed
// is sent once more.
//
// The file (seen.log in the directory) is an append-only log of
// "<hash> <quoted key>" lines, fsynced after each Record. When it holds
// more than twice the live entries (plus 1,024 lines) it is rewritten, oldest
// first, to a temporary file that replaces it by rename; so the file stays
// under about 2 × MaxEntries lines (≈ 100 bytes each, 20 MB at the default),
// and a crash during compaction leaves the old log intact. On open, a
// damaged last line (a crash mid-append) is skipped.
//
// The directory is locked (flock on LOCK) so two producers cannot share it.
package seen

import (
	"bufio"
	"container/list"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// DefaultMaxEntries bounds the record when Options.MaxEntries is 0.
const DefaultMaxEntries = 100_000

// File names inside the directory.
const (
	LogFile  = "seen.log"
	LockFile = "LOCK"
)

// Entry is one item: its key and content hash.
type Entry struct {
	Key  string
	Hash string
}

// Options configure a Store.
type Options struct {
	// MaxEntries bounds the items kept. Default: 100,000.
	MaxEntries int
	// Logger receives warnings about damaged lines. Default: discard.
	Logger *slog.Logger
}

// Store is the record. It is safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	dir     string
	max     int
	logger  *slog.Logger
	lock    *os.File
	f       *os.File
	w       *bufio.Writer
	lru     *list.List // front: most recently offered
	byKey   map[string]*list.Element
	lines   int // lines in the file
	evicted int
	closed  bool
}

// Open opens (creating when needed) the record in dir.
func Open(dir string, opts Options) (*Store, error) {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create seen-record directory: %w", err)
	}
	lock, err := lockDir(filepath.Join(dir, LockFile))
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir, max: opts.MaxEntries, logger: opts.Logger, lock: lock, lru: list.New(), byKey: map[string]*list.Element{}}
	if err := s.load(); err != nil {
		_ = lock.Close()
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, LogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("open seen record: %w", err)
	}
	s.f, s.w = f, bufio.NewWriterSize(f, 64<<10)
	if s.lines > 2*s.lru.Len()+1024 {
		if err := s.compact(); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *Store) load() error {
	path := filepath.Join(s.dir, LogFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open seen record: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	bad := 0
	for sc.Scan() {
		s.lines++
		e, ok := parseLine(sc.Text())
		if !ok {
			bad++
			continue
		}
		s.put(e)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read seen record %s: %w", path, err)
	}
	if bad > 0 {
		s.logger.Warn("seen record: skipped damaged lines", "path", path, "lines", bad)
	}
	return nil
}

func parseLine(l string) (Entry, bool) {
	hash, quoted, ok := strings.Cut(l, " ")
	if !ok || hash == "" {
		return Entry{}, false
	}
	key, err := strconv.Unquote(quoted)
	if err != nil {
		return Entry{}, false
	}
	return Entry{Key: key, Hash: hash}, true
}

// put inserts or refreshes e as the most recent entry, evicting the oldest
// beyond the bound.
func (s *Store) put(e Entry) {
	if el, ok := s.byKey[e.Key]; ok {
		el.Value = e
		s.lru.MoveToFront(el)
	} else {
		s.byKey[e.Key] = s.lru.PushFront(e)
	}
	for s.lru.Len() > s.max {
		old := s.lru.Back()
		s.lru.Remove(old)
		delete(s.byKey, old.Value.(Entry).Key)
		s.evicted++
	}
}

// Unchanged reports whether key was recorded with this hash, and marks the
// key as recently offered either way (in memory; see the package doc).
func (s *Store) Unchanged(key, hash string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.byKey[key]
	if !ok {
		return false
	}
	s.lru.MoveToFront(el)
	return el.Value.(Entry).Hash == hash
}

// Has reports whether key is recorded, with any hash: an item sent before
// whose content changed replaces what was sent.
func (s *Store) Has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.byKey[key]
	return ok
}

// Record remembers entries (call it once Kafka acknowledged them) and
// syncs the file.
func (s *Store) Record(entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("seen record is closed")
	}
	for _, e := range entries {
		if strings.ContainsAny(e.Hash, " \n") || e.Hash == "" {
			return fmt.Errorf("seen record: bad hash %q", e.Hash)
		}
		s.put(e)
		s.w.WriteString(e.Hash)
		s.w.WriteByte(' ')
		s.w.WriteString(strconv.Quote(e.Key))
		s.w.WriteByte('\n')
		s.lines++
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("append to seen record: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("sync seen record: %w", err)
	}
	if s.lines > 2*s.lru.Len()+1024 {
		return s.compact()
	}
	return nil
}

// compact rewrites the log with the live entries, oldest first.
func (s *Store) compact() error {
	path := filepath.Join(s.dir, LogFile)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("compact seen record: %w", err)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	for el := s.lru.Back(); el != nil; el = el.Prev() {
		e := el.Value.(Entry)
		w.WriteString(e.Hash)
		w.WriteByte(' ')
		w.WriteString(strconv.Quote(e.Key))
		w.WriteByte('\n')
	}
	err = w.Flush()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("compact seen record: %w", err)
	}
	syncDir(s.dir)
	if s.f != nil {
		_ = s.f.Close()
	}
	s.f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("reopen seen record: %w", err)
	}
	s.w.Reset(s.f)
	before := s.lines
	s.lines = s.lru.Len()
	s.logger.Debug("seen record compacted", "path", path, "lines_before", before, "entries", s.lines, "evicted_total", s.evicted)
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Len is the number of items recorded.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lru.Len()
}

// Close flushes the file and releases the directory lock.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.f != nil {
		err = s.w.Flush()
		if cerr := s.f.Close(); err == nil {
			err = cerr
		}
	}
	if cerr := s.lock.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close seen record: %w", err)
	}
	return nil
}
