// Package dedup is the paragraph de-duplication stage.
package dedup

import (
	"context"

	"github.com/newsflow/newsflow/pkg/article"
)

// Deduper marks paragraph statuses. TODO(issue 2): stub.
type Deduper struct{}

// Mark sets Status and DuplicateOf of a.Paragraphs and a.StoryID.
// figureKeys[i] is a canonical signature of the figures of paragraph i.
func (d *Deduper) Mark(ctx context.Context, a *article.Article, figureKeys []string) error {
	a.StoryID = a.ID
	return nil
}
