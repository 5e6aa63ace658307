package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/newsflow/newsflow/pkg/article"
)

// Corpus is one corpus file read into raw articles.
type Corpus struct {
	// Name is the file name (bbc-news.jsonl).
	Name string
	// Raws are its articles in file order.
	Raws []article.RawArticle
	// Bytes is the size of the text: titles and bodies.
	Bytes int64
}

// Size is the text bytes of one raw article, the unit of every MB/s figure
// of the harness: title plus body as the producer sent them.
func Size(r article.RawArticle) int64 { return int64(len(r.Title) + len(r.Body)) }

// LoadCorpora reads the named files of dir (every *.jsonl when names is
// empty, sorted by name). Each line is one JSON object with the fields of a
// RawArticle (id, source, title, body, published).
func LoadCorpora(dir string, names []string) ([]Corpus, error) {
	if dir == "" {
		return nil, fmt.Errorf("no corpus directory: pass --corpus or set NEWSFLOW_SHARED to the directory holding corpus/")
	}
	if len(names) == 0 {
		m, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		if err != nil {
			return nil, err
		}
		for _, p := range m {
			names = append(names, filepath.Base(p))
		}
		sort.Strings(names)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no *.jsonl corpus files in %s", dir)
	}
	var out []Corpus
	for _, n := range names {
		c, err := loadCorpus(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func loadCorpus(path string) (Corpus, error) {
	f, err := os.Open(path)
	if err != nil {
		return Corpus{}, fmt.Errorf("open corpus: %w", err)
	}
	defer f.Close()
	c := Corpus{Name: filepath.Base(path)}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r article.RawArticle
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return Corpus{}, fmt.Errorf("%s line %d: %w", c.Name, line, err)
		}
		if err := r.Validate(); err != nil {
			return Corpus{}, fmt.Errorf("%s line %d: %w", c.Name, line, err)
		}
		c.Raws = append(c.Raws, r)
		c.Bytes += Size(r)
	}
	if err := sc.Err(); err != nil {
		return Corpus{}, fmt.Errorf("read %s: %w", c.Name, err)
	}
	if len(c.Raws) == 0 {
		return Corpus{}, fmt.Errorf("corpus %s holds no articles", c.Name)
	}
	return c, nil
}

// Cycle returns n articles taken from the corpora in turn (all of the
// first, then the second, …, then again from the start). Every article gets
// a fresh id: "<id>.<run>.<cycle>", so each is a new story for the index
// while the text, and so the work of the stages, is the corpus's; from the
// second cycle on the stages see text they have seen (repeated paragraphs,
// as wires repeat themselves).
func Cycle(corpora []Corpus, n int, run string) []article.RawArticle {
	var all []article.RawArticle
	for _, c := range corpora {
		all = append(all, c.Raws...)
	}
	out := make([]article.RawArticle, 0, n)
	if len(all) == 0 {
		return out
	}
	for i := 0; i < n; i++ {
		r := all[i%len(all)]
		id := r.ID
		if id == "" {
			id = r.DeriveID()
		}
		r.ID = id + "." + run + "." + strconv.Itoa(i/len(all))
		r.SourceID = r.ID
		out = append(out, r)
	}
	return out
}
