package fulfillment

import (
	"context"
	"iter"
	"time"

	"github.com/hidemont/spkit/pii"
)

// orderSource reads orders from one version of the Orders API. OrderSync
// uses the 2026-01-01 source first and the v0 source as the fallback.
type orderSource interface {
	// name is the Source recorded in stored orders.
	name() string
	// search yields the orders of a marketplace updated between from and
	// to, one page at a time. Orders without buyer data because the
	// application lacks the role come with buyerStatus BuyerDataWithheld.
	search(ctx context.Context, q searchQuery) iter.Seq2[[]*remoteOrder, error]
	// complete fetches what search does not return, such as the items of a
	// v0 order. It is called only for new and changed orders.
	complete(ctx context.Context, q searchQuery, ro *remoteOrder) error
}

// searchQuery selects the orders of one sync run.
type searchQuery struct {
	sellerID      string
	marketplaceID string
	from, to      time.Time
	pageSize      int
	// buyerData requests buyer data. It is false when the order's buyer
	// data was purged.
	buyerData bool
}

// remoteOrder is an order as read from SP-API, before sealing: its
// non-personal facts in order, and its buyer data as pii values.
type remoteOrder struct {
	order Order
	// complete is true when order.Items holds the items.
	complete bool
	// shippedAt is the earliest package ship time Amazon reports, if any.
	shippedAt time.Time

	buyer       remoteBuyer
	buyerStatus BuyerDataStatus
	// buyerErr is Amazon's refusal of the buyer data.
	buyerErr error

	// gifts and customizedURLs hold the items' gift messages and Amazon
	// Custom URLs, by order item ID.
	gifts          map[string]pii.GiftMessage
	customizedURLs map[string]pii.Personalization
}

// remoteBuyer is an order's buyer data in pii values.
type remoteBuyer struct {
	name    pii.BuyerName
	address pii.Address
	// phone is a phone Amazon returned apart from the address. SP-API
	// returns the buyer's phone only inside the address, so it is usually
	// absent, and sealBuyer then takes the address's phone.
	phone   pii.Phone
	email   pii.Email
	taxInfo pii.TaxInfo
}

func (b remoteBuyer) isZero() bool {
	return b.name.IsZero() && b.address.IsZero() && b.phone.IsZero() && b.email.IsZero() && b.taxInfo.IsZero()
}
