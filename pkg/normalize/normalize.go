// Package normalize is the first stage: it turns a RawArticle of any supported
// content type into an Article with clean metadata and a list of paragraphs.
package normalize

import (
	"errors"

	"github.com/newsflow/newsflow/pkg/article"
)

// ErrEmpty is returned when an article has no text left after normalization.
var ErrEmpty = errors.New("article has no text")

// Normalize decodes, cleans and splits raw into paragraphs. It fills every
// metadata field of the Article it can (ID, Source, SourceID, URL, Title,
// Language, Byline, Dateline, PublishedAt, UpdatedAt, IngestedAt) and
// Paragraphs, each with Status unique, except a leading paragraph that repeats
// the title, which is StatusDuplicate with DuplicateOf {ID, TitleIndex}. Body,
// Figures, StoryID and Stats are left to later stages. An error means the
// input cannot be turned into an article and is permanent (dead-letter it).
func Normalize(raw article.RawArticle) (article.Article, error) {
	// TODO(issue 2): stub until the normalize package lands.
	a := article.Article{ID: raw.DeriveID(), Source: raw.Source, SourceID: raw.SourceID, URL: raw.URL, Title: raw.Title}
	if raw.Body == "" {
		return a, ErrEmpty
	}
	a.Paragraphs = []article.Paragraph{{Index: 0, Text: raw.Body, Status: article.StatusUnique}}
	return a, nil
}
