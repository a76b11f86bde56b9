package pii

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// BlindIndexSize is the length in bytes of a BlindIndex.
const BlindIndexSize = 16

// BlindIndex is a keyed, truncated MAC of a normalised value, for equality
// lookups (for example finding an order by phone for delivery support)
// without storing clear text. Store it in a bytea column as idx[:].
type BlindIndex [BlindIndexSize]byte

// String returns the index in hexadecimal.
func (x BlindIndex) String() string { return hex.EncodeToString(x[:]) }

// BlindIndexOf returns the blind index of v for seller, computed by ix over
// the index form of v:
//
//   - Phone: its ASCII digits only, so "+1 (480) 555-0100" and
//     "+1 480 555 0100" match.
//   - BuyerName, Email: the normalised value in lower case.
//   - Address: AddressLine1, PostalCode and CountryCode in lower case.
//   - TaxInfo, Personalization, GiftMessage: the normalised value.
//
// It returns an error for an absent v or when ix returns fewer than
// BlindIndexSize bytes; errors from ix are wrapped.
func BlindIndexOf(ctx context.Context, ix Indexer, seller string, v Value) (BlindIndex, error) {
	var x BlindIndex
	if ix == nil {
		return x, errors.New("pii: BlindIndexOf: indexer is nil")
	}
	if isNil(v) || v.IsZero() {
		return x, errors.New("pii: BlindIndexOf: value is absent")
	}
	if seller == "" {
		return x, errors.New("pii: BlindIndexOf: seller is empty")
	}
	k := v.Kind()

	form, err := blindIndexForm(v)
	if err != nil {
		return x, err
	}
	defer clearBuffer(form)
	mac, err := ix.BlindIndex(ctx, seller, k, form)
	if err != nil {
		return x, fmt.Errorf("pii: BlindIndexOf %s: %w", k, err)
	}
	if len(mac) < BlindIndexSize {
		return x, fmt.Errorf("pii: BlindIndexOf %s: indexer returned %d bytes, need at least %d", k, len(mac), BlindIndexSize)
	}
	copy(x[:], mac)
	return x, nil
}

func blindIndexForm(v Value) ([]byte, error) {
	if a, ok := v.(*Address); ok {
		v = *a
	}
	if a, ok := v.(Address); ok {
		p, err := a.parts()
		if err != nil {
			return nil, err
		}
		return []byte(strings.ToLower(p.AddressLine1 + "\n" + p.PostalCode + "\n" + p.CountryCode)), nil
	}
	clear, err := v.clearBytes()
	if err != nil {
		return nil, err
	}
	defer clearBuffer(clear)
	return indexForm(v.Kind(), clear), nil
}
