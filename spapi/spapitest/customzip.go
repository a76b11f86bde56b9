package spapitest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"html"
)

// CustomizationZip builds the Amazon Custom zip of an order item the way
// Amazon lays it out: a JSON document named after the order item ID, in
// the version 3.0 layout with one surface per unit, and an SVG preview
// per unit. It returns nil for an item without customisation.
func CustomizationZip(o *Order, it *OrderItem) []byte {
	if len(it.Customization) == 0 {
		return nil
	}
	type area struct {
		CustomizationType string `json:"customizationType"`
		Name              string `json:"name"`
		Label             string `json:"label"`
		Text              string `json:"text,omitempty"`
		FontFamily        string `json:"fontFamily,omitempty"`
		ColorName         string `json:"colorName,omitempty"`
		Fill              string `json:"fill,omitempty"`
		OptionValue       string `json:"optionValue,omitempty"`
		Position          *struct {
			X float64 `json:"x"`
			Y float64 `json:"y"`
		} `json:"position,omitempty"`
		Dimensions *struct {
			Width  float64 `json:"width"`
			Height float64 `json:"height"`
		} `json:"dimensions,omitempty"`
	}
	type surface struct {
		Name  string `json:"name"`
		Areas []area `json:"areas"`
	}
	var surfaces []surface
	for u, p := range it.Customization {
		text := area{
			CustomizationType: "TextPrinting", Name: "Monogram", Label: "Your initials or name",
			Text: p.Text, FontFamily: p.Font, ColorName: p.ColorName, Fill: p.ColorValue,
		}
		text.Position = &struct {
			X float64 `json:"x"`
			Y float64 `json:"y"`
		}{X: 120, Y: 80}
		text.Dimensions = &struct {
			Width  float64 `json:"width"`
			Height float64 `json:"height"`
		}{Width: 300, Height: 90}
		surfaces = append(surfaces, surface{
			Name: fmt.Sprintf("Unit %d", u+1),
			Areas: []area{
				text,
				{CustomizationType: "Options", Name: "Thread", Label: "Thread colour", OptionValue: p.Thread},
				{CustomizationType: "Options", Name: "Stamp", Label: "Emboss or deboss", OptionValue: p.Stamp},
			},
		})
	}
	doc := map[string]any{
		"version":     "3.0",
		"orderId":     o.ID,
		"orderItemId": it.ID,
		"asin":        it.ASIN,
		"title":       it.Title,
		"quantity":    it.Quantity,
		"customizationInfo": map[string]any{
			"version3.0": map[string]any{"surfaces": surfaces},
		},
	}
	body, _ := json.MarshalIndent(doc, "", "  ") // maps and strings always encode

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, _ := zw.Create(name) // writes to a bytes.Buffer do not fail
		_, _ = w.Write(data)
	}
	add(it.ID+".json", body)
	for u, p := range it.Customization {
		svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><text x="120" y="80" font-family="%s" fill="%s">%s</text></svg>`,
			html.EscapeString(p.Font), p.ColorValue, html.EscapeString(p.Text))
		add(fmt.Sprintf("%s_unit%d.svg", it.ID, u+1), []byte(svg))
	}
	_ = zw.Close()
	return buf.Bytes()
}
