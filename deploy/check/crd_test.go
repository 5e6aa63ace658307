package check

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// kedaModule is the module whose config/crd/bases holds KEDA's CRDs; its
// version is pinned in go.mod (tools.go) and its files come from the module
// cache, checksummed by go.sum.
const kedaModule = "github.com/kedacore/keda/v2"

var (
	crdMu      sync.Mutex
	crdSchemas = map[string]*jsonschema.Schema{}
)

// crdSchema compiles the openAPIV3Schema of version in a KEDA CRD file into a
// JSON schema that refuses unknown fields: every object schema with
// properties and without x-kubernetes-preserve-unknown-fields gets
// additionalProperties false, which is what the API server's strict field
// validation enforces.
func crdSchema(t testing.TB, file, version string) *jsonschema.Schema {
	t.Helper()
	crdMu.Lock()
	defer crdMu.Unlock()
	key := file + "/" + version
	if s, ok := crdSchemas[key]; ok {
		return s
	}
	// go mod download fetches the module (checksummed by go.sum) if the
	// cache lacks it and prints its directory; go list -m would not fetch it.
	out, err := run(t, repoPath(t, "deploy", "check"), nil, "go", "mod", "download", "-json", kedaModule)
	require.NoError(t, err, "go mod download %s: %s", kedaModule, out)
	var mod struct{ Dir, Error string }
	require.NoError(t, json.Unmarshal([]byte(out), &mod), "go mod download -json: %s", out)
	require.Empty(t, mod.Error)
	require.NotEmpty(t, mod.Dir, "go mod download -json: %s", out)
	dir := mod.Dir
	b, err := readFile(filepath.Join(dir, "config", "crd", "bases", file))
	require.NoError(t, err)
	var crd struct {
		Spec struct {
			Versions []struct {
				Name   string `json:"name"`
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(b, &crd))
	var schema map[string]any
	for _, v := range crd.Spec.Versions {
		if v.Name == version {
			schema = v.Schema.OpenAPIV3Schema
		}
	}
	require.NotNil(t, schema, "%s has no version %s", file, version)
	closeObjects(schema)
	// The object's own metadata is checked by decoding it into ObjectMeta.
	schema["properties"].(map[string]any)["metadata"] = map[string]any{"type": "object"}
	// Round-trip through JSON so numbers are what the compiler expects.
	j, err := json.Marshal(schema)
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(j)))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	require.NoError(t, c.AddResource(key+".json", doc))
	s, err := c.Compile(key + ".json")
	require.NoError(t, err)
	crdSchemas[key] = s
	return s
}

func closeObjects(v any) {
	switch s := v.(type) {
	case map[string]any:
		_, hasProps := s["properties"].(map[string]any)
		preserve, _ := s["x-kubernetes-preserve-unknown-fields"].(bool)
		if hasProps && !preserve {
			if _, set := s["additionalProperties"]; !set {
				s["additionalProperties"] = false
			}
		}
		for _, child := range s {
			closeObjects(child)
		}
	case []any:
		for _, child := range s {
			closeObjects(child)
		}
	}
}
