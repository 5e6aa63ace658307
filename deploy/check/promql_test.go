package check

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// promUse is one PromQL expression of a deploy file and where it is.
type promUse struct {
	where string
	expr  string
	// selectorOnly: a series selector (promtool test input), not an expression.
	selectorOnly bool
}

// selectorRef is one metric an expression reads, with the labels it names.
type selectorRef struct {
	metric string
	// matchers are the label matchers other than the name.
	matchers []*labels.Matcher
}

// exprRefs are the metrics an expression reads and the grouping labels it uses
// per metric (by, on, ignoring, group_left/right).
type exprRefs struct {
	selectors []selectorRef
	// grouping maps a label used in by/on/ignoring to the metrics it may come from.
	grouping map[string][]string
}

// promParser is the PromQL parser of Prometheus with its default options
// (the stable function set, as a Prometheus server without feature flags).
var promParser = parser.NewParser(parser.Options{})

var grafanaVarRE = regexp.MustCompile(`\$\{?(\w+)(?::\w+)?\}?|\[\[(\w+)\]\]`)

// grafanaToPromQL replaces Grafana's variables with values that parse:
// intervals with 5m, other variables with a plain word.
func grafanaToPromQL(expr string) string {
	return grafanaVarRE.ReplaceAllStringFunc(expr, func(v string) string {
		switch strings.Trim(v, "${}[]") {
		case "__rate_interval", "__interval", "__range", "__range_s":
			return "5m"
		}
		return "x"
	})
}

// checkPromQL parses expr with the Prometheus parser and returns what it reads.
func checkPromQL(t testing.TB, where, expr string) exprRefs {
	t.Helper()
	e, err := promParser.ParseExpr(expr)
	require.NoError(t, err, "%s: %s", where, expr)
	refs := exprRefs{grouping: map[string][]string{}}
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			refs.selectors = append(refs.selectors, selectorOf(n.Name, n.LabelMatchers))
		case *parser.AggregateExpr:
			names := metricNames(n.Expr)
			for _, l := range n.Grouping {
				refs.grouping[l] = append(refs.grouping[l], names...)
			}
		case *parser.BinaryExpr:
			if n.VectorMatching != nil {
				names := append(metricNames(n.LHS), metricNames(n.RHS)...)
				for _, l := range append(append([]string{}, n.VectorMatching.MatchingLabels...), n.VectorMatching.Include...) {
					refs.grouping[l] = append(refs.grouping[l], names...)
				}
			}
		}
		return nil
	})
	require.NotEmpty(t, refs.selectors, "%s reads no metric: %s", where, expr)
	return refs
}

func selectorOf(name string, ms []*labels.Matcher) selectorRef {
	ref := selectorRef{metric: name}
	for _, m := range ms {
		if m.Name == model.MetricNameLabel {
			if m.Type == labels.MatchEqual {
				ref.metric = m.Value
			}
			continue
		}
		ref.matchers = append(ref.matchers, m)
	}
	return ref
}

func metricNames(e parser.Node) []string {
	var names []string
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			names = append(names, selectorOf(vs.Name, vs.LabelMatchers).metric)
		}
		return nil
	})
	return names
}

// promUses collects every PromQL expression of the deploy files: the alert
// rules, the promtool test inputs, the Grafana dashboard (panels and
// variables) and the KEDA trigger of the Helm chart.
func promUses(t testing.TB) []promUse {
	t.Helper()
	var uses []promUse

	var rules struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert  string `json:"alert"`
				Record string `json:"record"`
				Expr   string `json:"expr"`
			} `json:"rules"`
		} `json:"groups"`
	}
	b, err := os.ReadFile(repoPath(t, "deploy", "prometheus", "rules", "newsflow.rules.yml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &rules))
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			uses = append(uses, promUse{where: "alert rule " + r.Alert + r.Record, expr: r.Expr})
		}
	}

	var tests struct {
		Tests []struct {
			Name        string `json:"name"`
			InputSeries []struct {
				Series string `json:"series"`
			} `json:"input_series"`
			PromQLExprTest []struct {
				Expr string `json:"expr"`
			} `json:"promql_expr_test"`
		} `json:"tests"`
	}
	b, err = os.ReadFile(repoPath(t, "deploy", "prometheus", "newsflow.rules_test.yml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &tests))
	for _, tc := range tests.Tests {
		for _, s := range tc.InputSeries {
			uses = append(uses, promUse{where: "promtool test input of " + tc.Name, expr: s.Series, selectorOnly: true})
		}
		for _, e := range tc.PromQLExprTest {
			uses = append(uses, promUse{where: "promtool test of " + tc.Name, expr: e.Expr})
		}
	}

	return append(uses, grafanaExprs(t)...)
}

var labelValuesRE = regexp.MustCompile(`^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)

// grafanaExprs returns the PromQL of every panel target and query variable
// of the dashboard, Grafana variables replaced.
func grafanaExprs(t testing.TB) []promUse {
	t.Helper()
	d := loadGrafanaDashboard(t)
	var uses []promUse
	var walk func(ps []grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				uses = append(uses, promUse{where: fmt.Sprintf("Grafana panel %q target %s", p.Title, tg.RefID), expr: grafanaToPromQL(tg.Expr)})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q := v.Definition
		if m := labelValuesRE.FindStringSubmatch(q); m != nil {
			uses = append(uses, promUse{where: "Grafana variable " + v.Name, expr: m[1] + `{` + m[2] + `!=""}`})
			continue
		}
		uses = append(uses, promUse{where: "Grafana variable " + v.Name, expr: grafanaToPromQL(q)})
	}
	return uses
}

func TestPromQLParses(t *testing.T) {
	uses := promUses(t)
	require.Greater(t, len(uses), 30)
	for _, u := range uses {
		if u.selectorOnly {
			_, err := promParser.ParseMetricSelector(u.expr)
			require.NoError(t, err, "%s: %s", u.where, u.expr)
			continue
		}
		checkPromQL(t, u.where, u.expr)
	}
}

// labelsAddedByScrape are the target labels Prometheus adds (static configs,
// and the ServiceMonitor's Kubernetes labels): a matcher on them needs no
// match on /metrics.
var labelsAddedByScrape = map[string]bool{"job": true, "instance": true, "namespace": true, "pod": true, "service": true, "container": true, "endpoint": true}

// freeValues are labels whose values depend on the deployment (topic names,
// feed names): their values are not compared with the live ones.
var freeValues = map[string]bool{"topic": true, "partition": true, "source": true, "feed": true}

// synthetic are the series Prometheus makes itself for every target.
var synthetic = map[string]map[string]map[string]bool{
	"up": {"job": {}, "instance": {}},
}

// TestMetricNamesExistOnLiveMetrics scrapes the /metrics of a running
// `newsflow produce` and `newsflow consume` (after sample feeds and one pushed
// article went through) and checks that every metric each expression reads
// exists there, that every label it matches or groups by exists on that
// metric, and that every fixed label value it asks for was seen.
func TestMetricNamesExistOnLiveMetrics(t *testing.T) {
	uses := promUses(t)
	uses = append(uses, promUse{where: "Helm ScaledObject prometheus trigger", expr: kedaQuery(t)})
	live := liveEnv(t)
	series := live.series
	t.Logf("live /metrics: %d series names from newsflow produce and newsflow consume", len(series))

	for _, u := range uses {
		var refs exprRefs
		if u.selectorOnly {
			ms, err := promParser.ParseMetricSelector(u.expr)
			require.NoError(t, err)
			sel := selectorOf("", ms)
			refs = exprRefs{selectors: []selectorRef{sel}}
		} else {
			refs = checkPromQL(t, u.where, u.expr)
		}
		for _, s := range refs.selectors {
			lbls, ok := series[s.metric]
			if !ok {
				lbls, ok = synthetic[s.metric]
			}
			if !ok {
				t.Errorf("%s reads %s, which no running newsflow process exports (histograms count as name_bucket, name_sum, name_count): %s", u.where, s.metric, u.expr)
				continue
			}
			for _, m := range s.matchers {
				if labelsAddedByScrape[m.Name] {
					continue
				}
				values, ok := lbls[m.Name]
				if !ok {
					t.Errorf("%s: %s has no label %q (it has %v): %s", u.where, s.metric, m.Name, sortedKeys(lbls), u.expr)
					continue
				}
				if m.Type == labels.MatchEqual && !freeValues[m.Name] && !u.selectorOnly && !values[m.Value] {
					t.Errorf("%s: %s{%s=%q}: that value never appeared (seen: %v): %s", u.where, s.metric, m.Name, m.Value, sortedKeys(values), u.expr)
				}
			}
		}
		for l, metrics := range refs.grouping {
			if labelsAddedByScrape[l] || l == "le" {
				continue
			}
			found := false
			for _, m := range metrics {
				if _, ok := series[m][l]; ok {
					found = true
				}
			}
			if !found {
				t.Errorf("%s groups or matches by %q, which none of %v has: %s", u.where, l, metrics, u.expr)
			}
		}
	}
}

// kedaQuery renders the chart with KEDA's Prometheus trigger and returns its
// query.
func kedaQuery(t *testing.T) string {
	t.Helper()
	out, err := helmTemplate(t, "", "consumer.keda.enabled=true")
	require.NoError(t, err)
	for _, o := range decodeManifests(t, out) {
		if u, ok := o.obj.(*unstructuredObject); ok && u.Kind == "ScaledObject" {
			for _, tr := range u.Spec["triggers"].([]any) {
				trig := tr.(map[string]any)
				if trig["type"] == "prometheus" {
					return trig["metadata"].(map[string]any)["query"].(string)
				}
			}
		}
	}
	t.Fatal("the chart rendered no ScaledObject with a prometheus trigger")
	return ""
}

// grafana dashboard model: the parts the checks read.
type grafanaPanel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	GridPos struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Targets []struct {
		RefID        string `json:"refId"`
		Expr         string `json:"expr"`
		LegendFormat string `json:"legendFormat"`
		Datasource   *struct {
			Type string `json:"type"`
			UID  string `json:"uid"`
		} `json:"datasource"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"`
}

type grafanaDashboard struct {
	UID           string         `json:"uid"`
	Title         string         `json:"title"`
	SchemaVersion int            `json:"schemaVersion"`
	Panels        []grafanaPanel `json:"panels"`
	Templating    struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Query      any    `json:"query"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

func loadGrafanaDashboard(t testing.TB) grafanaDashboard {
	t.Helper()
	b, err := os.ReadFile(repoPath(t, "deploy", "grafana", "dashboards", "newsflow.json"))
	require.NoError(t, err)
	var d grafanaDashboard
	require.NoError(t, json.Unmarshal(b, &d), "deploy/grafana/dashboards/newsflow.json")
	return d
}
