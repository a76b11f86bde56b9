// Package piitest checks that a value holding personal data never shows its
// clear text, whichever way Go code prints, logs or encodes it.
//
// Check and Run drive a value through these printers, loggers and encoders:
//
//   - fmt (every verb, Println, Errorf, extra arguments), a simulated runtime
//     panic and reflection;
//   - log, log/slog (text and JSON handlers, attributes, With, groups), zap,
//     zerolog and logrus;
//   - encoding/json, YAML, XML, gob, CSV, MarshalText, MarshalBinary,
//     html/template and text/template;
//   - database/sql argument conversion, driver.Valuer and pgx encoding;
//   - testify's assert.Equal failure output, go-spew and go-cmp.
//
// Each runs on the value alone and nested: behind a pointer, in an exported
// and an unexported struct field, in a slice, as a map value and inside a
// field of type any.
//
// A check fails when the output, or an error message, contains a clear text
// (in any letter case) or its Go or JSON quoted, hexadecimal or base64
// (standard or URL) form. It also fails when a printer that can call the
// value's methods does not show the placeholder, so a type that prints
// nothing cannot pass. A JSON encoder that fails instead of printing the
// placeholder fails the check too, because some loggers drop a whole entry
// on such a failure. Finally, the placeholder must not decode back into the
// type.
//
// Run it on every struct of your own that holds PII values:
//
//	func TestOrderDoesNotLeak(t *testing.T) {
//		name := gofakeit.Name()
//		buyer, _ := pii.NewBuyerName(name)
//		piitest.Run(t, piitest.Case{Value: Order{ID: "1", Buyer: buyer}, Clear: []string{name}})
//	}
//
// Use synthetic clear texts of at least MinClearLen bytes. The runtime's own
// crash output for an unrecovered panic is simulated, not captured.
package piitest
