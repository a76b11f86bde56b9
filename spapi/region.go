package spapi

import "fmt"

// Region is an SP-API selling region. A seller authorises each region
// separately, so credentials, endpoints and rate limits are all per region.
type Region string

// The three SP-API regions.
const (
	NorthAmerica Region = "na"
	Europe       Region = "eu"
	FarEast      Region = "fe"
)

// Regions lists every region in a fixed order.
var Regions = []Region{NorthAmerica, Europe, FarEast}

// Valid reports whether r is one of the three SP-API regions.
func (r Region) Valid() bool {
	return r == NorthAmerica || r == Europe || r == FarEast
}

// Marketplace is an Amazon marketplace and the region that serves it.
type Marketplace struct {
	ID          string
	CountryCode string // ISO 3166-1 alpha-2, except "UK" as Amazon spells it
	Region      Region
}

// Marketplaces lists the marketplaces spkit knows, with Amazon's marketplace IDs.
var Marketplaces = []Marketplace{
	{"ATVPDKIKX0DER", "US", NorthAmerica},
	{"A2EUQ1WTGCTBG2", "CA", NorthAmerica},
	{"A1AM78C64UM0Y8", "MX", NorthAmerica},
	{"A2Q3Y263D00KWC", "BR", NorthAmerica},
	{"A1F83G8C2ARO7P", "UK", Europe},
	{"A1PA6795UKMFR9", "DE", Europe},
	{"A13V1IB3VIYZZH", "FR", Europe},
	{"APJ6JRA9NG5V4", "IT", Europe},
	{"A1RKKUPIHCS9HS", "ES", Europe},
	{"A1805IZSGTT6HS", "NL", Europe},
	{"A2NODRKZP88ZB9", "SE", Europe},
	{"A1C3SOZRARQ6R3", "PL", Europe},
	{"AMEN7PMS3EDWL", "BE", Europe},
	{"A28R8C7NBKEWEA", "IE", Europe},
	{"A33AVAJ2PDY3EV", "TR", Europe},
	{"A2VIGQ35RCS4UG", "AE", Europe},
	{"A17E79C6D8DWNP", "SA", Europe},
	{"ARBP9OOSHTCHU", "EG", Europe},
	{"A21TJRUUN4KGV", "IN", Europe},
	{"AE08WJ6YKNBMC", "ZA", Europe},
	{"A1VC38T7YXB528", "JP", FarEast},
	{"A39IBJ37TRP1C6", "AU", FarEast},
	{"A19VAU5U5O7RUS", "SG", FarEast},
}

// LookupMarketplace returns the marketplace with the given ID.
func LookupMarketplace(id string) (Marketplace, bool) {
	for _, m := range Marketplaces {
		if m.ID == id {
			return m, true
		}
	}
	return Marketplace{}, false
}

// MarketplaceRegion returns the region that serves the marketplace ID, or an
// error wrapping [ErrUnknownMarketplace].
func MarketplaceRegion(id string) (Region, error) {
	m, ok := LookupMarketplace(id)
	if !ok {
		return "", fmt.Errorf("spapi: marketplace %q: %w", id, ErrUnknownMarketplace)
	}
	return m.Region, nil
}

// ProductionEndpoints returns the production SP-API base URL of each region.
func ProductionEndpoints() map[Region]string {
	return map[Region]string{
		NorthAmerica: "https://sellingpartnerapi-na.amazon.com",
		Europe:       "https://sellingpartnerapi-eu.amazon.com",
		FarEast:      "https://sellingpartnerapi-fe.amazon.com",
	}
}

// SandboxEndpoints returns the static sandbox SP-API base URL of each region.
func SandboxEndpoints() map[Region]string {
	return map[Region]string{
		NorthAmerica: "https://sandbox.sellingpartnerapi-na.amazon.com",
		Europe:       "https://sandbox.sellingpartnerapi-eu.amazon.com",
		FarEast:      "https://sandbox.sellingpartnerapi-fe.amazon.com",
	}
}

// DefaultLWAEndpoint is the Login with Amazon token endpoint.
const DefaultLWAEndpoint = "https://api.amazon.com/auth/o2/token"
