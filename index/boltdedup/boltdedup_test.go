package boltdedup

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/dedup/storetest"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) dedup.Store {
		return open(t, filepath.Join(t.TempDir(), "dedup.db"))
	})
}

func TestRecordsSurviveReopening(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dedup.db")
	s, err := Open(path)
	require.NoError(t, err)
	rec := dedup.Record{Ref: article.Ref{ArticleID: "a1", Index: article.TitleIndex}, StoryID: "story-é", Figures: 1 << 63, Numbers: 42}
	rec.Sketch[0], rec.Sketch[127] = 1, 255
	recs := []dedup.Record{rec, rec}
	require.NoError(t, s.Claim(ctx, []dedup.Key{7, 8}, recs))
	require.NoError(t, s.Close())

	s = open(t, path)
	require.Equal(t, 2, s.Len())
	out := make([]dedup.Record, 3)
	require.NoError(t, s.Lookup(ctx, []dedup.Key{8, 9, 7}, out))
	require.Equal(t, []dedup.Record{rec, {}, rec}, out)
}

func TestAnArticleSeenBeforeARestartIsRepeatedAfterIt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dedup.db")
	para := "Representatives from Moscow and Kiev are meeting at this hour in the town of Gomel, on Ukraine's border with Belarus."
	mark := func(s dedup.Store, id string) *article.Article {
		a := &article.Article{ID: id, Source: "wire", Paragraphs: []article.Paragraph{{Index: 0, Text: para}}}
		require.NoError(t, dedup.New(s, dedup.Options{}).MarkBatch(ctx, []*article.Article{a}, [][]string{nil}))
		return a
	}
	s, err := Open(path)
	require.NoError(t, err)
	require.Equal(t, article.StatusUnique, mark(s, "first").Paragraphs[0].Status)
	require.NoError(t, s.Close())

	a := mark(open(t, path), "second")
	require.Equal(t, article.StatusRepeated, a.Paragraphs[0].Status)
	require.Equal(t, &article.Ref{ArticleID: "first", Index: 0}, a.Paragraphs[0].DuplicateOf)
}

func TestASecondOpenOfTheSameFileFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dedup.db")
	open(t, path)
	_, err := Open(path)
	require.ErrorContains(t, err, "another newsflow up uses this --data-dir")
}

func TestCorruptRecordsAreErrors(t *testing.T) {
	good := encode(dedup.Record{Ref: article.Ref{ArticleID: "a", Index: 3}, StoryID: "s"})
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"unknown version", append([]byte{9}, good[1:]...)},
		{"truncated", good[:len(good)-1]},
		{"too long", append(append([]byte(nil), good...), 0)},
		{"empty article id", encode(dedup.Record{StoryID: "s"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decode(tc.b)
			require.ErrorIs(t, err, errCorrupt)
		})
	}
	r, err := decode(good)
	require.NoError(t, err)
	require.Equal(t, 3, r.Ref.Index)
}

// TestAFileOfAnOlderFormatIsEmptied: the records of an older format or
// fingerprint version cannot be read (their sketches are of another size
// and meaning), so the file is emptied when opened, as the other stores
// start empty under a new prefix or index; a newer one is refused.
func TestAFileOfAnOlderFormatIsEmptied(t *testing.T) {
	ctx := context.Background()
	rec := dedup.Record{Ref: article.Ref{ArticleID: "a1", Index: 0}, StoryID: "a1"}
	for _, tc := range []struct {
		name        string
		format, fp  []byte // meta written after the claim; nil: removed
		wantErr     string
		wantEmptied bool
	}{
		{name: "format 1 (fingerprint 2 or 3)", format: []byte{1}, wantEmptied: true},
		{name: "an older fingerprint version", format: []byte{formatVersion}, fp: []byte{dedup.FingerprintVersion - 1}, wantEmptied: true},
		{name: "the current versions", format: []byte{formatVersion}, fp: []byte{dedup.FingerprintVersion}},
		{name: "a newer format", format: []byte{formatVersion + 1}, wantErr: "a newer newsflow wrote it"},
		{name: "a newer fingerprint version", format: []byte{formatVersion}, fp: []byte{dedup.FingerprintVersion + 1}, wantErr: "a newer newsflow wrote it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dedup.db")
			s, err := Open(path)
			require.NoError(t, err)
			require.NoError(t, s.Claim(ctx, []dedup.Key{7}, []dedup.Record{rec}))
			require.NoError(t, s.Close())
			db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
			require.NoError(t, err)
			require.NoError(t, db.Update(func(tx *bolt.Tx) error {
				meta := tx.Bucket(bucketMeta)
				if err := meta.Put(keyFormat, tc.format); err != nil {
					return err
				}
				if tc.fp == nil {
					return meta.Delete(keyFingerprint)
				}
				return meta.Put(keyFingerprint, tc.fp)
			}))
			require.NoError(t, db.Close())

			s, err = Open(path)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			defer s.Close()
			out := make([]dedup.Record, 1)
			require.NoError(t, s.Lookup(ctx, []dedup.Key{7}, out))
			if tc.wantEmptied {
				require.Equal(t, 0, s.Len())
				require.False(t, out[0].Found())
			} else {
				require.Equal(t, rec, out[0])
			}
			// The file now carries the current versions, and claims work.
			require.NoError(t, s.Claim(ctx, []dedup.Key{7}, []dedup.Record{rec}))
			require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
				meta := tx.Bucket(bucketMeta)
				require.Equal(t, []byte{formatVersion}, meta.Get(keyFormat))
				require.Equal(t, []byte{dedup.FingerprintVersion}, meta.Get(keyFingerprint))
				return nil
			}))
		})
	}
}
