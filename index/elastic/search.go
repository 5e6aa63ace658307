package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/search"
)

// Searcher queries the article alias with the semantics of package search
// (the bleve index of `newsflow up` has the same). It implements
// search.Searcher.
type Searcher struct {
	es    Doer
	alias string
}

// NewSearcher returns a Searcher of alias (the --index write alias; it reads every
// index behind it).
func NewSearcher(es Doer, alias string) *Searcher {
	return &Searcher{es: es, alias: alias}
}

// Highlight settings: whole titles, up to three body fragments.
const fragmentSize = 160

// storyPrecision is the cardinality aggregation's precision threshold: the
// number of stories is exact below it (Elasticsearch's maximum).
const storyPrecision = 40000

// Body builds the search request body of q, which Validate accepted
// (exported for tests and for people who want to run the same query in
// Kibana's console).
//
// A word is a multi_match (operator and: all its tokens in one field) with
// zero_terms_query "all", so that a stop word, which the analyzer turns
// into nothing, matches everything and drops out of the conjunction; an
// excluded one has "none", so that it excludes nothing. A phrase is the
// same with type phrase, a prefix a prefix query per field, source:… a
// term filter.
func Body(q search.Query) map[string]any {
	terms, _ := search.ParseText(q.Text) // Validate parsed it
	var must, mustNot, filter []any
	for _, t := range terms {
		tq := termQuery(t)
		switch {
		case t.Exclude:
			mustNot = append(mustNot, tq)
		case t.Kind == search.Exact:
			filter = append(filter, tq)
		default:
			must = append(must, tq)
		}
	}
	if len(q.Sources) > 0 {
		filter = append(filter, map[string]any{"terms": map[string]any{"source": q.Sources}})
	}
	if len(q.IDs) > 0 {
		filter = append(filter, map[string]any{"ids": map[string]any{"values": q.IDs}})
	}
	if q.HasFigureFilter() {
		var f []any
		if q.Kind != "" {
			f = append(f, map[string]any{"term": map[string]any{"figures.kind": q.Kind}})
		}
		if q.Unit != "" {
			f = append(f, map[string]any{"term": map[string]any{"figures.unit": q.Unit}})
		}
		r := map[string]any{}
		if q.Min != nil {
			r["gte"] = *q.Min
		}
		if q.Max != nil {
			r["lte"] = *q.Max
		}
		if len(r) > 0 {
			f = append(f, map[string]any{"range": map[string]any{"figures.value": r}})
		}
		filter = append(filter, map[string]any{"nested": map[string]any{
			"path":  "figures",
			"query": map[string]any{"bool": map[string]any{"filter": f}},
		}})
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		r := map[string]any{"format": "strict_date_optional_time_nanos"}
		if !q.From.IsZero() {
			r["gte"] = q.From.UTC().Format(time.RFC3339Nano)
		}
		if !q.To.IsZero() {
			r["lte"] = q.To.UTC().Format(time.RFC3339Nano)
		}
		filter = append(filter, map[string]any{"range": map[string]any{"published_at": r}})
	}
	boolQ := map[string]any{}
	if len(must) > 0 {
		boolQ["must"] = must
	}
	if len(mustNot) > 0 {
		boolQ["must_not"] = mustNot
	}
	if len(filter) > 0 {
		boolQ["filter"] = filter
	}
	byDate := map[string]any{"published_at": map[string]any{"order": "desc", "missing": "_last", "unmapped_type": "date"}}
	byID := map[string]any{"id": map[string]any{"order": "asc", "unmapped_type": "keyword"}}
	fields := []string{"id", "title", "source", "published_at", "story_id"}
	if q.HasFigureFilter() {
		fields = append(fields, "figures")
	}
	body := map[string]any{
		"size":             q.Limit(),
		"from":             q.Offset,
		"track_total_hits": true,
		"query":            map[string]any{"bool": boolQ},
		"_source":          fields,
		"aggs": map[string]any{
			"source": map[string]any{"terms": map[string]any{"field": "source", "size": search.FacetSize}},
			"figures": map[string]any{
				"nested": map[string]any{"path": "figures"},
				"aggs": map[string]any{
					"kind": figureFacet("figures.kind"),
					"unit": figureFacet("figures.unit"),
				},
			},
			// Every day that has an article; the newest FacetSize are
			// kept (bucket_sort is a module the test node lacks).
			"published": map[string]any{"date_histogram": map[string]any{
				"field": "published_at", "calendar_interval": "day", "time_zone": "UTC",
				"format": "yyyy-MM-dd", "min_doc_count": 1, "order": map[string]any{"_key": "desc"},
			}},
		},
	}
	if q.ByRelevance(terms) {
		body["sort"] = []any{"_score", byDate, byID}
	} else {
		body["sort"] = []any{byDate, byID}
	}
	if len(must) > 0 {
		body["highlight"] = map[string]any{
			"encoder":   "html",
			"pre_tags":  []string{search.MarkOpen},
			"post_tags": []string{search.MarkClose},
			"fields": map[string]any{
				"title": map[string]any{"number_of_fragments": 0},
				"body":  map[string]any{"fragment_size": fragmentSize, "number_of_fragments": 3},
			},
		}
	}
	if q.Group {
		body["collapse"] = map[string]any{
			"field": "story_id",
			"inner_hits": map[string]any{
				"name": "story", "size": search.StoryMembers + 1, "sort": []any{byDate, byID},
				"_source": []string{"title", "source", "published_at"},
			},
		}
		body["aggs"].(map[string]any)["stories"] = map[string]any{"cardinality": map[string]any{"field": "story_id", "precision_threshold": storyPrecision}}
	}
	return body
}

// termQuery is the query of one term of q (see Body).
func termQuery(t search.Term) map[string]any {
	zero := "all"
	if t.Exclude {
		zero = "none"
	}
	fields := t.Fields()
	switch t.Kind {
	case search.Exact:
		return map[string]any{"term": map[string]any{"source": t.Text}}
	case search.Prefix:
		var should []any
		for _, f := range fields {
			should = append(should, map[string]any{"prefix": map[string]any{f: map[string]any{"value": t.Text}}})
		}
		if len(should) == 1 {
			return should[0].(map[string]any)
		}
		return map[string]any{"bool": map[string]any{"should": should, "minimum_should_match": 1}}
	case search.Phrase:
		return map[string]any{"multi_match": map[string]any{"query": t.Text, "fields": fields, "type": "phrase", "zero_terms_query": zero}}
	default:
		return map[string]any{"multi_match": map[string]any{"query": t.Text, "fields": fields, "operator": "and", "zero_terms_query": zero}}
	}
}

// figureFacet counts articles (not figures) per value of field.
func figureFacet(field string) map[string]any {
	return map[string]any{
		"terms": map[string]any{"field": field, "size": search.FacetSize},
		"aggs":  map[string]any{"articles": map[string]any{"reverse_nested": map[string]any{}}},
	}
}

type hitSource struct {
	Title       string           `json:"title"`
	Source      string           `json:"source"`
	PublishedAt string           `json:"published_at"`
	StoryID     string           `json:"story_id"`
	Figures     []article.Figure `json:"figures"`
}

type searchResponse struct {
	Hits struct {
		Total struct {
			Value int `json:"value"`
		} `json:"total"`
		Hits []struct {
			ID        string              `json:"_id"`
			Source    hitSource           `json:"_source"`
			Highlight map[string][]string `json:"highlight"`
			InnerHits struct {
				Story struct {
					Hits struct {
						Total struct {
							Value int `json:"value"`
						} `json:"total"`
						Hits []struct {
							ID     string    `json:"_id"`
							Source hitSource `json:"_source"`
						} `json:"hits"`
					} `json:"hits"`
				} `json:"story"`
			} `json:"inner_hits"`
		} `json:"hits"`
	} `json:"hits"`
	Aggregations struct {
		Source  buckets `json:"source"`
		Figures struct {
			Kind buckets `json:"kind"`
			Unit buckets `json:"unit"`
		} `json:"figures"`
		Published struct {
			Buckets []struct {
				Key      string `json:"key_as_string"`
				DocCount int    `json:"doc_count"`
			} `json:"buckets"`
		} `json:"published"`
		Stories struct {
			Value int `json:"value"`
		} `json:"stories"`
	} `json:"aggregations"`
}

type buckets struct {
	Buckets []struct {
		Key      string `json:"key"`
		DocCount int    `json:"doc_count"`
		Articles *struct {
			DocCount int `json:"doc_count"`
		} `json:"articles"`
	} `json:"buckets"`
}

func (b buckets) facets() []search.Facet {
	m := map[string]int{}
	for _, k := range b.Buckets {
		n := k.DocCount
		if k.Articles != nil {
			n = k.Articles.DocCount
		}
		m[k.Key] = n
	}
	return search.SortFacets(m)
}

// Search implements search.Searcher.
func (s *Searcher) Search(ctx context.Context, q search.Query) (search.Result, error) {
	if err := q.Validate(); err != nil {
		return search.Result{}, err
	}
	body, err := json.Marshal(Body(q))
	if err != nil {
		return search.Result{}, fmt.Errorf("encode search request: %w", err)
	}
	res, err := Do(ctx, s.es, http.MethodPost, "/"+url.PathEscape(s.alias)+"/_search", body, "")
	if err != nil {
		return search.Result{}, fmt.Errorf("search %s: %w", s.alias, err)
	}
	if res.Status != http.StatusOK {
		return search.Result{}, fmt.Errorf("search %s: %s", s.alias, Describe(res))
	}
	var r searchResponse
	if err := json.Unmarshal(res.Body, &r); err != nil {
		return search.Result{}, fmt.Errorf("decode search response: %w", err)
	}
	out := search.Result{Total: r.Hits.Total.Value, Hits: make([]search.Hit, 0, len(r.Hits.Hits))}
	if q.Group {
		out.Stories = r.Aggregations.Stories.Value
	}
	for _, h := range r.Hits.Hits {
		var frags []string
		frags = append(frags, h.Highlight["title"]...)
		frags = append(frags, h.Highlight["body"]...)
		hit := search.Hit{
			ID: h.ID, Title: h.Source.Title, Source: h.Source.Source, PublishedAt: h.Source.PublishedAt,
			StoryID: h.Source.StoryID, Highlight: search.Marked(frags), Figures: q.MatchedFigures(h.Source.Figures),
		}
		if q.Group {
			story := h.InnerHits.Story.Hits
			hit.StorySize = story.Total.Value
			for _, m := range story.Hits {
				if m.ID != h.ID && len(hit.Story) < search.StoryMembers {
					hit.Story = append(hit.Story, search.Member{ID: m.ID, Title: m.Source.Title, Source: m.Source.Source, PublishedAt: m.Source.PublishedAt})
				}
			}
		}
		out.Hits = append(out.Hits, hit)
	}
	days := map[string]int{}
	for _, b := range r.Aggregations.Published.Buckets {
		days[b.Key] = b.DocCount
	}
	out.Facets = search.Facets{
		Source:    r.Aggregations.Source.facets(),
		Kind:      r.Aggregations.Figures.Kind.facets(),
		Unit:      r.Aggregations.Figures.Unit.facets(),
		Published: search.SortDays(days),
	}
	return out, nil
}

// Article implements search.Searcher. It searches by id rather than GET
// <alias>/_doc/<id>, which fails once a rollover puts several indices
// behind the alias.
func (s *Searcher) Article(ctx context.Context, id string) (json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{
		"size":  1,
		"query": map[string]any{"ids": map[string]any{"values": []string{id}}},
		"sort":  []any{map[string]any{"indexed_at": map[string]any{"order": "desc", "unmapped_type": "date"}}},
	})
	res, err := Do(ctx, s.es, http.MethodPost, "/"+url.PathEscape(s.alias)+"/_search", body, "")
	if err != nil {
		return nil, fmt.Errorf("look up article %s: %w", id, err)
	}
	if res.Status != http.StatusOK {
		return nil, fmt.Errorf("look up article %s: %s", id, Describe(res))
	}
	var r struct {
		Hits struct {
			Hits []struct {
				Source json.RawMessage `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := json.Unmarshal(res.Body, &r); err != nil {
		return nil, fmt.Errorf("decode article %s: %w", id, err)
	}
	if len(r.Hits.Hits) == 0 {
		return nil, search.ErrNotFound
	}
	return r.Hits.Hits[0].Source, nil
}
