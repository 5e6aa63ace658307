package bench

import (
	"testing"

	"github.com/newsflow/newsflow/internal/itest"
)

func TestMain(m *testing.M) { itest.VerifyNoLeaks(m) }
