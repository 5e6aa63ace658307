package dedup_test

import (
	"testing"

	"github.com/newsflow/newsflow/pkg/dedup"
	"github.com/newsflow/newsflow/pkg/dedup/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) dedup.Store { return dedup.NewMemoryStore(0) })
	storetest.RunBounded(t, func(t *testing.T, maxKeys int) dedup.Store { return dedup.NewMemoryStore(maxKeys) })
}
