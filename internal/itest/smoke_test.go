package itest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/elastic/go-elasticsearch/v8/esutil"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/internal/itest"
)

// TestIntegrationSmoke shows that the test servers work end to end with the
// clients newsflow uses: kafka-go and an independent client (kcat) share a
// topic and a consumer group commits and resumes; go-elasticsearch installs a
// template, bulk-indexes and finds documents by phrase.
func TestIntegrationSmoke(t *testing.T) {
	t.Run("kafka: kafka-go and kcat produce, a group consumes all with commits and resumes without redelivery", func(t *testing.T) {
		addr := itest.Kafka(t)
		kcat := itest.Kcat(t)
		const fromGo, fromKcat = 1000, 100
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()

		topic := itest.NewTopic(t, addr, 3)
		want := map[string]bool{}

		w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: topic, Balancer: &kafka.Hash{},
			RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
		msgs := make([]kafka.Message, fromGo)
		for i := range msgs {
			v := "kafka-go " + strconv.Itoa(i)
			msgs[i] = kafka.Message{Key: []byte("go-" + strconv.Itoa(i)), Value: []byte(v)}
			want[v] = true
		}
		require.NoError(t, w.WriteMessages(ctx, msgs...))
		require.NoError(t, w.Close())

		var in bytes.Buffer
		for i := 0; i < fromKcat; i++ {
			v := "kcat " + strconv.Itoa(i)
			fmt.Fprintf(&in, "kcat-%d\t%s\n", i, v)
			want[v] = true
		}
		produce := exec.CommandContext(ctx, kcat, "-P", "-b", addr, "-t", topic, "-K", "\t",
			"-X", "acks=all")
		produce.Stdin = &in
		out, err := produce.CombinedOutput()
		require.NoError(t, err, "kcat -P: %s", out)

		// kcat reads back everything, kafka-go's and its own.
		read := exec.CommandContext(ctx, kcat, "-C", "-b", addr, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\n")
		out, err = read.Output()
		require.NoError(t, err, "kcat -C")
		require.Equal(t, fromGo+fromKcat, strings.Count(string(out), "\n"), "kcat read back a different count")

		group := itest.NewGroup(t)
		newReader := func() *kafka.Reader {
			return kafka.NewReader(kafka.ReaderConfig{
				Brokers: []string{addr}, GroupID: group, Topic: topic, StartOffset: kafka.FirstOffset,
				MaxWait: 100 * time.Millisecond, HeartbeatInterval: 500 * time.Millisecond,
			})
		}

		r := newReader()
		got := map[string]int{}
		for len(got) < len(want) {
			m, err := r.FetchMessage(ctx)
			require.NoError(t, err, "consumed %d of %d", len(got), len(want))
			got[string(m.Value)]++
			require.NoError(t, r.CommitMessages(ctx, m))
		}
		require.NoError(t, r.Close())
		for v, n := range got {
			require.True(t, want[v], "unexpected message %q", v)
			require.Equal(t, 1, n, "message %q delivered %d times", v, n)
		}

		offs, err := (&kafka.Client{Addr: kafka.TCP(addr)}).ConsumerOffsets(ctx, kafka.TopicAndGroup{Topic: topic, GroupId: group})
		require.NoError(t, err)
		var committed int64
		for _, o := range offs {
			committed += o
		}
		require.Equal(t, int64(fromGo+fromKcat), committed, "committed offsets %v", offs)

		// The group restarts at its committed offsets: nothing comes again.
		r = newReader()
		defer r.Close()
		quiet, qcancel := context.WithTimeout(ctx, 5*time.Second)
		defer qcancel()
		m, err := r.FetchMessage(quiet)
		require.ErrorIs(t, err, context.DeadlineExceeded, "redelivered after restart: %q", m.Value)
	})

	t.Run("elasticsearch: template, bulk index of 1000 documents, phrase search", func(t *testing.T) {
		url := itest.Elasticsearch(t)
		es := itest.ESClient(t, url)
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()
		index := itest.NewIndexName(t, url)

		template := index + "-template"
		body := `{
		  "index_patterns": ["` + index + `*"],
		  "template": {
		    "settings": {"number_of_shards": 1, "number_of_replicas": 0},
		    "mappings": {"properties": {
		      "source": {"type": "keyword"},
		      "title":  {"type": "text"},
		      "body":   {"type": "text"},
		      "published_at": {"type": "date"}
		    }}
		  }
		}`
		res, err := es.Indices.PutIndexTemplate(template, strings.NewReader(body), es.Indices.PutIndexTemplate.WithContext(ctx))
		require.NoError(t, err)
		requireOK(t, res)
		t.Cleanup(func() {
			if res, err := es.Indices.DeleteIndexTemplate(template); err == nil {
				res.Body.Close()
			}
		})

		bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{Client: es, Index: index, FlushBytes: 256 << 10})
		require.NoError(t, err)
		const docs = 1000
		var failed []string
		for i := 0; i < docs; i++ {
			text := fmt.Sprintf("Story %d. Ministers met on Tuesday and agreed on nothing new.", i)
			if i%10 == 0 {
				text = fmt.Sprintf("Story %d. Leaders called an emergency summit in Brussels on Tuesday.", i)
			} else if i%10 == 1 {
				// The same words, not as a phrase: a phrase query must not match.
				text = fmt.Sprintf("Story %d. In Brussels the summit on Tuesday was no emergency, leaders said.", i)
			}
			doc, err := json.Marshal(map[string]any{
				"source": "smoke", "title": "story " + strconv.Itoa(i), "body": text,
				"published_at": time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC).Format(time.RFC3339),
			})
			require.NoError(t, err)
			err = bi.Add(ctx, esutil.BulkIndexerItem{
				Action: "index", DocumentID: "doc-" + strconv.Itoa(i), Body: bytes.NewReader(doc),
				OnFailure: func(_ context.Context, item esutil.BulkIndexerItem, r esutil.BulkIndexerResponseItem, err error) {
					failed = append(failed, fmt.Sprintf("%s: %v %s", item.DocumentID, err, r.Error.Reason))
				},
			})
			require.NoError(t, err)
		}
		require.NoError(t, bi.Close(ctx))
		st := bi.Stats()
		require.Empty(t, failed)
		require.Equal(t, uint64(docs), st.NumIndexed, "bulk stats %+v", st)

		res, err = es.Indices.Refresh(es.Indices.Refresh.WithIndex(index), es.Indices.Refresh.WithContext(ctx))
		require.NoError(t, err)
		requireOK(t, res)

		// The index took the template's mapping.
		var mapping bytes.Buffer
		require.NoError(t, itest.ESDo(ctx, url, "GET", "/"+index+"/_mapping/field/source", "", &mapping))
		require.Contains(t, mapping.String(), `"type":"keyword"`)

		query := `{"track_total_hits": true, "size": 200, "_source": false,
		  "query": {"match_phrase": {"body": "emergency summit in Brussels"}}}`
		res, err = es.Search(es.Search.WithIndex(index), es.Search.WithBody(strings.NewReader(query)), es.Search.WithContext(ctx))
		require.NoError(t, err)
		defer res.Body.Close()
		require.False(t, res.IsError(), res.String())
		var sr struct {
			Hits struct {
				Total struct{ Value int } `json:"total"`
				Hits  []struct {
					ID string `json:"_id"`
				} `json:"hits"`
			} `json:"hits"`
		}
		require.NoError(t, json.NewDecoder(bufio.NewReader(res.Body)).Decode(&sr))
		require.Equal(t, docs/10, sr.Hits.Total.Value)
		ids := make([]string, 0, len(sr.Hits.Hits))
		for _, h := range sr.Hits.Hits {
			ids = append(ids, h.ID)
		}
		sort.Strings(ids)
		var wantIDs []string
		for i := 0; i < docs; i += 10 {
			wantIDs = append(wantIDs, "doc-"+strconv.Itoa(i))
		}
		sort.Strings(wantIDs)
		require.Equal(t, wantIDs, ids)
	})
}

func requireOK(t *testing.T, res *esapi.Response) {
	t.Helper()
	defer res.Body.Close()
	require.False(t, res.IsError(), res.String())
}
