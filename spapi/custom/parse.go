package custom

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/hidemont/spkit/pii"
)

// Limits bound the work done on one customisation zip. The zero value of
// each field means its default.
type Limits struct {
	// MaxZipBytes is the largest zip accepted, compressed. Default 32 MiB.
	MaxZipBytes int64
	// MaxEntries is the largest number of files in the zip. Default 256.
	MaxEntries int
	// MaxEntryBytes is the largest uncompressed size of one file. Default 16 MiB.
	MaxEntryBytes int64
	// MaxTotalBytes is the largest uncompressed size of all files. Default 64 MiB.
	MaxTotalBytes int64
	// MaxJSONBytes is the largest JSON document accepted. Default 4 MiB.
	MaxJSONBytes int64
}

// Default limits.
const (
	DefaultMaxZipBytes   = 32 << 20
	DefaultMaxEntries    = 256
	DefaultMaxEntryBytes = 16 << 20
	DefaultMaxTotalBytes = 64 << 20
	DefaultMaxJSONBytes  = 4 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxZipBytes <= 0 {
		l.MaxZipBytes = DefaultMaxZipBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = DefaultMaxEntryBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if l.MaxJSONBytes <= 0 {
		l.MaxJSONBytes = DefaultMaxJSONBytes
	}
	return l
}

// ErrInvalidZip is wrapped by the errors of a zip that cannot be read: not a
// zip, truncated or corrupt.
var ErrInvalidZip = errors.New("invalid customization zip")

// ErrNoDocument is returned for a zip that holds no JSON document.
var ErrNoDocument = errors.New("customization zip holds no JSON document")

// ErrEmptyDocument is wrapped by the error for a JSON document with no
// surface or area, such as null or {}. Such a document would link an item
// to a personalisation with nothing in it.
var ErrEmptyDocument = errors.New("customization JSON contains no personalisation")

// LimitError reports a customisation zip or document over a limit.
type LimitError struct {
	What  string // "zip", "entries", "entry", "total" or "json"
	Name  string // the file inside the zip, when the limit is per file
	Limit int64
}

func (e *LimitError) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("customization %s %q exceeds the limit of %d bytes", e.What, e.Name, e.Limit)
	}
	if e.What == "entries" {
		return fmt.Sprintf("customization zip has more than %d files", e.Limit)
	}
	return fmt.Sprintf("customization %s exceeds the limit of %d bytes", e.What, e.Limit)
}

// Customization is the content of an Amazon Custom customisation zip: one
// document per JSON file, in file name order, and the other files (SVG
// renderings and images the buyer uploaded) as parts.
type Customization struct {
	Documents []Document
	Parts     []Part
}

// Part is a file of the zip other than a JSON document.
type Part struct {
	Name        string // path inside the zip
	ContentType string // from the file extension: image/svg+xml, image/png, image/jpeg, or application/octet-stream
	Data        []byte
}

// Document is one customisation JSON document. Amazon sends one per order
// item. A multi-quantity item whose units carry different text gets one
// surface per unit, or one document per unit, depending on the product's
// template; [Document.Texts] flattens both.
type Document struct {
	Name        string // JSON file name inside the zip
	Version     string
	OrderID     string
	OrderItemID string
	ASIN        string
	Title       string
	Quantity    int
	Surfaces    []Surface
}

// Surface is a customisable face of a product, such as the front of a wallet.
type Surface struct {
	Name  string
	Areas []Area
}

// Area types found in customisation documents.
const (
	AreaText   = "TextPrinting"
	AreaImage  = "ImagePrinting"
	AreaOption = "Options"
)

// Area is one customised element of a surface: text with its font, colour
// and position, an uploaded image, or a chosen option such as a thread
// colour or an emboss or deboss position.
type Area struct {
	Type   string // AreaText, AreaImage, AreaOption, or another Amazon value
	Name   string
	Label  string
	Text   pii.Personalization // the buyer's text; zero for areas without text
	Font   string
	Color  Color
	Option string // the chosen value of an AreaOption
	Image  string // the part name of an AreaImage, when the zip holds it
	X, Y   float64
	Width  float64
	Height float64
}

// Color is a named colour with its hexadecimal value, such as Gold #FFD700.
type Color struct {
	Name  string
	Value string
}

// ParseZip reads a customisation zip within the limits and parses its JSON
// documents. A zip that cannot be read returns an error wrapping
// [ErrInvalidZip]; a zip or file over a limit returns a [*LimitError]; a zip
// without any JSON document returns [ErrNoDocument].
func ParseZip(data []byte, lim Limits) (*Customization, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxZipBytes {
		return nil, &LimitError{What: "zip", Limit: lim.MaxZipBytes}
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidZip, err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, &LimitError{What: "entries", Limit: int64(lim.MaxEntries)}
	}

	files := append([]*zip.File(nil), zr.File...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })

	c := &Customization{}
	var total int64
	for _, f := range files {
		if f.FileInfo().IsDir() {
			continue
		}
		body, err := readEntry(f, lim.MaxEntryBytes)
		if err != nil {
			return nil, err
		}
		total += int64(len(body))
		if total > lim.MaxTotalBytes {
			return nil, &LimitError{What: "total", Limit: lim.MaxTotalBytes}
		}

		if strings.EqualFold(path.Ext(f.Name), ".json") {
			if int64(len(body)) > lim.MaxJSONBytes {
				return nil, &LimitError{What: "json", Name: f.Name, Limit: lim.MaxJSONBytes}
			}
			doc, err := ParseDocument(body)
			if err != nil {
				return nil, fmt.Errorf("customization document %q: %w", f.Name, err)
			}
			doc.Name = f.Name
			c.Documents = append(c.Documents, *doc)
			continue
		}
		c.Parts = append(c.Parts, Part{Name: f.Name, ContentType: contentType(f.Name), Data: body})
	}
	if len(c.Documents) == 0 {
		return nil, ErrNoDocument
	}
	return c, nil
}

func readEntry(f *zip.File, max int64) ([]byte, error) {
	// The declared size is checked first, and the read is bounded as well,
	// because a crafted zip can declare a size smaller than its content.
	if f.UncompressedSize64 > uint64(max) {
		return nil, &LimitError{What: "entry", Name: f.Name, Limit: max}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: open %q: %v", ErrInvalidZip, f.Name, err)
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read %q: %v", ErrInvalidZip, f.Name, err)
	}
	if int64(len(body)) > max {
		return nil, &LimitError{What: "entry", Name: f.Name, Limit: max}
	}
	return body, nil
}

func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".gif":
		return "image/gif"
	}
	return "application/octet-stream"
}

// Texts returns every text area of the document, surface by surface, in
// document order.
func (d Document) Texts() []Area {
	var out []Area
	for _, s := range d.Surfaces {
		for _, a := range s.Areas {
			if !a.Text.IsZero() {
				out = append(out, a)
			}
		}
	}
	return out
}

// Part returns the part with the given name.
func (c *Customization) Part(name string) (Part, bool) {
	for _, p := range c.Parts {
		if p.Name == name || path.Base(p.Name) == name {
			return p, true
		}
	}
	return Part{}, false
}

// ParseDocument parses one customisation JSON document. It reads the
// surfaces of the version 3.0 layout and, when those are absent, the tree
// under customizationData that older documents use. Unknown fields are
// ignored. A document with no area on any surface, such as null or {},
// returns an error wrapping [ErrEmptyDocument].
func ParseDocument(data []byte) (*Document, error) {
	var raw rawDocument
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("invalid customization JSON: %w", err)
	}
	doc := &Document{
		Version:     raw.Version,
		OrderID:     raw.OrderID,
		OrderItemID: raw.OrderItemID,
		ASIN:        raw.ASIN,
		Title:       raw.Title,
		Quantity:    int(raw.Quantity),
	}
	if raw.CustomizationInfo != nil && raw.CustomizationInfo.V3 != nil {
		for _, s := range raw.CustomizationInfo.V3.Surfaces {
			surface := Surface{Name: s.Name}
			for _, a := range s.Areas {
				surface.Areas = append(surface.Areas, a.area())
			}
			doc.Surfaces = append(doc.Surfaces, surface)
		}
	} else if raw.CustomizationData != nil {
		var areas []Area
		walkData(raw.CustomizationData, &Area{}, &areas, 0)
		if len(areas) > 0 {
			doc.Surfaces = []Surface{{Name: raw.CustomizationData.Name, Areas: areas}}
		}
	}
	if !hasArea(doc.Surfaces) {
		return nil, ErrEmptyDocument
	}
	return doc, nil
}

func hasArea(surfaces []Surface) bool {
	for _, s := range surfaces {
		if len(s.Areas) > 0 {
			return true
		}
	}
	return false
}
