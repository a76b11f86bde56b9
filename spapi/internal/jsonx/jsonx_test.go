package jsonx

import (
	"encoding/json"
	"testing"
)

func TestBool(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{`true`: true, `false`: false, `"true"`: true, `"False"`: false, `""`: false, `null`: false, `"1"`: true}
	for in, want := range cases {
		var b Bool
		if err := json.Unmarshal([]byte(in), &b); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if bool(b) != want {
			t.Errorf("%s = %v, want %v", in, b, want)
		}
	}
	for _, in := range []string{`"yes"`, `1`, `{}`} {
		var b Bool
		if err := json.Unmarshal([]byte(in), &b); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

func TestInt(t *testing.T) {
	t.Parallel()
	cases := map[string]int{`3`: 3, `"3"`: 3, `""`: 0, `null`: 0, `"-2"`: -2}
	for in, want := range cases {
		var n Int
		if err := json.Unmarshal([]byte(in), &n); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if int(n) != want {
			t.Errorf("%s = %d, want %d", in, n, want)
		}
	}
	for _, in := range []string{`"three"`, `1.5`, `true`} {
		var n Int
		if err := json.Unmarshal([]byte(in), &n); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}
