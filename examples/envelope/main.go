// Command envelope shows envelope encryption of one buyer field. A data key
// per seller and retention bucket, wrapped by a KEK in Vault Transit, seals a
// value bound to the row and column it is stored in. Shredding the bucket
// then makes the stored copy impossible to open.
//
// Against Vault, for example the in-process engine of the integration module:
//
//	cd integration && go run ./cmd/transit-dev    # prints VAULT_ADDR and VAULT_TOKEN
//	go run ./examples/envelope -vault-addr http://127.0.0.1:PORT -vault-token TOKEN
//
// Without flags it uses the local development KEK.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	vault "github.com/hashicorp/vault/api"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/vaultkms"
)

func main() {
	fs := flag.NewFlagSet("envelope", flag.ContinueOnError)
	addr := fs.String("vault-addr", "", "Vault address, such as http://127.0.0.1:8200 (default: a local development KEK)")
	token := fs.String("vault-token", "", "Vault token, required with -vault-addr")
	mount := fs.String("vault-mount", "transit", "mount path of the Transit secrets engine")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "envelope: unexpected argument %q: envelope takes only flags\n", fs.Arg(0))
		os.Exit(2)
	}
	if (*addr == "") != (*token == "") {
		fmt.Fprintln(os.Stderr, "envelope: -vault-addr and -vault-token go together")
		os.Exit(2)
	}
	if err := run(context.Background(), *addr, *token, *mount, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "envelope: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr, token, mount string, out io.Writer) error {
	kek, err := newKEK(ctx, addr, token, strings.Trim(mount, "/"))
	if err != nil {
		return err
	}
	keyring, err := vaultkms.New(vaultkms.Config{KEK: kek, Store: vaultkms.NewMemoryKeyStore()})
	if err != nil {
		return err
	}
	if addr == "" {
		fmt.Fprintln(out, "KEK: local development key (not for production)")
	} else {
		fmt.Fprintf(out, "KEK: Vault Transit key %s/keys/%s at %s\n", strings.Trim(mount, "/"), envelopeKey, addr)
	}

	// A synthetic buyer name, sealed in memory from the start.
	name, err := pii.NewBuyerName(gofakeit.New(1).Name())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "value in memory prints as %v\n", name)

	// Seal it for the buyer_name column of one order row, under the key of
	// the bucket of the day the order shipped.
	const seller, bucket = "A2EUQ1WTGCTBG2", "ship-2026-12-04"
	row := pii.Binding{Seller: seller, Table: "orders", Column: "buyer_name", RowID: "902-3159896-1390916"}
	env, err := pii.Seal(ctx, keyring, bucket, row, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sealed for %s.%s under bucket %s\n", row.Table, row.Column, bucket)

	// It opens only for the row and column it was sealed for.
	opened, err := pii.Open[pii.BuyerName](ctx, keyring, row, env)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "opened for the same row: equal to the original: %t\n", opened == name)
	other := row
	other.RowID = "114-0000000-0000000"
	if _, err := pii.Open[pii.BuyerName](ctx, keyring, other, env); err == nil {
		return errors.New("ciphertext opened for another row")
	}
	fmt.Fprintln(out, "copied to another row: does not open")

	// Shredding the bucket destroys its data key, so every copy of the
	// ciphertext, in backups too, stays closed.
	if err := keyring.Shred(ctx, seller, bucket); err != nil {
		return err
	}
	if _, err := pii.Open[pii.BuyerName](ctx, keyring, row, env); err == nil {
		return errors.New("ciphertext opened after its bucket was shredded")
	}
	fmt.Fprintln(out, "after shredding the bucket: does not open")

	st := keyring.Stats()
	fmt.Fprintf(out, "KEK calls: %d (keysets created: %d, shredded: %d)\n", st.KEKCalls(), st.Created, st.Shredded)
	return nil
}

// envelopeKey is the Transit key the example creates and uses as its KEK.
const envelopeKey = "spkit-envelope-example"

// newKEK returns a Transit KEK when addr is set, creating the key
// spkit-envelope-example if needed, and the local development KEK otherwise.
func newKEK(ctx context.Context, addr, token, mount string) (vaultkms.KEK, error) {
	if addr == "" {
		return vaultkms.NewInsecureLocalKEK(), nil
	}
	u, err := url.Parse(addr)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("-vault-addr=%q is not a URL such as http://127.0.0.1:8200", addr)
	}
	vc, err := vault.NewClient(&vault.Config{Address: addr, Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	vc.SetToken(token)
	if _, err := vc.Logical().WriteWithContext(ctx, mount+"/keys/"+envelopeKey, map[string]any{"type": "aes256-gcm96"}); err != nil {
		return nil, fmt.Errorf("create Transit key %s/keys/%s: %w", mount, envelopeKey, err)
	}
	return vaultkms.NewTransit(vaultkms.TransitConfig{
		KeyURI:  "hcvault://" + u.Host + "/" + mount + "/keys/" + envelopeKey,
		Address: addr,
		Token:   token,
	})
}
