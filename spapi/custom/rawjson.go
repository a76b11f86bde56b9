package custom

import (
	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/spapi/internal/jsonx"
)

// The raw* types mirror the customisation JSON closely enough to decode the
// fields spkit uses; everything else is ignored.
//
// NOTE: Amazon publishes no schema for this JSON. The key names and the
// customizationType values follow customisation files sellers have shared
// publicly and have not been checked against a live zip from this code.

type rawDocument struct {
	Version           string       `json:"version"`
	OrderID           string       `json:"orderId"`
	OrderItemID       string       `json:"orderItemId"`
	ASIN              string       `json:"asin"`
	Title             string       `json:"title"`
	Quantity          jsonx.Int    `json:"quantity"`
	CustomizationInfo *rawInfo     `json:"customizationInfo"`
	CustomizationData *rawDataNode `json:"customizationData"`
}

type rawInfo struct {
	V3 *struct {
		Surfaces []struct {
			Name  string    `json:"name"`
			Areas []rawArea `json:"areas"`
		} `json:"surfaces"`
	} `json:"version3.0"`
}

type rawArea struct {
	CustomizationType string              `json:"customizationType"`
	Name              string              `json:"name"`
	Label             string              `json:"label"`
	Text              pii.Personalization `json:"text"`
	FontFamily        string              `json:"fontFamily"`
	ColorName         string              `json:"colorName"`
	Fill              string              `json:"fill"`
	OptionValue       string              `json:"optionValue"`
	ImageName         string              `json:"imageName"`
	Position          *struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
	} `json:"position"`
	Dimensions *struct {
		Width  float64 `json:"width"`
		Height float64 `json:"height"`
	} `json:"dimensions"`
}

func (a rawArea) area() Area {
	out := Area{
		Type:   a.CustomizationType,
		Name:   a.Name,
		Label:  a.Label,
		Text:   a.Text,
		Font:   a.FontFamily,
		Color:  Color{Name: a.ColorName, Value: a.Fill},
		Option: a.OptionValue,
		Image:  a.ImageName,
	}
	if a.Position != nil {
		out.X, out.Y = a.Position.X, a.Position.Y
	}
	if a.Dimensions != nil {
		out.Width, out.Height = a.Dimensions.Width, a.Dimensions.Height
	}
	return out
}

// rawDataNode is a node of the customizationData tree of older documents.
// Containers have children; leaves carry one choice each.
type rawDataNode struct {
	Type          string              `json:"type"`
	Name          string              `json:"name"`
	Label         string              `json:"label"`
	InputValue    pii.Personalization `json:"inputValue"`
	Children      []*rawDataNode      `json:"children"`
	FontSelection *struct {
		Family string `json:"family"`
	} `json:"fontSelection"`
	ColorSelection *struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"colorSelection"`
	OptionSelection *struct {
		Name  string `json:"name"`
		Label string `json:"label"`
	} `json:"optionSelection"`
	Image *struct {
		ImageName string `json:"imageName"`
	} `json:"image"`
	Position *struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
	} `json:"position"`
}

// maxTreeDepth bounds the recursion over customizationData so that a
// deeply nested document cannot exhaust the stack.
const maxTreeDepth = 64

// walkData collects areas from a customizationData tree. Font and colour
// choices apply to the text areas that follow them in the same container,
// which is how Amazon's older template nests them.
func walkData(n *rawDataNode, style *Area, out *[]Area, depth int) {
	if n == nil || depth > maxTreeDepth {
		return
	}
	switch n.Type {
	case "TextCustomization":
		a := Area{Type: AreaText, Name: n.Name, Label: n.Label, Text: n.InputValue, Font: style.Font, Color: style.Color}
		if n.Position != nil {
			a.X, a.Y = n.Position.X, n.Position.Y
		}
		*out = append(*out, a)
	case "FontCustomization":
		if n.FontSelection != nil {
			style.Font = n.FontSelection.Family
		}
	case "ColorCustomization":
		if n.ColorSelection != nil {
			style.Color = Color{Name: n.ColorSelection.Name, Value: n.ColorSelection.Value}
		}
	case "OptionCustomization":
		a := Area{Type: AreaOption, Name: n.Name, Label: n.Label}
		if n.OptionSelection != nil {
			a.Option = n.OptionSelection.Name
			if a.Option == "" {
				a.Option = n.OptionSelection.Label
			}
		}
		*out = append(*out, a)
	case "ImageCustomization":
		a := Area{Type: AreaImage, Name: n.Name, Label: n.Label}
		if n.Image != nil {
			a.Image = n.Image.ImageName
		}
		*out = append(*out, a)
	}
	inner := *style
	for _, c := range n.Children {
		walkData(c, &inner, out, depth+1)
	}
}
