package pii

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxAddressJSONLen bounds the JSON object Address.UnmarshalJSON accepts.
const MaxAddressJSONLen = 64 << 10

// Address is a postal address from SP-API. Its zero value means absent.
//
// The parts SP-API returns without a Restricted Data Token (country code,
// state or region, postal code and city) are readable through plain
// accessors, because shipping rates and tax need them. Those four are stored
// in clear next to the ciphertext, so fmt printing an Address held in an
// unexported field shows them. All parts, those four included, are sealed
// in memory like the other PII types. The name, street lines, phone and the
// rest are readable only through Revealer.RevealAddress.
//
// Equal addresses compare equal with == within one process. An Address
// prints as [pii:address] and cannot be encoded in clear.
type Address struct {
	countryCode   string
	stateOrRegion string
	postalCode    string
	city          string
	ct            string // sealed canonical JSON of all AddressParts
}

// AddressParts holds the parts of an address in clear. It is the input of
// NewAddress and the result of Revealer.RevealAddress. Treat it as personal
// data and keep it only as long as a label or document needs it.
//
// Field names follow the getOrders v0 Address model. The Orders API
// 2026-01-01 CustomerAddress model uses the same names in camelCase, adds
// DistrictOrCounty, and nests the last four under extendedFields.
type AddressParts struct {
	Name             string `json:",omitempty"`
	CompanyName      string `json:",omitempty"`
	AddressLine1     string `json:",omitempty"`
	AddressLine2     string `json:",omitempty"`
	AddressLine3     string `json:",omitempty"`
	City             string `json:",omitempty"`
	County           string `json:",omitempty"`
	District         string `json:",omitempty"`
	DistrictOrCounty string `json:",omitempty"`
	StateOrRegion    string `json:",omitempty"`
	Municipality     string `json:",omitempty"`
	PostalCode       string `json:",omitempty"`
	CountryCode      string `json:",omitempty"` // ISO 3166-1 alpha-2, upper case
	Phone            string `json:",omitempty"`
	AddressType      string `json:",omitempty"` // "Residential" or "Commercial"

	// Extended fields, returned only for Brazilian addresses.
	StreetName   string `json:",omitempty"`
	StreetNumber string `json:",omitempty"`
	Complement   string `json:",omitempty"`
	Neighborhood string `json:",omitempty"`
}

// addressField is one part of an AddressParts, named as in SP-API.
type addressField struct {
	name string
	ptr  *string
}

// fields lists the parts with their names. It returns an array so that
// callers do not allocate.
func (p *AddressParts) fields() [19]addressField {
	return [19]addressField{
		{"Name", &p.Name}, {"CompanyName", &p.CompanyName},
		{"AddressLine1", &p.AddressLine1}, {"AddressLine2", &p.AddressLine2}, {"AddressLine3", &p.AddressLine3},
		{"City", &p.City}, {"County", &p.County}, {"District", &p.District},
		{"DistrictOrCounty", &p.DistrictOrCounty}, {"StateOrRegion", &p.StateOrRegion},
		{"Municipality", &p.Municipality}, {"PostalCode", &p.PostalCode},
		{"CountryCode", &p.CountryCode}, {"Phone", &p.Phone}, {"AddressType", &p.AddressType},
		{"StreetName", &p.StreetName}, {"StreetNumber", &p.StreetNumber},
		{"Complement", &p.Complement}, {"Neighborhood", &p.Neighborhood},
	}
}

// NewAddress returns an Address holding p. Each part is trimmed and has inner
// runs of white space collapsed to one space. The country code is upper-cased
// and must be two ASCII letters. Empty parts are allowed, and an AddressParts
// with every part empty gives the absent Address. A part longer than
// MaxAddressFieldLen bytes, not valid UTF-8, or holding a control character or
// placeholder is rejected with a *ValueError naming the part.
func NewAddress(p AddressParts) (Address, error) {
	empty := true
	for _, f := range p.fields() {
		if err := tooLongRaw(*f.ptr, MaxAddressFieldLen); err != nil {
			return Address{}, &ValueError{Kind: KindAddress, Field: f.name, Err: err}
		}
		*f.ptr = collapseSpace(*f.ptr)
		if *f.ptr == "" {
			continue
		}
		empty = false
		if err := checkCommon(*f.ptr, MaxAddressFieldLen, false); err != nil {
			return Address{}, &ValueError{Kind: KindAddress, Field: f.name, Err: err}
		}
	}
	if empty {
		return Address{}, nil
	}
	if p.CountryCode != "" {
		p.CountryCode = strings.ToUpper(p.CountryCode)
		if !isCountryCode(p.CountryCode) {
			return Address{}, &ValueError{Kind: KindAddress, Field: "CountryCode", Err: fmt.Errorf("%w: want two letters (ISO 3166-1 alpha-2)", ErrMalformed)}
		}
	}

	clear := p.encode()
	ct, err := sealMemory(KindAddress, clear)
	clearBuffer(clear)
	if err != nil {
		return Address{}, err
	}
	return Address{
		countryCode:   p.CountryCode,
		stateOrRegion: p.StateOrRegion,
		postalCode:    p.PostalCode,
		city:          p.City,
		ct:            ct,
	}, nil
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// CountryCode returns the ISO 3166-1 alpha-2 country code, or "".
func (v Address) CountryCode() string { return v.countryCode }

// StateOrRegion returns the state, province or region, or "".
func (v Address) StateOrRegion() string { return v.stateOrRegion }

// PostalCode returns the postal code, or "".
func (v Address) PostalCode() string { return v.postalCode }

// City returns the city, or "".
func (v Address) City() string { return v.city }

// Phone returns the phone number held in the address as a sealed Phone,
// normalised as NewPhone does, so that it can be stored and indexed apart
// from the address (SP-API returns the buyer's phone only inside the
// shipping address). The clear number never leaves the package. An absent
// Address, or one without a phone, gives the absent Phone and a nil error.
// A phone part that NewPhone rejects, for example one without a digit, gives
// the absent Phone and a *ValueError with Field "Phone". The address itself
// still holds that part as written.
func (v Address) Phone() (Phone, error) {
	if v.ct == "" {
		return Phone{}, nil
	}
	p, err := v.parts()
	if err != nil {
		return Phone{}, err
	}
	if p.Phone == "" {
		return Phone{}, nil
	}
	n, err := normalizePhone(p.Phone)
	if err != nil {
		return Phone{}, &ValueError{Kind: KindAddress, Field: "Phone", Err: err}
	}
	clear := []byte(n)
	ct, err := sealMemory(KindPhone, clear)
	clearBuffer(clear)
	if err != nil {
		return Phone{}, err
	}
	return Phone{ct}, nil
}

// addressJSON is the SP-API address object. encoding/json matches keys case
// insensitively, so it decodes both the PascalCase v0 model and the camelCase
// 2026-01-01 model.
type addressJSON struct {
	AddressParts
	ExtendedFields *extendedFieldsJSON
}

type extendedFieldsJSON struct {
	StreetName   string
	StreetNumber string
	Complement   string
	Neighborhood string
}

// UnmarshalJSON decodes an SP-API address object (getOrders v0 Address or
// Orders API 2026-01-01 CustomerAddress) and validates it as NewAddress does.
// JSON null and an object with no parts decode to the absent Address. Objects
// larger than MaxAddressJSONLen bytes are rejected. Errors are *ValueError and
// never quote the input.
func (v *Address) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		*v = Address{}
		return nil
	}
	if len(data) > MaxAddressJSONLen {
		return &ValueError{Kind: KindAddress, Err: fmt.Errorf("%w: %d bytes of JSON, maximum %d", ErrTooLong, len(data), MaxAddressJSONLen)}
	}
	if len(data) > 0 && data[0] == '"' && bytes.Contains(data, []byte(placeholderPrefix)) {
		return &ValueError{Kind: KindAddress, Err: ErrPlaceholder}
	}
	if len(data) == 0 || data[0] != '{' {
		return &ValueError{Kind: KindAddress, Err: fmt.Errorf("%w: JSON value is not an object", ErrMalformed)}
	}

	// encoding/json would replace invalid UTF-8 with U+FFFD.
	if !utf8.Valid(data) {
		return &ValueError{Kind: KindAddress, Err: ErrInvalidUTF8}
	}
	var w addressJSON
	if !parseFlatAddress(data, &w) {
		w = addressJSON{}
		if err := json.Unmarshal(data, &w); err != nil {
			// json's message may quote input, so it is not wrapped.
			return &ValueError{Kind: KindAddress, Err: fmt.Errorf("%w: invalid address object", ErrMalformed)}
		}
	}
	if e := w.ExtendedFields; e != nil {
		w.StreetName, w.StreetNumber, w.Complement, w.Neighborhood = e.StreetName, e.StreetNumber, e.Complement, e.Neighborhood
	}
	a, err := NewAddress(w.AddressParts)
	if err != nil {
		return err
	}
	*v = a
	return nil
}

func (v *Address) setClear(clear []byte) error {
	var p AddressParts
	if err := p.decode(clear); err != nil {
		return &ValueError{Kind: KindAddress, Err: fmt.Errorf("%w: invalid sealed address", ErrMalformed)}
	}
	a, err := NewAddress(p)
	if err != nil {
		return err
	}
	*v = a
	return nil
}

// parts opens the sealed parts of v.
func (v Address) parts() (AddressParts, error) {
	var p AddressParts
	clear, err := v.clearBytes()
	if err != nil || clear == nil {
		return p, err
	}
	defer clearBuffer(clear)
	if err := p.decode(clear); err != nil {
		return p, &cipherError{err}
	}
	return p, nil
}

// partsEncodingVersion is the first byte of an encoded AddressParts. The
// encoding is what Seal stores, so it must stay readable.
const partsEncodingVersion = 1

// encode returns the parts as a version byte followed by each field, in the
// order of fields, as a uvarint length and the bytes.
func (p AddressParts) encode() []byte {
	fields := p.fields()
	size := 1
	for _, f := range fields {
		size += binary.MaxVarintLen16 + len(*f.ptr)
	}
	out := make([]byte, 1, size)
	out[0] = partsEncodingVersion
	for _, f := range fields {
		out = binary.AppendUvarint(out, uint64(len(*f.ptr)))
		out = append(out, *f.ptr...)
	}
	return out
}

// decode reads what encode writes.
func (p *AddressParts) decode(b []byte) error {
	if len(b) == 0 || b[0] != partsEncodingVersion {
		return errors.New("sealed address has an unknown encoding version")
	}
	b = b[1:]
	for _, f := range p.fields() {
		n, size := binary.Uvarint(b)
		if size <= 0 || n > uint64(len(b)-size) {
			return errors.New("sealed address is truncated")
		}
		*f.ptr = string(b[size : size+int(n)])
		b = b[size+int(n):]
	}
	if len(b) != 0 {
		return errors.New("sealed address has trailing bytes")
	}
	return nil
}

// text renders the parts one line per part or group, in the order Reveal
// documents, leaving out empty parts.
func (p AddressParts) text() string {
	var lines []string
	add := func(parts ...string) {
		var nonEmpty []string
		for _, s := range parts {
			if s != "" {
				nonEmpty = append(nonEmpty, s)
			}
		}
		if len(nonEmpty) > 0 {
			lines = append(lines, strings.Join(nonEmpty, " "))
		}
	}
	add(p.Name)
	add(p.CompanyName)
	add(p.AddressLine1)
	add(p.StreetName, p.StreetNumber)
	add(p.Complement)
	add(p.AddressLine2)
	add(p.AddressLine3)
	add(p.Neighborhood)
	add(p.District)
	add(p.Municipality)
	add(p.DistrictOrCounty)
	add(p.County)
	add(p.PostalCode, p.City)
	add(p.StateOrRegion)
	add(p.CountryCode)
	add(p.Phone)
	return strings.Join(lines, "\n")
}

// clearBuffer overwrites b with zeros.
func clearBuffer(b []byte) { clear(b) }
