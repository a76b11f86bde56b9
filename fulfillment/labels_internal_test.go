package fulfillment

import (
	"errors"
	"testing"

	"github.com/hidemont/spkit/spapi/shipping"
)

func TestCheckLabelFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		doc    string
		format LabelFormat
		ok     bool
	}{
		{"pdf", "%PDF-1.4\n...", LabelPDF, true},
		{"png", "\x89PNG\r\n\x1a\n....", LabelPNG, true},
		{"zpl", "^XA^FO50,50^ADN,36,20^FDlabel^FS^XZ", LabelZPL, true},
		{"zpl after config", "~JA\n^XA^XZ", LabelZPL, true},
		{"pdf asked, png sent", "\x89PNG\r\n\x1a\n....", LabelPDF, false},
		{"truncated pdf", "%PD", LabelPDF, false},
		{"empty", "", LabelZPL, false},
	}
	for _, tc := range cases {
		err := checkLabelFormat([]byte(tc.doc), tc.format)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrLabelFormat) {
			t.Errorf("%s: err = %v, want ErrLabelFormat", tc.name, err)
		}
	}
}

func TestChooseRate(t *testing.T) {
	t.Parallel()
	pdf := []shipping.DocumentSpecification{{Format: "PDF"}}
	rates := []shipping.Rate{
		{RateID: "r1", ServiceID: "exp", TotalCharge: shipping.Currency{Value: 12}, SupportedDocumentSpecifications: pdf},
		{RateID: "r2", ServiceID: "std", TotalCharge: shipping.Currency{Value: 5}, SupportedDocumentSpecifications: pdf},
		{RateID: "r3", ServiceID: "cheap", TotalCharge: shipping.Currency{Value: 1}, RequiresAdditionalInputs: true},
		{RateID: "r4", ServiceID: "zpl", TotalCharge: shipping.Currency{Value: 2}, SupportedDocumentSpecifications: []shipping.DocumentSpecification{{Format: "ZPL"}}},
	}
	got, err := chooseRate(rates, LabelRequest{Format: LabelPDF})
	if err != nil || got.RateID != "r2" {
		t.Errorf("cheapest PDF rate = %s, %v; want r2", got.RateID, err)
	}
	got, err = chooseRate(rates, LabelRequest{Format: LabelPDF, ServiceID: "exp"})
	if err != nil || got.RateID != "r1" {
		t.Errorf("rate of service exp = %s, %v; want r1", got.RateID, err)
	}
	if _, err := chooseRate(rates, LabelRequest{Format: LabelPNG, ServiceID: "zpl"}); !errors.Is(err, ErrNoRate) {
		t.Errorf("PNG from a ZPL-only service: err = %v, want ErrNoRate", err)
	}
}

func FuzzCheckLabelFormat(f *testing.F) {
	f.Add([]byte("%PDF-1.7"), 0)
	f.Add([]byte("^XA^XZ"), 2)
	f.Fuzz(func(t *testing.T, doc []byte, which int) {
		formats := []LabelFormat{LabelPDF, LabelPNG, LabelZPL}
		format := formats[(which%3+3)%3]
		if err := checkLabelFormat(doc, format); err != nil && !errors.Is(err, ErrLabelFormat) {
			t.Errorf("error %v does not wrap ErrLabelFormat", err)
		}
	})
}
