// Package sinktest is a recording Sink for the tests of the producers'
// sources (feed, watch): it keeps what it is sent and rejected, and fails
// every Send while a failure is set.
package sinktest

import (
	"context"
	"slices"
	"sync"

	"github.com/newsflow/newsflow/producers/publish"
)

// Sink records Send and Reject calls; safe for concurrent use.
type Sink struct {
	mu       sync.Mutex
	sent     []publish.Item
	rejected []error
	fail     error
}

// Send records items, or returns the failure set with Fail.
func (s *Sink) Send(_ context.Context, items []publish.Item) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.sent = append(s.sent, items...)
	return nil
}

// Reject records reason.
func (s *Sink) Reject(_ string, reason error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected = append(s.rejected, reason)
}

// Fail makes every Send return err until Fail(nil).
func (s *Sink) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

// Sent returns a copy of the items sent so far.
func (s *Sink) Sent() []publish.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// Rejected returns a copy of the reasons rejected so far.
func (s *Sink) Rejected() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rejected)
}

// Count is the number of items sent so far.
func (s *Sink) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}
