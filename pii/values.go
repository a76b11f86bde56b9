package pii

// Value is implemented by the PII types of this package: BuyerName, Address,
// Phone, Email, TaxInfo, Personalization and GiftMessage. It cannot be
// implemented outside the package. Use a Revealer to read the clear text and
// Seal to store it.
type Value interface {
	// Kind returns the kind of personal data the value holds.
	Kind() Kind
	// IsZero reports whether the value is absent.
	IsZero() bool

	// clearBytes returns the normalised clear bytes. The caller clears them.
	clearBytes() ([]byte, error)
}

// BuyerName is the name of the buyer who placed an order. Its zero value means
// absent. Like all PII types it holds only ciphertext under a key that exists
// in this process alone, so equal names compare equal with == and work as map
// keys within one process, but not across processes. It prints as
// [pii:buyer_name] and cannot be encoded in clear.
type BuyerName struct{ ct string }

// Phone is a phone number as the buyer or Amazon wrote it. Its zero value
// means absent; it prints as [pii:phone].
type Phone struct{ ct string }

// Email is an e-mail address. Amazon's anonymised relay addresses are personal
// data too. Its zero value means absent; it prints as [pii:email].
type Email struct{ ct string }

// TaxInfo is buyer tax information: a tax registration number, a legal name or
// a whole SP-API tax object as compact JSON. Its zero value means absent; it
// prints as [pii:tax_info].
type TaxInfo struct{ ct string }

// Personalization is the text a buyer entered to customise an item (Amazon
// Custom). It is kept byte for byte as written, so the item is made exactly
// as ordered. Its zero value means absent; it prints as [pii:personalization].
type Personalization struct{ ct string }

// GiftMessage is the message a buyer asked to include with a gift. It is kept
// byte for byte as written. Its zero value means absent; it prints as
// [pii:gift_message].
type GiftMessage struct{ ct string }

// NewBuyerName returns a BuyerName holding s with surrounding white space
// trimmed and inner runs of white space collapsed to one space. It returns a
// *ValueError when s is empty, longer than MaxBuyerNameLen bytes, not valid
// UTF-8, contains control characters or a placeholder.
func NewBuyerName(s string) (BuyerName, error) {
	ct, err := sealString(KindBuyerName, s, normalizeName)
	return BuyerName{ct}, err
}

// NewPhone returns a Phone holding s as written, with surrounding white space
// trimmed and inner runs of white space collapsed to one space. The number
// must contain at least one digit and fit in MaxPhoneLen bytes. Errors are
// *ValueError.
func NewPhone(s string) (Phone, error) {
	ct, err := sealString(KindPhone, s, normalizePhone)
	return Phone{ct}, err
}

// NewEmail returns an Email holding s trimmed, with its domain in lower case.
// The local part keeps its case. The address needs a non-empty local part and
// domain, no white space, and at most MaxEmailLen bytes. Errors are
// *ValueError.
func NewEmail(s string) (Email, error) {
	ct, err := sealString(KindEmail, s, normalizeEmail)
	return Email{ct}, err
}

// NewTaxInfo returns a TaxInfo holding s trimmed, at most MaxTaxInfoLen bytes.
// Errors are *ValueError.
func NewTaxInfo(s string) (TaxInfo, error) {
	ct, err := sealString(KindTaxInfo, s, normalizeTaxInfo)
	return TaxInfo{ct}, err
}

// NewPersonalization returns a Personalization holding s exactly, at most
// MaxPersonalizationLen bytes. Line breaks and tabs are allowed; other control
// characters, blank text and placeholders are rejected with a *ValueError.
func NewPersonalization(s string) (Personalization, error) {
	ct, err := sealString(KindPersonalization, s, normalizePersonalization)
	return Personalization{ct}, err
}

// NewGiftMessage returns a GiftMessage holding s exactly, at most
// MaxGiftMessageLen bytes, with the same checks as NewPersonalization.
func NewGiftMessage(s string) (GiftMessage, error) {
	ct, err := sealString(KindGiftMessage, s, normalizeGiftMessage)
	return GiftMessage{ct}, err
}

// sealString normalises s and seals it in memory. On error it returns an
// empty ciphertext, which is the absent value.
func sealString(k Kind, s string, normalize func(string) (string, error)) (string, error) {
	n, err := normalize(s)
	if err != nil {
		return "", &ValueError{Kind: k, Err: err}
	}
	return sealMemory(k, []byte(n))
}
