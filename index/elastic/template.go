package elastic

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
)

// TemplateJSON is the composable index template of the article index, as
// installed for the default alias newsflow-articles (index pattern
// newsflow-articles-*). Deploy files and docs point at
// index/elastic/template.json.
//
//go:embed template.json
var TemplateJSON []byte

// TemplateVersion is the "version" of TemplateJSON. Raise it with every
// change of the template: a worker installs its template only over an older
// version, so during a rolling upgrade an old worker never undoes a new one.
const TemplateVersion = 2

// FirstIndexSuffix names the concrete index created behind a new alias
// (rollover style: newsflow-articles-000001).
const FirstIndexSuffix = "-000001"

// DefaultAnalyzer analyses title, body and boilerplate.
const DefaultAnalyzer = "english"

// Template returns the template for alias: TemplateJSON with its index
// pattern set to "<alias>-*" and, when analyzer is not empty, the
// "english" analyzer of title, body and boilerplate replaced by analyzer
// (another language analyzer, or "standard" on a cluster without the
// analysis-common module, such as the test node of scripts/testenv.sh).
func Template(alias, analyzer string) ([]byte, error) {
	var t map[string]any
	if err := json.Unmarshal(TemplateJSON, &t); err != nil {
		return nil, fmt.Errorf("parse embedded template: %w", err)
	}
	t["index_patterns"] = []string{alias + "-*"}
	if analyzer != "" && analyzer != DefaultAnalyzer {
		props := t["template"].(map[string]any)["mappings"].(map[string]any)["properties"].(map[string]any)
		for _, f := range []string{"title", "body", "boilerplate"} {
			props[f].(map[string]any)["analyzer"] = analyzer
		}
	}
	return json.Marshal(t)
}

// Install makes sure the article template and the write alias exist. It is
// idempotent and safe to run from many workers at once:
//   - the template is written unless the cluster holds the same or a newer
//     version (named after the alias);
//   - when the alias is missing, the index "<alias>-000001" is created with
//     the alias as its write index; losing that race to another worker is
//     fine.
//
// analyzer is passed to Template ("" means DefaultAnalyzer). Changing it
// later needs a new index (and a higher template version): the analysis of
// an existing index cannot change.
func Install(ctx context.Context, es Doer, alias, analyzer string, logger *slog.Logger) error {
	if err := installTemplate(ctx, es, alias, analyzer, logger); err != nil {
		return err
	}
	return ensureAlias(ctx, es, alias, logger)
}

func installTemplate(ctx context.Context, es Doer, alias, analyzer string, logger *slog.Logger) error {
	path := "/_index_template/" + url.PathEscape(alias)
	r, err := Do(ctx, es, http.MethodGet, path, nil, "")
	if err != nil {
		return fmt.Errorf("read index template %s: %w", alias, err)
	}
	switch r.Status {
	case http.StatusOK:
		var got struct {
			IndexTemplates []struct {
				IndexTemplate struct {
					Version *int `json:"version"`
				} `json:"index_template"`
			} `json:"index_templates"`
		}
		if err := json.Unmarshal(r.Body, &got); err != nil {
			return fmt.Errorf("parse index template %s: %w", alias, err)
		}
		if len(got.IndexTemplates) > 0 {
			if v := got.IndexTemplates[0].IndexTemplate.Version; v != nil && *v >= TemplateVersion {
				if *v > TemplateVersion {
					logger.Warn("index template is newer than this worker's; leaving it", "template", alias, "installed_version", *v, "own_version", TemplateVersion)
				}
				return nil
			}
		}
	case http.StatusNotFound:
	default:
		return fmt.Errorf("read index template %s: %s", alias, Describe(r))
	}
	body, err := Template(alias, analyzer)
	if err != nil {
		return err
	}
	r, err = Do(ctx, es, http.MethodPut, path, body, "")
	if err != nil {
		return fmt.Errorf("install index template %s: %w", alias, err)
	}
	if r.Status == http.StatusBadRequest && bytes.Contains(r.Body, []byte("has not been configured")) {
		return fmt.Errorf("install index template %s: the cluster does not know the analyzer (a node without the analysis-common module?): use a standard Elasticsearch distribution or choose another --text-analyzer: %s", alias, Describe(r))
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("install index template %s: %s", alias, Describe(r))
	}
	logger.Info("index template installed", "template", alias, "version", TemplateVersion)
	return nil
}

func ensureAlias(ctx context.Context, es Doer, alias string, logger *slog.Logger) error {
	exists := func() (bool, error) {
		r, err := Do(ctx, es, http.MethodHead, "/_alias/"+url.PathEscape(alias), nil, "")
		if err != nil {
			return false, fmt.Errorf("look up alias %s: %w", alias, err)
		}
		switch r.Status {
		case http.StatusOK:
			return true, nil
		case http.StatusNotFound:
			return false, nil
		default:
			return false, fmt.Errorf("look up alias %s: status %d", alias, r.Status)
		}
	}
	ok, err := exists()
	if err != nil || ok {
		return err
	}
	index := alias + FirstIndexSuffix
	body, _ := json.Marshal(map[string]any{
		"aliases": map[string]any{alias: map[string]any{"is_write_index": true}},
	})
	r, err := Do(ctx, es, http.MethodPut, "/"+url.PathEscape(index), body, "")
	if err != nil {
		return fmt.Errorf("create index %s: %w", index, err)
	}
	if r.Status == http.StatusOK {
		logger.Info("index created behind write alias", "index", index, "alias", alias)
		return nil
	}
	if bytes.Contains(r.Body, []byte("resource_already_exists_exception")) {
		if ok, err := exists(); err != nil || ok {
			return err
		}
		return fmt.Errorf("index %s exists but alias %s does not: add the alias (POST /_aliases) or choose another --index", index, alias)
	}
	if bytes.Contains(r.Body, []byte("invalid_alias_name_exception")) {
		return fmt.Errorf("create alias %s: an index of that name exists (created without the template?): reindex it into %s or choose another --index: %s", alias, index, Describe(r))
	}
	return fmt.Errorf("create index %s with alias %s: %s", index, alias, Describe(r))
}
