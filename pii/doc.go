// Package pii holds buyer personal data from SP-API in types that cannot be
// printed, logged or serialised in clear.
//
// # Values
//
// BuyerName, Address, Phone, Email, TaxInfo, Personalization and GiftMessage
// each hold only ciphertext, made with AES-SIV (deterministic AEAD) under a
// random key that exists in this process alone. Equal values therefore compare
// equal with == and work as map keys, but only within one process; a value
// never means anything in another process. The zero value of each type means
// absent (IsZero). Values are immutable and safe for concurrent use.
//
// Every printing and encoding path is closed: String, GoString, Format (all
// verbs) and LogValue print a placeholder such as [pii:buyer_name];
// MarshalJSON and MarshalYAML emit the placeholder (null when absent);
// MarshalText, MarshalBinary, GobEncode, MarshalXML and Value (driver.Valuer)
// return an *EncodingError. Because the only field is ciphertext, tools that
// bypass methods (fmt on unexported fields, reflection, go-spew, go-cmp, core
// dumps) see ciphertext too. An Address also shows its four unrestricted
// parts there. UnmarshalJSON decodes SP-API responses straight
// into these types and rejects the placeholder, so redacted output cannot be
// read back as data. Package piitest checks these promises for any type.
//
// # Revealing
//
// Clear text comes out only through a Revealer, built once with a Policy and
// an Auditor. Each reveal names a Purpose (fulfilment, delivery support,
// returns, tax and legal), needs an Actor in the context, and is audited
// before the clear text is returned:
//
//	ctx = pii.WithActor(ctx, pii.Actor{UserID: "u-17", SourceIP: ip})
//	name, err := revealer.Reveal(ctx, pii.PurposeFulfillment, order.BuyerName)
//
// RevealFunc hands the clear bytes to a callback and wipes them afterwards;
// RevealAddress returns the parts of an address for label printing.
//
// # Storage
//
// Seal encrypts a value for storage with a Sealer (package vaultkms provides
// one) under the key of a retention bucket, bound to the place it is stored
// (Binding). The resulting Envelope is what goes into a database column; Open
// reverses it. BlindIndexOf computes a keyed, truncated MAC of a normalised
// value with an Indexer, for equality lookups without clear text.
//
// # Limits
//
// The in-memory ciphertext is 16 bytes longer than the normalised value, so
// its length shows the value's length. Clear text passes through ordinary Go
// strings while JSON is decoded and when Reveal returns, and those cannot be
// wiped; RevealFunc avoids the second.
package pii

//go:generate go run gen_values.go
