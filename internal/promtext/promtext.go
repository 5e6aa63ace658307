// Package promtext reads the Prometheus text exposition format that
// newsflow's /metrics serves, for the tools and tests that check numbers on
// a live process (the benchmark harness, integration tests).
package promtext

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Sample is one series line: name, labels and value.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Set is the samples of one scrape.
type Set []Sample

// Parse reads the text format; comment lines and lines it cannot read are
// skipped.
func Parse(r io.Reader) (Set, error) {
	var out Set
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if s, ok := parseLine(sc.Text()); ok {
			out = append(out, s)
		}
	}
	return out, sc.Err()
}

func parseLine(line string) (Sample, bool) {
	if line == "" || line[0] == '#' {
		return Sample{}, false
	}
	s := Sample{Labels: map[string]string{}}
	var rest string
	if i := strings.IndexAny(line, "{ "); i >= 0 && line[i] == '{' {
		s.Name = line[:i]
		j := strings.LastIndex(line, "} ")
		if j < i {
			return Sample{}, false
		}
		for _, kv := range strings.Split(line[i+1:j], ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				s.Labels[k] = strings.Trim(v, `"`)
			}
		}
		rest = line[j+2:]
	} else {
		s.Name, rest, _ = strings.Cut(line, " ")
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return Sample{}, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return Sample{}, false
	}
	s.Value = v
	return s, true
}

// Scrape GETs url (the /metrics URL) and parses the answer.
func Scrape(ctx context.Context, url string) (Set, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: %s", url, res.Status)
	}
	return Parse(res.Body)
}

// Sum adds the samples of name whose labels include every label=value of
// match.
func (m Set) Sum(name string, match ...string) float64 {
	total := 0.0
	for _, s := range m {
		if s.Name != name {
			continue
		}
		ok := true
		for _, kv := range match {
			k, v, _ := strings.Cut(kv, "=")
			if s.Labels[k] != v {
				ok = false
			}
		}
		if ok {
			total += s.Value
		}
	}
	return total
}
