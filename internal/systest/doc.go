// Package systest holds newsflow's black-box system tests: the built
// `newsflow` binary runs as real `produce` and `consume` processes against
// real servers started by scripts/testenv.sh, and the tests see only what
// a user sees (HTTP answers, exit status, logs, /metrics, the topics and
// the index).
//
//   - Faults on the cluster of `scripts/testenv.sh up --cluster` (3 Kafka
//     brokers, 3 Elasticsearch nodes): a broker SIGKILLed and restarted, the
//     partition leader's broker paused for 20 s, an Elasticsearch node killed
//     mid-bulk, a worker killed during a rebalance. Each pushes N corpus
//     articles (NEWSFLOW_TEST_ARTICLES, 10,000 by default and under CI) and
//     ends with exact counts and exact _id sets; each logs its time to drain.
//   - Dead letters larger than the dead-letter topic's default size.
//   - Alerts: a real Prometheus server scrapes the processes with the shipped
//     rules (with shorter `for:`), and every Grafana panel's query returns data.
//   - Secured Kafka (`scripts/testenv.sh up --secure`): SASL/SCRAM over TLS
//     and mutual TLS.
//
// The package has no code of its own besides this comment; everything is in
// its _test.go files. Like every integration test, these skip without their
// servers and fail instead under CI=true.
package systest
