package seen

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t *testing.T, dir string, max int) *Store {
	t.Helper()
	s, err := Open(dir, Options{MaxEntries: max})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func lines(t *testing.T, dir string) int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, LogFile))
	require.NoError(t, err)
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
	}
	return n
}

func TestStore(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, dir string)
	}{
		{"an unknown key is not unchanged", func(t *testing.T, dir string) {
			s := open(t, dir, 10)
			require.False(t, s.Unchanged("wire:1", "h1"))
		}},
		{"a recorded key with the same hash is unchanged, with another hash it is not", func(t *testing.T, dir string) {
			s := open(t, dir, 10)
			require.NoError(t, s.Record(Entry{"wire:1", "h1"}))
			require.True(t, s.Unchanged("wire:1", "h1"))
			require.False(t, s.Unchanged("wire:1", "h2"))
		}},
		{"the record survives a restart, the latest hash winning", func(t *testing.T, dir string) {
			s := open(t, dir, 10)
			require.NoError(t, s.Record(Entry{"wire:1", "h1"}, Entry{"wire:2", "h2"}))
			require.NoError(t, s.Record(Entry{"wire:1", "h3"}))
			require.NoError(t, s.Close())
			s = open(t, dir, 10)
			require.Equal(t, 2, s.Len())
			require.True(t, s.Unchanged("wire:1", "h3"))
			require.True(t, s.Unchanged("wire:2", "h2"))
		}},
		{"keys with spaces, quotes and newlines round-trip", func(t *testing.T, dir string) {
			s := open(t, dir, 10)
			key := "feed:https://x.test/a b?\"q\"\nline"
			require.NoError(t, s.Record(Entry{key, "h"}))
			require.NoError(t, s.Close())
			require.True(t, open(t, dir, 10).Unchanged(key, "h"))
		}},
		{"beyond the bound the least recently offered item is forgotten", func(t *testing.T, dir string) {
			s := open(t, dir, 3)
			require.NoError(t, s.Record(Entry{"a", "1"}, Entry{"b", "1"}, Entry{"c", "1"}))
			require.True(t, s.Unchanged("a", "1"), "offering a again keeps it recent")
			require.NoError(t, s.Record(Entry{"d", "1"}))
			require.Equal(t, 3, s.Len())
			require.False(t, s.Unchanged("b", "1"), "b was the least recently offered")
			require.True(t, s.Unchanged("a", "1"))
		}},
		{"the log is compacted and keeps recency order across a restart", func(t *testing.T, dir string) {
			s := open(t, dir, 100)
			for i := range 5000 {
				require.NoError(t, s.Record(Entry{fmt.Sprintf("k%d", i%150), fmt.Sprintf("h%d", i)}))
			}
			require.Equal(t, 100, s.Len())
			require.LessOrEqual(t, lines(t, dir), 2*100+1024+1)
			require.NoError(t, s.Close())
			s = open(t, dir, 100)
			require.Equal(t, 100, s.Len())
			require.True(t, s.Unchanged("k49", "h4999"), "the newest entries survive")
			require.False(t, s.Unchanged("k50", "h4850"), "the oldest were evicted")
		}},
		{"a damaged last line is skipped", func(t *testing.T, dir string) {
			s := open(t, dir, 10)
			require.NoError(t, s.Record(Entry{"a", "1"}))
			require.NoError(t, s.Close())
			f, err := os.OpenFile(filepath.Join(dir, LogFile), os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.WriteString(`2 "unterminated`)
			require.NoError(t, err)
			require.NoError(t, f.Close())
			s = open(t, dir, 10)
			require.Equal(t, 1, s.Len())
			require.True(t, s.Unchanged("a", "1"))
			require.NoError(t, s.Record(Entry{"b", "2"}))
		}},
		{"a second store on the same directory is refused", func(t *testing.T, dir string) {
			open(t, dir, 10)
			_, err := Open(dir, Options{})
			require.ErrorContains(t, err, "another newsflow producer uses this --data-dir")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, t.TempDir()) })
	}
}

func BenchmarkRecord(b *testing.B) {
	s, err := Open(b.TempDir(), Options{MaxEntries: 10_000})
	require.NoError(b, err)
	defer s.Close()
	batch := make([]Entry, 100)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range batch {
			batch[j] = Entry{Key: fmt.Sprintf("feed:https://example.test/story/%d", i*100+j), Hash: "0123456789abcdef0123456789abcdef"}
		}
		if err := s.Record(batch...); err != nil {
			b.Fatal(err)
		}
	}
}
