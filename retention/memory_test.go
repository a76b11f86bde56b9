package retention_test

import (
	"testing"

	"github.com/hidemont/spkit/retention"
	"github.com/hidemont/spkit/retention/retentiontest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	retentiontest.Run(t, func(*testing.T) retention.Store { return retention.NewMemoryStore() })
}
