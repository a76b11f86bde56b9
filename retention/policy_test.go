package retention_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hidemont/spkit/retention"
)

const day = 24 * time.Hour

func TestDefaultPolicyValid(t *testing.T) {
	t.Parallel()
	p := retention.DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatalf("DefaultPolicy().Validate() = %v", err)
	}
	for _, c := range retention.Classes {
		if _, ok := p.Rule(c); !ok {
			t.Errorf("DefaultPolicy has no rule for %s", c)
		}
	}
	pii, _ := p.Rule(retention.ClassBuyerPII)
	if got := pii.Age(); got != 28*day {
		t.Errorf("buyer_pii due age = %v, want 28 days", got)
	}
	if got := p.MinSafetyMargin(); got != 2*day {
		t.Errorf("MinSafetyMargin = %v, want 2 days", got)
	}
}

// editRule returns the default policy with the rule of class c changed.
func editRule(c retention.Class, edit func(r *retention.Rule)) retention.Policy {
	p := retention.DefaultPolicy()
	for i := range p.Rules {
		if p.Rules[i].Class == c {
			edit(&p.Rules[i])
		}
	}
	return p
}

func TestPolicyValidateRejectsLooser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy retention.Policy
		class  retention.Class
		field  string
	}{
		{"PII kept 31 days", editRule(retention.ClassBuyerPII, func(r *retention.Rule) { r.MaxAge = 31 * day }), retention.ClassBuyerPII, "max_age"},
		{"PII kept 1ns too long", editRule(retention.ClassBuyerPII, func(r *retention.Rule) { r.MaxAge = 30*day + 1 }), retention.ClassBuyerPII, "max_age"},
		{"personalisation kept 31 days", editRule(retention.ClassPersonalization, func(r *retention.Rule) { r.MaxAge = 31 * day }), retention.ClassPersonalization, "max_age"},
		{"PII purged on the limit", editRule(retention.ClassBuyerPII, func(r *retention.Rule) { r.SafetyMargin = 0 }), retention.ClassBuyerPII, "safety_margin"},
		{"PII anchored at creation", editRule(retention.ClassBuyerPII, func(r *retention.Rule) { r.Anchor = retention.AnchorCreation }), retention.ClassBuyerPII, "anchor"},
		{"non-PII kept 19 months", editRule(retention.ClassNonPII, func(r *retention.Rule) { r.MaxAge = 578 * day }), retention.ClassNonPII, "max_age"},
		{"non-PII kept 547 days", editRule(retention.ClassNonPII, func(r *retention.Rule) { r.MaxAge = 547 * day }), retention.ClassNonPII, "max_age"},
		{"audit log kept 11 months", editRule(retention.ClassAuditLog, func(r *retention.Rule) { r.MaxAge, r.SafetyMargin = 335*day, day }), retention.ClassAuditLog, "max_age"},
		{"audit log margin eats the minimum", editRule(retention.ClassAuditLog, func(r *retention.Rule) { r.MaxAge, r.SafetyMargin = 370*day, 5*day }), retention.ClassAuditLog, "max_age"},
		{"tax archive shorter than non-PII", editRule(retention.ClassTaxArchive, func(r *retention.Rule) { r.MaxAge = 100 * day }), retention.ClassTaxArchive, "max_age"},
		{"margin as long as max age", editRule(retention.ClassBuyerPII, func(r *retention.Rule) { r.SafetyMargin = r.MaxAge }), retention.ClassBuyerPII, "safety_margin"},
		{"negative margin", editRule(retention.ClassNonPII, func(r *retention.Rule) { r.SafetyMargin = -day }), retention.ClassNonPII, "safety_margin"},
		{"zero max age", editRule(retention.ClassTaxArchive, func(r *retention.Rule) { r.MaxAge = 0 }), retention.ClassTaxArchive, "max_age"},
		{"notice deadline 31 days", func() retention.Policy { p := retention.DefaultPolicy(); p.NoticeDeadline = 31 * day; return p }(), "", "notice_deadline"},
		{"notice deadline zero", func() retention.Policy { p := retention.DefaultPolicy(); p.NoticeDeadline = 0; return p }(), "", "notice_deadline"},
		{"missing class", func() retention.Policy { p := retention.DefaultPolicy(); p.Rules = p.Rules[1:]; return p }(), retention.ClassBuyerPII, "rules"},
		{"duplicate class", func() retention.Policy {
			p := retention.DefaultPolicy()
			p.Rules = append(p.Rules, p.Rules[0])
			return p
		}(), retention.ClassBuyerPII, "class"},
		{"unknown class", func() retention.Policy {
			p := retention.DefaultPolicy()
			p.Rules = append(p.Rules, retention.Rule{Class: "marketing", Anchor: retention.AnchorCreation, MaxAge: day})
			return p
		}(), "marketing", "class"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.policy.Validate()
			var pe *retention.PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("Validate() = %v, want *retention.PolicyError", err)
			}
			if pe.Class != tt.class || pe.Field != tt.field {
				t.Errorf("PolicyError = class %q field %q, want %q %q", pe.Class, pe.Field, tt.class, tt.field)
			}
		})
	}
}

func TestPolicyValidateAcceptsStricter(t *testing.T) {
	t.Parallel()
	p := editRule(retention.ClassBuyerPII, func(r *retention.Rule) { r.MaxAge, r.SafetyMargin = 14*day, day })
	p = func(p retention.Policy) retention.Policy {
		for i := range p.Rules {
			if p.Rules[i].Class == retention.ClassNonPII {
				p.Rules[i].MaxAge = retention.MaxNonPIIAge
			}
			if p.Rules[i].Class == retention.ClassAuditLog {
				p.Rules[i].MaxAge, p.Rules[i].SafetyMargin = retention.MinAuditLogAge, 0
			}
		}
		p.NoticeDeadline = 7 * day
		return p
	}(p)
	if err := p.Validate(); err != nil {
		t.Errorf("Validate() of a stricter policy = %v", err)
	}
}

func TestRuleDueAndCutoff(t *testing.T) {
	t.Parallel()
	r := retention.Rule{Class: retention.ClassBuyerPII, Anchor: retention.AnchorShipment, MaxAge: 30 * day, SafetyMargin: 2 * day}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	// Shipped an hour before the spring change in Berlin.
	shipped := time.Date(2026, 3, 29, 1, 0, 0, 0, berlin)
	due := r.Due(shipped)
	if due.Location() != time.UTC {
		t.Errorf("Due location = %v, want UTC", due.Location())
	}
	if got := due.Sub(shipped); got != 28*day {
		t.Errorf("Due - anchor = %v, want exactly 28×24h across the change", got)
	}
	if !r.Cutoff(due).Equal(shipped) {
		t.Errorf("Cutoff(Due(a)) = %v, want %v", r.Cutoff(due), shipped)
	}
}

const validPolicyJSON = `{
  "rules": [
    {"class": "buyer_pii", "anchor": "shipment", "max_age": "30d", "safety_margin": "2d"},
    {"class": "personalization", "anchor": "shipment", "max_age": "30d", "safety_margin": "1d12h"},
    {"class": "non_pii", "anchor": "shipment", "max_age": "540d", "safety_margin": "7d"},
    {"class": "audit_log", "anchor": "creation", "max_age": "400d", "safety_margin": "7d"},
    {"class": "tax_archive", "anchor": "creation", "max_age": "3660d", "safety_margin": "7d"}
  ],
  "notice_deadline": "21d"
}`

func TestParsePolicy(t *testing.T) {
	t.Parallel()
	p, err := retention.ParsePolicy([]byte(validPolicyJSON))
	if err != nil {
		t.Fatalf("ParsePolicy: %v", err)
	}
	r, _ := p.Rule(retention.ClassPersonalization)
	if r.SafetyMargin != 36*time.Hour {
		t.Errorf("personalization margin = %v, want 36h", r.SafetyMargin)
	}
	if p.NoticeDeadline != 21*day {
		t.Errorf("notice deadline = %v, want 21 days", p.NoticeDeadline)
	}

	bad := map[string]string{
		"looser PII":       strings.Replace(validPolicyJSON, `"max_age": "30d", "safety_margin": "2d"`, `"max_age": "45d", "safety_margin": "2d"`, 1),
		"unknown field":    strings.Replace(validPolicyJSON, `"notice_deadline"`, `"retain_forever": true, "notice_deadline"`, 1),
		"bad duration":     strings.Replace(validPolicyJSON, `"21d"`, `"three weeks"`, 1),
		"negative":         strings.Replace(validPolicyJSON, `"21d"`, `"-21h"`, 1),
		"trailing data":    validPolicyJSON + `{}`,
		"not JSON":         `rules: []`,
		"missing deadline": strings.Replace(validPolicyJSON, "],\n  \"notice_deadline\": \"21d\"", "]", 1),
		"too large":        strings.Repeat(" ", retention.MaxPolicySize+1),
	}
	for name, in := range bad {
		if _, err := retention.ParsePolicy([]byte(in)); err == nil {
			t.Errorf("%s: ParsePolicy succeeded, want an error", name)
		}
	}
	var pe *retention.PolicyError
	if _, err := retention.ParsePolicy([]byte(bad["looser PII"])); !errors.As(err, &pe) {
		t.Errorf("looser PII: error = %v, want *retention.PolicyError", err)
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	good := map[string]time.Duration{
		"30d": 30 * day, "36h": 36 * time.Hour, "1d12h": 36 * time.Hour, "0d": 0, "90m": 90 * time.Minute, "1d1ns": day + 1,
	}
	for in, want := range good {
		got, err := retention.ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "-1d", "+1d", "1.5d", "1dd", "1d-1h", "x", "30", "99999999d", "1d999999h", "1w"} {
		if got, err := retention.ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30d", "1d12h", "36h", "", "-1d", "1d-1h", "36525d", "9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := retention.ParseDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
		if d > 2*36525*day {
			t.Fatalf("ParseDuration(%q) = %v, beyond the limit", s, d)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(validPolicyJSON))
	f.Add([]byte(`{"rules":[],"notice_deadline":"30d"}`))
	f.Add([]byte(`{"rules":[{"class":"buyer_pii","anchor":"shipment","max_age":"30d","safety_margin":"0d"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := retention.ParsePolicy(data)
		if err != nil {
			return
		}
		// Whatever parses must satisfy the data policy.
		if err := p.Validate(); err != nil {
			t.Fatalf("ParsePolicy returned a policy that fails Validate: %v", err)
		}
		for _, c := range []retention.Class{retention.ClassBuyerPII, retention.ClassPersonalization} {
			r, _ := p.Rule(c)
			if r.MaxAge > retention.MaxPIIAge || r.SafetyMargin <= 0 {
				t.Fatalf("parsed %s rule %+v is looser than the data policy", c, r)
			}
		}
	})
}
