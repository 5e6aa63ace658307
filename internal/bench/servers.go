package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/index/elastic"
	"github.com/newsflow/newsflow/internal/promtext"
)

// esDo sends one request to Elasticsearch and reads the answer; a status
// outside 2xx is an error naming it.
func esDo(ctx context.Context, es elastic.Doer, method, path string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := es.Perform(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s (is Elasticsearch running and reachable?): %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("read answer to %s %s: %w", method, path, err)
	}
	if res.StatusCode/100 != 2 {
		if len(b) > 500 {
			b = b[:500]
		}
		return b, &statusError{status: res.StatusCode, msg: fmt.Sprintf("%s %s: status %d: %s", method, path, res.StatusCode, b)}
	}
	return b, nil
}

type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

func isNotFound(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.status == http.StatusNotFound
}

// esVersion returns the node's version number.
func esVersion(ctx context.Context, es elastic.Doer) (string, error) {
	b, err := esDo(ctx, es, http.MethodGet, "/", nil)
	if err != nil {
		return "", err
	}
	var v struct {
		Version struct {
			Number string `json:"number"`
		} `json:"version"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return "", fmt.Errorf("parse the answer of GET /: %w", err)
	}
	return v.Version.Number, nil
}

// esCount returns the number of documents searchable behind alias (no
// refresh is forced: what a search sees now).
func esCount(ctx context.Context, es elastic.Doer, alias string) (int, error) {
	b, err := esDo(ctx, es, http.MethodGet, "/"+alias+"/_count", nil)
	if err != nil {
		return 0, err
	}
	var c struct {
		Count int `json:"count"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return 0, fmt.Errorf("parse _count: %w", err)
	}
	return c.Count, nil
}

// esCPU returns the summed process CPU time of the cluster's nodes (the
// test node is one): the Elasticsearch share of a phase.
func esCPU(ctx context.Context, es elastic.Doer) (time.Duration, error) {
	b, err := esDo(ctx, es, http.MethodGet, "/_nodes/stats/process?filter_path=nodes.*.process.cpu.total_in_millis", nil)
	if err != nil {
		return 0, err
	}
	var s struct {
		Nodes map[string]struct {
			Process struct {
				CPU struct {
					Total int64 `json:"total_in_millis"`
				} `json:"cpu"`
			} `json:"process"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return 0, fmt.Errorf("parse node stats: %w", err)
	}
	var total int64
	for _, n := range s.Nodes {
		total += n.Process.CPU.Total
	}
	return time.Duration(total) * time.Millisecond, nil
}

// esSearchIDs returns which of ids are searchable behind alias now.
func esSearchIDs(ctx context.Context, es elastic.Doer, alias string, ids []string) ([]string, error) {
	q, _ := json.Marshal(map[string]any{
		"size": len(ids), "_source": false, "track_total_hits": false,
		"query": map[string]any{"ids": map[string]any{"values": ids}},
	})
	b, err := esDo(ctx, es, http.MethodPost, "/"+alias+"/_search?filter_path=hits.hits._id", q)
	if err != nil {
		return nil, err
	}
	var r struct {
		Hits struct {
			Hits []struct {
				ID string `json:"_id"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("parse search answer: %w", err)
	}
	out := make([]string, len(r.Hits.Hits))
	for i, h := range r.Hits.Hits {
		out[i] = h.ID
	}
	return out, nil
}

// waitLeaders waits until every partition of topic has a leader.
func waitLeaders(ctx context.Context, client *kafka.Client, topic string, partitions int) error {
	var last error
	for {
		res, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
		if err == nil {
			last = fmt.Errorf("topic %s has no %d partitions with leaders yet", topic, partitions)
			if len(res.Topics) == 1 && res.Topics[0].Error == nil && len(res.Topics[0].Partitions) == partitions {
				ok := true
				for _, p := range res.Topics[0].Partitions {
					if p.Error != nil || p.Leader.Host == "" {
						ok = false
					}
				}
				if ok {
					return nil
				}
			}
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the leaders of %s: %w", topic, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// groupAssigned reports how many members the group has and how many
// partitions of topic they were assigned, once the group is Stable.
func groupAssigned(ctx context.Context, client *kafka.Client, group, topic string) (members, partitions int, err error) {
	res, err := client.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil {
		return 0, 0, err
	}
	if len(res.Groups) != 1 || res.Groups[0].Error != nil {
		return 0, 0, nil
	}
	g := res.Groups[0]
	if g.GroupState != "Stable" {
		return 0, 0, nil
	}
	for _, m := range g.Members {
		for _, t := range m.MemberAssignments.Topics {
			if t.Topic == topic {
				partitions += len(t.Partitions)
			}
		}
	}
	return len(g.Members), partitions, nil
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// scrape reads /metrics of addr (host:port).
func scrape(ctx context.Context, addr string) (promtext.Set, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return promtext.Scrape(ctx, "http://"+addr+"/metrics")
}

// ready reports whether addr answers /readyz with 200.
func ready(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/readyz", nil)
	if err != nil {
		return false
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// IndexStats is what Elasticsearch's index statistics say of a phase's
// index (primaries): the time it spent indexing, refreshing and merging, and
// the searches (the harness's counts) it answered.
type IndexStats struct {
	Ran                         bool
	Index, Refresh, Merge       time.Duration
	Refreshes, Merges, Searches int64
	// MergesRunning is the merges in progress when the stats were read.
	MergesRunning int64
}

// esIndexStats reads the statistics of the indices behind alias.
func esIndexStats(ctx context.Context, es elastic.Doer, alias string) (IndexStats, error) {
	b, err := esDo(ctx, es, http.MethodGet, "/"+alias+"/_stats/indexing,refresh,merge,search?filter_path=_all.primaries", nil)
	if err != nil {
		return IndexStats{}, err
	}
	var s struct {
		All struct {
			Primaries struct {
				Indexing struct {
					Millis int64 `json:"index_time_in_millis"`
				} `json:"indexing"`
				Refresh struct {
					Total  int64 `json:"total"`
					Millis int64 `json:"total_time_in_millis"`
				} `json:"refresh"`
				Merges struct {
					Current int64 `json:"current"`
					Total   int64 `json:"total"`
					Millis  int64 `json:"total_time_in_millis"`
				} `json:"merges"`
				Search struct {
					Queries int64 `json:"query_total"`
				} `json:"search"`
			} `json:"primaries"`
		} `json:"_all"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return IndexStats{}, fmt.Errorf("parse index stats: %w", err)
	}
	p := s.All.Primaries
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	return IndexStats{Ran: true, Index: ms(p.Indexing.Millis), Refresh: ms(p.Refresh.Millis), Merge: ms(p.Merges.Millis),
		Refreshes: p.Refresh.Total, Merges: p.Merges.Total, Searches: p.Search.Queries, MergesRunning: p.Merges.Current}, nil
}
