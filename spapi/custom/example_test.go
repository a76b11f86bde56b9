package custom_test

import (
	"fmt"
	"log"

	"github.com/hidemont/spkit/spapi/custom"
	"github.com/hidemont/spkit/spapi/spapitest"
)

// This example parses a synthetic customisation zip of a wallet ordered
// twice with different initials, one surface per unit. The buyer's text
// stays sealed; the font, colour and options are plain.
func ExampleParseZip() {
	order := &spapitest.Order{ID: "111-0000000-0000001"}
	item := &spapitest.OrderItem{
		ID: "10000000000001", ASIN: "B0EXAMPLE1", Title: "Bifold wallet", Quantity: 2,
		Customization: []spapitest.Personalization{
			{Text: "ABC", Font: "Didot", ColorName: "Gold", ColorValue: "#D4AF37", Thread: "Tan", Stamp: "Deboss - centre"},
			{Text: "XYZ", Font: "Futura", ColorName: "Silver", ColorValue: "#C0C0C0", Thread: "Navy", Stamp: "Emboss - top left"},
		},
	}
	c, err := custom.ParseZip(spapitest.CustomizationZip(order, item), custom.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	doc := c.Documents[0]
	fmt.Println("order item:", doc.OrderItemID)
	for _, s := range doc.Surfaces {
		text, thread, stamp := s.Areas[0], s.Areas[1], s.Areas[2]
		fmt.Println(s.Name+":", text.Text, text.Font, text.Color.Name, thread.Option, stamp.Option)
	}
	fmt.Println("parts:", len(c.Parts), c.Parts[0].ContentType)
	// Output:
	// order item: 10000000000001
	// Unit 1: [pii:personalization] Didot Gold Tan Deboss - centre
	// Unit 2: [pii:personalization] Futura Silver Navy Emboss - top left
	// parts: 2 image/svg+xml
}
