package spapitest

import (
	"fmt"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/hidemont/spkit/spapi"
)

// Dataset is a synthetic selling world made with gofakeit: sellers in the
// three regions with their orders, buyers, Amazon Custom personalisation,
// listings, FBA inventory, settlement reports and financial events. The
// same seed and options give the same data set.
//
// A Dataset is both the state a server serves, once loaded with
// [Server.Load], and the values a test expects. The server renders its
// responses from a copy, so the values here stay as generated while tests
// change the server's state (ship orders, patch listings).
type Dataset struct {
	Seed uint64
	// Now is the instant the data set is built around: orders were placed
	// in the 60 days before it, and the server measures the finance
	// retention period from it.
	Now     time.Time
	Sellers []*SellerData
}

// DatasetOptions sizes a data set. The zero value gives the defaults.
type DatasetOptions struct {
	// OrdersPerSeller is the number of orders of each seller. Default 24,
	// enough for every status, both channels, multi-item, multi-quantity,
	// business, prime and custom orders.
	OrdersPerSeller int
	// Now is the anchor of the data set's dates. Default 2026-11-15 UTC.
	Now time.Time
}

// SellerData is one seller and everything the server holds for it.
type SellerData struct {
	ID           string
	Region       spapi.Region
	Marketplaces []string // marketplace IDs, the first being the home marketplace
	Orders       []*Order
	Listings     []*Listing
	Inventory    []*InventoryItem
	Settlements  []*SettlementReport
	Events       []*FinancialEvent
}

// Order statuses of the v0 Orders API. The 2026-01-01 API reports them as
// fulfilment statuses (see [Order.FulfillmentStatus]).
const (
	OrderPendingAvailability = "PendingAvailability"
	OrderPending             = "Pending"
	OrderUnshipped           = "Unshipped"
	OrderPartiallyShipped    = "PartiallyShipped"
	OrderShipped             = "Shipped"
	OrderCanceled            = "Canceled"
	OrderUnfulfillable       = "Unfulfillable"
	OrderInvoiceUnconfirmed  = "InvoiceUnconfirmed"
)

var orderStatuses = []string{
	OrderUnshipped, OrderShipped, OrderPending, OrderPartiallyShipped,
	OrderCanceled, OrderUnfulfillable, OrderPendingAvailability, OrderInvoiceUnconfirmed,
}

// Order is a synthetic order. Buyer and ShipTo hold synthetic values in
// clear: they are what a test expects to read after decoding and
// revealing.
type Order struct {
	ID                 string
	SellerID           string
	MarketplaceID      string
	Status             string // one of the Order* statuses
	FulfillmentChannel string // "MFN" (seller) or "AFN" (Amazon)
	PurchaseDate       time.Time
	LastUpdateDate     time.Time
	LatestShipDate     time.Time
	ShipServiceLevel   string
	Currency           string
	IsBusiness         bool
	IsPrime            bool
	// HasBuyerData is false for pending and cancelled orders, for which
	// Amazon returns no buyer data; the server then omits Buyer and ShipTo.
	HasBuyerData bool
	Buyer        Buyer
	ShipTo       Address
	Items        []*OrderItem
	// Shipments lists what confirmShipment and the fulfilment feed have
	// recorded on the server's copy.
	Shipments []ConfirmedShipment
}

// ConfirmedShipment is a shipment recorded against an order.
type ConfirmedShipment struct {
	CarrierCode    string
	TrackingNumber string
	ShipDate       time.Time
	Items          map[string]int // order item ID -> quantity
}

// FulfillmentStatus returns the order's status as the 2026-01-01 API names
// it.
func (o *Order) FulfillmentStatus() string {
	switch o.Status {
	case OrderPendingAvailability:
		return "PENDING_AVAILABILITY"
	case OrderPending:
		return "PENDING"
	case OrderUnshipped:
		return "UNSHIPPED"
	case OrderPartiallyShipped:
		return "PARTIALLY_SHIPPED"
	case OrderShipped, OrderInvoiceUnconfirmed:
		return "SHIPPED"
	case OrderCanceled:
		return "CANCELLED"
	case OrderUnfulfillable:
		return "UNFULFILLABLE"
	}
	return "PENDING"
}

// Total returns the sum of the item prices as a decimal string.
func (o *Order) Total() string {
	var cents int64
	for _, it := range o.Items {
		cents += it.UnitPriceCents * int64(it.Quantity)
	}
	return formatCents(cents, o.Currency)
}

// Buyer is a synthetic buyer.
type Buyer struct {
	Name        string
	Email       string
	CompanyName string // set for business orders
}

// Address is a synthetic delivery address in the format of its country.
type Address struct {
	Name          string
	CompanyName   string
	AddressLine1  string
	AddressLine2  string
	City          string
	County        string
	StateOrRegion string
	PostalCode    string
	CountryCode   string
	Phone         string
	AddressType   string // "Residential" or "Commercial"
}

// OrderItem is a synthetic order item.
type OrderItem struct {
	ID              string
	ASIN            string
	SKU             string
	Title           string
	Quantity        int
	QuantityShipped int
	UnitPriceCents  int64
	GiftMessage     string
	// Customization is the Amazon Custom personalisation, one entry per
	// unit; nil for items without customisation.
	Customization []Personalization
	// URLForm sets how the server reports the customisation URL of an item
	// without customisation: "missing" leaves the field out and "empty"
	// sends "". Items with customisation always get a URL.
	URLForm string
	// CustomizedURL is set by [Server.Load] on the server's copy: the URL
	// of the customisation zip.
	CustomizedURL string
}

// Personalization is a buyer's choice for one unit of a custom leather
// item.
type Personalization struct {
	Text       string // monogram, initials or a name
	Font       string
	ColorName  string // foil or thread colour of the text
	ColorValue string // its hexadecimal value
	Thread     string // stitching thread colour
	Stamp      string // emboss or deboss, with its position
}

// Listing is a seller's offer of one SKU.
type Listing struct {
	SKU           string
	ASIN          string
	ProductType   string
	Title         string
	MarketplaceID string
	Currency      string
	PriceCents    int64
	Quantity      int
}

// InventoryItem is an FBA inventory summary.
type InventoryItem struct {
	SKU                 string
	ASIN                string
	FNSKU               string
	ProductName         string
	Condition           string
	MarketplaceID       string
	FulfillableQuantity int
	InboundQuantity     int
	ReservedQuantity    int
	LastUpdated         time.Time
}

// TotalQuantity returns the sum of the item's quantities.
func (it *InventoryItem) TotalQuantity() int {
	return it.FulfillableQuantity + it.InboundQuantity + it.ReservedQuantity
}

// SettlementReport is a V2 settlement flat file with its expected totals.
type SettlementReport struct {
	ReportID string
	// DocumentID is set by [Server.Load] on the server's copy; list the
	// reports to learn it.
	DocumentID    string
	MarketplaceID string
	SettlementID  string
	Currency      string
	StartDate     time.Time
	EndDate       time.Time
	CreatedTime   time.Time
	Rows          int   // transaction lines
	TotalCents    int64 // sum of the amounts, equal to the summary's total
	Content       []byte
}

// FinancialEvent is a shipment or refund event of the Finances API.
type FinancialEvent struct {
	Type          string // "Shipment" or "Refund"
	OrderID       string
	MarketplaceID string
	// PostedDate is zero for events that Amazon has not posted yet; the
	// server leaves it out, as Amazon does.
	PostedDate  time.Time
	SKU         string
	OrderItemID string
	Quantity    int
	Currency    string
	Principal   int64 // cents
	Fee         int64 // cents, negative
}

// marketplaceInfo gives the formats of a marketplace.
type marketplaceInfo struct {
	id, country, currency, name string
}

var datasetMarketplaces = map[spapi.Region][]marketplaceInfo{
	spapi.NorthAmerica: {{"ATVPDKIKX0DER", "US", "USD", "Amazon.com"}, {"A2EUQ1WTGCTBG2", "CA", "CAD", "Amazon.ca"}},
	spapi.Europe: {
		{"A1PA6795UKMFR9", "DE", "EUR", "Amazon.de"}, {"A1F83G8C2ARO7P", "GB", "GBP", "Amazon.co.uk"},
		{"A13V1IB3VIYZZH", "FR", "EUR", "Amazon.fr"}, {"APJ6JRA9NG5V4", "IT", "EUR", "Amazon.it"},
		{"A1RKKUPIHCS9HS", "ES", "EUR", "Amazon.es"},
	},
	spapi.FarEast: {{"A1VC38T7YXB528", "JP", "JPY", "Amazon.co.jp"}, {"A39IBJ37TRP1C6", "AU", "AUD", "Amazon.com.au"}},
}

func marketplaceByID(id string) marketplaceInfo {
	for _, ms := range datasetMarketplaces {
		for _, m := range ms {
			if m.id == id {
				return m
			}
		}
	}
	return marketplaceInfo{id: id, currency: "USD", name: "Amazon"}
}

// leatherProducts are the catalogue of the synthetic sellers. The SKUs
// contain spaces, slashes, plus signs and commas, which must survive path
// and query encoding.
var leatherProducts = []struct {
	sku, productType, title string
	custom                  bool
}{
	{"WALLET BRN/S", "WALLET", "Bifold leather wallet, brown", true},
	{"BELT+BLK,95", "APPAREL_BELT", "Full-grain leather belt, black, 95 cm", true},
	{"CARD HOLDER 2/TAN+", "WALLET", "Card holder, tan", true},
	{"KEYRING,CAMEL", "KEYCHAIN", "Leather key ring, camel", true},
	{"TOTE/L NAVY", "HANDBAG", "Large leather tote, navy", false},
	{"PASSPORT+COVER 1", "PASSPORT_COVER", "Passport cover", true},
	{"WATCH STRAP 20/22", "WATCH_BAND", "Watch strap 20/22 mm", false},
	{"JOURNAL A5,RED", "NOTEBOOK", "A5 leather journal, red", true},
}

var (
	fonts       = []string{"Baskerville", "Didot", "Garamond", "Futura", "Copperplate"}
	foilColours = []struct{ name, value string }{{"Gold", "#D4AF37"}, {"Silver", "#C0C0C0"}, {"Blind", "#000000"}, {"Copper", "#B87333"}}
	threads     = []string{"Tan", "Ivory", "Black", "Red", "Navy"}
	stamps      = []string{"Deboss - centre", "Deboss - bottom right", "Emboss - centre", "Emboss - top left"}
)

// NewDataset generates a data set from seed: one seller per region, each
// with orders in every status and marketplace of its region.
func NewDataset(seed uint64, opts DatasetOptions) *Dataset {
	if opts.OrdersPerSeller <= 0 {
		opts.OrdersPerSeller = 24
	}
	if opts.Now.IsZero() {
		opts.Now = time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	}
	f := gofakeit.New(seed)
	ds := &Dataset{Seed: seed, Now: opts.Now.UTC()}
	for _, region := range spapi.Regions {
		ds.Sellers = append(ds.Sellers, newSeller(f, region, ds.Now, opts))
	}
	return ds
}

// Seller returns the seller with the given ID, or nil.
func (ds *Dataset) Seller(id string) *SellerData {
	for _, s := range ds.Sellers {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// SellerIn returns the data set's seller of a region, or nil.
func (ds *Dataset) SellerIn(region spapi.Region) *SellerData {
	for _, s := range ds.Sellers {
		if s.Region == region {
			return s
		}
	}
	return nil
}

// Order returns the order with the given ID, or nil.
func (sd *SellerData) Order(id string) *Order {
	for _, o := range sd.Orders {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// Listing returns the listing of sku in a marketplace, or nil.
func (sd *SellerData) Listing(sku, marketplaceID string) *Listing {
	for _, l := range sd.Listings {
		if l.SKU == sku && l.MarketplaceID == marketplaceID {
			return l
		}
	}
	return nil
}

func newSeller(f *gofakeit.Faker, region spapi.Region, now time.Time, opts DatasetOptions) *SellerData {
	sd := &SellerData{ID: "A" + strings.ToUpper(f.Lexify("?????????????")), Region: region}
	markets := datasetMarketplaces[region]
	for _, m := range markets {
		sd.Marketplaces = append(sd.Marketplaces, m.id)
	}

	asins := make([]string, len(leatherProducts))
	for i := range leatherProducts {
		asins[i] = "B0" + strings.ToUpper(f.Regex("[A-Z0-9]{8}"))
	}
	for _, m := range markets {
		for i, p := range leatherProducts {
			sd.Listings = append(sd.Listings, &Listing{
				SKU: p.sku, ASIN: asins[i], ProductType: p.productType, Title: p.title,
				MarketplaceID: m.id, Currency: m.currency, PriceCents: priceCents(f, m.currency),
				Quantity: f.Number(0, 50),
			})
			sd.Inventory = append(sd.Inventory, &InventoryItem{
				SKU: p.sku, ASIN: asins[i], FNSKU: "X00" + strings.ToUpper(f.Regex("[A-Z0-9]{7}")),
				ProductName: p.title, Condition: "NewItem", MarketplaceID: m.id,
				FulfillableQuantity: f.Number(0, 200), InboundQuantity: f.Number(0, 40), ReservedQuantity: f.Number(0, 10),
				LastUpdated: now.Add(-time.Duration(f.Number(1, 72)) * time.Hour),
			})
		}
	}

	for i := 0; i < opts.OrdersPerSeller; i++ {
		m := markets[i%len(markets)]
		sd.Orders = append(sd.Orders, newOrder(f, sd, m, asins, i, now))
	}
	sd.Settlements = newSettlements(f, sd, now)
	sd.Events = newEvents(sd)
	return sd
}

func newOrder(f *gofakeit.Faker, sd *SellerData, m marketplaceInfo, asins []string, i int, now time.Time) *Order {
	status := orderStatuses[i%len(orderStatuses)]
	purchase := now.Add(-time.Duration(f.Number(1, 60*24)) * time.Hour).Truncate(time.Second)
	o := &Order{
		ID:                 fmt.Sprintf("%03d-%07d-%07d", f.Number(100, 999), f.Number(0, 9999999), f.Number(0, 9999999)),
		SellerID:           sd.ID,
		MarketplaceID:      m.id,
		Status:             status,
		FulfillmentChannel: "MFN",
		PurchaseDate:       purchase,
		LastUpdateDate:     purchase.Add(time.Duration(f.Number(1, 48)) * time.Hour),
		LatestShipDate:     purchase.Add(72 * time.Hour),
		ShipServiceLevel:   f.RandomString([]string{"Std Dom", "Exp Dom", "NextDay"}),
		Currency:           m.currency,
		IsPrime:            i%2 == 0,
		IsBusiness:         i%6 == 3,
		HasBuyerData:       status != OrderPending && status != OrderCanceled && status != OrderPendingAvailability,
	}
	if i%3 == 2 {
		o.FulfillmentChannel = "AFN"
	}
	o.Buyer = Buyer{Name: f.Name(), Email: strings.ToLower(f.Lexify("????????????")) + "@marketplace.amazon.example"}
	if o.IsBusiness {
		o.Buyer.CompanyName = f.Company()
	}
	o.ShipTo = newAddress(f, m.country, o.Buyer.Name)
	if o.IsBusiness {
		o.ShipTo.CompanyName = o.Buyer.CompanyName
		o.ShipTo.AddressType = "Commercial"
	}

	nItems := 1
	if i%4 == 1 {
		nItems = 3
	}
	for j := 0; j < nItems; j++ {
		p := (i + j*3) % len(leatherProducts)
		if i%5 == 2 && j == 0 {
			p = 0 // multi-quantity orders carry a wallet with per-unit text
		}
		prod := leatherProducts[p]
		it := &OrderItem{
			ID:             f.DigitN(14),
			ASIN:           asins[p],
			SKU:            prod.sku,
			Title:          prod.title,
			Quantity:       1,
			UnitPriceCents: priceCents(f, m.currency),
			URLForm:        []string{"missing", "empty"}[j%2],
		}
		if i%5 == 2 {
			it.Quantity = 3
		}
		if i%7 == 4 {
			it.GiftMessage = f.Sentence(8)
		}
		if prod.custom && o.FulfillmentChannel == "MFN" && ((i+j)%2 == 0 || it.Quantity > 1) {
			for u := 0; u < it.Quantity; u++ {
				it.Customization = append(it.Customization, newPersonalization(f))
			}
		}
		switch status {
		case OrderShipped, OrderInvoiceUnconfirmed:
			it.QuantityShipped = it.Quantity
		case OrderPartiallyShipped:
			if j == 0 {
				it.QuantityShipped = 1
			}
		}
		o.Items = append(o.Items, it)
	}
	if status == OrderPartiallyShipped && len(o.Items) == 1 && o.Items[0].Quantity == 1 {
		o.Items[0].Quantity = 2
	}
	return o
}

func newPersonalization(f *gofakeit.Faker) Personalization {
	c := foilColours[f.Number(0, len(foilColours)-1)]
	var text string
	switch f.Number(0, 2) {
	case 0:
		text = strings.ToUpper(f.LetterN(3))
	case 1:
		text = strings.ToUpper(f.Letter()) + "." + strings.ToUpper(f.Letter()) + "."
	default:
		text = f.FirstName()
	}
	return Personalization{
		Text: text, Font: f.RandomString(fonts), ColorName: c.name, ColorValue: c.value,
		Thread: f.RandomString(threads), Stamp: f.RandomString(stamps),
	}
}

// newAddress returns an address written the way the country writes it.
func newAddress(f *gofakeit.Faker, country, name string) Address {
	a := Address{Name: name, CountryCode: country, AddressType: "Residential"}
	switch country {
	case "US":
		a.AddressLine1 = f.StreetNumber() + " " + f.StreetName()
		a.City, a.StateOrRegion, a.PostalCode = f.City(), f.StateAbr(), f.Numerify("#####")
		a.Phone = f.Numerify("+1 ###-###-####")
	case "CA":
		a.AddressLine1 = f.StreetNumber() + " " + f.StreetName()
		a.City, a.StateOrRegion = f.City(), f.RandomString([]string{"ON", "QC", "BC", "AB"})
		a.PostalCode = strings.ToUpper(f.Regex("[A-Z][0-9][A-Z] [0-9][A-Z][0-9]"))
		a.Phone = f.Numerify("+1 ###-###-####")
	case "GB":
		a.AddressLine1 = f.StreetNumber() + " " + f.StreetName()
		a.City, a.County = f.City(), f.RandomString([]string{"Kent", "Devon", "Surrey", "Essex"})
		a.PostalCode = strings.ToUpper(f.Regex("[A-Z]{2}[0-9]{1,2} [0-9][A-Z]{2}"))
		a.Phone = f.Numerify("+44 7### ######")
	case "DE":
		a.AddressLine1 = f.StreetName() + "straße " + f.StreetNumber()
		a.City, a.PostalCode = f.City(), f.Numerify("#####")
		a.Phone = f.Numerify("+49 1## #######")
	case "FR":
		a.AddressLine1 = f.StreetNumber() + " rue " + f.LastName()
		a.City, a.PostalCode = f.City(), f.Numerify("#####")
		a.Phone = f.Numerify("+33 6 ## ## ## ##")
	case "IT":
		a.AddressLine1 = "Via " + f.LastName() + ", " + f.StreetNumber()
		a.City, a.StateOrRegion, a.PostalCode = f.City(), f.RandomString([]string{"MI", "RM", "TO", "FI"}), f.Numerify("#####")
		a.Phone = f.Numerify("+39 3## #######")
	case "ES":
		a.AddressLine1 = "Calle " + f.LastName() + " " + f.StreetNumber()
		a.City, a.StateOrRegion, a.PostalCode = f.City(), f.RandomString([]string{"Madrid", "Barcelona", "Sevilla"}), f.Numerify("#####")
		a.Phone = f.Numerify("+34 6## ### ###")
	case "JP":
		a.AddressLine1 = f.Numerify("#-##-#") + " " + f.LastName() + "-cho"
		a.AddressLine2 = f.Numerify("Room ###")
		a.City, a.StateOrRegion = f.City(), f.RandomString([]string{"Tokyo", "Osaka", "Kanagawa", "Aichi"})
		a.PostalCode = f.Numerify("###-####")
		a.Phone = f.Numerify("+81 90-####-####")
	case "AU":
		a.AddressLine1 = f.StreetNumber() + " " + f.StreetName()
		a.City, a.StateOrRegion, a.PostalCode = f.City(), f.RandomString([]string{"NSW", "VIC", "QLD"}), f.Numerify("####")
		a.Phone = f.Numerify("+61 4## ### ###")
	}
	return a
}

func priceCents(f *gofakeit.Faker, currency string) int64 {
	if currency == "JPY" {
		return int64(f.Number(20, 300)) * 10000 // whole yen, kept in hundredths
	}
	return int64(f.Number(1500, 25000))
}

// formatCents formats hundredths as Amazon writes amounts: two decimals,
// none for the yen.
func formatCents(cents int64, currency string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	if currency == "JPY" {
		return fmt.Sprintf("%s%d", sign, cents/100)
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// newEvents derives the financial events of the shipped orders. Every
// fifth event is not yet posted.
func newEvents(sd *SellerData) []*FinancialEvent {
	var out []*FinancialEvent
	n := 0
	for _, o := range sd.Orders {
		if o.Status != OrderShipped && o.Status != OrderInvoiceUnconfirmed {
			continue
		}
		for _, it := range o.Items {
			ev := &FinancialEvent{
				Type: "Shipment", OrderID: o.ID, MarketplaceID: o.MarketplaceID,
				PostedDate: o.LastUpdateDate, SKU: it.SKU, OrderItemID: it.ID, Quantity: it.Quantity,
				Currency: o.Currency, Principal: it.UnitPriceCents * int64(it.Quantity),
				Fee: -(it.UnitPriceCents * int64(it.Quantity) * 15 / 100),
			}
			if n%5 == 4 {
				ev.PostedDate = time.Time{}
			}
			n++
			out = append(out, ev)
		}
	}
	return out
}
