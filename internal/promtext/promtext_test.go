package promtext

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseAndSum(t *testing.T) {
	text := `# HELP newsflow_consumer_messages_total Messages done.
# TYPE newsflow_consumer_messages_total counter
newsflow_consumer_messages_total{result="indexed"} 10
newsflow_consumer_messages_total{result="dead_lettered"} 2
newsflow_consumer_lag{partition="0",topic="news.raw"} 3
newsflow_consumer_lag{partition="1",topic="news.raw"} 4
process_cpu_seconds_total 1.5
broken_line_without_value
newsflow_stage_duration_seconds_bucket{stage="dedup",le="+Inf"} 7
`
	m, err := Parse(strings.NewReader(text))
	require.NoError(t, err)
	require.Len(t, m, 6, "comments and unreadable lines are skipped")
	require.Equal(t, 12.0, m.Sum("newsflow_consumer_messages_total"))
	require.Equal(t, 2.0, m.Sum("newsflow_consumer_messages_total", "result=dead_lettered"))
	require.Equal(t, 4.0, m.Sum("newsflow_consumer_lag", "partition=1", "topic=news.raw"))
	require.Equal(t, 0.0, m.Sum("newsflow_consumer_lag", "partition=9"))
	require.Equal(t, 1.5, m.Sum("process_cpu_seconds_total"))
	require.Equal(t, 7.0, m.Sum("newsflow_stage_duration_seconds_bucket", "le=+Inf"))
}
