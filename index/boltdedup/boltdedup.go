// Package boltdedup is a dedup.Store in a bbolt file: the cross-article
// dedup memory of `newsflow up`, which outlives a restart so that an
// article seen yesterday still marks today's copy "repeated". It is for one
// process (bbolt locks the file); workers of a deployment share the
// Redis store of package redisdedup (or the Elasticsearch one of esdedup) instead.
//
// Layout: bucket "keys" maps a key (8 bytes, big endian) to a record number;
// bucket "records" maps the record number to the encoded Record. The keys a
// paragraph claims together (its exact key and its band keys) share one
// record, so a long paragraph costs one record and six small key entries.
// Records are created once and never change, as dedup.Store requires; the
// store does not forget (it grows by about 250 bytes per paragraph with the
// 160-byte sketches of fingerprint version 3; version 4's are 24 bytes longer).
//
// Claims run in bbolt's batched write transactions: concurrent claims
// (one per partition being processed) share one fsync, and a claim returns
// only after its transaction is on disk.
package boltdedup

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/newsflow/newsflow/pkg/dedup"
)

var (
	bucketKeys     = []byte("keys")
	bucketRecords  = []byte("records")
	bucketMeta     = []byte("meta")
	keyFormat      = []byte("format")
	keyFingerprint = []byte("fingerprint")
)

// formatVersion is written in the meta bucket, and with it the
// dedup.FingerprintVersion of the records (format 2 on). Format 1 named no
// fingerprint version: its files were written by fingerprint versions 2 and
// 3, whose sketches (128 and 160 bytes) this version cannot read.
//
// A file of an older format or fingerprint version is emptied when opened
// (its keys and records dropped, the new versions written): its records
// could only be misread, and dedup starts with an empty memory, as it does
// on Redis (a new key prefix) and Elasticsearch (a new index) when the
// fingerprint version changes. A file of a newer format or fingerprint
// version is refused, so that an older binary never destroys it.
const formatVersion = 2

// recordVersion is the first byte of an encoded record: 2 from format 2
// (a sketch of dedup.SketchSize bytes of fingerprint version 4).
const recordVersion = 2

// Store is a dedup.Store on a bbolt file. It is safe for concurrent use.
type Store struct {
	db *bolt.DB
}

var _ dedup.Store = (*Store)(nil)

// Open opens (creating it when missing) the store at path. A file held by
// another process fails after a second instead of waiting.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("dedup store: create directory: %w", err)
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("dedup store %s is locked: another newsflow up uses this --data-dir", path)
		}
		return nil, fmt.Errorf("open dedup store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketKeys, bucketRecords, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return checkFormat(tx)
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open dedup store %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// checkFormat reads the file's format and fingerprint version, empties a
// file of older ones, refuses newer ones, and writes the current ones.
func checkFormat(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	format, fp := meta.Get(keyFormat), meta.Get(keyFingerprint)
	switch {
	case format == nil && tx.Bucket(bucketKeys).Stats().KeyN == 0:
		// A new file.
	case format == nil:
		return errors.New("keys without a file format: not a newsflow dedup store")
	case len(format) != 1 || format[0] > formatVersion:
		return fmt.Errorf("file format %v, this version reads %d: a newer newsflow wrote it; move the file away to start with an empty dedup memory", format, formatVersion)
	case format[0] == formatVersion && len(fp) == 1 && int(fp[0]) == dedup.FingerprintVersion:
		return nil
	case format[0] == formatVersion && (len(fp) != 1 || int(fp[0]) > dedup.FingerprintVersion):
		return fmt.Errorf("fingerprint version %v, this version reads %d: a newer newsflow wrote it; move the file away to start with an empty dedup memory", fp, dedup.FingerprintVersion)
	default:
		// An older format or fingerprint version: records this version
		// cannot read. Start with an empty memory.
		for _, b := range [][]byte{bucketKeys, bucketRecords} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
	}
	if err := meta.Put(keyFormat, []byte{formatVersion}); err != nil {
		return err
	}
	return meta.Put(keyFingerprint, []byte{byte(dedup.FingerprintVersion)})
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Len returns the number of keys held.
func (s *Store) Len() int {
	n := 0
	_ = s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketKeys).Stats().KeyN
		return nil
	})
	return n
}

// Lookup implements dedup.Store.
func (s *Store) Lookup(ctx context.Context, keys []dedup.Key, out []dedup.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(out) != len(keys) {
		return fmt.Errorf("dedup store: %d keys, %d records", len(keys), len(out))
	}
	return s.db.View(func(tx *bolt.Tx) error {
		kb, rb := tx.Bucket(bucketKeys), tx.Bucket(bucketRecords)
		for i, k := range keys {
			r, err := find(kb, rb, k)
			if err != nil {
				return err
			}
			out[i] = r
		}
		return nil
	})
}

// Claim implements dedup.Store.
func (s *Store) Claim(ctx context.Context, keys []dedup.Key, recs []dedup.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(recs) != len(keys) {
		return fmt.Errorf("dedup store: %d keys, %d records", len(keys), len(recs))
	}
	in := append([]dedup.Record(nil), recs...)
	result := make([]dedup.Record, len(recs))
	// Batch may run the function more than once; it starts from in each
	// time and writes only result.
	err := s.db.Batch(func(tx *bolt.Tx) error {
		kb, rb := tx.Bucket(bucketKeys), tx.Bucket(bucketRecords)
		var lastNum uint64
		var last dedup.Record
		for i, k := range keys {
			r, err := find(kb, rb, k)
			if err != nil {
				return err
			}
			if r.Found() {
				result[i] = r
				continue
			}
			if lastNum == 0 || last != in[i] {
				if lastNum, err = rb.NextSequence(); err != nil {
					return err
				}
				last = in[i]
				if err := rb.Put(u64(lastNum), encode(in[i])); err != nil {
					return err
				}
			}
			if err := kb.Put(u64(uint64(k)), u64(lastNum)); err != nil {
				return err
			}
			result[i] = in[i]
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("dedup store: claim %d keys: %w", len(keys), err)
	}
	copy(recs, result)
	return nil
}

func find(kb, rb *bolt.Bucket, k dedup.Key) (dedup.Record, error) {
	num := kb.Get(u64(uint64(k)))
	if num == nil {
		return dedup.Record{}, nil
	}
	v := rb.Get(num)
	if v == nil {
		return dedup.Record{}, fmt.Errorf("key %016x points at missing record %x", uint64(k), num)
	}
	return decode(v)
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// encode writes a record: version, article id, index, story id, figures,
// numbers, sketch.
func encode(r dedup.Record) []byte {
	b := make([]byte, 0, 1+3*binary.MaxVarintLen64+len(r.Ref.ArticleID)+len(r.StoryID)+16+len(r.Sketch))
	b = append(b, recordVersion)
	b = binary.AppendUvarint(b, uint64(len(r.Ref.ArticleID)))
	b = append(b, r.Ref.ArticleID...)
	b = binary.AppendVarint(b, int64(r.Ref.Index))
	b = binary.AppendUvarint(b, uint64(len(r.StoryID)))
	b = append(b, r.StoryID...)
	b = binary.BigEndian.AppendUint64(b, r.Figures)
	b = binary.BigEndian.AppendUint64(b, r.Numbers)
	return append(b, r.Sketch[:]...)
}

var errCorrupt = errors.New("corrupt record")

func decode(b []byte) (dedup.Record, error) {
	var r dedup.Record
	if len(b) == 0 || b[0] != recordVersion {
		return r, errCorrupt
	}
	b = b[1:]
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return "", false
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s, true
	}
	var ok bool
	if r.Ref.ArticleID, ok = str(); !ok {
		return r, errCorrupt
	}
	idx, k := binary.Varint(b)
	if k <= 0 {
		return r, errCorrupt
	}
	b = b[k:]
	r.Ref.Index = int(idx)
	if r.StoryID, ok = str(); !ok {
		return r, errCorrupt
	}
	if len(b) != 16+len(r.Sketch) {
		return r, errCorrupt
	}
	r.Figures = binary.BigEndian.Uint64(b)
	r.Numbers = binary.BigEndian.Uint64(b[8:])
	copy(r.Sketch[:], b[16:])
	if r.Ref.ArticleID == "" {
		// Article ids are never empty: an empty one would read as absent.
		return r, errCorrupt
	}
	return r, nil
}
