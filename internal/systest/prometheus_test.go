package systest

// A real Prometheus server (Debian's package, as scripts/deps.sh installs
// it) for the alert tests: it scrapes the newsflow processes every
// scrapeInterval and evaluates a copy of the shipped rules whose durations
// are divided by timeScale (see scaledRules).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// repoRoot is the repository's root (this package is internal/systest).
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

// scrapeInterval and timeScale: Prometheus scrapes every 2 s (a worker
// under load on 2 shared cores may take a second to answer /metrics), and
// the rules' durations are divided by 30, so 15m reads 30s.
const (
	scrapeInterval = 2 * time.Second
	timeScale      = 30
)

var (
	forRE   = regexp.MustCompile(`(?m)^(\s*for:\s*)(\d+)m\s*$`)
	rangeRE = regexp.MustCompile(`\[(\d+)m(?::(\d+)m)?\]`)
	otherRE = regexp.MustCompile(`\[\d+[hdwy]|for:\s*\d+[hdwy]|\[\d+s`)
)

// scaledRules returns the shipped rules with every duration (each `for:`
// and each range or subquery window) divided by timeScale: 15m becomes 30s,
// so an alert that fires after 15 minutes of a condition here fires after
// 30 seconds of it. Thresholds stay as shipped. The test copy is the
// shipped file otherwise; the shipped file is not changed.
func scaledRules(t *testing.T, shipped []byte) []byte {
	t.Helper()
	s := string(shipped)
	require.Empty(t, otherRE.FindAllString(s, -1), "durations in other units than minutes: teach scaledRules to scale them")
	scale := func(minutes string) string {
		n, err := strconv.Atoi(minutes)
		require.NoError(t, err)
		secs := n * 60 / timeScale
		require.GreaterOrEqual(t, secs, int(scrapeInterval/time.Second), "%sm scaled below the scrape interval", minutes)
		return strconv.Itoa(secs) + "s"
	}
	s = forRE.ReplaceAllStringFunc(s, func(m string) string {
		p := forRE.FindStringSubmatch(m)
		return p[1] + scale(p[2])
	})
	s = rangeRE.ReplaceAllStringFunc(s, func(m string) string {
		p := rangeRE.FindStringSubmatch(m)
		if p[2] != "" {
			return "[" + scale(p[1]) + ":" + scale(p[2]) + "]"
		}
		return "[" + scale(p[1]) + "]"
	})
	require.NotContains(t, s, "m]", "every window scaled")
	return []byte(s)
}

type promServer struct {
	url string
	log *lockedWriter
}

// startPrometheus runs Prometheus scraping the jobs' targets every second
// with the scaled shipped rules, until the test ends.
func startPrometheus(t *testing.T, jobs map[string][]string) *promServer {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		unavailable(t, "prometheus not found on PATH: install it with scripts/deps.sh (Debian package prometheus)")
	}
	root := repoRoot(t)
	shipped, err := os.ReadFile(filepath.Join(root, "deploy", "prometheus", "rules", "newsflow.rules.yml"))
	require.NoError(t, err)
	chart, err := os.ReadFile(filepath.Join(root, "deploy", "helm", "newsflow", "files", "newsflow.rules.yml"))
	require.NoError(t, err)
	require.Equal(t, string(shipped), string(chart), "the Helm chart ships the same rules")

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "newsflow.rules.yml"), scaledRules(t, shipped), 0o644))
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: 1s\nrule_files:\n  - newsflow.rules.yml\nscrape_configs:\n", scrapeInterval, scrapeInterval)
	for job, targets := range jobs {
		q := make([]string, len(targets))
		for i, tg := range targets {
			q[i] = strconv.Quote(tg)
		}
		fmt.Fprintf(&cfg, "  - job_name: %s\n    static_configs:\n      - targets: [%s]\n", job, strings.Join(q, ", "))
	}
	cfgPath := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(cfg.String()), 0o644))
	out, err := exec.Command("promtool", "check", "config", cfgPath).CombinedOutput()
	require.NoError(t, err, "promtool check config: %s", out)

	addr := freePort(t)
	cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	p := &promServer{url: "http://" + addr, log: &lockedWriter{}}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("prometheus log:\n%s", tail(p.log.String(), 40))
		}
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get(p.url + "/-/ready")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 200*time.Millisecond, "prometheus ready\n%s", p.log)
	return p
}

func (p *promServer) get(t *testing.T, path string, q url.Values, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+path+"?"+q.Encode(), nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, b)
	require.NoError(t, json.Unmarshal(b, v), "%s", b)
}

type promAlert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
	Value  string            `json:"value"`
}

// waitScraped waits until every target was scraped and answered, and one
// scrape interval more, so that a counter's next change is seen as one.
func (p *promServer) waitScraped(t *testing.T, targets int) {
	t.Helper()
	require.Eventually(t, func() bool {
		var res struct {
			Data struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		p.get(t, "/api/v1/query", url.Values{"query": {"count(up == 1)"}}, &res)
		return len(res.Data.Result) == 1 && res.Data.Result[0].Value[1] == strconv.Itoa(targets)
	}, time.Minute, 250*time.Millisecond, "prometheus scraped %d targets", targets)
	time.Sleep(scrapeInterval)
}

// alerts returns the active (pending or firing) alerts named name.
func (p *promServer) alerts(t *testing.T, name string) []promAlert {
	t.Helper()
	var res struct {
		Data struct {
			Alerts []promAlert `json:"alerts"`
		} `json:"data"`
	}
	p.get(t, "/api/v1/alerts", nil, &res)
	var out []promAlert
	for _, a := range res.Data.Alerts {
		if a.Labels["alertname"] == name {
			out = append(out, a)
		}
	}
	return out
}

// waitFiring waits until alert name fires (with labels including match)
// and returns how long that took.
func (p *promServer) waitFiring(t *testing.T, name string, match map[string]string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last []promAlert
	for time.Since(start) < timeout {
		last = p.alerts(t, name)
		for _, a := range last {
			ok := a.State == "firing"
			for k, v := range match {
				ok = ok && a.Labels[k] == v
			}
			if ok {
				t.Logf("alert %s firing after %v: %v (value %s)", name, time.Since(start).Round(100*time.Millisecond), a.Labels, a.Value)
				return time.Since(start)
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("alert %s not firing within %v (active: %+v); Prometheus sees: up %s; rules %s; dlq %s", name, timeout, last,
		p.instant(t, "up"), p.rulesState(t, name), p.instant(t, "newsflow_dlq_messages_total[3m]"))
	return 0
}

// instant returns the raw answer of an instant query, for failure messages.
func (p *promServer) instant(t *testing.T, expr string) string {
	t.Helper()
	var res json.RawMessage
	p.get(t, "/api/v1/query", url.Values{"query": {expr}}, &res)
	return string(res)
}

// rulesState returns the state of the alerting rule name, for failure messages.
func (p *promServer) rulesState(t *testing.T, name string) string {
	t.Helper()
	var res struct {
		Data struct {
			Groups []struct {
				Rules []json.RawMessage `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	p.get(t, "/api/v1/rules", nil, &res)
	for _, g := range res.Data.Groups {
		for _, r := range g.Rules {
			if strings.Contains(string(r), `"name":"`+name+`"`) {
				return string(r)
			}
		}
	}
	return "(no such rule)"
}

// waitResolved waits until alert name is neither pending nor firing.
func (p *promServer) waitResolved(t *testing.T, name string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < timeout {
		if len(p.alerts(t, name)) == 0 {
			t.Logf("alert %s resolved after %v", name, time.Since(start).Round(100*time.Millisecond))
			return time.Since(start)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("alert %s still active after %v: %+v", name, timeout, p.alerts(t, name))
	return 0
}

// queryRange runs expr from start to now and returns the number of series
// and of samples that are numbers (not NaN).
func (p *promServer) queryRange(t *testing.T, expr string, start time.Time) (series, samples int) {
	t.Helper()
	var res struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Values [][2]any `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	now := time.Now()
	p.get(t, "/api/v1/query_range", url.Values{
		"query": {expr}, "start": {strconv.FormatInt(start.Unix(), 10)}, "end": {strconv.FormatInt(now.Unix(), 10)}, "step": {"2"},
	}, &res)
	require.Equal(t, "success", res.Status, expr)
	for _, r := range res.Data.Result {
		series++
		for _, v := range r.Values {
			if s, ok := v[1].(string); ok && s != "NaN" {
				samples++
			}
		}
	}
	return series, samples
}
