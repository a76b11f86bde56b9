package vaultkms

import (
	"context"
	"testing"

	"github.com/hidemont/spkit/pii"
)

func TestEntryAssociatedDataMatchesBinding(t *testing.T) {
	t.Parallel()
	ring, err := New(Config{KEK: NewInsecureLocalKEK(), Store: NewMemoryKeyStore()})
	if err != nil {
		t.Fatal(err)
	}
	bind := pii.Binding{Seller: "A2SELLER", Table: "orders", Column: "shipping_address", RowID: "902-3159896-1390916"}
	if _, err := ring.Seal(context.Background(), "2026-12-04", bind, []byte("warm")); err != nil {
		t.Fatal(err)
	}
	e, _ := ring.cache.get(BucketRef{bind.Seller, "2026-12-04"})
	if e == nil {
		t.Fatal("bucket not cached")
	}

	for _, b := range []pii.Binding{bind, {Seller: bind.Seller, Table: "t", Column: "", RowID: "row with spaces"}} {
		got := getAssociatedData(e.fieldADPrefix, b)
		want := fieldAssociatedData("2026-12-04", b)
		if string(*got) != string(want) {
			t.Errorf("binding %+v: associated data %x, want %x", b, *got, want)
		}
		putAssociatedData(got)
	}
}
