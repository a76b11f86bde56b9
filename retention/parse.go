package retention

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxPolicySize is the largest policy document ParsePolicy reads.
const MaxPolicySize = 64 << 10

// maxDurationDays bounds the day count in a duration, 100 years, far below
// the overflow of time.Duration (about 292 years).
const maxDurationDays = 36525

// ParsePolicy reads a policy from JSON such as
//
//	{
//	  "rules": [
//	    {"class": "buyer_pii", "anchor": "shipment", "max_age": "30d", "safety_margin": "2d"},
//	    ...
//	  ],
//	  "notice_deadline": "30d"
//	}
//
// Durations are written as by ParseDuration. Unknown fields are rejected.
// The policy is validated: ParsePolicy returns a *PolicyError for a policy
// looser than the data policy, and an error naming the field for malformed
// input.
func ParsePolicy(data []byte) (Policy, error) {
	if len(data) > MaxPolicySize {
		return Policy{}, fmt.Errorf("retention: policy is %d bytes, more than the maximum of %d", len(data), MaxPolicySize)
	}
	var doc struct {
		Rules []struct {
			Class        Class  `json:"class"`
			Anchor       Anchor `json:"anchor"`
			MaxAge       string `json:"max_age"`
			SafetyMargin string `json:"safety_margin"`
		} `json:"rules"`
		NoticeDeadline string `json:"notice_deadline"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return Policy{}, fmt.Errorf("retention: parse policy: %w", err)
	}
	if dec.More() {
		return Policy{}, fmt.Errorf("retention: parse policy: data after the JSON object")
	}
	if len(doc.Rules) > 2*len(Classes) {
		return Policy{}, fmt.Errorf("retention: parse policy: %d rules, expected one per class", len(doc.Rules))
	}

	var p Policy
	for i, r := range doc.Rules {
		maxAge, err := ParseDuration(r.MaxAge)
		if err != nil {
			return Policy{}, fmt.Errorf("retention: parse policy: rules[%d].max_age: %w", i, err)
		}
		margin, err := ParseDuration(r.SafetyMargin)
		if err != nil {
			return Policy{}, fmt.Errorf("retention: parse policy: rules[%d].safety_margin: %w", i, err)
		}
		p.Rules = append(p.Rules, Rule{Class: r.Class, Anchor: r.Anchor, MaxAge: maxAge, SafetyMargin: margin})
	}
	deadline, err := ParseDuration(doc.NoticeDeadline)
	if err != nil {
		return Policy{}, fmt.Errorf("retention: parse policy: notice_deadline: %w", err)
	}
	p.NoticeDeadline = deadline
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// ParseDuration parses a duration written as whole days ("30d"), as a Go
// duration ("36h", "90m"), or as days followed by a Go duration ("1d12h").
// A day is 24 hours: retention ages are measured in elapsed time, so that a
// daylight-saving change in any time zone does not move them. Negative
// durations are rejected.
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("missing duration; write it like 30d or 36h")
	}
	rest := s
	var days int64
	if i := strings.IndexByte(rest, 'd'); i >= 0 {
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil || n < 0 || rest[0] == '+' {
			return 0, fmt.Errorf("invalid duration %q: the day count must be a whole number such as 30d", s)
		}
		if n > maxDurationDays {
			return 0, fmt.Errorf("invalid duration %q: more than %d days", s, maxDurationDays)
		}
		days, rest = n, rest[i+1:]
	}
	var d time.Duration
	if rest != "" {
		var err error
		d, err = time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: write it like 30d, 36h or 1d12h", s)
		}
		if d < 0 {
			return 0, fmt.Errorf("invalid duration %q: negative", s)
		}
		if d > maxDurationDays*24*time.Hour {
			return 0, fmt.Errorf("invalid duration %q: more than %d days", s, maxDurationDays)
		}
	}
	return time.Duration(days)*24*time.Hour + d, nil
}
