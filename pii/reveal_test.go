package pii_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/hidemont/spkit/pii"
)

// recordingAuditor records accesses and fails with err when err is set.
type recordingAuditor struct {
	mu       sync.Mutex
	accesses []pii.Access
	err      error
}

func (a *recordingAuditor) AuditReveal(_ context.Context, access pii.Access) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.accesses = append(a.accesses, access)
	return a.err
}

func actorContext(t *testing.T) context.Context {
	return pii.WithActor(t.Context(), pii.Actor{UserID: "user-7", SourceIP: netip.MustParseAddr("192.0.2.10")})
}

func newRevealer(t *testing.T, policy pii.Policy, auditor pii.Auditor) *pii.Revealer {
	t.Helper()
	r, err := pii.NewRevealer(policy, auditor)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRevealReturnsClearText(t *testing.T) {
	t.Parallel()
	s := newSample(t, 41)
	auditor := &recordingAuditor{}
	r := newRevealer(t, pii.Policy{}, auditor)
	ctx := pii.WithSubject(actorContext(t), pii.Subject{SellerID: "A1SELLER", OrderID: "114-1"})

	tests := []struct {
		value   pii.Value
		purpose pii.Purpose
		want    string
	}{
		{s.name, pii.PurposeFulfillment, s.clearName},
		{s.phone, pii.PurposeDeliverySupport, s.clearPhone},
		{s.email, pii.PurposeReturns, s.clearEmail},
		{s.taxInfo, pii.PurposeTaxAndLegal, s.clearTax},
		{s.personalization, pii.PurposeFulfillment, s.clearPersonalization},
		{s.giftMessage, pii.PurposeFulfillment, s.clearGiftMessage},
	}
	for _, tt := range tests {
		got, err := r.Reveal(ctx, tt.purpose, tt.value)
		if err != nil {
			t.Fatalf("%s: %v", tt.value.Kind(), err)
		}
		if got != tt.want {
			t.Errorf("%s: revealed text differs from the input", tt.value.Kind())
		}
	}

	if len(auditor.accesses) != len(tests) {
		t.Fatalf("auditor called %d times, want %d", len(auditor.accesses), len(tests))
	}
	want := pii.Access{Kind: pii.KindBuyerName, Purpose: pii.PurposeFulfillment,
		Actor:   pii.Actor{UserID: "user-7", SourceIP: netip.MustParseAddr("192.0.2.10")},
		Subject: pii.Subject{SellerID: "A1SELLER", OrderID: "114-1"}}
	if auditor.accesses[0] != want {
		t.Errorf("access = %+v, want %+v", auditor.accesses[0], want)
	}
}

func TestRevealAddressText(t *testing.T) {
	t.Parallel()
	s := newSample(t, 42)
	r := newRevealer(t, pii.Policy{}, &recordingAuditor{})
	got, err := r.Reveal(actorContext(t), pii.PurposeFulfillment, s.address)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(got, "\n")
	if lines[0] != s.clearName || lines[1] != s.clearStreet {
		t.Error("address text does not start with the name and street")
	}
	if last := lines[len(lines)-1]; last != s.clearPhone {
		t.Error("address text does not end with the phone")
	}
}

func TestRevealDenied(t *testing.T) {
	t.Parallel()
	s := newSample(t, 43)
	auditFailure := errors.New("audit sink unavailable")

	tests := []struct {
		name    string
		ctx     context.Context
		purpose pii.Purpose
		value   pii.Value
		auditor *recordingAuditor
		want    error
	}{
		{"no actor", t.Context(), pii.PurposeFulfillment, s.name, &recordingAuditor{}, pii.ErrNoActor},
		{"empty user", pii.WithActor(t.Context(), pii.Actor{}), pii.PurposeFulfillment, s.name, &recordingAuditor{}, pii.ErrNoActor},
		{"marketing", actorContext(t), pii.Purpose("marketing"), s.name, &recordingAuditor{}, pii.ErrUnknownPurpose},
		{"empty purpose", actorContext(t), "", s.name, &recordingAuditor{}, pii.ErrUnknownPurpose},
		{"phone for tax", actorContext(t), pii.PurposeTaxAndLegal, s.phone, &recordingAuditor{}, pii.ErrPurposeNotAllowed},
		{"tax for fulfilment", actorContext(t), pii.PurposeFulfillment, s.taxInfo, &recordingAuditor{}, pii.ErrPurposeNotAllowed},
		{"audit fails", actorContext(t), pii.PurposeFulfillment, s.name, &recordingAuditor{err: auditFailure}, pii.ErrAuditFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRevealer(t, pii.Policy{}, tt.auditor)
			got, err := r.Reveal(tt.ctx, tt.purpose, tt.value)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if got != "" {
				t.Error("a denied reveal returned text")
			}
			var re *pii.RevealError
			if !errors.As(err, &re) || re.Kind != tt.value.Kind() || re.Purpose != tt.purpose {
				t.Errorf("error %v is not a *RevealError for %s/%s", err, tt.value.Kind(), tt.purpose)
			}
			if tt.auditor.err == nil && len(tt.auditor.accesses) != 0 {
				t.Error("auditor called for a request denied before auditing")
			}
			called := false
			cbErr := r.RevealFunc(tt.ctx, tt.purpose, tt.value, func([]byte) error { called = true; return nil })
			if !errors.Is(cbErr, tt.want) || called {
				t.Errorf("RevealFunc: error = %v, callback called = %v", cbErr, called)
			}
		})
	}
}

func TestRevealAuditErrorIsKept(t *testing.T) {
	t.Parallel()
	s := newSample(t, 44)
	auditFailure := errors.New("audit sink unavailable")
	r := newRevealer(t, pii.Policy{}, &recordingAuditor{err: auditFailure})
	_, err := r.Reveal(actorContext(t), pii.PurposeFulfillment, s.name)
	if !errors.Is(err, auditFailure) {
		t.Errorf("error = %v, want it to wrap the auditor's error", err)
	}
}

func TestRevealCanceledContext(t *testing.T) {
	t.Parallel()
	s := newSample(t, 45)
	auditor := &recordingAuditor{}
	r := newRevealer(t, pii.Policy{}, auditor)
	ctx, cancel := context.WithCancel(actorContext(t))
	cancel()
	if _, err := r.Reveal(ctx, pii.PurposeFulfillment, s.name); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if len(auditor.accesses) != 0 {
		t.Error("auditor called with a canceled context")
	}
}

func TestRevealFuncWipesBytes(t *testing.T) {
	t.Parallel()
	s := newSample(t, 46)
	r := newRevealer(t, pii.Policy{}, &recordingAuditor{})
	var kept []byte
	err := r.RevealFunc(actorContext(t), pii.PurposeFulfillment, s.personalization, func(clear []byte) error {
		if string(clear) != s.clearPersonalization {
			t.Error("callback got other bytes than the input")
		}
		kept = clear
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range kept {
		if c != 0 {
			t.Fatal("bytes not wiped after the callback")
		}
	}
}

func TestRevealFuncReturnsCallbackError(t *testing.T) {
	t.Parallel()
	s := newSample(t, 47)
	r := newRevealer(t, pii.Policy{}, &recordingAuditor{})
	printerDown := errors.New("label printer offline")
	err := r.RevealFunc(actorContext(t), pii.PurposeFulfillment, s.name, func([]byte) error { return printerDown })
	if !errors.Is(err, printerDown) {
		t.Errorf("error = %v, want the callback's error", err)
	}
}

func TestRevealAbsentValue(t *testing.T) {
	t.Parallel()
	auditor := &recordingAuditor{}
	r := newRevealer(t, pii.Policy{}, auditor)
	got, err := r.Reveal(actorContext(t), pii.PurposeFulfillment, pii.BuyerName{})
	if err != nil || got != "" {
		t.Errorf("Reveal of an absent value = %q, %v; want empty, nil", got, err)
	}
	if len(auditor.accesses) != 0 {
		t.Error("auditor called for an absent value")
	}
	if _, err := r.Reveal(t.Context(), pii.PurposeFulfillment, pii.BuyerName{}); !errors.Is(err, pii.ErrNoActor) {
		t.Errorf("absent value without actor: error = %v, want ErrNoActor", err)
	}
	parts, err := r.RevealAddress(actorContext(t), pii.PurposeFulfillment, pii.Address{})
	if err != nil || parts != (pii.AddressParts{}) {
		t.Errorf("RevealAddress of an absent address = %+v, %v", parts, err)
	}
	var nilName *pii.BuyerName
	if _, err := r.Reveal(actorContext(t), pii.PurposeFulfillment, nilName); err == nil {
		t.Error("Reveal of a nil pointer returned no error")
	}
}

func TestRevealPointer(t *testing.T) {
	t.Parallel()
	s := newSample(t, 48)
	r := newRevealer(t, pii.Policy{}, &recordingAuditor{})
	got, err := r.Reveal(actorContext(t), pii.PurposeFulfillment, &s.name)
	if err != nil {
		t.Fatal(err)
	}
	if got != s.clearName {
		t.Error("revealed text of a pointer differs from the input")
	}
}

func TestCustomPolicy(t *testing.T) {
	t.Parallel()
	s := newSample(t, 49)
	policy := pii.Policy{Purposes: map[pii.Kind][]pii.Purpose{pii.KindPhone: {pii.PurposeDeliverySupport}}}
	r := newRevealer(t, policy, &recordingAuditor{})
	if _, err := r.Reveal(actorContext(t), pii.PurposeDeliverySupport, s.phone); err != nil {
		t.Errorf("allowed purpose: %v", err)
	}
	if _, err := r.Reveal(actorContext(t), pii.PurposeFulfillment, s.phone); !errors.Is(err, pii.ErrPurposeNotAllowed) {
		t.Errorf("other purpose: error = %v, want ErrPurposeNotAllowed", err)
	}
	if _, err := r.Reveal(actorContext(t), pii.PurposeFulfillment, s.name); !errors.Is(err, pii.ErrPurposeNotAllowed) {
		t.Errorf("kind missing from policy: error = %v, want ErrPurposeNotAllowed", err)
	}
}

func TestNewRevealerRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		policy  pii.Policy
		auditor pii.Auditor
	}{
		{"nil auditor", pii.Policy{}, nil},
		{"unknown kind", pii.Policy{Purposes: map[pii.Kind][]pii.Purpose{"ssn": {pii.PurposeReturns}}}, &recordingAuditor{}},
		{"marketing", pii.Policy{Purposes: map[pii.Kind][]pii.Purpose{pii.KindEmail: {"marketing"}}}, &recordingAuditor{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if r, err := pii.NewRevealer(tt.policy, tt.auditor); err == nil || r != nil {
				t.Errorf("NewRevealer = %v, %v; want an error", r, err)
			}
		})
	}
}

func TestRevealerConcurrentUse(t *testing.T) {
	t.Parallel()
	s := newSample(t, 50)
	auditor := &recordingAuditor{}
	r := newRevealer(t, pii.Policy{}, auditor)
	ctx := actorContext(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got, err := r.Reveal(ctx, pii.PurposeFulfillment, s.name); err != nil || got != s.clearName {
					t.Error("concurrent reveal failed")
					return
				}
			}
		})
	}
	wg.Wait()
	if len(auditor.accesses) != 400 {
		t.Errorf("auditor called %d times, want 400", len(auditor.accesses))
	}
}

func TestZeroRevealerFails(t *testing.T) {
	t.Parallel()
	s := newSample(t, 58)
	var zero pii.Revealer
	if _, err := zero.Reveal(actorContext(t), pii.PurposeFulfillment, s.name); err == nil {
		t.Error("zero Revealer revealed a value")
	}
	var nilRevealer *pii.Revealer
	if _, err := nilRevealer.RevealAddress(actorContext(t), pii.PurposeFulfillment, s.address); err == nil {
		t.Error("nil Revealer revealed an address")
	}
}

func TestRevealerAllows(t *testing.T) {
	t.Parallel()
	r := newRevealer(t, pii.Policy{}, &recordingAuditor{})
	tests := []struct {
		kind    pii.Kind
		purpose pii.Purpose
		want    bool
	}{
		{pii.KindPhone, pii.PurposeDeliverySupport, true},
		{pii.KindPhone, pii.PurposeTaxAndLegal, false},
		{pii.KindTaxInfo, pii.PurposeTaxAndLegal, true},
		{pii.KindEmail, "marketing", false},
		{"ssn", pii.PurposeReturns, false},
	}
	for _, tt := range tests {
		if got := r.Allows(tt.kind, tt.purpose); got != tt.want {
			t.Errorf("Allows(%s, %s) = %v, want %v", tt.kind, tt.purpose, got, tt.want)
		}
	}
	var nilRevealer *pii.Revealer
	if nilRevealer.Allows(pii.KindPhone, pii.PurposeDeliverySupport) {
		t.Error("nil Revealer allows a reveal")
	}
}

func TestRevealErrorHidesFreeTextPurpose(t *testing.T) {
	t.Parallel()
	s := newSample(t, 45)
	r := newRevealer(t, pii.Policy{}, &recordingAuditor{})
	purpose := pii.Purpose("call " + s.clearEmail + " about the parcel")

	_, err := r.Reveal(actorContext(t), purpose, s.name)
	if !errors.Is(err, pii.ErrUnknownPurpose) {
		t.Fatalf("error = %v, want ErrUnknownPurpose", err)
	}
	if strings.Contains(err.Error(), s.clearEmail) {
		t.Errorf("error %q quotes the free-text purpose", err)
	}
}

func TestRevealErrorQuotesPurposeCode(t *testing.T) {
	t.Parallel()
	s := newSample(t, 46)
	r := newRevealer(t, pii.Policy{}, &recordingAuditor{})

	_, err := r.Reveal(actorContext(t), "marketing", s.name)
	if err == nil || !strings.Contains(err.Error(), `"marketing"`) {
		t.Fatalf("error = %v, want the purpose code quoted", err)
	}
}
