// Package check holds the tests that check newsflow's deployment files with the
// tools their users run: helm (lint, template) and the Kubernetes API types for
// deploy/helm/newsflow, the compose-spec loader for docker-compose.yml,
// BuildKit's Dockerfile parser and linter for the Dockerfile, promtool and the
// PromQL parser for deploy/prometheus, and the real /metrics of running
// `newsflow produce` and `newsflow consume` processes for every metric name in
// the dashboards and alert rules. scripts/deploy-check.sh runs them in order.
//
// It is a module of its own (deploy/check/go.mod) so that helm, the Kubernetes
// API and Prometheus stay out of newsflow's go.mod. It imports nothing from the
// newsflow module: it checks the files and the built binary from outside, as a
// user would.
//
// Environment:
//
//	NEWSFLOW_BIN        newsflow binary to run (default: built from the repository)
//	NEWSFLOW_HELM       helm binary (default: helm HelmVersion, installed with
//	                    `go install` into $NEWSFLOW_CACHE/tools)
//	NEWSFLOW_PROMTOOL   promtool (default: promtool on PATH, Debian package prometheus)
//	NEWSFLOW_TEST_KAFKA, NEWSFLOW_TEST_ES  the test Kafka broker and Elasticsearch
//	                    node (scripts/testenv.sh env)
//	CI=true             a missing tool, binary or server fails instead of skipping
package check

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// HelmVersion is the helm release the chart is checked with; helmLDFlags are
// the link flags of helm's own Makefile for that release (its version, and the
// Kubernetes version of its client-go, 1.37, for Capabilities and lint rules).
const (
	HelmVersion = "v3.22.0"
	helmLDFlags = "-w -s -X helm.sh/helm/v3/internal/version.version=" + HelmVersion +
		" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=37" +
		" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=37"
)

// startHint is the command that starts the test servers.
const startHint = "start them with `scripts/testenv.sh up` and `eval \"$(scripts/testenv.sh env)\"` (or run `make test`)"

// ci reports whether CI=true: then nothing may be skipped.
func ci() bool { return os.Getenv("CI") == "true" }

// unavailable skips t, or fails it under CI=true.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if ci() {
		t.Fatal(msg + " (CI=true: fails instead of skipping)")
	}
	t.Skip(msg)
}

// repoRoot is the newsflow repository: two levels above this package.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the source file of package check")
	}
	root, err := filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s has no go.mod: %v", root, err)
	}
	return root
}

// repoPath joins elems to the repository root.
func repoPath(t testing.TB, elems ...string) string {
	t.Helper()
	return filepath.Join(append([]string{repoRoot(t)}, elems...)...)
}

// cacheDir is $NEWSFLOW_CACHE (default ~/.cache/newsflow), as scripts/testenv.sh uses it.
func cacheDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("NEWSFLOW_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatalf("no cache directory: set NEWSFLOW_CACHE (%v)", err)
	}
	return filepath.Join(home, ".cache", "newsflow")
}

// run runs a command in dir (the current directory when empty) with env
// added to the process's environment, and returns its combined output.
func run(t testing.TB, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// newsflowBin returns the newsflow binary: $NEWSFLOW_BIN, else one built from
// the repository once per test process.
func newsflowBin(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("NEWSFLOW_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("NEWSFLOW_BIN=%s: %v", p, err)
		}
		return p
	}
	root := repoRoot(t)
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "deploycheck-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "newsflow")
		out, err := run(t, root, nil, "go", "build", "-o", binPath, "./cmd/newsflow")
		if err != nil {
			binErr = fmt.Errorf("go build ./cmd/newsflow: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

var envNameRE = regexp.MustCompile(`\$(NEWSFLOW_[A-Z0-9_]+)`)

var (
	helpMu    sync.Mutex
	helpCache = map[string]map[string]bool{}
)

// helpEnv returns the NEWSFLOW_* variables that `newsflow <command> --help`
// names: the settings the command reads.
func helpEnv(t testing.TB, command string) map[string]bool {
	t.Helper()
	helpMu.Lock()
	defer helpMu.Unlock()
	if m, ok := helpCache[command]; ok {
		return m
	}
	out, err := run(t, "", nil, newsflowBin(t), command, "--help")
	if err != nil {
		t.Fatalf("newsflow %s --help: %v\n%s", command, err, out)
	}
	m := map[string]bool{}
	for _, s := range envNameRE.FindAllStringSubmatch(out, -1) {
		m[s[1]] = true
	}
	if len(m) < 5 {
		t.Fatalf("newsflow %s --help names only %d NEWSFLOW_* variables:\n%s", command, len(m), out)
	}
	helpCache[command] = m
	return m
}

// unknownEnv returns the names in env that start with NEWSFLOW_ but that
// `newsflow <command> --help` does not list, sorted.
func unknownEnv(t testing.TB, command string, env []string) []string {
	t.Helper()
	known := helpEnv(t, command)
	var bad []string
	for _, name := range env {
		if strings.HasPrefix(name, "NEWSFLOW_") && !known[name] {
			bad = append(bad, name)
		}
	}
	sort.Strings(bad)
	return bad
}

// readFile is os.ReadFile, named for the tests.
func readFile(path string) ([]byte, error) { return os.ReadFile(path) }
