package vaultkms

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/hidemont/spkit/pii"
)

// Field ciphertext layout, version 1:
//
//	byte 0      format version (1)
//	bytes 1-4   keyset ID, big-endian
//	bytes 5-    Tink AEAD ciphertext (Tink prefix with its key ID, nonce,
//	            encrypted data, tag)
//
// The associated data given to Tink (appendFieldAssociatedData) is a label,
// the format version, then the seller, bucket, table, column and row ID, each
// length-prefixed, so no two distinct bindings encode to the same bytes.
const (
	fieldVersion1    = 1
	fieldHeaderSize  = 5
	tinkPrefixSize   = 5  // Tink output prefix: 0x01 and the 4-byte key ID
	aesGCMOverhead   = 28 // 12-byte nonce and 16-byte tag
	minFieldCipherSz = fieldHeaderSize + tinkPrefixSize + aesGCMOverhead
)

// Limits on inputs. Longer values are rejected rather than truncated.
const (
	// MaxNameLen is the maximum length in bytes of a seller ID, bucket name,
	// table, column or row ID.
	MaxNameLen = 256
	// MaxPlaintextSize is the maximum size of a value that Seal accepts.
	MaxPlaintextSize = 1 << 20
	// MaxCiphertextSize is the maximum size of a value that Open accepts.
	MaxCiphertextSize = MaxPlaintextSize + minFieldCipherSz
)

// indexBucket is the reserved bucket that holds a seller's blind-index key.
// Caller buckets cannot start with a dot, so it never collides with one.
const indexBucket = ".blind-index"

var (
	fieldADLabel  = []byte("spkit/vaultkms/field/v1")
	keysetADLabel = []byte("spkit/vaultkms/keyset/v1")
	indexLabel    = []byte("spkit/vaultkms/index/v1")
)

// checkName validates a seller ID, bucket, table, column or row ID: 1 to
// MaxNameLen bytes of printable ASCII without spaces.
func checkName(field, v string) error {
	if v == "" {
		return fmt.Errorf("%s is empty", field)
	}
	if len(v) > MaxNameLen {
		return fmt.Errorf("%s is %d bytes long, the maximum is %d", field, len(v), MaxNameLen)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%s contains byte 0x%02x at offset %d; only printable ASCII without spaces is allowed", field, c, i)
		}
	}
	return nil
}

// checkBucket validates a caller's bucket name, which also must not start
// with a dot because such names are reserved for the keyring's own keysets.
func checkBucket(seller, bucket string) error {
	if err := checkName("seller", seller); err != nil {
		return err
	}
	if err := checkName("bucket", bucket); err != nil {
		return err
	}
	if bucket[0] == '.' {
		return fmt.Errorf("bucket %q starts with a dot, which is reserved", bucket)
	}
	return nil
}

// appendLP appends a 4-byte big-endian length and then s.
func appendLP(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

// adPool holds buffers for field associated data, which Seal and Open need
// on every call and Tink does not keep.
var adPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// getAssociatedData returns a pooled buffer holding the associated data of
// a field of b, given the prefix that appendFieldADPrefix made for b.Seller
// and the field's bucket. Return it with putAssociatedData once the AEAD
// call is done.
func getAssociatedData(prefix []byte, b pii.Binding) *[]byte {
	buf := adPool.Get().(*[]byte)
	ad := append((*buf)[:0], prefix...)
	ad = appendLP(ad, b.Table)
	ad = appendLP(ad, b.Column)
	*buf = appendLP(ad, b.RowID)
	return buf
}

func putAssociatedData(buf *[]byte) {
	if cap(*buf) <= 4096 {
		adPool.Put(buf)
	}
}

// appendFieldAssociatedData appends the encoding of the bucket and binding
// that a field ciphertext is bound to.
func appendFieldAssociatedData(ad []byte, bucket string, b pii.Binding) []byte {
	ad = appendFieldADPrefix(ad, b.Seller, bucket)
	ad = appendLP(ad, b.Table)
	ad = appendLP(ad, b.Column)
	ad = appendLP(ad, b.RowID)
	return ad
}

// appendFieldADPrefix appends the start of a field's associated data, the
// part that depends only on seller and bucket, which each cache entry keeps.
func appendFieldADPrefix(ad []byte, seller, bucket string) []byte {
	ad = append(ad, fieldADLabel...)
	ad = append(ad, fieldVersion1)
	ad = appendLP(ad, seller)
	return appendLP(ad, bucket)
}

// keysetAssociatedData encodes what a wrapped keyset is bound to: seller,
// bucket and keyset ID. A wrapped keyset copied to another bucket fails to
// unwrap.
func keysetAssociatedData(seller, bucket string, keysetID uint32) []byte {
	ad := make([]byte, 0, len(keysetADLabel)+8+len(seller)+len(bucket)+4)
	ad = append(ad, keysetADLabel...)
	ad = appendLP(ad, seller)
	ad = appendLP(ad, bucket)
	return binary.BigEndian.AppendUint32(ad, keysetID)
}

// indexInput encodes the PRF input of a blind index.
func indexInput(kind pii.Kind, normalized []byte) []byte {
	in := make([]byte, 0, len(indexLabel)+8+len(kind)+len(normalized))
	in = append(in, indexLabel...)
	in = appendLP(in, string(kind))
	in = binary.BigEndian.AppendUint32(in, uint32(len(normalized)))
	return append(in, normalized...)
}

var errMalformed = errors.New("malformed field ciphertext")

// FieldHeader is the clear header of a field ciphertext.
type FieldHeader struct {
	Version  byte   // format version, 1
	KeysetID uint32 // ID of the bucket keyset the field was sealed with
	KeyID    uint32 // Tink key ID inside that keyset
}

// ParseFieldHeader reads the header of a field ciphertext made by
// Keyring.Seal without decrypting it. It fails on unknown versions and on
// ciphertexts too short or too long to be valid.
func ParseFieldHeader(ciphertext []byte) (FieldHeader, error) {
	if len(ciphertext) < minFieldCipherSz {
		return FieldHeader{}, fmt.Errorf("vaultkms: %w: %d bytes, the minimum is %d", errMalformed, len(ciphertext), minFieldCipherSz)
	}
	if len(ciphertext) > MaxCiphertextSize {
		return FieldHeader{}, fmt.Errorf("vaultkms: %w: %d bytes, the maximum is %d", errMalformed, len(ciphertext), MaxCiphertextSize)
	}
	if ciphertext[0] != fieldVersion1 {
		return FieldHeader{}, fmt.Errorf("vaultkms: %w: unknown version %d", errMalformed, ciphertext[0])
	}
	if ciphertext[fieldHeaderSize] != 0x01 {
		return FieldHeader{}, fmt.Errorf("vaultkms: %w: unknown Tink prefix 0x%02x", errMalformed, ciphertext[fieldHeaderSize])
	}
	return FieldHeader{
		Version:  ciphertext[0],
		KeysetID: binary.BigEndian.Uint32(ciphertext[1:fieldHeaderSize]),
		KeyID:    binary.BigEndian.Uint32(ciphertext[fieldHeaderSize+1 : fieldHeaderSize+tinkPrefixSize]),
	}, nil
}
