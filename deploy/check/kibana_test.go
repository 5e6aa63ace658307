package check

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// savedObject is one line of deploy/kibana/newsflow.ndjson (the saved objects
// export/import format).
type savedObject struct {
	ID                   string          `json:"id"`
	Type                 string          `json:"type"`
	Attributes           json.RawMessage `json:"attributes"`
	References           []savedRef      `json:"references"`
	CoreMigrationVersion string          `json:"coreMigrationVersion"`
	TypeMigrationVersion string          `json:"typeMigrationVersion"`
	Managed              bool            `json:"managed"`
}

type savedRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

func loadSavedObjects(t testing.TB) []savedObject {
	t.Helper()
	f, err := os.Open(repoPath(t, "deploy", "kibana", "newsflow.ndjson"))
	require.NoError(t, err)
	defer f.Close()
	var objs []savedObject
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var o savedObject
		require.NoError(t, dec.Decode(&o), "newsflow.ndjson line %d", n)
		objs = append(objs, o)
	}
	require.NoError(t, sc.Err())
	return objs
}

// esField is a field of the article index template's mapping.
type esField struct {
	typ    string
	nested string // path of the enclosing nested field, "" if none
}

// templateFields flattens index/elastic/template.json: the mapping the
// consumer installs.
func templateFields(t testing.TB) map[string]esField {
	t.Helper()
	b, err := os.ReadFile(repoPath(t, "index", "elastic", "template.json"))
	require.NoError(t, err)
	var tmpl struct {
		Template struct {
			Mappings struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"mappings"`
		} `json:"template"`
	}
	require.NoError(t, json.Unmarshal(b, &tmpl))
	out := map[string]esField{}
	var walk func(prefix, nested string, props map[string]json.RawMessage)
	walk = func(prefix, nested string, props map[string]json.RawMessage) {
		for name, raw := range props {
			var f struct {
				Type       string                     `json:"type"`
				Index      *bool                      `json:"index"`
				Properties map[string]json.RawMessage `json:"properties"`
				Fields     map[string]struct {
					Type string `json:"type"`
				} `json:"fields"`
			}
			require.NoError(t, json.Unmarshal(raw, &f))
			path := prefix + name
			typ := f.Type
			if typ == "" {
				typ = "object"
			}
			if f.Index != nil && !*f.Index {
				typ = "unindexed-" + typ
			}
			out[path] = esField{typ: typ, nested: nested}
			for sub, sf := range f.Fields {
				out[path+"."+sub] = esField{typ: sf.Type, nested: nested}
			}
			if f.Properties != nil {
				n := nested
				if typ == "nested" {
					n = path
				}
				walk(path+".", n, f.Properties)
			}
		}
	}
	walk("", "", tmpl.Template.Mappings.Properties)
	return out
}

func aggregatable(f esField) bool {
	switch f.typ {
	case "keyword", "date", "integer", "long", "double", "float", "boolean":
		return true
	}
	return false
}

func TestKibanaSavedObjects(t *testing.T) {
	objs := loadSavedObjects(t)
	fields := templateFields(t)
	byID := map[string]savedObject{}
	for _, o := range objs {
		require.NotContains(t, byID, o.ID, "id %s twice", o.ID)
		byID[o.ID] = o
		require.Contains(t, []string{"index-pattern", "search", "visualization", "lens", "dashboard"}, o.Type)
		require.Regexp(t, `^\d+\.\d+\.\d+$`, o.CoreMigrationVersion)
		require.Regexp(t, `^\d+\.\d+\.\d+$`, o.TypeMigrationVersion)
	}
	resolve := func(t *testing.T, refs []savedRef, name string) savedObject {
		t.Helper()
		for _, r := range refs {
			if r.Name == name {
				o, ok := byID[r.ID]
				require.True(t, ok, "reference %s → %s %s is not in the file", name, r.Type, r.ID)
				require.Equal(t, r.Type, o.Type, "reference %s", name)
				return o
			}
		}
		t.Fatalf("no reference named %s", name)
		return savedObject{}
	}
	for _, o := range objs {
		for _, r := range o.References {
			_, ok := byID[r.ID]
			require.True(t, ok, "%s %s references %s %s, which is not in the file", o.Type, o.ID, r.Type, r.ID)
		}
	}

	var dataView struct {
		Title         string `json:"title"`
		TimeFieldName string `json:"timeFieldName"`
		Fields        string `json:"fields"`
	}
	dvs := 0
	for _, o := range objs {
		if o.Type == "index-pattern" {
			dvs++
			require.NoError(t, json.Unmarshal(o.Attributes, &dataView))
		}
	}
	require.Equal(t, 1, dvs, "one data view")
	t.Run("data view", func(t *testing.T) {
		require.Equal(t, composeIndex(t), dataView.Title, "the data view reads the write alias")
		require.Equal(t, "date", fields[dataView.TimeFieldName].typ, "time field %s", dataView.TimeFieldName)
	})

	for _, o := range objs {
		switch o.Type {
		case "search":
			t.Run("saved search "+o.ID, func(t *testing.T) {
				var a struct {
					Title   string     `json:"title"`
					Columns []string   `json:"columns"`
					Sort    [][]string `json:"sort"`
					Meta    struct {
						SearchSourceJSON string `json:"searchSourceJSON"`
					} `json:"kibanaSavedObjectMeta"`
				}
				require.NoError(t, json.Unmarshal(o.Attributes, &a))
				for _, c := range a.Columns {
					require.Contains(t, fields, c, "column %s is not in the mapping", c)
				}
				for _, s := range a.Sort {
					require.True(t, aggregatable(fields[s[0]]), "sort field %s", s[0])
				}
				var ss struct {
					IndexRefName string `json:"indexRefName"`
				}
				require.NoError(t, json.Unmarshal([]byte(a.Meta.SearchSourceJSON), &ss))
				require.Equal(t, "index-pattern", resolve(t, o.References, ss.IndexRefName).Type)
			})
		case "visualization":
			t.Run("visualization "+o.ID, func(t *testing.T) {
				spec := vegaSpec(t, o)
				for _, d := range vegaData(t, spec) {
					require.Equal(t, dataView.Title, d.URL["index"], "Vega data reads the data view's alias")
					require.Equal(t, dataView.TimeFieldName, d.URL["%timefield%"])
					checkAggFields(t, d.URL["body"].(map[string]any)["aggs"].(map[string]any), fields, "")
				}
			})
		case "dashboard":
			t.Run("dashboard "+o.ID, func(t *testing.T) {
				var a struct {
					Title      string `json:"title"`
					PanelsJSON string `json:"panelsJSON"`
				}
				require.NoError(t, json.Unmarshal(o.Attributes, &a))
				var panels []struct {
					Type       string `json:"type"`
					PanelIndex string `json:"panelIndex"`
					RefName    string `json:"panelRefName"`
					Title      string `json:"title"`
					GridData   struct {
						X, Y, W, H int
						I          string
					} `json:"gridData"`
					EmbeddableConfig struct {
						Attributes *lensAttributes `json:"attributes"`
					} `json:"embeddableConfig"`
				}
				require.NoError(t, json.Unmarshal([]byte(a.PanelsJSON), &panels))
				titles := map[string]bool{}
				type cell struct{ x, y int }
				used := map[cell]string{}
				for _, p := range panels {
					g := p.GridData
					require.Equal(t, p.PanelIndex, g.I)
					require.True(t, g.W > 0 && g.H > 0 && g.X >= 0 && g.X+g.W <= 48, "panel %s outside the 48 columns", p.PanelIndex)
					for x := g.X; x < g.X+g.W; x++ {
						for y := g.Y; y < g.Y+g.H; y++ {
							require.Empty(t, used[cell{x, y}], "panels overlap")
							used[cell{x, y}] = p.PanelIndex
						}
					}
					switch {
					case p.RefName != "":
						target := resolve(t, o.References, p.PanelIndex+":"+p.RefName)
						require.Equal(t, p.Type, target.Type)
						var ta struct {
							Title string `json:"title"`
						}
						require.NoError(t, json.Unmarshal(target.Attributes, &ta))
						titles[ta.Title] = true
					case p.Type == "lens":
						l := p.EmbeddableConfig.Attributes
						require.NotNil(t, l, "lens panel %s has neither a reference nor attributes", p.PanelIndex)
						titles[l.Title] = true
						checkLens(t, l, fields)
						for layer := range l.State.DatasourceStates.FormBased.Layers {
							dv := resolve(t, o.References, p.PanelIndex+":indexpattern-datasource-layer-"+layer)
							require.Equal(t, "index-pattern", dv.Type)
						}
					default:
						t.Fatalf("panel %s: type %s by value", p.PanelIndex, p.Type)
					}
				}
				// What issue 7 asks the dashboard to show.
				for _, want := range []string{"Articles over time by source", "Duplicate and boilerplate paragraphs", "Top figure subjects", "Figures over time by kind"} {
					require.True(t, titles[want], "the dashboard has no %q", want)
				}
				require.True(t, titles["newsflow articles"], "the dashboard shows the saved search")
			})
		}
	}
}

type lensAttributes struct {
	Title             string `json:"title"`
	VisualizationType string `json:"visualizationType"`
	References        []savedRef
	State             struct {
		DatasourceStates struct {
			FormBased struct {
				Layers map[string]struct {
					ColumnOrder []string `json:"columnOrder"`
					Columns     map[string]struct {
						OperationType string `json:"operationType"`
						SourceField   string `json:"sourceField"`
						DataType      string `json:"dataType"`
					} `json:"columns"`
				} `json:"layers"`
			} `json:"formBased"`
		} `json:"datasourceStates"`
		Visualization struct {
			Layers []struct {
				LayerID       string   `json:"layerId"`
				XAccessor     string   `json:"xAccessor"`
				SplitAccessor string   `json:"splitAccessor"`
				Accessors     []string `json:"accessors"`
				SeriesType    string   `json:"seriesType"`
				LayerType     string   `json:"layerType"`
			} `json:"layers"`
		} `json:"visualization"`
	} `json:"state"`
}

// checkLens: every column reads an aggregatable, non-nested field of the
// mapping (Lens cannot aggregate nested fields), and the chart's accessors
// name columns of their layer.
func checkLens(t *testing.T, l *lensAttributes, fields map[string]esField) {
	t.Helper()
	require.Equal(t, "lnsXY", l.VisualizationType)
	layers := l.State.DatasourceStates.FormBased.Layers
	require.NotEmpty(t, layers)
	for id, layer := range layers {
		require.Len(t, layer.ColumnOrder, len(layer.Columns))
		for _, cid := range layer.ColumnOrder {
			col, ok := layer.Columns[cid]
			require.True(t, ok, "columnOrder names %s, which is no column", cid)
			if col.SourceField == "___records___" {
				require.Equal(t, "count", col.OperationType)
				continue
			}
			f, ok := fields[col.SourceField]
			require.True(t, ok, "lens column reads %s, which is not in the mapping", col.SourceField)
			require.True(t, aggregatable(f), "lens column reads %s (%s), which is not aggregatable", col.SourceField, f.typ)
			require.Empty(t, f.nested, "lens column reads %s inside nested %s: Lens cannot aggregate it", col.SourceField, f.nested)
		}
		ref := false
		for _, r := range l.References {
			ref = ref || r.Name == "indexpattern-datasource-layer-"+id
		}
		require.True(t, ref, "layer %s has no data view reference", id)
	}
	for _, vl := range l.State.Visualization.Layers {
		layer, ok := layers[vl.LayerID]
		require.True(t, ok, "visualization layer %s has no datasource layer", vl.LayerID)
		for _, a := range append([]string{vl.XAccessor, vl.SplitAccessor}, vl.Accessors...) {
			if a != "" {
				require.Contains(t, layer.Columns, a)
			}
		}
	}
}

// vegaSpec returns the parsed Vega(-Lite) spec of a visualization saved object.
func vegaSpec(t testing.TB, o savedObject) map[string]any {
	t.Helper()
	var a struct {
		Title    string `json:"title"`
		VisState string `json:"visState"`
	}
	require.NoError(t, json.Unmarshal(o.Attributes, &a))
	var vs struct {
		Title  string `json:"title"`
		Type   string `json:"type"`
		Params struct {
			Spec string `json:"spec"`
		} `json:"params"`
	}
	require.NoError(t, json.Unmarshal([]byte(a.VisState), &vs), "%s visState", o.ID)
	require.Equal(t, "vega", vs.Type, "%s: only Vega visualizations are saved by reference", o.ID)
	require.Equal(t, a.Title, vs.Title)
	var spec map[string]any
	// Kibana reads specs as HJSON; ours are plain JSON, a subset, so a JSON
	// parser checks them exactly.
	require.NoError(t, json.Unmarshal([]byte(vs.Params.Spec), &spec), "%s spec", o.ID)
	require.Equal(t, "https://vega.github.io/schema/vega-lite/v5.json", spec["$schema"])
	for _, k := range []string{"mark", "encoding"} {
		require.Contains(t, spec, k, "%s spec", o.ID)
	}
	return spec
}

type vegaDataSource struct {
	URL      map[string]any
	Property string
}

func vegaData(t testing.TB, spec map[string]any) []vegaDataSource {
	t.Helper()
	var out []vegaDataSource
	data, ok := spec["data"].(map[string]any)
	require.True(t, ok, "spec has one data object")
	url, ok := data["url"].(map[string]any)
	require.True(t, ok, "data.url is an Elasticsearch query")
	prop, _ := data["format"].(map[string]any)["property"].(string)
	require.NotEmpty(t, prop, "data.format.property")
	require.Equal(t, true, url["%context%"], "the query takes the dashboard's filters")
	body, ok := url["body"].(map[string]any)
	require.True(t, ok)
	require.NotContains(t, body, "query", "Kibana refuses body.query together with %context%")
	out = append(out, vegaDataSource{URL: url, Property: prop})
	return out
}

// checkAggFields: every field an aggregation reads is in the mapping, and a
// field inside a nested object is read under a nested aggregation of that
// path (and only there).
func checkAggFields(t *testing.T, aggs map[string]any, fields map[string]esField, nested string) {
	t.Helper()
	for name, raw := range aggs {
		agg := raw.(map[string]any)
		inner := nested
		for typ, v := range agg {
			if typ == "aggs" || typ == "aggregations" {
				continue
			}
			params, _ := v.(map[string]any)
			switch typ {
			case "nested":
				inner = params["path"].(string)
				require.Equal(t, "nested", fields[inner].typ, "agg %s: %s is not a nested field", name, inner)
			case "reverse_nested":
				inner = ""
			}
			if f, ok := params["field"].(string); ok {
				ef, ok := fields[f]
				require.True(t, ok, "agg %s reads %s, which is not in the mapping", name, f)
				require.True(t, aggregatable(ef), "agg %s reads %s (%s)", name, f, ef.typ)
				require.Equal(t, ef.nested, nested, "agg %s reads %s at nesting %q; the field is under %q", name, f, nested, ef.nested)
			}
		}
		if sub, ok := agg["aggs"].(map[string]any); ok {
			checkAggFields(t, sub, fields, inner)
		}
	}
}

// composeIndex is the write alias of the compose stack's consumers.
func composeIndex(t testing.TB) string {
	t.Helper()
	return *composeService(t, "consumer-1").Environment["NEWSFLOW_INDEX"]
}

// TestKibanaVegaQueriesOnRealIndex runs the Elasticsearch query of every Vega
// visualization, expanded as Kibana's Vega plugin expands it (%context%,
// %timefield%, %autointerval%, %timefilter%), against the index the live
// consumer filled from the sample feeds, checks that the data the spec reads
// (format.property) is there, and renders the spec on that data with
// vega-lite and vega (deploy/check/vega), as Kibana does in the browser.
func TestKibanaVegaQueriesOnRealIndex(t *testing.T) {
	objs := loadSavedObjects(t)
	l := liveEnv(t)
	now := time.Now()
	min, max := now.Add(-24*time.Hour), now.Add(time.Hour)
	for _, o := range objs {
		if o.Type != "visualization" {
			continue
		}
		t.Run(o.ID, func(t *testing.T) {
			for _, d := range vegaData(t, vegaSpec(t, o)) {
				body := expandVegaQuery(t, d.URL, min, max)
				index := l.alias // the live run's alias instead of newsflow-articles
				resp, err := esDo(http.MethodPost, l.es+"/"+index+"/_search", body)
				require.NoError(t, err, "query:\n%s", body)
				var r map[string]any
				require.NoError(t, json.Unmarshal(resp, &r))
				v := lookup(r, d.Property)
				rows, ok := v.([]any)
				require.True(t, ok, "%s is not an array in the response: %s", d.Property, resp)
				require.NotEmpty(t, rows, "%s is empty: %s", d.Property, resp)
				// A nested figures aggregation must find figures in the sample articles.
				if strings.Contains(body, `"nested"`) {
					require.Contains(t, string(resp), `"key":"`, "no nested figure bucket: %s", resp)
				}
				r2 := renderVega(t, vegaSpec(t, o), rows)
				require.Empty(t, r2.Warnings, "vega-lite/vega warnings")
				require.Positive(t, r2.Marks, "the chart draws nothing from %d rows", len(rows))
				t.Logf("%s: %d rows from %s, rendered by vega %d marks (%d bytes of SVG)", o.ID, len(rows), index, r2.Marks, r2.SVGBytes)
			}
		})
	}
}

// expandVegaQuery does what Kibana's Vega EsQueryParser does to data.url.body
// for a dashboard with no filters: the range filter on %timefield%, the
// automatic date_histogram interval and the %timefilter% bounds.
func expandVegaQuery(t testing.TB, url map[string]any, min, max time.Time) string {
	t.Helper()
	raw, err := json.Marshal(url["body"])
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(raw, &body))
	tf := url["%timefield%"].(string)
	body["query"] = map[string]any{"bool": map[string]any{
		"must":     []any{map[string]any{"range": map[string]any{tf: map[string]any{"gte": min.UTC().Format(time.RFC3339Nano), "lte": max.UTC().Format(time.RFC3339Nano), "format": "strict_date_optional_time"}}}},
		"filter":   []any{},
		"should":   []any{},
		"must_not": []any{},
	}}
	var inject func(obj any, key string)
	inject = func(obj any, key string) {
		m, ok := obj.(map[string]any)
		if !ok {
			if arr, ok := obj.([]any); ok {
				for _, it := range arr {
					inject(it, "")
				}
			}
			return
		}
		for prop, sub := range m {
			if prop == "interval" && key == "date_histogram" {
				if s, ok := sub.(map[string]any); ok && s["%autointerval%"] == true {
					delete(m, "interval")
					m["fixed_interval"] = roundInterval(max.Sub(min) / 50)
				}
				continue
			}
			if s, ok := sub.(map[string]any); ok {
				switch s["%timefilter%"] {
				case "min":
					m[prop] = min.UnixMilli()
					continue
				case "max":
					m[prop] = max.UnixMilli()
					continue
				}
			}
			inject(sub, prop)
		}
	}
	inject(body["aggs"], "")
	out, err := json.Marshal(body)
	require.NoError(t, err)
	require.NotContains(t, string(out), "%", "a Kibana placeholder was left unexpanded")
	return string(out)
}

// roundInterval is Kibana's EsQueryParser._roundInterval for fixed intervals.
func roundInterval(d time.Duration) string {
	ms := float64(d.Milliseconds())
	steps := []struct {
		upTo float64
		s    string
	}{{500, "100ms"}, {5000, "1s"}, {7500, "5s"}, {15000, "10s"}, {45000, "30s"}, {180000, "1m"}, {450000, "5m"},
		{1200000, "10m"}, {2700000, "30m"}, {7200000, "1h"}, {21600000, "3h"}, {86400000, "12h"}, {604800000, "24h"}}
	for _, s := range steps {
		if ms <= s.upTo {
			return s.s
		}
	}
	return fmt.Sprintf("%dd", int(math.Ceil(ms/86400000)))
}

func lookup(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// vegaResult is what deploy/check/vega/render.cjs prints.
type vegaResult struct {
	Error    string   `json:"error"`
	Warnings []string `json:"warnings"`
	Marks    int      `json:"marks"`
	SVGBytes int      `json:"svgBytes"`
}

var (
	vegaOnce sync.Once
	vegaDir  string
	vegaErr  error
)

// vegaModules returns a node_modules directory with the vega and vega-lite of
// deploy/check/vega/package-lock.json, installed by `npm ci` into the cache on
// first use.
func vegaModules(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		unavailable(t, "node not found: Vega specs are rendered with Node.js (the machine image has it)")
	}
	vegaOnce.Do(func() {
		src := repoPath(t, "deploy", "check", "vega")
		lock, err := os.ReadFile(filepath.Join(src, "package-lock.json"))
		if err != nil {
			vegaErr = err
			return
		}
		sum := sha256.Sum256(lock)
		dir := filepath.Join(cacheDir(t), "tools", "vega-"+hex.EncodeToString(sum[:6]))
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "vega-lite", "package.json")); err == nil {
			vegaDir = filepath.Join(dir, "node_modules")
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			vegaErr = err
			return
		}
		for _, f := range []string{"package.json", "package-lock.json"} {
			if err := copyFile(filepath.Join(src, f), filepath.Join(dir, f)); err != nil {
				vegaErr = err
				return
			}
		}
		t.Logf("installing vega and vega-lite into %s (npm ci; first run only)", dir)
		out, err := run(t, dir, nil, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		if err != nil {
			vegaErr = fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
			return
		}
		vegaDir = filepath.Join(dir, "node_modules")
	})
	if vegaErr != nil {
		unavailable(t, "%v", vegaErr)
	}
	return vegaDir
}

// renderVega renders spec on rows with deploy/check/vega/render.cjs.
func renderVega(t testing.TB, spec map[string]any, rows []any) vegaResult {
	t.Helper()
	modules := vegaModules(t)
	in, err := json.Marshal(map[string]any{"spec": spec, "values": rows})
	require.NoError(t, err)
	cmd := exec.Command("node", repoPath(t, "deploy", "check", "vega", "render.cjs"), modules)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var r vegaResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &r), "render.cjs output %q, stderr %s", stdout.String(), stderr.String())
	require.Empty(t, r.Error, "vega-lite/vega failed")
	require.NoError(t, runErr, stderr.String())
	return r
}
