package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/newsflow/newsflow/consumers/dlq"
	"github.com/newsflow/newsflow/internal/creds"
	"github.com/newsflow/newsflow/internal/kafkacfg"
	"github.com/newsflow/newsflow/search"
)

// The search page's wiring of `newsflow up`: who may read it, what it
// says about the process, and its dead-letter panel.

// pageAccess wraps the page, its API and the samples: on a loopback address
// anyone on the machine may read them; on any other address they need the
// push endpoint's token (--token-file), as the push does.
func (c *upSettings) pageAccess(token string) func(http.Handler) http.Handler {
	if loopback(c.listen) {
		return func(h http.Handler) http.Handler { return h }
	}
	t := creds.NewToken(token)
	return func(h http.Handler) http.Handler { return t.Require("newsflow", h) }
}

// pageInfo is the answer of /api/info.
func (c *upSettings) pageInfo(url, index string) *search.Info {
	v, rev := buildVersion()
	return &search.Info{
		Version: v, Commit: rev,
		Watch: c.watchDir, Push: url + "v1/articles", PushToken: c.tokenFile != "",
		Index: index, SyntaxHint: search.SyntaxHint,
	}
}

// deadLetterLister lists the dead-letter topic for the page, and the
// replay-dlq command line that re-publishes what is pending.
func deadLetterLister(kc *kafkacfg.Clients, k kafkacfg.Settings) search.DeadLetterLister {
	topic := k.DLQTopic()
	replay := fmt.Sprintf("newsflow replay-dlq --kafka-brokers %s --topic %s", strings.Join(kc.Brokers, ","), k.Topic)
	if k.SASLMechanism != "" || k.TLS {
		replay += " (with this process's --kafka-* settings)"
	}
	return func(ctx context.Context, limit int) (search.DeadLetters, error) {
		l, err := dlq.List(ctx, kc.Client, topic, defaultReplayGroup, limit)
		if err != nil {
			return search.DeadLetters{}, err
		}
		out := search.DeadLetters{Topic: topic, Total: l.Total, Pending: l.Pending, Replay: replay, Letters: make([]search.DeadLetter, 0, len(l.Letters))}
		for _, x := range l.Letters {
			m := x.Msg
			d := search.DeadLetter{Partition: m.Partition, Offset: m.Offset, Time: m.Time.UTC(), Key: string(m.Key), Replayed: x.Replayed, Bytes: len(m.Value)}
			d.Stage, _ = dlq.Header(m, dlq.HeaderStage)
			d.Error, _ = dlq.Header(m, dlq.HeaderError)
			d.Topic, _ = dlq.Header(m, dlq.HeaderTopic)
			if v, ok := dlq.Header(m, dlq.HeaderPartition); ok {
				d.SourcePartition, _ = strconv.Atoi(v)
			}
			if v, ok := dlq.Header(m, dlq.HeaderOffset); ok {
				d.SourceOffset, _ = strconv.ParseInt(v, 10, 64)
			}
			if v, ok := dlq.Header(m, dlq.HeaderReplays); ok {
				d.Replays, _ = strconv.Atoi(v)
			}
			out.Letters = append(out.Letters, d)
		}
		return out, nil
	}
}
