package check

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// loadCompose loads docker-compose.yml the way `docker compose config` does:
// the compose-spec loader with schema validation, interpolation,
// normalization and consistency checks, paths resolved against the
// repository. env replaces the process environment, so the file's own
// defaults apply unless a test sets a variable.
func loadCompose(t testing.TB, env ...string) *types.Project {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root),
		cli.WithEnv(env),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	require.NoError(t, err)
	p, err := opts.LoadProject(context.Background())
	require.NoError(t, err, "docker-compose.yml")
	return p
}

func composeService(t testing.TB, name string) types.ServiceConfig {
	t.Helper()
	s, ok := loadCompose(t).Services[name]
	require.True(t, ok, "docker-compose.yml has no service %s", name)
	return s
}

// newsflowRole returns the subcommand of a service that runs the newsflow
// image ("" for others).
func newsflowRole(s types.ServiceConfig) string {
	if s.Build == nil || len(s.Command) == 0 {
		return ""
	}
	return s.Command[0]
}

func TestComposeFile(t *testing.T) {
	p := loadCompose(t)
	root := repoRoot(t)
	require.Equal(t, "newsflow", p.Name)

	want := []string{"consumer-1", "consumer-2", "elasticsearch", "feeds", "grafana", "init-index", "init-topics",
		"kafka", "kibana", "kibana-setup", "producer", "prometheus", "redis"}
	require.Equal(t, want, sortedKeys(p.Services))

	t.Run("start order: conditions name services that can meet them", func(t *testing.T) {
		for name, s := range p.Services {
			for dep, d := range s.DependsOn {
				ds := p.Services[dep]
				switch d.Condition {
				case types.ServiceConditionHealthy:
					require.True(t, ds.HealthCheck != nil && !ds.HealthCheck.Disable && len(ds.HealthCheck.Test) > 0,
						"%s waits for %s to be healthy, which has no health check", name, dep)
				case types.ServiceConditionCompletedSuccessfully:
					require.Equal(t, "no", ds.Restart, "%s waits for %s to complete, which is not a one-shot job", name, dep)
				default:
					require.Equal(t, types.ServiceConditionStarted, d.Condition)
				}
			}
		}
	})

	t.Run("one-shot jobs and health checks", func(t *testing.T) {
		for _, job := range []string{"init-topics", "init-index", "kibana-setup"} {
			require.Equal(t, "no", p.Services[job].Restart, job)
		}
		for name, s := range p.Services {
			if s.Restart == "no" || newsflowRole(s) != "" {
				continue
			}
			require.NotNil(t, s.HealthCheck, "long-running service %s has no health check", name)
		}
	})

	t.Run("Kafka runs in KRaft mode at the tested version", func(t *testing.T) {
		k := p.Services["kafka"]
		require.Equal(t, "apache/kafka:"+pomVersion(t, "kafka", "kafka.version"), k.Image)
		require.Contains(t, *k.Environment["KAFKA_PROCESS_ROLES"], "controller")
		require.Contains(t, *k.Environment["KAFKA_PROCESS_ROLES"], "broker")
		require.NotContains(t, k.Environment, "KAFKA_ZOOKEEPER_CONNECT")
		require.Equal(t, "false", *k.Environment["KAFKA_AUTO_CREATE_TOPICS_ENABLE"], "topics come from init-topics")
		require.Equal(t, k.Image, p.Services["init-topics"].Image)
	})

	t.Run("Redis is the consumers' dedup store, forgets only by expiry and persists", func(t *testing.T) {
		r := p.Services["redis"]
		require.Regexp(t, `^redis:7\.[0-9]+-alpine$`, r.Image, "Redis 7.0 or newer (SET NX GET), BSD-licensed 7.x")
		args := strings.Join(r.Command, " ")
		require.Contains(t, args, "--maxmemory-policy noeviction", "evictions would forget records the retention promised")
		require.Contains(t, args, "--appendonly yes")
		require.Regexp(t, `--maxmemory \S+`, args)
		require.True(t, slicesContain(r.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == "/data" && v.Type == types.VolumeTypeVolume }),
			"the append-only file lives on a volume")
		for _, name := range []string{"consumer-1", "consumer-2"} {
			c := p.Services[name]
			require.Equal(t, types.ServiceConditionHealthy, c.DependsOn["redis"].Condition, "%s waits for its dedup store", name)
			require.Equal(t, "redis", *c.Environment["NEWSFLOW_DEDUP_STORE"])
			require.Equal(t, "redis:6379", *c.Environment["NEWSFLOW_DEDUP_REDIS_ADDR"])
			require.Equal(t, "720h", *c.Environment["NEWSFLOW_DEDUP_RETENTION"], "the binary's default retention")
		}
	})

	t.Run("Elasticsearch and Kibana share the tested version", func(t *testing.T) {
		v := pomVersion(t, "elasticsearch", "elasticsearch.version")
		require.Equal(t, "docker.elastic.co/elasticsearch/elasticsearch:"+v, p.Services["elasticsearch"].Image)
		require.Equal(t, "docker.elastic.co/kibana/kibana:"+v, p.Services["kibana"].Image)
		// One variable sets both.
		q := loadCompose(t, "ELASTIC_VERSION=8.99.1")
		require.Equal(t, "docker.elastic.co/elasticsearch/elasticsearch:8.99.1", q.Services["elasticsearch"].Image)
		require.Equal(t, "docker.elastic.co/kibana/kibana:8.99.1", q.Services["kibana"].Image)
	})

	roles := map[string][]string{}
	for name, s := range p.Services {
		if r := newsflowRole(s); r != "" {
			roles[r] = append(roles[r], name)
		}
	}
	for r := range roles {
		sort.Strings(roles[r])
	}
	require.Equal(t, map[string][]string{"produce": {"producer"}, "consume": {"consumer-1", "consumer-2"}}, roles)

	for name, s := range p.Services {
		role := newsflowRole(s)
		if role == "" {
			continue
		}
		t.Run("newsflow service "+name, func(t *testing.T) {
			require.Equal(t, "newsflow:dev", s.Image)
			require.Equal(t, filepath.Join(root, "Dockerfile"), filepath.Join(s.Build.Context, s.Build.Dockerfile))
			require.Empty(t, unknownEnv(t, role, sortedKeys(s.Environment)), "variables that `newsflow %s --help` does not list", role)
			require.Equal(t, "65532:65532", s.User)
			require.True(t, s.ReadOnly, "read_only root filesystem")
			require.Equal(t, []string{"ALL"}, s.CapDrop)
			for _, dep := range []string{"init-topics", "kafka"} {
				require.Contains(t, s.DependsOn, dep)
			}
			require.Equal(t, *p.Services["init-topics"].Environment["TOPIC"], *s.Environment["NEWSFLOW_TOPIC"], "init-topics creates the topic the service uses")
			if role == "consume" {
				require.Contains(t, s.DependsOn, "init-index")
				require.Contains(t, s.DependsOn, "elasticsearch")
				require.Equal(t, *p.Services["init-index"].Environment["INDEX"], *s.Environment["NEWSFLOW_INDEX"])
			}
		})
	}

	t.Run("the producer's sample feeds are files of producers/samples/", func(t *testing.T) {
		feeds := strings.Split(*p.Services["producer"].Environment["NEWSFLOW_FEEDS"], ",")
		require.GreaterOrEqual(t, len(feeds), 3)
		for _, f := range feeds {
			name, url, ok := strings.Cut(strings.TrimSpace(f), "=")
			require.True(t, ok, "feed %q is not name=URL", f)
			require.Regexp(t, `^[A-Za-z0-9._-]+$`, name)
			path, ok := strings.CutPrefix(url, "http://feeds/")
			require.True(t, ok, "feed %s is not served by the feeds service", url)
			_, err := os.Stat(filepath.Join(root, "producers", "samples", path))
			require.NoError(t, err, "feed %s", name)
		}
		require.Contains(t, p.Services["producer"].DependsOn, "feeds")
	})

	t.Run("bind mounts and secrets exist in the repository", func(t *testing.T) {
		for name, s := range p.Services {
			for _, v := range s.Volumes {
				if v.Type != types.VolumeTypeBind {
					require.Contains(t, p.Volumes, v.Source, "%s mounts undeclared volume %s", name, v.Source)
					continue
				}
				require.True(t, strings.HasPrefix(v.Source, root+string(filepath.Separator)), "%s mounts %s from outside the repository", name, v.Source)
				_, err := os.Stat(v.Source)
				require.NoError(t, err, "%s mounts %s", name, v.Source)
				require.True(t, v.ReadOnly, "%s mounts %s read-write", name, v.Source)
			}
		}
		for name, sec := range p.Secrets {
			_, err := os.Stat(sec.File)
			require.NoError(t, err, "secret %s", name)
		}
	})

	t.Run("init-index installs the consumer's template for its alias", func(t *testing.T) {
		s := p.Services["init-index"]
		require.True(t, mounts(s, filepath.Join(root, "index", "elastic", "template.json")))
		var tmpl struct {
			IndexPatterns []string `json:"index_patterns"`
		}
		b, err := os.ReadFile(filepath.Join(root, "index", "elastic", "template.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &tmpl))
		require.Equal(t, []string{*s.Environment["INDEX"] + "-*"}, tmpl.IndexPatterns)
		script := strings.Join(s.Command, " ")
		require.Contains(t, script, "/_index_template/$INDEX", "the template is named after the alias, as newsflow consume names it")
		require.Contains(t, script, "is_write_index")
		topics := strings.Join(p.Services["init-topics"].Command, " ")
		require.Contains(t, topics, `"$TOPIC" "$TOPIC.dlq"`)
		require.Contains(t, topics, "--partitions")
		require.Contains(t, topics, "max.message.bytes=1114124", "the dead-letter topic takes the raw topic's 1048588 bytes plus dlq.HeaderRoom")
	})

	t.Run("Kibana and Grafana get the deploy files", func(t *testing.T) {
		require.True(t, mounts(p.Services["kibana-setup"], filepath.Join(root, "deploy", "kibana", "newsflow.ndjson")))
		require.Contains(t, strings.Join(p.Services["kibana-setup"].Command, " "), "/api/saved_objects/_import")
		g := p.Services["grafana"]
		require.True(t, mounts(g, filepath.Join(root, "deploy", "grafana", "provisioning")))
		require.True(t, mounts(g, filepath.Join(root, "deploy", "grafana", "dashboards")))
		require.True(t, mounts(p.Services["prometheus"], filepath.Join(root, "deploy", "prometheus")))
	})

	t.Run("Prometheus scrapes every newsflow process", func(t *testing.T) {
		targets := prometheusTargets(t)
		for name, s := range p.Services {
			role := newsflowRole(s)
			if role == "" {
				continue
			}
			addr := *s.Environment["NEWSFLOW_METRICS_ADDR"]
			require.Regexp(t, `^:\d+$`, addr)
			target := name + addr
			job := map[string]string{"produce": "newsflow-producer", "consume": "newsflow-consumer"}[role]
			require.Contains(t, targets[job], target, "job %s does not scrape %s", job, name)
		}
	})
}

func slicesContain[T any](s []T, f func(T) bool) bool {
	for _, v := range s {
		if f(v) {
			return true
		}
	}
	return false
}

func mounts(s types.ServiceConfig, source string) bool {
	for _, v := range s.Volumes {
		if v.Source == source {
			return true
		}
	}
	return false
}

// prometheusTargets reads the static targets per job of deploy/prometheus/prometheus.yml.
func prometheusTargets(t testing.TB) map[string][]string {
	t.Helper()
	var cfg struct {
		ScrapeConfigs []struct {
			JobName       string `json:"job_name"`
			StaticConfigs []struct {
				Targets []string `json:"targets"`
			} `json:"static_configs"`
		} `json:"scrape_configs"`
	}
	b, err := os.ReadFile(repoPath(t, "deploy", "prometheus", "prometheus.yml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &cfg))
	out := map[string][]string{}
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			out[sc.JobName] = append(out[sc.JobName], st.Targets...)
		}
	}
	return out
}

var pomPropRE = map[string]*regexp.Regexp{}

// pomVersion reads a version property of testenv/<dir>/pom.xml: the
// version the integration tests run against.
func pomVersion(t testing.TB, dir, prop string) string {
	t.Helper()
	b, err := os.ReadFile(repoPath(t, "testenv", dir, "pom.xml"))
	require.NoError(t, err)
	re, ok := pomPropRE[prop]
	if !ok {
		re = regexp.MustCompile(`<` + regexp.QuoteMeta(prop) + `>([^<]+)</`)
		pomPropRE[prop] = re
	}
	m := re.FindSubmatch(b)
	require.NotNil(t, m, "testenv/%s/pom.xml has no <%s>", dir, prop)
	return string(m[1])
}
