// Command testenvprobe checks that the test servers started by scripts/testenv.sh
// answer real requests. It exits 0 when the server is ready and 1 (with the reason
// on stderr) when it is not yet, so the script can call it in a wait loop.
//
//	testenvprobe kafka 127.0.0.1:19092   # create a probe topic, produce one record, fetch it back
//	testenvprobe es http://127.0.0.1:19200  # cluster health green or yellow; prints the version
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// probeTopic is the one topic the probe owns; tests never use it.
const probeTopic = "__newsflow_testenv_probe"

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: testenvprobe kafka HOST:PORT | es URL")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var (
		msg string
		err error
	)
	switch os.Args[1] {
	case "kafka":
		msg, err = probeKafka(ctx, os.Args[2])
	case "es":
		msg, err = probeES(ctx, os.Args[2])
	default:
		err = fmt.Errorf("unknown server %q: want kafka or es", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(msg)
}

// probeKafka makes a produce/fetch round trip through the broker at addr.
func probeKafka(ctx context.Context, addr string) (string, error) {
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 5 * time.Second}

	cr, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
		Topic: probeTopic, NumPartitions: 1, ReplicationFactor: 1,
	}}})
	if err != nil {
		return "", fmt.Errorf("create topic %s on %s: %w", probeTopic, addr, err)
	}
	if err := cr.Errors[probeTopic]; err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return "", fmt.Errorf("create topic %s: %w", probeTopic, err)
	}

	payload := []byte("probe-" + strconv.FormatInt(time.Now().UnixNano(), 10))
	pr, err := c.Produce(ctx, &kafka.ProduceRequest{
		Topic:        probeTopic,
		Partition:    0,
		RequiredAcks: kafka.RequireAll,
		Records:      kafka.NewRecordReader(kafka.Record{Value: kafka.NewBytes(payload)}),
	})
	if err != nil {
		return "", fmt.Errorf("produce to %s: %w", probeTopic, err)
	}
	if pr.Error != nil {
		return "", fmt.Errorf("produce to %s: %w", probeTopic, pr.Error)
	}

	fr, err := c.Fetch(ctx, &kafka.FetchRequest{
		Topic: probeTopic, Partition: 0, Offset: pr.BaseOffset, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: time.Second,
	})
	if err != nil {
		return "", fmt.Errorf("fetch from %s: %w", probeTopic, err)
	}
	if fr.Error != nil {
		return "", fmt.Errorf("fetch from %s: %w", probeTopic, fr.Error)
	}
	for {
		rec, err := fr.Records.ReadRecord()
		if err != nil {
			return "", fmt.Errorf("fetch from %s at offset %d: record not read back: %w", probeTopic, pr.BaseOffset, err)
		}
		if rec.Offset != pr.BaseOffset {
			continue
		}
		got, err := io.ReadAll(rec.Value)
		if err != nil {
			return "", fmt.Errorf("read record value: %w", err)
		}
		if !bytes.Equal(got, payload) {
			return "", fmt.Errorf("fetched %q at offset %d, produced %q", got, rec.Offset, payload)
		}
		return fmt.Sprintf("kafka %s: produced and fetched offset %d of %s", addr, pr.BaseOffset, probeTopic), nil
	}
}

// probeES checks cluster health and reads the node's version.
func probeES(ctx context.Context, url string) (string, error) {
	var health struct {
		Status string `json:"status"`
	}
	hdr, err := getJSON(ctx, url+"/_cluster/health", &health)
	if err != nil {
		return "", err
	}
	if health.Status != "green" && health.Status != "yellow" {
		return "", fmt.Errorf("cluster health at %s is %q, want green or yellow", url, health.Status)
	}
	product := hdr.Get("X-Elastic-Product")
	var nodes struct {
		Nodes map[string]struct {
			Version string `json:"version"`
		} `json:"nodes"`
	}
	if _, err := getJSON(ctx, url+"/_nodes/_local?filter_path=nodes.*.version", &nodes); err != nil {
		return "", err
	}
	version := "unknown"
	for _, n := range nodes.Nodes {
		version = n.Version
	}
	return fmt.Sprintf("elasticsearch %s: version %s, health %s, X-Elastic-Product %q", url, version, health.Status, product), nil
}

func getJSON(ctx context.Context, url string, v any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, fmt.Errorf("GET %s: decode: %w", url, err)
	}
	return resp.Header, nil
}
