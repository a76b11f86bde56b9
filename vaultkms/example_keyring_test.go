package vaultkms_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/vaultkms"
)

// A keyring over the development KEK and the memory key store seals a field
// bound to its row, opens it, and shreds the bucket.
func ExampleKeyring() {
	ctx := context.Background()
	ring, err := vaultkms.New(vaultkms.Config{
		KEK:   vaultkms.NewInsecureLocalKEK(), // development only: use Transit in production
		Store: vaultkms.NewMemoryKeyStore(),
	})
	if err != nil {
		log.Fatal(err)
	}

	row := pii.Binding{Seller: "A2EXAMPLESELLER", Table: "orders", Column: "buyer_name", RowID: "order-1"}
	sealed, err := ring.Seal(ctx, "shipped-2026-12-04", row, []byte("Synthetic Buyer"))
	if err != nil {
		log.Fatal(err)
	}
	clear, err := ring.Open(ctx, "shipped-2026-12-04", row, sealed)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(clear))

	moved := row
	moved.RowID = "order-2"
	_, err = ring.Open(ctx, "shipped-2026-12-04", moved, sealed)
	fmt.Println("moved to another row:", errors.Is(err, vaultkms.ErrDecrypt))

	if err := ring.Shred(ctx, row.Seller, "shipped-2026-12-04"); err != nil {
		log.Fatal(err)
	}
	_, err = ring.Open(ctx, "shipped-2026-12-04", row, sealed)
	fmt.Println("after shred:", errors.Is(err, vaultkms.ErrShredded))
	// Output:
	// Synthetic Buyer
	// moved to another row: true
	// after shred: true
}
