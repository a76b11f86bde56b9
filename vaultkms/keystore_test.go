package vaultkms_test

import (
	"testing"

	"github.com/hidemont/spkit/vaultkms"
	"github.com/hidemont/spkit/vaultkms/keystoretest"
)

func TestMemoryKeyStore(t *testing.T) {
	t.Parallel()
	keystoretest.Run(t, func(*testing.T) vaultkms.KeyStore { return vaultkms.NewMemoryKeyStore() })
}
