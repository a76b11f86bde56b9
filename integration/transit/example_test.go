package transit_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/hidemont/spkit/integration/transit"
)

// Example starts the engine without a testing.T, as a program would, and
// encrypts and decrypts through vault/api. In a test, transit.Start(t,
// opts) and srv.Client(t) do the same in two lines.
func Example() {
	srv, err := transit.New(transit.Options{Mounts: []string{"teams/billing/transit"}})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client, err := api.NewClient(&api.Config{Address: srv.URL(), HttpClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		log.Fatal(err)
	}
	client.SetToken(srv.RootToken())
	client.ClearNamespace()
	ctx := context.Background()

	enc, err := client.Logical().WriteWithContext(ctx, "teams/billing/transit/encrypt/kek",
		map[string]any{"plaintext": base64.StdEncoding.EncodeToString([]byte("synthetic value"))})
	if err != nil {
		log.Fatal(err)
	}
	dec, err := client.Logical().WriteWithContext(ctx, "teams/billing/transit/decrypt/kek",
		map[string]any{"ciphertext": enc.Data["ciphertext"]})
	if err != nil {
		log.Fatal(err)
	}
	plaintext, err := base64.StdEncoding.DecodeString(dec.Data["plaintext"].(string))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(plaintext))
	fmt.Println(srv.CallCount(transit.OpWrite, "teams/billing/transit/encrypt/kek"), "encrypt call")
	// Output:
	// synthetic value
	// 1 encrypt call
}

// ExampleServer_Stop shows the fault switches a test uses to check how the
// code under test behaves while Vault is down or sealed.
func ExampleServer_Stop() {
	srv, err := transit.New(transit.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client, err := api.NewClient(&api.Config{Address: srv.URL(), HttpClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		log.Fatal(err)
	}
	client.SetToken(srv.RootToken())
	client.ClearNamespace()
	ctx := context.Background()

	srv.Seal()
	_, err = client.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
	fmt.Println("sealed:", responseStatus(err))
	srv.Unseal()

	srv.Stop()
	_, err = client.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
	fmt.Println("stopped:", err != nil)
	if err := srv.Restart(); err != nil {
		log.Fatal(err)
	}
	_, err = client.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
	fmt.Println("restarted:", err)
	// Output:
	// sealed: 503
	// stopped: true
	// restarted: <nil>
}
