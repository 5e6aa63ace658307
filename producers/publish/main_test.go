package publish_test

import (
	"testing"

	"github.com/newsflow/newsflow/internal/itest/ktest"
)

func TestMain(m *testing.M) { ktest.VerifyTestMain(m) }
