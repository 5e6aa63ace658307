// Package figures is the figure-extraction stage: it finds numbers with their
// unit, qualifier and subject in text.
package figures

import "github.com/newsflow/newsflow/pkg/article"

// Extract returns the figures in text in order of Start. Start and End are
// byte offsets into text, Sentence counts sentences of text from 0, and
// Paragraph is left 0 for the caller to set.
func Extract(text string) []article.Figure {
	// TODO(issue 2): stub until the figures package lands.
	return nil
}
