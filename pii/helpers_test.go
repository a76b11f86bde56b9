package pii_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/pii"
)

// sample holds one synthetic value of each kind and the clear texts they
// hold.
type sample struct {
	name            pii.BuyerName
	address         pii.Address
	phone           pii.Phone
	email           pii.Email
	taxInfo         pii.TaxInfo
	personalization pii.Personalization
	giftMessage     pii.GiftMessage

	clearName, clearStreet, clearPhone, clearEmail   string
	clearTax, clearPersonalization, clearGiftMessage string
	parts                                            pii.AddressParts
}

// newSample builds a sample from gofakeit seeded with seed.
func newSample(t testing.TB, seed uint64) sample {
	t.Helper()
	f := gofakeit.New(seed)
	s := sample{
		clearName:            f.Name(),
		clearStreet:          f.Street(),
		clearPhone:           "+1 " + f.Phone(),
		clearEmail:           strings.ToLower(f.LetterN(14)) + "@marketplace.amazon.com",
		clearTax:             "DE" + f.DigitN(9),
		clearPersonalization: "For " + f.FirstName() + ", " + fmt.Sprint(f.Year()) + "\nwith love",
		clearGiftMessage:     f.Sentence(),
	}
	s.parts = pii.AddressParts{
		Name:          s.clearName,
		AddressLine1:  s.clearStreet,
		City:          f.City(),
		StateOrRegion: f.StateAbr(),
		PostalCode:    f.Zip(),
		CountryCode:   "US",
		Phone:         s.clearPhone,
		AddressType:   "Residential",
	}

	var err error
	must := func(e error) {
		t.Helper()
		if e != nil {
			t.Fatalf("building sample: %v", e)
		}
	}
	s.name, err = pii.NewBuyerName(s.clearName)
	must(err)
	s.address, err = pii.NewAddress(s.parts)
	must(err)
	s.phone, err = pii.NewPhone(s.clearPhone)
	must(err)
	s.email, err = pii.NewEmail(s.clearEmail)
	must(err)
	s.taxInfo, err = pii.NewTaxInfo(s.clearTax)
	must(err)
	s.personalization, err = pii.NewPersonalization(s.clearPersonalization)
	must(err)
	s.giftMessage, err = pii.NewGiftMessage(s.clearGiftMessage)
	must(err)
	return s
}

// values returns each value with the clear texts it holds.
func (s sample) values() []struct {
	value pii.Value
	clear []string
} {
	return []struct {
		value pii.Value
		clear []string
	}{
		{s.name, []string{s.clearName}},
		{s.address, []string{s.clearName, s.clearStreet, s.clearPhone}},
		{s.phone, []string{s.clearPhone}},
		{s.email, []string{s.clearEmail}},
		{s.taxInfo, []string{s.clearTax}},
		{s.personalization, []string{s.clearPersonalization}},
		{s.giftMessage, []string{s.clearGiftMessage}},
	}
}
