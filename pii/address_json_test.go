package pii

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzParseFlatAddress checks that the fast path decodes exactly as
// encoding/json does whenever it accepts an input.
func FuzzParseFlatAddress(f *testing.F) {
	for _, seed := range []string{
		`{"Name":"Ada","AddressLine1":"1 Main St","City":"Seattle","CountryCode":"US","PostalCode":"98101"}`,
		`{"name":"Ada","extendedFields":{"streetName":"Rua","streetNumber":"1"},"countryCode":"br"}`,
		`{"extendedFields":{"streetName":"Rua"},"extendedFields":null}`,
		`{"extendedFields":"x"}`, `{"NAME":"a","name":"b"}`, `{"Unknown":"x","City":null}`,
		`{}`, ` { "City" : "Seattle" } `, `{"City":"Seattle",}`, `{"City":"Sea\"ttle"}`, `{"City":5}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			return // UnmarshalJSON rejects invalid UTF-8 before parsing
		}
		var fast addressJSON
		if !parseFlatAddress(data, &fast) {
			return
		}
		var slow addressJSON
		if err := json.Unmarshal(data, &slow); err != nil {
			t.Fatalf("fast path accepted what encoding/json rejects: %v", err)
		}
		if fast.AddressParts != slow.AddressParts {
			t.Fatalf("parts differ: fast %+v, encoding/json %+v", fast.AddressParts, slow.AddressParts)
		}
		if (fast.ExtendedFields == nil) != (slow.ExtendedFields == nil) {
			t.Fatal("extendedFields presence differs")
		}
		if fast.ExtendedFields != nil && *fast.ExtendedFields != *slow.ExtendedFields {
			t.Fatalf("extended fields differ: fast %+v, encoding/json %+v", *fast.ExtendedFields, *slow.ExtendedFields)
		}
	})
}
