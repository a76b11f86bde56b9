package fulfillment

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxIDLength bounds seller, marketplace, order and order item IDs. Amazon's
// IDs are far shorter (an order ID has 19 characters).
const maxIDLength = 64

// labelKeyDomain separates label keys from any other use of the same hash.
// Changing it changes every key, so it carries a version.
const labelKeyDomain = "spkit/fulfillment/label/v1"

// LabelKey derives the idempotency key of a label purchase from the seller, the
// order and the package reference. The key is a pure function of its inputs,
// so a process that crashed after buying a label derives the same key on
// retry, and Shipping API v2 returns the label it already sold instead of
// selling a second one.
//
// The key has the form of a UUID (version 8, RFC 9562) made from the first
// 128 bits of a SHA-256 over the inputs. packageRef is the seller's package
// reference within the order, a positive decimal number as confirmShipment
// requires.
func LabelKey(sellerID, orderID, packageRef string) (string, error) {
	if err := checkID("seller ID", sellerID); err != nil {
		return "", err
	}
	if err := checkID("order ID", orderID); err != nil {
		return "", err
	}
	if err := checkPackageRef(packageRef); err != nil {
		return "", err
	}

	h := sha256.New()
	for _, part := range []string{labelKeyDomain, sellerID, orderID, packageRef} {
		// A length prefix keeps ("ab","c") and ("a","bc") apart.
		h.Write([]byte(strconv.Itoa(len(part))))
		h.Write([]byte{':'})
		h.Write([]byte(part))
	}
	sum := h.Sum(nil)

	var u [16]byte
	copy(u[:], sum)
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // variant 10
	s := hex.EncodeToString(u[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32], nil
}

// checkID validates an identifier that spkit stores and sends: not empty, at
// most maxIDLength bytes, printable ASCII without spaces.
func checkID(field, v string) error {
	if v == "" {
		return &ValidationError{Field: field, Reason: "is empty"}
	}
	if len(v) > maxIDLength {
		return &ValidationError{Field: field, Reason: fmt.Sprintf("has %d bytes, more than the maximum of %d", len(v), maxIDLength)}
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return &ValidationError{Field: field, Reason: fmt.Sprintf("contains byte 0x%02x at offset %d; use printable ASCII without spaces", v[i], i)}
		}
	}
	return nil
}

// checkPackageRef validates a package reference: a positive decimal number of
// at most 18 digits, as confirmShipment accepts.
func checkPackageRef(v string) error {
	if v == "" {
		return &ValidationError{Field: "package reference", Reason: "is empty"}
	}
	if len(v) > 18 {
		return &ValidationError{Field: "package reference", Reason: "has more than 18 digits"}
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 || strings.HasPrefix(v, "0") {
		return &ValidationError{Field: "package reference", Reason: "must be a positive decimal number without leading zeros", Value: quoteSafe(v)}
	}
	return nil
}

// quoteSafe quotes a short non-PII value for an error message, cut to 64
// bytes so an oversized input cannot flood logs.
func quoteSafe(v string) string {
	if len(v) > 64 {
		v = v[:64]
		for !utf8.ValidString(v) && len(v) > 0 {
			v = v[:len(v)-1]
		}
		return strconv.Quote(v) + "…"
	}
	return strconv.Quote(v)
}
