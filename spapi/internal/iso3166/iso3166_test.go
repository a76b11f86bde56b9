package iso3166

import "testing"

func TestValid(t *testing.T) {
	t.Parallel()
	for _, c := range []string{"US", "GB", "DE", "JP", "AE", "ZA"} {
		if !Valid(c) {
			t.Errorf("%s rejected", c)
		}
	}
	for _, c := range []string{"UK", "USA", "us", "", "XX", "EU"} {
		if Valid(c) {
			t.Errorf("%q accepted", c)
		}
	}
}
