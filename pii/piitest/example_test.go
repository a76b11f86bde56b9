package piitest_test

import (
	"fmt"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/pii/piitest"
)

func ExampleCheck() {
	type order struct {
		ID    string
		Buyer pii.BuyerName
		note  string // a clear-text field that leaks
	}
	name := gofakeit.New(7).Name()
	buyer, err := pii.NewBuyerName(name)
	if err != nil {
		fmt.Println(err)
		return
	}

	findings, err := piitest.Check(piitest.Case{Value: order{ID: "1", Buyer: buyer}, Clear: []string{name}})
	fmt.Println("sealed field:", len(findings), "findings", err)

	findings, _ = piitest.Check(piitest.Case{Value: order{ID: "1", Buyer: buyer, note: "for " + name}, Clear: []string{name}})
	fmt.Println("clear field leaks:", len(findings) > 0)
	fmt.Println(findings[0].Vector, "/", findings[0].Nesting, "/", findings[0].Problem)
	// Output:
	// sealed field: 0 findings <nil>
	// clear field leaks: true
	// fmt %v / alone / clear text leaked as clear text
}
