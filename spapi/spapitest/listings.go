package spapitest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// This file serves the Listings Items API from the loaded data sets.

type patchRequest struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

type listingIssue struct {
	Code           string   `json:"code"`
	Message        string   `json:"message"`
	Severity       string   `json:"severity"`
	AttributeNames []string `json:"attributeNames,omitempty"`
}

// applyPatches checks patches against a listing and, unless dryRun, applies
// them. It returns the issues found. The caller holds the store lock.
func (s *Server) applyPatches(seller, sku, marketplaceID, productType string, patches []patchRequest, dryRun bool) []listingIssue {
	sd := s.apis().data.seller(seller)
	var l *Listing
	if sd != nil {
		l = sd.Listing(sku, marketplaceID)
	}
	if l == nil {
		return []listingIssue{{Code: "4000001", Severity: "ERROR", Message: "The SKU does not exist in marketplace " + marketplaceID + "."}}
	}
	if productType != "" && productType != l.ProductType {
		return []listingIssue{{Code: "4000002", Severity: "ERROR", Message: "The product type " + productType + " does not match the listing's " + l.ProductType + "."}}
	}
	if len(patches) == 0 {
		return []listingIssue{{Code: "4000006", Severity: "ERROR", Message: "At least one patch is required."}}
	}
	var issues []listingIssue
	quantity, price := l.Quantity, l.PriceCents
	for _, p := range patches {
		if p.Op != "replace" && p.Op != "merge" && p.Op != "add" {
			issues = append(issues, listingIssue{Code: "4000007", Severity: "ERROR", Message: "Unsupported patch operation " + p.Op + "."})
			continue
		}
		switch p.Path {
		case "/attributes/fulfillment_availability":
			var v []struct {
				Channel  string `json:"fulfillment_channel_code"`
				Quantity *int   `json:"quantity"`
			}
			if json.Unmarshal(p.Value, &v) != nil || len(v) != 1 || v[0].Quantity == nil || *v[0].Quantity < 0 || v[0].Channel == "" {
				issues = append(issues, listingIssue{Code: "90220", Severity: "ERROR", Message: "fulfillment_availability must be an array with a channel code and a non-negative quantity.", AttributeNames: []string{"fulfillment_availability"}})
				continue
			}
			quantity = *v[0].Quantity
		case "/attributes/purchasable_offer":
			var v []struct {
				MarketplaceID string `json:"marketplace_id"`
				Currency      string `json:"currency"`
				OurPrice      []struct {
					Schedule []struct {
						ValueWithTax *json.Number `json:"value_with_tax"`
					} `json:"schedule"`
				} `json:"our_price"`
			}
			bad := json.Unmarshal(p.Value, &v) != nil || len(v) != 1 || len(v[0].OurPrice) != 1 || len(v[0].OurPrice[0].Schedule) != 1 || v[0].OurPrice[0].Schedule[0].ValueWithTax == nil
			if !bad && (v[0].MarketplaceID != marketplaceID || v[0].Currency != l.Currency) {
				bad = true
			}
			var cents int64
			if !bad {
				f, err := strconv.ParseFloat(v[0].OurPrice[0].Schedule[0].ValueWithTax.String(), 64)
				bad = err != nil || f <= 0
				cents = int64(f*100 + 0.5)
			}
			if bad {
				issues = append(issues, listingIssue{Code: "99022", Severity: "ERROR", Message: "purchasable_offer needs the listing's marketplace, currency and one positive value_with_tax.", AttributeNames: []string{"purchasable_offer"}})
				continue
			}
			price = cents
		default:
			issues = append(issues, listingIssue{Code: "4000008", Severity: "ERROR", Message: "spapitest does not support patches of " + p.Path + ".", AttributeNames: []string{p.Path}})
		}
	}
	if len(issues) == 0 && !dryRun {
		l.Quantity, l.PriceCents = quantity, price
	}
	return issues
}

// listingFor checks the path's seller and returns the listing parameters.
func listingParams(w http.ResponseWriter, r *http.Request, call *Call) (sku string, marketplaces []string, ok bool) {
	if r.PathValue("sellerId") != call.SellerID {
		WriteError(w, http.StatusForbidden, "Unauthorized", "The seller ID in the path is not the caller's.", "")
		return "", nil, false
	}
	marketplaces = splitList(r.URL.Query().Get("marketplaceIds"))
	if len(marketplaces) != 1 {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "marketplaceIds must name exactly one marketplace.", "")
		return "", nil, false
	}
	return r.PathValue("sku"), marketplaces, true
}

func (s *Server) getListingsItem(w http.ResponseWriter, r *http.Request, call *Call) {
	sku, mids, ok := listingParams(w, r, call)
	if !ok {
		return
	}
	s.withStore(func() {
		sd := s.apis().data.seller(call.SellerID)
		var l *Listing
		if sd != nil {
			l = sd.Listing(sku, mids[0])
		}
		if l == nil {
			WriteError(w, http.StatusNotFound, "NOT_FOUND", "SKU '"+sku+"' not found in marketplace "+mids[0]+".", "")
			return
		}
		WriteJSON(w, http.StatusOK, map[string]any{
			"sku": l.SKU,
			"summaries": []map[string]any{{
				"marketplaceId": l.MarketplaceID, "asin": l.ASIN, "productType": l.ProductType, "conditionType": "new_new",
				"status": []string{"BUYABLE", "DISCOVERABLE"}, "itemName": l.Title,
				"createdDate": rfc3339(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)), "lastUpdatedDate": rfc3339(time.Now()),
			}},
			"offers": []map[string]any{{
				"marketplaceId": l.MarketplaceID, "offerType": "B2C",
				"price": map[string]any{"currencyCode": l.Currency, "amount": formatCents(l.PriceCents, l.Currency)},
			}},
			"fulfillmentAvailability": []map[string]any{{"fulfillmentChannelCode": "DEFAULT", "quantity": l.Quantity}},
			"issues":                  []any{},
		})
	})
}

func (s *Server) patchListingsItem(w http.ResponseWriter, r *http.Request, call *Call) {
	sku, mids, ok := listingParams(w, r, call)
	if !ok {
		return
	}
	var in struct {
		ProductType string         `json:"productType"`
		Patches     []patchRequest `json:"patches"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.ProductType == "" {
		WriteError(w, http.StatusBadRequest, "InvalidInput", "productType is required.", "")
		return
	}
	preview := r.URL.Query().Get("mode") == "VALIDATION_PREVIEW"
	s.withStore(func() {
		issues := s.applyPatches(call.SellerID, sku, mids[0], in.ProductType, in.Patches, preview)
		status := "ACCEPTED"
		if preview {
			status = "VALID"
		}
		if slices.ContainsFunc(issues, func(is listingIssue) bool { return is.Severity == "ERROR" }) {
			status = "INVALID"
		}
		if issues == nil {
			issues = []listingIssue{}
		}
		// Amazon returns 200 for invalid patches too, and the status and the
		// issues tell whether they were accepted.
		WriteJSON(w, http.StatusOK, map[string]any{
			"sku": sku, "status": status, "submissionId": s.apis().data.nextID("sub-"), "issues": issues,
		})
	})
}
