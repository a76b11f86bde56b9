package vaultkms

import (
	"testing"
)

func TestParseKeyURI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want KeyURI
	}{
		{"hcvault://vault.example:8200/transit/keys/kek", KeyURI{"vault.example:8200", "transit", "kek"}},
		{"hcvault://127.0.0.1/team-a/prod/transit/keys/spkit-kek", KeyURI{"127.0.0.1", "team-a/prod/transit", "spkit-kek"}},
		{"hcvault://h/keys/keys/k", KeyURI{"h", "keys", "k"}},
	} {
		got, err := ParseKeyURI(tc.in)
		if err != nil {
			t.Errorf("ParseKeyURI(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseKeyURI(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if got.String() != tc.in {
			t.Errorf("String() = %q, want %q", got.String(), tc.in)
		}
	}
}

func TestParseKeyURIInvalid(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"",
		"gcp-kms://h/transit/keys/k",
		"hcvault:h/transit/keys/k",
		"hcvault:///transit/keys/k",
		"hcvault://h/keys/k",
		"hcvault://h/transit/key/k",
		"hcvault://h/transit/keys/",
		"hcvault://h/transit/keys/k/",
		"hcvault://h//keys/k",
		"hcvault://h/../keys/k",
		"hcvault://h/./transit/keys/k",
		"hcvault://h/transit/keys/k?x=1",
		"hcvault://h/transit/keys/k?",
		"hcvault://h/transit/keys/k#f",
		"hcvault://u:p@h/transit/keys/k",
		"hcvault://h/tr%2Fansit/keys/k",
		"hcvault://h/transit/keys/k k",
		"hcvault://h/transit/keys/k\n",
	} {
		if got, err := ParseKeyURI(in); err == nil {
			t.Errorf("ParseKeyURI(%q) = %+v, want an error", in, got)
		}
	}
}

func FuzzParseKeyURI(f *testing.F) {
	f.Add("hcvault://vault.example:8200/transit/keys/kek")
	f.Add("hcvault://h/a/b/c/keys/k")
	f.Add("hcvault://h/transit/keys/k?x")
	f.Fuzz(func(t *testing.T, in string) {
		u, err := ParseKeyURI(in)
		if err != nil {
			return
		}
		if u.Name == "" || u.Mount == "" || u.Host == "" {
			t.Fatalf("ParseKeyURI(%q) = %+v with an empty part", in, u)
		}
		again, err := ParseKeyURI(u.String())
		if err != nil || again != u {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", in, again, err, u)
		}
	})
}
