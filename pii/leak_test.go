package pii_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/pii/piitest"
)

func TestValuesPassPiitest(t *testing.T) {
	t.Parallel()
	s := newSample(t, 11)
	for _, v := range s.values() {
		t.Run(string(v.value.Kind()), func(t *testing.T) {
			t.Parallel()
			piitest.Run(t, piitest.Case{Value: v.value, Clear: v.clear})
		})
	}
}

// order is a struct as an ERP would write it, with PII in exported and
// unexported fields, embedded, in slices and maps.
type order struct {
	ID       string
	Buyer    pii.BuyerName
	Ship     pii.Address
	Phones   []pii.Phone
	Messages map[string]pii.GiftMessage
	Extra    any

	email           pii.Email
	taxInfo         *pii.TaxInfo
	personalization pii.Personalization
}

type embeddedName struct {
	pii.BuyerName
	ID string
}

type embeddedPointer struct {
	*pii.Personalization
	ID string
}

func TestStructsPassPiitest(t *testing.T) {
	t.Parallel()
	s := newSample(t, 12)
	o := order{
		ID:              "114-0000000-0000001",
		Buyer:           s.name,
		Ship:            s.address,
		Phones:          []pii.Phone{s.phone},
		Messages:        map[string]pii.GiftMessage{"item-1": s.giftMessage},
		Extra:           s.email,
		email:           s.email,
		taxInfo:         &s.taxInfo,
		personalization: s.personalization,
	}
	all := []string{s.clearName, s.clearStreet, s.clearPhone, s.clearEmail, s.clearTax, s.clearPersonalization, s.clearGiftMessage}
	piitest.Run(t,
		piitest.Case{Name: "order", Value: o, Clear: all},
		piitest.Case{Name: "embedded", Value: embeddedName{s.name, "1"}, Clear: []string{s.clearName}},
		piitest.Case{Name: "embedded pointer", Value: embeddedPointer{&s.personalization, "1"}, Clear: []string{s.clearPersonalization}},
	)
}

// The runtime prints an unrecovered panic itself, which piitest can only
// simulate, so this test crashes a child process to see the real output.
// TestMain turns the child into the crashing program.
const panicChildEnv = "PII_TEST_PANIC_CHILD"

func TestMain(m *testing.M) {
	if what := os.Getenv(panicChildEnv); what != "" {
		panicChild(what)
	}
	os.Exit(m.Run())
}

func panicChild(what string) {
	s := newSample(&testing.T{}, 14)
	switch what {
	case "value":
		panic(s.name)
	case "pointer":
		panic(&s.name)
	default:
		panic(struct{ Buyer pii.BuyerName }{s.name})
	}
}

func TestRuntimePanicShowsPlaceholder(t *testing.T) {
	t.Parallel()
	s := newSample(t, 14)
	for _, what := range []string{"value", "pointer", "parent"} {
		t.Run(what, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0])
			cmd.Env = append(os.Environ(), panicChildEnv+"="+what)
			var output bytes.Buffer
			cmd.Stderr = &output
			cmd.Stdout = &output
			if err := cmd.Run(); err == nil {
				t.Fatal("child did not crash")
			}

			out := output.String()
			if strings.Contains(out, s.clearName) {
				t.Errorf("panic output contains the clear name")
			}
			if what != "parent" && !strings.Contains(out, "panic: [pii:buyer_name]") {
				t.Errorf("panic output lacks the placeholder:\n%s", strings.ReplaceAll(out, s.clearName, "«clear»"))
			}
			if what == "parent" && !strings.Contains(out, "panic: ") {
				t.Errorf("child did not print a panic:\n%s", strings.ReplaceAll(out, s.clearName, "«clear»"))
			}
		})
	}
}

func TestFmtOfParentShowsOnlyCiphertext(t *testing.T) {
	t.Parallel()
	s := newSample(t, 15)
	type parent struct{ secret pii.BuyerName }
	out := fmt.Sprintf("%+v %#v", parent{s.name}, parent{s.name})
	if strings.Contains(out, s.clearName) {
		t.Errorf("fmt of an unexported field shows the clear name")
	}
}
