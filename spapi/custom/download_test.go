package custom_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/hidemont/spkit/pii"
	"github.com/hidemont/spkit/spapi"
	"github.com/hidemont/spkit/spapi/custom"
	"github.com/hidemont/spkit/spapi/internal/revealtest"
	"github.com/hidemont/spkit/spapi/orders"
	"github.com/hidemont/spkit/spapi/spapitest"
)

type auditor struct{ n int }

func (a *auditor) AuditReveal(context.Context, pii.Access) error {
	a.n++
	return nil
}

// TestDownloadDatasetItems downloads every customised item of a seller
// and compares the personalisation with the data set's.
func TestDownloadDatasetItems(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{})
	ds := spapitest.NewDataset(7, spapitest.DatasetOptions{})
	srv.Load(ds)
	api := srv.NewClient(t)
	aud := &auditor{}
	rev, err := pii.NewRevealer(pii.Policy{}, aud)
	if err != nil {
		t.Fatal(err)
	}
	ctx := pii.WithActor(context.Background(), pii.Actor{UserID: "picker-1", SourceIP: netip.MustParseAddr("127.0.0.1")})

	checked := 0
	for _, sd := range ds.Sellers {
		c := orders.New(api, sd.ID, sd.Region)
		for _, o := range sd.Orders {
			items, err := c.GetOrderItemsV0(ctx, o.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			for i, it := range items {
				want := o.Items[i]
				got, err := custom.DownloadItem(ctx, api, rev, it.CustomizedURL(), custom.Limits{})
				if len(want.Customization) == 0 {
					if !errors.Is(err, custom.ErrNoCustomization) {
						t.Errorf("%s (%s URL): err = %v, want ErrNoCustomization", want.ID, want.URLForm, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: DownloadItem: %v", want.ID, err)
				}
				checked++
				checkCustomization(t, got, want)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no customised item downloaded")
	}
	if aud.n < checked {
		t.Errorf("audited reveals = %d, want at least %d", aud.n, checked)
	}
	for _, e := range srv.RequestsFor(spapitest.DocumentOperation) {
		if e.Header.Get("Authorization") != "" || e.Header.Get("x-amz-access-token") != "" {
			t.Errorf("document download carried an authentication header")
		}
	}
}

func checkCustomization(t *testing.T, got *custom.Customization, want *spapitest.OrderItem) {
	t.Helper()
	if len(got.Documents) != 1 {
		t.Fatalf("%s: documents = %d", want.ID, len(got.Documents))
	}
	doc := got.Documents[0]
	if doc.OrderItemID != want.ID {
		t.Errorf("document order item = %s, want %s", doc.OrderItemID, want.ID)
	}
	texts := doc.Texts()
	if len(texts) != len(want.Customization) {
		t.Fatalf("%s: texts = %d, want one per unit (%d)", want.ID, len(texts), len(want.Customization))
	}
	for u, p := range want.Customization {
		if got := revealtest.Reveal(t, texts[u].Text); got != p.Text {
			t.Errorf("%s unit %d: text = %q, want %q", want.ID, u+1, got, p.Text)
		}
		if texts[u].Font != p.Font || texts[u].Color.Name != p.ColorName || texts[u].Color.Value != p.ColorValue {
			t.Errorf("%s unit %d: style = %s %+v", want.ID, u+1, texts[u].Font, texts[u].Color)
		}
		areas := doc.Surfaces[u].Areas
		if areas[1].Option != p.Thread || areas[2].Option != p.Stamp {
			t.Errorf("%s unit %d: options = %q %q, want %q %q", want.ID, u+1, areas[1].Option, areas[2].Option, p.Thread, p.Stamp)
		}
	}
	if len(got.Parts) != len(want.Customization) {
		t.Errorf("%s: SVG parts = %d, want %d", want.ID, len(got.Parts), len(want.Customization))
	}
}

func TestDownloadFailures(t *testing.T) {
	t.Parallel()
	srv := spapitest.NewServer(t, spapitest.Options{})
	srv.AddSeller(spapitest.Seller{ID: "A1"})
	api := srv.NewClient(t)
	ctx := context.Background()

	_, corruptURL := srv.AddDocument([]byte("PK\x03\x04 not a zip at all"), spapitest.DocumentOptions{ContentType: "application/zip"})
	if _, err := custom.Download(ctx, api, corruptURL, custom.Limits{}); !errors.Is(err, custom.ErrInvalidZip) {
		t.Errorf("corrupt zip: err = %v, want ErrInvalidZip", err)
	}

	_, bigURL := srv.AddDocument(make([]byte, 4096), spapitest.DocumentOptions{ContentType: "application/zip"})
	var le *custom.LimitError
	if _, err := custom.Download(ctx, api, bigURL, custom.Limits{MaxZipBytes: 1024}); !errors.As(err, &le) {
		t.Errorf("oversized zip: err = %v, want *LimitError", err)
	}

	if _, err := custom.Download(ctx, api, "", custom.Limits{}); !errors.Is(err, custom.ErrNoCustomization) {
		t.Errorf("empty URL: err = %v", err)
	}
	if _, err := custom.Download(ctx, api, "file:///etc/passwd", custom.Limits{}); !errors.Is(err, custom.ErrInvalidURL) {
		t.Errorf("file URL: err = %v", err)
	}

	_, url := srv.AddDocument([]byte("x"), spapitest.DocumentOptions{})
	srv.InjectFault(spapitest.Fault{Operation: spapitest.DocumentOperation, Status: 503, Times: -1})
	_, err := custom.Download(ctx, api, url, custom.Limits{})
	if !errors.Is(err, spapi.ErrServerUnavailable) {
		t.Errorf("storage down: err = %v, want ErrServerUnavailable", err)
	}
	srv.ClearFaults()

	srv.InjectFault(spapitest.Fault{Operation: spapitest.DocumentOperation, Drop: true, Times: -1})
	_, err = custom.Download(ctx, api, url, custom.Limits{})
	var de *custom.DownloadError
	if !errors.As(err, &de) {
		t.Fatalf("dropped connections: err = %v, want *DownloadError", err)
	}
	if strings.Contains(err.Error(), "X-Amz-Signature") || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("error message contains the presigned URL: %v", err)
	}
}
