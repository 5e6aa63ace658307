package consumers

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
)

func TestReaderStatsExportsEveryCounter(t *testing.T) {
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{"127.0.0.1:1"}, Topic: "t", GroupID: "g"})
	defer func() { require.NoError(t, r.Close()) }()
	reg := prometheus.NewRegistry()
	RegisterReaderStats(r, reg)
	n, err := testutil.GatherAndCount(reg)
	require.NoError(t, err)
	require.Equal(t, 6, n)
	for _, name := range []string{"rebalances", "errors", "fetches", "timeouts", "dials", "bytes"} {
		c, err := testutil.GatherAndCount(reg, "newsflow_kafka_reader_"+name+"_total")
		require.NoError(t, err)
		require.Equal(t, 1, c, name)
	}
}
