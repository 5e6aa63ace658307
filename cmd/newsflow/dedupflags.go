package main

import (
	"github.com/newsflow/newsflow/internal/cli"
	"github.com/newsflow/newsflow/pkg/dedup"
)

// dedupSettings are the dedup stage's options, shared by every command that
// runs the pipeline so the same input yields the same document everywhere.
type dedupSettings struct {
	opts       dedup.Options
	memoryKeys int
}

func addDedupSettings(s *cli.Set, withMemory bool) *dedupSettings {
	var d dedupSettings
	s.Int(&d.opts.MinNearLength, "dedup-min-near-length", "NEWSFLOW_DEDUP_MIN_NEAR_LENGTH", dedup.DefaultMinNearLength,
		"paragraphs shorter than this (bytes, folded) are compared exactly only, so one-fact sentences that differ in a name stay apart")
	s.Float(&d.opts.NearThreshold, "dedup-near-threshold", "NEWSFLOW_DEDUP_NEAR_THRESHOLD", dedup.DefaultNearThreshold,
		"shingle similarity from which two long paragraphs are near repeats; lower finds more edited repeats and merges more distinct paragraphs (measured in pkg/dedup/README.md)")
	s.Int(&d.opts.BoilerplateStories, "dedup-boilerplate-stories", "NEWSFLOW_DEDUP_BOILERPLATE_STORIES", dedup.DefaultBoilerplateStories,
		"a paragraph carried by this many distinct stories of one source becomes boilerplate (left out of body)")
	s.Int(&d.opts.BoilerplateTail, "dedup-boilerplate-tail", "NEWSFLOW_DEDUP_BOILERPLATE_TAIL", dedup.DefaultBoilerplateTail,
		"how many paragraphs at the end of an article may be boilerplate (sign-offs, author bios)")
	if withMemory {
		s.Int(&d.memoryKeys, "dedup-memory-keys", "NEWSFLOW_DEDUP_MEMORY_KEYS", dedup.DefaultMemoryKeys,
			"bound of the in-memory dedup store in keys (about 4 per paragraph, 67 bytes each); the least recently used are forgotten")
	}
	return &d
}

// deduper validates the options and returns the stage over store.
func (d *dedupSettings) deduper(store dedup.Store) (*dedup.Deduper, error) {
	if err := d.opts.Validate(); err != nil {
		return nil, err
	}
	return dedup.New(store, d.opts), nil
}
