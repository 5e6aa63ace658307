package publish_test

import (
	"testing"

	"github.com/newsflow/newsflow/producers/ktest"
)

func TestMain(m *testing.M) { ktest.VerifyTestMain(m) }
