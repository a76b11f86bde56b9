package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/audit"
	"github.com/hidemont/spkit/pii"
)

// buyerData is synthetic personal data and the pii values that hold it.
type buyerData struct {
	name, phone, city, postal, street string
	giftText                          string
	buyer                             pii.BuyerName
	gift                              pii.GiftMessage
	tel                               pii.Phone
	address                           pii.Address
	parts                             pii.AddressParts
}

func newBuyerData(t *testing.T, seed uint64) buyerData {
	t.Helper()
	f := gofakeit.New(seed)
	d := buyerData{
		name:     f.Name() + " " + f.LastName(),
		phone:    f.Numerify("+49 30 #######"),
		city:     f.City() + "burg",
		postal:   f.Numerify("#####"),
		street:   f.Street() + " " + f.Numerify("##"),
		giftText: f.Sentence(6),
	}
	var err error
	if d.buyer, err = pii.NewBuyerName(d.name); err != nil {
		t.Fatal(err)
	}
	if d.tel, err = pii.NewPhone(d.phone); err != nil {
		t.Fatal(err)
	}
	if d.gift, err = pii.NewGiftMessage(d.giftText); err != nil {
		t.Fatal(err)
	}
	d.parts = pii.AddressParts{Name: d.name, AddressLine1: d.street, City: d.city, PostalCode: d.postal, CountryCode: "DE"}
	if d.address, err = pii.NewAddress(d.parts); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d buyerData) clear() []string {
	return []string{d.name, d.phone, d.city, d.postal, d.street, d.giftText}
}

type lineItem struct {
	SKU   string
	gift  pii.GiftMessage
	Notes []any
}

type order struct {
	ID       string
	Placed   time.Time
	buyer    pii.BuyerName
	shipTo   *pii.Address
	Items    []lineItem
	ByPhone  map[pii.Phone]int
	Extra    any
	internal struct{ parts pii.AddressParts }
}

// orderValuer logs an order through LogValue, returning personal data in
// an attribute.
type orderValuer struct{ o order }

func (v orderValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", v.o.ID), slog.Any("buyer", v.o.buyer), slog.Any("order", v.o))
}

func newOrder(d buyerData) order {
	o := order{
		ID:      "111-2222222-3333333",
		Placed:  time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC),
		buyer:   d.buyer,
		shipTo:  &d.address,
		Items:   []lineItem{{SKU: "WALLET-1", gift: d.gift, Notes: []any{d.tel, "plain note"}}},
		ByPhone: map[pii.Phone]int{d.tel: 1},
		Extra:   struct{ Parts pii.AddressParts }{d.parts},
	}
	o.internal.parts = d.parts
	return o
}

func logBoth(t *testing.T, log func(*slog.Logger)) string {
	t.Helper()
	var buf bytes.Buffer
	log(slog.New(audit.NewRedactingHandler(slog.NewJSONHandler(&buf, nil))))
	log(slog.New(audit.NewRedactingHandler(slog.NewTextHandler(&buf, nil))))
	return buf.String()
}

func assertNoLeak(t *testing.T, out string, clear []string) {
	t.Helper()
	for _, s := range clear {
		if strings.Contains(out, s) {
			t.Errorf("output contains clear personal data %q", s)
		}
	}
}

func TestRedactingHandlerNestedValues(t *testing.T) {
	t.Parallel()
	d := newBuyerData(t, 21)
	o := newOrder(d)

	// Without the handler, the unexported fields leak through fmt.
	var raw bytes.Buffer
	slog.New(slog.NewTextHandler(&raw, nil)).Info("order", "order", o)
	if !strings.Contains(raw.String(), d.city) {
		t.Fatalf("the test order does not leak without the handler, so it tests nothing: %s", raw.String())
	}

	tests := map[string]func(*slog.Logger){
		"struct":        func(l *slog.Logger) { l.Info("order", "order", o) },
		"pointer":       func(l *slog.Logger) { l.Info("order", slog.Any("order", &o)) },
		"slice":         func(l *slog.Logger) { l.Info("orders", "orders", []order{o, o}) },
		"map value":     func(l *slog.Logger) { l.Info("orders", "orders", map[string]any{"a": o}) },
		"group":         func(l *slog.Logger) { l.Info("order", slog.Group("g", slog.Any("order", o), "n", 1)) },
		"with":          func(l *slog.Logger) { l.With("order", o).Info("order") },
		"with group":    func(l *slog.Logger) { l.WithGroup("req").With(slog.Any("o", o)).Info("order", "x", o) },
		"log valuer":    func(l *slog.Logger) { l.Info("order", "order", orderValuer{o}) },
		"nested valuer": func(l *slog.Logger) { l.Info("order", "wrapped", struct{ V orderValuer }{orderValuer{o}}) },
		"address parts": func(l *slog.Logger) { l.Info("parts", "parts", d.parts) },
		"top level pii": func(l *slog.Logger) { l.Info("buyer", "name", d.buyer, "address", d.address, "phone", &d.tel) },
	}
	for name, log := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out := logBoth(t, log)
			assertNoLeak(t, out, d.clear())
			if !strings.Contains(out, "[pii:") {
				t.Errorf("output has no placeholder: %s", out)
			}
		})
	}
}

func TestRedactingHandlerPlaceholdersAndShape(t *testing.T) {
	t.Parallel()
	d := newBuyerData(t, 22)
	var buf bytes.Buffer
	logger := slog.New(audit.NewRedactingHandler(slog.NewJSONHandler(&buf, nil)))
	logger.Info("order", "order", newOrder(d))

	var rec struct {
		Order struct {
			ID     string
			Placed string
			Buyer  string `json:"buyer"`
			ShipTo string `json:"shipTo"`
			Items  map[string]struct {
				SKU   string
				Gift  string `json:"gift"`
				Notes map[string]string
			}
			ByPhone map[string]int
		} `json:"order"`
	}
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, buf.String())
	}
	o := rec.Order
	if o.ID != "111-2222222-3333333" {
		t.Errorf("ID = %q", o.ID)
	}
	if o.Placed != "2026-12-01T08:00:00Z" {
		t.Errorf("Placed = %q, want the time as the JSON handler prints it", o.Placed)
	}
	if o.Buyer != "[pii:buyer_name]" || o.ShipTo != "[pii:address]" {
		t.Errorf("buyer, shipTo = %q, %q", o.Buyer, o.ShipTo)
	}
	item := o.Items["0"]
	if item.SKU != "WALLET-1" || item.Gift != "[pii:gift_message]" {
		t.Errorf("item = %+v", item)
	}
	if item.Notes["0"] != "[pii:phone]" || item.Notes["1"] != "plain note" {
		t.Errorf("notes = %v", item.Notes)
	}
	if len(o.ByPhone) != 1 {
		t.Errorf("ByPhone = %v", o.ByPhone)
	}
	for k := range o.ByPhone {
		if !strings.HasPrefix(k, "[pii:phone]") {
			t.Errorf("map key %q is not a placeholder", k)
		}
	}
}

type plainOrder struct {
	ID    string
	Total float64
	when  time.Time
}

func TestRedactingHandlerPassesOtherValues(t *testing.T) {
	t.Parallel()
	var got, want bytes.Buffer
	log := func(l *slog.Logger) {
		l.Info("plain", "order", plainOrder{ID: "A1", Total: 12.5, when: time.Unix(0, 0)},
			"err", errors.New("timeout"), "n", 3, "d", time.Second, slog.Group("g", "k", "v"))
	}
	log(slog.New(audit.NewRedactingHandler(slog.NewTextHandler(&got, &slog.HandlerOptions{ReplaceAttr: dropTime}))))
	log(slog.New(slog.NewTextHandler(&want, &slog.HandlerOptions{ReplaceAttr: dropTime})))
	if got.String() != want.String() {
		t.Errorf("redacting handler changed values without personal data:\ngot  %s\nwant %s", got.String(), want.String())
	}
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

type node struct {
	Name pii.BuyerName
	Next *node
}

func TestRedactingHandlerCyclesAndLimits(t *testing.T) {
	t.Parallel()
	d := newBuyerData(t, 23)
	n := &node{Name: d.buyer}
	n.Next = n
	big := make([]any, 1000)
	for i := range big {
		big[i] = d.tel
	}
	out := logBoth(t, func(l *slog.Logger) { l.Info("cycle", "node", n, "big", big) })
	assertNoLeak(t, out, d.clear())
	if !strings.Contains(out, "[pii:redacted]") {
		t.Errorf("cut values not marked: %.300s", out)
	}
}

func TestRedactingHandlerConformance(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := audit.NewRedactingHandler(slog.NewJSONHandler(&buf, nil))
	results := func() []map[string]any {
		var ms []map[string]any
		for _, line := range bytes.Split(buf.Bytes(), []byte{'\n'}) {
			if len(line) == 0 {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
		return ms
	}
	if err := slogtest.TestHandler(h, results); err != nil {
		t.Fatal(err)
	}
}

func TestRedactingHandlerEnabled(t *testing.T) {
	t.Parallel()
	h := audit.NewRedactingHandler(slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if h.Enabled(context.Background(), slog.LevelInfo) {
		t.Error("Info enabled under a Warn handler")
	}
	if !h.Enabled(context.Background(), slog.LevelError) {
		t.Error("Error not enabled under a Warn handler")
	}
}
