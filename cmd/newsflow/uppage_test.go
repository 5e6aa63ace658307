package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/search"
)

var brokerRE = regexp.MustCompile(`Kafka embedded broker (\S+),`)

// TestIntegrationUpDeadLettersAndReplay: a message the worker cannot read
// (written to the embedded broker by another client: the door refuses such
// pushes) is listed on the page's API with its reason and the replay
// command, and replay-dlq runs against the embedded broker with a replay
// group that does not exist yet. A fresh up logs no lag warning.
func TestIntegrationUpDeadLettersAndReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	up := startUp(t, "--data-dir", t.TempDir(), "--samples=false")
	addr := brokerRE.FindStringSubmatch(up.stdout.String())[1]

	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: "news.raw", Transport: tr, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, w.WriteMessages(ctx, kafka.Message{Key: []byte("desk:poison"), Value: []byte(`{"source":"desk","body":`)}))
	require.NoError(t, w.Close())

	var d search.DeadLetters
	require.Eventually(t, func() bool {
		up.get(t, "/api/deadletters", &d)
		return d.Total == 1
	}, 30*time.Second, 100*time.Millisecond, "the letter is listed")
	require.EqualValues(t, 1, d.Pending)
	require.Equal(t, "news.raw.dlq", d.Topic)
	require.Equal(t, "newsflow replay-dlq --kafka-brokers "+addr+" --topic news.raw", d.Replay)
	l := d.Letters[0]
	require.Equal(t, "desk:poison", l.Key)
	require.Equal(t, "decode", l.Stage)
	require.Contains(t, l.Error, "decode RawArticle JSON")
	require.Equal(t, "news.raw", l.Topic)
	require.False(t, l.Replayed)

	code, out, errs := runCLI(t, "", "replay-dlq", "--kafka-brokers", addr, "--dry-run", "--log-level", "warn")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, `key="desk:poison"`)
	require.NotContains(t, errs, "Group ID Not Found")

	code, _, errs = runCLI(t, "", "replay-dlq", "--kafka-brokers", addr, "--log-level", "warn")
	require.Equal(t, 0, code, errs)
	require.Eventually(t, func() bool {
		up.get(t, "/api/deadletters", &d)
		return d.Total == 2
	}, 30*time.Second, 100*time.Millisecond, "replayed, it fails again")
	require.EqualValues(t, 1, d.Pending, "the first letter was replayed")
	require.Equal(t, 1, d.Letters[0].Replays)
	require.True(t, d.Letters[1].Replayed)
	require.NotContains(t, up.stderr.String(), "measure consumer lag", "no lag warning for a group that has not committed yet")
}

// TestIntegrationUpOnAPublicAddressNeedsTheToken: the page, its API and
// the push need --token-file's token; the probes do not.
func TestIntegrationUpOnAPublicAddressNeedsTheToken(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	tok := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tok, []byte("s3cret\n"), 0o600))
	up := startUp(t, "--data-dir", t.TempDir(), "--samples=false", "--listen", "0.0.0.0:0", "--token-file", tok)
	port := regexp.MustCompile(`:(\d+)/$`).FindStringSubmatch(up.url)[1]
	base := "http://127.0.0.1:" + port
	get := func(path string, auth func(*http.Request)) (int, http.Header, string) {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		require.NoError(t, err)
		auth(req)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(b)
	}
	none := func(*http.Request) {}
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer s3cret") }
	basic := func(r *http.Request) { r.SetBasicAuth("editor", "s3cret") }
	for _, p := range []string{"/", "/static/app.js", "/api/search", "/api/stats", "/api/deadletters", "/api/info", "/samples/NOTICE.md"} {
		code, hdr, body := get(p, none)
		require.Equal(t, http.StatusUnauthorized, code, p)
		require.Contains(t, hdr.Values("WWW-Authenticate"), `Basic realm="newsflow", charset="UTF-8"`, p)
		require.Contains(t, body, "missing or wrong token", p)
		code, _, _ = get(p, bearer)
		require.Equal(t, http.StatusOK, code, p)
		code, _, _ = get(p, basic)
		require.Equal(t, http.StatusOK, code, p)
	}
	code, _, _ := get("/healthz", none)
	require.Equal(t, http.StatusOK, code, "probes stay open")
	res, err := http.Post(base+"/v1/articles", "application/json", strings.NewReader(`{"source":"s","body":"b"}`))
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
}

// TestIntegrationUpInfo: what the empty state and the dead-letter panel
// tell an editor to do.
func TestIntegrationUpInfo(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	dir := t.TempDir()
	up := startUp(t, upArgs(filepath.Join(dir, "data"), dir)...)
	var info search.Info
	up.get(t, "/api/info", &info)
	require.Equal(t, dir, info.Watch)
	require.Equal(t, up.url+"v1/articles", info.Push)
	require.False(t, info.PushToken)
	require.Equal(t, search.SyntaxHint, info.SyntaxHint)
	require.NotEmpty(t, info.Version)
	b, err := json.Marshal(info)
	require.NoError(t, err)
	require.NotContains(t, string(b), "s3cret")
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "", "--version")
	require.Equal(t, 0, code)
	require.Regexp(t, `^newsflow \S+ \(commit [^)]+\) go1\.`, out)
	code, _, errs := runCLI(t, "")
	require.Equal(t, 2, code)
	require.Contains(t, errs, "--version")
}
