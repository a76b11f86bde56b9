package vaultkms_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/hidemont/spkit/vaultkms"
)

// appRoleLogin is an api.AuthMethod. Production code would use
// github.com/hashicorp/vault/api/auth/approle or its Kubernetes
// counterpart.
type appRoleLogin struct{ roleID, secretID string }

func (a appRoleLogin) Login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	return c.Logical().WriteWithContext(ctx, "auth/approle/login", map[string]any{"role_id": a.roleID, "secret_id": a.secretID})
}

// A production keyring: the KEK is a Transit key in a nested mount of a
// namespace, reached with AppRole, and every bucket also gets its own
// Transit key that Shred deletes. It needs a Vault server, so it has no
// Output.
func ExampleNewTransit() {
	kek, err := vaultkms.NewTransit(vaultkms.TransitConfig{
		KeyURI:    "hcvault://vault.internal:8200/erp/prod/transit/keys/spkit",
		Namespace: "erp",
		Auth:      appRoleLogin{roleID: "role-id-from-config", secretID: "secret-id-from-a-file"},
		Timeout:   5 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	ring, err := vaultkms.New(vaultkms.Config{
		KEK:        kek,
		BucketKEKs: kek,
		Store:      vaultkms.NewMemoryKeyStore(), // pgkeystore.New(pool) in production
		MaxAge:     5 * time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	st := ring.Stats()
	fmt.Println(st.KEKCalls(), kek.Stats().Requests)
}
