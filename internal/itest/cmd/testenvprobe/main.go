// Command testenvprobe checks that the test servers started by scripts/testenv.sh
// answer real requests. It exits 0 when the server is ready and 1 (with the reason
// on stderr) when it is not yet, so the script can call it in a wait loop.
//
//	testenvprobe kafka 127.0.0.1:19092   # create a probe topic, produce one record, fetch it back
//	testenvprobe es http://127.0.0.1:19200  # cluster health green or yellow; prints the version
//	testenvprobe kafka-cluster A,B,C 3       # 3 brokers in the metadata; a round trip with replication factor 3
//	testenvprobe kafka-node 127.0.0.1:19492 2  # the broker answers and lists itself as node 2
//	testenvprobe es-cluster URL,URL,URL 3    # every node answers, sees 3 nodes, health green or yellow
//	testenvprobe kafka-sasl HOST:PORT CA USER PASSWORD-FILE  # SCRAM-SHA-512 over TLS round trip
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// probeTopic is the one topic the probe owns; tests never use it.
const probeTopic = "__newsflow_testenv_probe"

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: testenvprobe kafka HOST:PORT | es URL | kafka-cluster ADDRS N | kafka-node ADDR ID | es-cluster URLS N | kafka-sasl ADDR CA USER PASSWORD-FILE")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var (
		msg string
		err error
	)
	arg := func(i int) string {
		if i >= len(os.Args) {
			fmt.Fprintf(os.Stderr, "%s: missing argument %d\n", os.Args[1], i-1)
			os.Exit(2)
		}
		return os.Args[i]
	}
	switch os.Args[1] {
	case "kafka":
		msg, err = probeKafka(ctx, &kafka.Client{Addr: kafka.TCP(os.Args[2]), Timeout: 5 * time.Second}, os.Args[2], 1)
	case "es":
		msg, err = probeES(ctx, os.Args[2])
	case "kafka-cluster":
		msg, err = probeKafkaCluster(ctx, strings.Split(os.Args[2], ","), atoi(arg(3)))
	case "kafka-node":
		msg, err = probeKafkaNode(ctx, os.Args[2], atoi(arg(3)))
	case "es-cluster":
		msg, err = probeESCluster(ctx, strings.Split(os.Args[2], ","), atoi(arg(3)))
	case "kafka-sasl":
		msg, err = probeKafkaSASL(ctx, os.Args[2], arg(3), arg(4), arg(5))
	default:
		err = fmt.Errorf("unknown server %q: want kafka or es", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(msg)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%q: not a number\n", s)
		os.Exit(2)
	}
	return n
}

// probeKafka makes a produce/fetch round trip through the broker at addr,
// on a probe topic of the given replication factor (-1: the broker's default).
func probeKafka(ctx context.Context, c *kafka.Client, addr string, replication int) (string, error) {
	cr, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
		Topic: probeTopic, NumPartitions: 1, ReplicationFactor: replication,
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

// probeKafkaCluster checks that the metadata lists n brokers, then makes a
// round trip on a probe topic with the cluster's default replication (3).
func probeKafkaCluster(ctx context.Context, addrs []string, n int) (string, error) {
	c := &kafka.Client{Addr: kafka.TCP(addrs...), Timeout: 5 * time.Second, Transport: &kafka.Transport{MetadataTTL: time.Second}}
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return "", fmt.Errorf("metadata from %v: %w", addrs, err)
	}
	if len(md.Brokers) != n {
		return "", fmt.Errorf("metadata lists %d brokers, want %d", len(md.Brokers), n)
	}
	msg, err := probeKafka(ctx, c, strings.Join(addrs, ","), -1)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s; %d brokers, controller %d", msg, n, md.Controller.ID), nil
}

// probeKafkaNode checks that the broker at addr answers metadata itself and
// is broker id in it.
func probeKafkaNode(ctx context.Context, addr string, id int) (string, error) {
	conn, err := kafka.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("dial %s: %w", addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return "", err
	}
	b, err := conn.Brokers()
	if err != nil {
		return "", fmt.Errorf("metadata from %s: %w", addr, err)
	}
	for _, br := range b {
		if br.ID == id {
			return fmt.Sprintf("kafka %s: broker %d answers, %d brokers registered", addr, id, len(b)), nil
		}
	}
	return "", fmt.Errorf("broker %s does not list itself as broker %d yet (%d brokers)", addr, id, len(b))
}

// probeESCluster checks that every node answers and sees n nodes with
// health green or yellow.
func probeESCluster(ctx context.Context, urls []string, n int) (string, error) {
	var status string
	for _, u := range urls {
		var health struct {
			Status string `json:"status"`
			Nodes  int    `json:"number_of_nodes"`
		}
		if _, err := getJSON(ctx, u+"/_cluster/health", &health); err != nil {
			return "", err
		}
		if health.Nodes != n {
			return "", fmt.Errorf("%s sees %d nodes, want %d", u, health.Nodes, n)
		}
		if health.Status != "green" && health.Status != "yellow" {
			return "", fmt.Errorf("cluster health at %s is %q, want green or yellow", u, health.Status)
		}
		status = health.Status
	}
	return fmt.Sprintf("elasticsearch cluster %s: %d nodes, health %s", strings.Join(urls, ","), n, status), nil
}

// probeKafkaSASL makes the round trip of probeKafka as SCRAM-SHA-512 user
// over TLS, verifying the broker's certificate against the CA file.
func probeKafkaSASL(ctx context.Context, addr, caFile, user, passwordFile string) (string, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return "", err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return "", fmt.Errorf("%s holds no certificate", caFile)
	}
	pw, err := os.ReadFile(passwordFile)
	if err != nil {
		return "", err
	}
	mech, err := scram.Mechanism(scram.SHA512, user, strings.TrimSpace(string(pw)))
	if err != nil {
		return "", err
	}
	tr := &kafka.Transport{SASL: mech, TLS: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	defer tr.CloseIdleConnections()
	msg, err := probeKafka(ctx, &kafka.Client{Addr: kafka.TCP(addr), Timeout: 5 * time.Second, Transport: tr}, addr, 1)
	if err != nil {
		return "", err
	}
	return msg + " (SASL_SSL, SCRAM-SHA-512)", nil
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
