//go:build tools

// Package tools pins the modules newsflow's packages use while they are
// being written, so `go mod tidy` keeps them. It is never built.
package tools

import (
	_ "github.com/blevesearch/bleve/v2"
	_ "github.com/elastic/go-elasticsearch/v8"
	_ "github.com/elastic/go-elasticsearch/v8/esapi"
	_ "github.com/elastic/go-elasticsearch/v8/esutil"
	_ "github.com/oklog/run"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/collectors"
	_ "github.com/prometheus/client_golang/prometheus/promauto"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/prometheus/client_golang/prometheus/testutil"
	_ "github.com/segmentio/kafka-go"
	_ "github.com/segmentio/kafka-go/compress"
	_ "github.com/segmentio/kafka-go/sasl/plain"
	_ "github.com/segmentio/kafka-go/sasl/scram"
	_ "github.com/stretchr/testify/require"
	_ "github.com/twmb/franz-go/pkg/kfake"
	_ "go.uber.org/goleak"
	_ "golang.org/x/net/html"
	_ "golang.org/x/net/html/charset"
	_ "golang.org/x/text/encoding/charmap"
	_ "golang.org/x/text/unicode/norm"
	_ "gopkg.in/yaml.v3"
)
