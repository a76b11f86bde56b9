package audit_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hidemont/spkit/audit"
)

func validEvent() audit.Event {
	return audit.Event{Actor: "u-1042", Action: audit.ActionRead, Outcome: audit.OutcomeSuccess}
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy audit.Policy
		edit   func(e *audit.Event)
		field  string // empty when the event is valid
	}{
		{"valid", audit.Policy{}, func(e *audit.Event) {}, ""},
		{"service actor", audit.Policy{}, func(e *audit.Event) { e.Actor = "svc:retention-runner" }, ""},
		{"missing actor", audit.Policy{}, func(e *audit.Event) { e.Actor = "" }, "Actor"},
		{"generic admin", audit.Policy{}, func(e *audit.Event) { e.Actor = "Admin" }, "Actor"},
		{"generic root", audit.Policy{}, func(e *audit.Event) { e.Actor = "root" }, "Actor"},
		{"generic service name", audit.Policy{}, func(e *audit.Event) { e.Actor = "svc:system" }, "Actor"},
		{"empty service name", audit.Policy{}, func(e *audit.Event) { e.Actor = "svc:" }, "Actor"},
		{"email actor", audit.Policy{}, func(e *audit.Event) { e.Actor = "jane.doe@example.com" }, "Actor"},
		{"actor with space", audit.Policy{}, func(e *audit.Event) { e.Actor = "Jane Doe" }, "Actor"},
		{"long actor", audit.Policy{}, func(e *audit.Event) { e.Actor = strings.Repeat("a", 129) }, "Actor"},
		{"custom generic list", audit.Policy{GenericActors: []string{"ops"}}, func(e *audit.Event) { e.Actor = "ops" }, "Actor"},
		{"custom list allows admin", audit.Policy{GenericActors: []string{}}, func(e *audit.Event) { e.Actor = "admin" }, ""},
		{"service allow-list hit", audit.Policy{ServiceActors: []string{"purge"}}, func(e *audit.Event) { e.Actor = "svc:purge" }, ""},
		{"service allow-list miss", audit.Policy{ServiceActors: []string{"purge"}}, func(e *audit.Event) { e.Actor = "svc:export" }, "Actor"},
		{"unknown action", audit.Policy{}, func(e *audit.Event) { e.Action = "delete_everything" }, "Action"},
		{"empty action", audit.Policy{}, func(e *audit.Event) { e.Action = "" }, "Action"},
		{"unknown outcome", audit.Policy{}, func(e *audit.Event) { e.Outcome = "maybe" }, "Outcome"},
		{"failure without reason", audit.Policy{}, func(e *audit.Event) { e.Outcome = audit.OutcomeFailure }, "Reason"},
		{"denied with reason", audit.Policy{}, func(e *audit.Event) { e.Outcome, e.Reason = audit.OutcomeDenied, "purpose_not_allowed" }, ""},
		{"free text reason", audit.Policy{}, func(e *audit.Event) { e.Outcome, e.Reason = audit.OutcomeFailure, "Vault is down" }, "Reason"},
		{"long reason", audit.Policy{}, func(e *audit.Event) { e.Outcome, e.Reason = audit.OutcomeFailure, strings.Repeat("a", 65) }, "Reason"},
		{"reveal without purpose", audit.Policy{}, func(e *audit.Event) { e.Action = audit.ActionReveal }, "Purpose"},
		{"export with purpose", audit.Policy{}, func(e *audit.Event) { e.Action, e.Purpose = audit.ActionExport, "tax_and_legal" }, ""},
		{"marketing purpose", audit.Policy{}, func(e *audit.Event) { e.Action, e.Purpose = audit.ActionReveal, "marketing" }, "Purpose"},
		{"unknown kind", audit.Policy{}, func(e *audit.Event) { e.Kind = "shoe_size" }, "Kind"},
		{"order id", audit.Policy{}, func(e *audit.Event) { e.OrderID = "111-2222222-3333333" }, ""},
		{"order id with text", audit.Policy{}, func(e *audit.Event) { e.OrderID = "order of Jane" }, "OrderID"},
		{"seller id too long", audit.Policy{}, func(e *audit.Event) { e.SellerID = strings.Repeat("A", 129) }, "SellerID"},
		{"bucket with slash", audit.Policy{}, func(e *audit.Event) { e.Bucket = "shipped/2026-12-04" }, ""},
		{"negative count", audit.Policy{}, func(e *audit.Event) { e.Count = -1 }, "Count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := validEvent()
			tt.edit(&e)
			err := tt.policy.Validate(&e)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var ve *audit.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want *ValidationError", err)
			}
			if ve.Field != tt.field {
				t.Errorf("field = %s, want %s", ve.Field, tt.field)
			}
			if !errors.Is(err, audit.ErrInvalidEvent) {
				t.Error("error does not match ErrInvalidEvent")
			}
		})
	}
}

func TestValidationErrorHidesPersonalActor(t *testing.T) {
	t.Parallel()
	e := validEvent()
	e.Actor = "jane.doe@example.com"
	var p audit.Policy
	err := p.Validate(&e)
	if err == nil || strings.Contains(err.Error(), "jane") {
		t.Fatalf("error %v quotes the rejected actor", err)
	}
}

func TestActionsAndOutcomesAreValid(t *testing.T) {
	t.Parallel()
	for _, a := range audit.Actions() {
		if !a.Valid() {
			t.Errorf("action %s from Actions is not Valid", a)
		}
	}
	for _, o := range audit.Outcomes() {
		if !o.Valid() {
			t.Errorf("outcome %s from Outcomes is not Valid", o)
		}
	}
	if len(audit.Actions()) != 15 {
		t.Errorf("%d actions, want 15", len(audit.Actions()))
	}
}

func FuzzPolicyValidate(f *testing.F) {
	f.Add("u-1042", "read", "success", "", "", "111-2222222-3333333", 3)
	f.Add("svc:purge", "reveal", "denied", "purpose_not_allowed", "fulfillment", "", 0)
	f.Add("admin", "export", "failure", "x", "marketing", "a b", -1)
	f.Fuzz(func(t *testing.T, actor, action, outcome, reason, purpose, order string, count int) {
		e := audit.Event{Actor: actor, Action: audit.Action(action), Outcome: audit.Outcome(outcome),
			Reason: reason, Purpose: purpose, OrderID: order, Count: count}
		var p audit.Policy
		if err := p.Validate(&e); err != nil {
			return
		}
		// Accepted events hold no free text: no spaces, no '@', bounded
		// lengths, codes from closed sets.
		for _, s := range []string{e.Actor, e.Reason, e.OrderID} {
			if strings.ContainsAny(s, " @\n\t\"") || len(s) > 128 {
				t.Fatalf("accepted free text %q", s)
			}
		}
		if e.Actor == "" || !e.Action.Valid() || !e.Outcome.Valid() || e.Count < 0 {
			t.Fatalf("accepted invalid event %+v", e)
		}
	})
}

func TestValidationErrorHidesFreeTextInCodes(t *testing.T) {
	t.Parallel()
	const email = "jane.doe@example.com"
	tests := []struct {
		name string
		edit func(e *audit.Event)
	}{
		{"action", func(e *audit.Event) { e.Action = email }},
		{"outcome", func(e *audit.Event) { e.Outcome = email }},
		{"kind", func(e *audit.Event) { e.Kind = "Jane Doe" }},
		{"purpose", func(e *audit.Event) { e.Action, e.Purpose = audit.ActionReveal, "call "+email }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := validEvent()
			tt.edit(&e)
			var p audit.Policy
			err := p.Validate(&e)
			if err == nil {
				t.Fatal("Validate = nil, want an error")
			}
			if strings.Contains(err.Error(), "jane") || strings.Contains(err.Error(), "Jane") {
				t.Errorf("error %q quotes the rejected free text", err)
			}
		})
	}
}

func TestValidationErrorQuotesRejectedCodes(t *testing.T) {
	t.Parallel()
	e := validEvent()
	e.Action = "delete_everything"
	var p audit.Policy
	err := p.Validate(&e)
	if err == nil || !strings.Contains(err.Error(), `"delete_everything"`) {
		t.Fatalf("Validate = %v, want the rejected action quoted", err)
	}
}
