package spapitest

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hidemont/spkit/spapi"
)

// store is the server's copy of the loaded data sets and of everything the
// typed operations create: shipments, feeds, reports, page tokens.
type store struct {
	mu        sync.Mutex
	now       time.Time
	sellers   map[string]*SellerData
	customDoc map[*OrderItem]string // item -> document ID of its customisation zip
	tokens    map[string]pageToken
	seq       int

	shipments   map[string]*shipmentState // shipping v2, by shipment ID
	idempotency map[string]string         // seller + key -> shipment ID
	rateReqs    map[string]*rateRequest   // request token -> request
	mfn         map[string]*mfnShipment
	feeds       map[string]*feedState
	reports     map[string]*reportState
}

func newStore() *store {
	return &store{
		sellers:     map[string]*SellerData{},
		customDoc:   map[*OrderItem]string{},
		tokens:      map[string]pageToken{},
		shipments:   map[string]*shipmentState{},
		idempotency: map[string]string{},
		rateReqs:    map[string]*rateRequest{},
		mfn:         map[string]*mfnShipment{},
		feeds:       map[string]*feedState{},
		reports:     map[string]*reportState{},
	}
}

// Load adds a data set to the server: its sellers, with a refresh token
// per region they sell in, and a copy of their orders, listings,
// inventory, settlement reports and financial events, which the typed
// operations then serve and change. Customisation zips and settlement
// files are stored as documents. Loading a seller again replaces its data.
// The first call registers the typed operations, except those already
// served by a handler from Handle; register such handlers before Load.
func (s *Server) Load(ds *Dataset) {
	s.registerTypedAPIs()
	st := s.apis().data
	for _, sd := range ds.Sellers {
		s.AddSeller(Seller{ID: sd.ID, Regions: []spapi.Region{sd.Region}})
		cp := cloneSeller(sd)

		docs := map[*OrderItem]string{}
		for _, o := range cp.Orders {
			for _, it := range o.Items {
				if len(it.Customization) == 0 {
					continue
				}
				zip := CustomizationZip(o, it)
				id, _ := s.AddDocument(zip, DocumentOptions{ContentType: "application/zip"})
				docs[it] = id
			}
		}
		for _, r := range cp.Settlements {
			id, _ := s.AddDocument(r.Content, DocumentOptions{ContentType: "text/tab-separated-values; charset=UTF-8", Gzip: true})
			r.DocumentID = id
		}

		st.mu.Lock()
		st.now = ds.Now
		st.sellers[sd.ID] = cp
		maps.Copy(st.customDoc, docs)
		st.mu.Unlock()
	}
}

// Seed loads ds into srv. It is the same as srv.Load(ds).
func Seed(srv *Server, ds *Dataset) { srv.Load(ds) }

// SellerState returns a copy of the server's current data of a seller,
// with the changes the typed operations made (shipped orders, patched
// listings), or nil for an unknown seller.
func (s *Server) SellerState(sellerID string) *SellerData {
	st := s.apis().data
	st.mu.Lock()
	defer st.mu.Unlock()
	sd, ok := st.sellers[sellerID]
	if !ok {
		return nil
	}
	return cloneSeller(sd)
}

func cloneSeller(sd *SellerData) *SellerData {
	cp := *sd
	cp.Marketplaces = slices.Clone(sd.Marketplaces)
	cp.Orders = make([]*Order, len(sd.Orders))
	for i, o := range sd.Orders {
		oc := *o
		oc.Items = make([]*OrderItem, len(o.Items))
		for j, it := range o.Items {
			ic := *it
			ic.Customization = slices.Clone(it.Customization)
			oc.Items[j] = &ic
		}
		oc.Shipments = slices.Clone(o.Shipments)
		cp.Orders[i] = &oc
	}
	cp.Listings = cloneAll(sd.Listings)
	cp.Inventory = cloneAll(sd.Inventory)
	cp.Settlements = cloneAll(sd.Settlements)
	cp.Events = cloneAll(sd.Events)
	return &cp
}

func cloneAll[T any](in []*T) []*T {
	out := make([]*T, len(in))
	for i, v := range in {
		c := *v
		out[i] = &c
	}
	return out
}

// seller returns the server's data of a seller. The caller holds st.mu.
func (st *store) seller(id string) *SellerData { return st.sellers[id] }

// findOrder returns a seller's order. The caller holds st.mu.
func (st *store) findOrder(sellerID, orderID string) *Order {
	sd := st.sellers[sellerID]
	if sd == nil {
		return nil
	}
	return sd.Order(orderID)
}

// nextID returns a new identifier with the prefix. The caller holds st.mu.
func (st *store) nextID(prefix string) string {
	st.seq++
	return fmt.Sprintf("%s%08d", prefix, st.seq)
}

// pageToken is the state behind an issued page token.
type pageToken struct {
	operation string
	seller    string
	offset    int
	query     string // the canonical query of the first page, without the token
	issued    time.Time
}

// issueToken returns a page token. Tokens start with bytes that encode to
// "+", "/" and end in "=", so that a client that does not encode them
// exactly once fails. The caller holds st.mu.
func (st *store) issueToken(operation, seller string, offset int, q url.Values, tokenParam string) string {
	st.seq++
	raw := append([]byte{0xfb, 0xef, 0xff}, fmt.Sprintf("%s|%d|%d", operation, offset, st.seq)...)
	if len(raw)%3 == 0 {
		raw = append(raw, '.')
	}
	token := base64.StdEncoding.EncodeToString(raw)
	st.tokens[token] = pageToken{operation: operation, seller: seller, offset: offset, query: canonicalQuery(q, tokenParam), issued: time.Now()}
	return token
}

// canonicalQuery encodes q without the token parameter, sorted.
func canonicalQuery(q url.Values, tokenParam string) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != tokenParam {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + strings.Join(q[k], ",") + "&")
	}
	return b.String()
}
