package custom

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/spapi/internal/revealtest"
)

type zipFile struct {
	name string
	body []byte
}

func buildZip(t testing.TB, files ...zipFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const v3Document = `{
  "version": "3.0",
  "orderId": "111-2223334-5556667",
  "orderItemId": "12345678901234",
  "asin": "B0EXAMPLE1",
  "title": "Leather wallet",
  "quantity": "2",
  "unknownTopLevel": {"ignored": true},
  "customizationInfo": {
    "version3.0": {
      "surfaces": [
        {"name": "Unit 1", "areas": [
          {"customizationType": "TextPrinting", "name": "Monogram", "label": "Initials",
           "text": "%TEXT1%", "fontFamily": "Baskerville", "colorName": "Gold", "fill": "#D4AF37",
           "position": {"x": 10.5, "y": 20}, "dimensions": {"width": 120, "height": 40}},
          {"customizationType": "Options", "name": "Stamp", "label": "Emboss or deboss", "optionValue": "Deboss - centre"},
          {"customizationType": "Options", "name": "Thread", "label": "Thread colour", "optionValue": "Tan"},
          {"customizationType": "ImagePrinting", "name": "Logo", "imageName": "logo.png"}
        ]},
        {"name": "Unit 2", "areas": [
          {"customizationType": "TextPrinting", "name": "Monogram", "text": "%TEXT2%", "fontFamily": "Didot", "colorName": "Silver", "fill": "#C0C0C0"}
        ]}
      ]
    }
  }
}`

func TestParseZipVersion3(t *testing.T) {
	t.Parallel()
	f := gofakeit.New(7)
	text1 := strings.ToUpper(f.Letter() + f.Letter() + f.Letter())
	text2 := f.FirstName()
	doc := strings.NewReplacer("%TEXT1%", text1, "%TEXT2%", text2).Replace(v3Document)
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><text>preview</text></svg>`)
	png := []byte("\x89PNG\r\n\x1a\nfake")
	data := buildZip(t,
		zipFile{"12345678901234.json", []byte(doc)},
		zipFile{"12345678901234.svg", svg},
		zipFile{"images/logo.png", png},
	)

	c, err := ParseZip(data, Limits{})
	if err != nil {
		t.Fatalf("ParseZip: %v", err)
	}
	if len(c.Documents) != 1 {
		t.Fatalf("documents = %d, want 1", len(c.Documents))
	}
	d := c.Documents[0]
	if d.OrderItemID != "12345678901234" || d.Quantity != 2 || d.Version != "3.0" {
		t.Errorf("document header = %+v", d)
	}
	if len(d.Surfaces) != 2 {
		t.Fatalf("surfaces = %d, want 2", len(d.Surfaces))
	}
	texts := d.Texts()
	if len(texts) != 2 {
		t.Fatalf("texts = %d, want 2", len(texts))
	}
	if got := revealtest.Reveal(t, texts[0].Text); got != text1 {
		t.Errorf("unit 1 text = %q, want %q", got, text1)
	}
	if got := revealtest.Reveal(t, texts[1].Text); got != text2 {
		t.Errorf("unit 2 text = %q, want %q", got, text2)
	}
	first := d.Surfaces[0].Areas[0]
	if first.Font != "Baskerville" || first.Color != (Color{"Gold", "#D4AF37"}) {
		t.Errorf("style = %q %+v", first.Font, first.Color)
	}
	if first.X != 10.5 || first.Y != 20 || first.Width != 120 || first.Height != 40 {
		t.Errorf("geometry = %v,%v %vx%v", first.X, first.Y, first.Width, first.Height)
	}
	if got := d.Surfaces[0].Areas[1].Option; got != "Deboss - centre" {
		t.Errorf("stamp option = %q", got)
	}
	if got := d.Surfaces[0].Areas[2].Option; got != "Tan" {
		t.Errorf("thread option = %q", got)
	}
	if p, ok := c.Part("logo.png"); !ok || p.ContentType != "image/png" || !bytes.Equal(p.Data, png) {
		t.Errorf("logo part = %+v, %v", p.Name, ok)
	}
	if p, ok := c.Part("12345678901234.svg"); !ok || p.ContentType != "image/svg+xml" || !bytes.Equal(p.Data, svg) {
		t.Errorf("svg part missing or changed")
	}
}

func TestParseDocumentDataTree(t *testing.T) {
	t.Parallel()
	doc := `{"version":"2.0","orderItemId":"1","customizationData":{"type":"CustomizationDataContainer","name":"Wallet","children":[
	  {"type":"FontCustomization","fontSelection":{"family":"Garamond"}},
	  {"type":"ColorCustomization","colorSelection":{"name":"Navy","value":"#000080"}},
	  {"type":"TextCustomization","name":"Initials","label":"Initials","inputValue":"J.K."},
	  {"type":"OptionCustomization","name":"Position","optionSelection":{"name":"Emboss bottom right"}}
	]}}`
	d, err := ParseDocument([]byte(doc))
	if err != nil {
		t.Fatalf("ParseDocument: %v", err)
	}
	texts := d.Texts()
	if len(texts) != 1 {
		t.Fatalf("texts = %d, want 1", len(texts))
	}
	if texts[0].Font != "Garamond" || texts[0].Color.Name != "Navy" {
		t.Errorf("style = %q %+v", texts[0].Font, texts[0].Color)
	}
	if got := revealtest.Reveal(t, texts[0].Text); got != "J.K." {
		t.Errorf("text = %q", got)
	}
	if got := d.Surfaces[0].Areas[1].Option; got != "Emboss bottom right" {
		t.Errorf("option = %q", got)
	}
}

func TestParseZipCorrupt(t *testing.T) {
	t.Parallel()
	good := buildZip(t, zipFile{"a.json", []byte(`{"version":"3.0"}`)})
	cases := map[string][]byte{
		"empty":     nil,
		"not zip":   []byte("PK\x03\x04 this is not a zip"),
		"truncated": good[:len(good)/2],
		"html":      []byte("<html>AccessDenied</html>"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseZip(data, Limits{})
			if !errors.Is(err, ErrInvalidZip) {
				t.Errorf("err = %v, want ErrInvalidZip", err)
			}
		})
	}
}

// minimalDocument is the smallest document ParseDocument accepts: one text
// area in the older customizationData layout.
const minimalDocument = `{"customizationData":{"type":"TextCustomization","inputValue":"x"}}`

func TestParseDocumentEmpty(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{
		`null`, `{}`, `{"orderItemId":"1","quantity":1}`,
		`{"customizationInfo":{"version3.0":{"surfaces":[]}}}`,
		`{"customizationInfo":{"version3.0":{"surfaces":[{"name":"Front","areas":[]}]}}}`,
		`{"customizationData":{"type":"CustomizationDataContainer","children":[]}}`,
	} {
		if _, err := ParseDocument([]byte(doc)); !errors.Is(err, ErrEmptyDocument) {
			t.Errorf("ParseDocument(%s): err = %v, want ErrEmptyDocument", doc, err)
		}
	}
}

func TestParseZipEmptyDocument(t *testing.T) {
	t.Parallel()
	data := buildZip(t, zipFile{"a.json", []byte(`{}`)}, zipFile{"b.svg", []byte("<svg/>")})
	if _, err := ParseZip(data, Limits{}); !errors.Is(err, ErrEmptyDocument) {
		t.Errorf("err = %v, want ErrEmptyDocument", err)
	}
}

func TestParseZipWithoutDocument(t *testing.T) {
	t.Parallel()
	data := buildZip(t, zipFile{"preview.svg", []byte("<svg/>")})
	if _, err := ParseZip(data, Limits{}); !errors.Is(err, ErrNoDocument) {
		t.Errorf("err = %v, want ErrNoDocument", err)
	}
}

func TestParseZipInvalidJSON(t *testing.T) {
	t.Parallel()
	data := buildZip(t, zipFile{"a.json", []byte(`{"version":`)})
	_, err := ParseZip(data, Limits{})
	if err == nil || !strings.Contains(err.Error(), "a.json") {
		t.Errorf("err = %v, want an error naming a.json", err)
	}
}

func TestParseZipLimits(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("x"), 4096)
	data := buildZip(t, zipFile{"a.json", []byte(minimalDocument)}, zipFile{"big.png", big}, zipFile{"c.svg", []byte("<svg/>")})
	cases := []struct {
		name string
		lim  Limits
		what string
	}{
		{"zip", Limits{MaxZipBytes: 100}, "zip"},
		{"entries", Limits{MaxEntries: 2}, "entries"},
		{"entry", Limits{MaxEntryBytes: 1000}, "entry"},
		{"total", Limits{MaxTotalBytes: 4000}, "total"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseZip(data, tc.lim)
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want *LimitError", err)
			}
			if le.What != tc.what {
				t.Errorf("What = %q, want %q", le.What, tc.what)
			}
		})
	}
}

func TestParseZipBomb(t *testing.T) {
	t.Parallel()
	// Zeros just over the default entry limit compress to a few KiB.
	zeros := make([]byte, DefaultMaxEntryBytes+1)
	data := buildZip(t, zipFile{"a.json", []byte(minimalDocument)}, zipFile{"bomb.png", zeros})
	_, err := ParseZip(data, Limits{})
	var le *LimitError
	if !errors.As(err, &le) || le.What != "entry" {
		t.Errorf("err = %v, want an entry *LimitError", err)
	}
}

func FuzzParseZip(f *testing.F) {
	f.Add(buildZip(f, zipFile{"a.json", []byte(v3Document)}, zipFile{"b.svg", []byte("<svg/>")}))
	f.Add(buildZip(f, zipFile{"a.json", []byte(`{"customizationData":{"type":"TextCustomization","inputValue":"x"}}`)}))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseZip(data, Limits{MaxTotalBytes: 1 << 20, MaxEntryBytes: 1 << 20})
		if err == nil && len(c.Documents) == 0 {
			t.Fatal("nil error without documents")
		}
	})
}

func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(v3Document))
	f.Add([]byte(`{"customizationData":{"type":"CustomizationDataContainer","children":[{"type":"TextCustomization","inputValue":"A"}]}}`))
	f.Add([]byte(`{"quantity":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDocument(data)
		if err == nil {
			_ = d.Texts()
		}
	})
}
