package notifications

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/hidemont/spkit/spapi"
)

// Scope is the client_credentials scope of the grantless operations.
const Scope = "sellingpartnerapi::notifications"

// Notification types spkit subscribes to.
const (
	TypeOrderChange              = "ORDER_CHANGE"
	TypeFeedProcessingFinished   = "FEED_PROCESSING_FINISHED"
	TypeReportProcessingFinished = "REPORT_PROCESSING_FINISHED"
)

// Client calls the Notifications API in one region. Destinations and
// subscriptions by ID are grantless (an application token of [Scope]);
// getting and creating a seller's subscription need the seller. It is safe
// for concurrent use.
type Client struct {
	api    *spapi.Client
	region spapi.Region
}

// New returns a Client for region.
func New(api *spapi.Client, region spapi.Region) *Client {
	return &Client{api: api, region: region}
}

// Subscription is a subscription to one notification type.
type Subscription struct {
	SubscriptionID      string               `json:"subscriptionId"`
	PayloadVersion      string               `json:"payloadVersion"`
	DestinationID       string               `json:"destinationId"`
	ProcessingDirective *ProcessingDirective `json:"processingDirective,omitempty"`
}

// ProcessingDirective filters or aggregates notifications.
type ProcessingDirective struct {
	EventFilter *struct {
		EventFilterType     string   `json:"eventFilterType"`
		MarketplaceIDs      []string `json:"marketplaceIds,omitempty"`
		OrderChangeTypes    []string `json:"orderChangeTypes,omitempty"`
		AggregationSettings *struct {
			AggregationTimePeriod string `json:"aggregationTimePeriod"`
		} `json:"aggregationSettings,omitempty"`
	} `json:"eventFilter,omitempty"`
}

// Destination is the delivery target of notifications: an SQS queue or
// an EventBridge event bus.
type Destination struct {
	DestinationID string   `json:"destinationId"`
	Name          string   `json:"name"`
	Resource      Resource `json:"resource"`
}

// Resource is a destination's queue or event bus.
type Resource struct {
	SQS *struct {
		ARN string `json:"arn"`
	} `json:"sqs,omitempty"`
	EventBridge *struct {
		Name      string `json:"name"`
		Region    string `json:"region"`
		AccountID string `json:"accountId"`
	} `json:"eventBridge,omitempty"`
}

type payloadOf[T any] struct {
	Payload T `json:"payload"`
}

func (c *Client) grantless(operation, method, path string, body any) *spapi.Request {
	return &spapi.Request{Operation: operation, Method: method, Path: path, Body: body, Grantless: Scope, Region: c.region}
}

func (c *Client) forSeller(sellerID, operation, method, path string, body any) (*spapi.Request, error) {
	if sellerID == "" {
		return nil, fmt.Errorf("notifications: %s: missing seller ID: %w", operation, spapi.ErrInvalidRequest)
	}
	return &spapi.Request{Operation: operation, Method: method, Path: path, Body: body, SellerID: sellerID, Region: c.region}, nil
}

func subscriptionPath(notificationType string) string {
	return "/notifications/v1/subscriptions/" + url.PathEscape(notificationType)
}

// GetSubscription returns a seller's subscription to a notification type.
func (c *Client) GetSubscription(ctx context.Context, sellerID, notificationType string) (*Subscription, error) {
	req, err := c.forSeller(sellerID, "notifications.getSubscription", http.MethodGet, subscriptionPath(notificationType), nil)
	if err != nil {
		return nil, err
	}
	var out payloadOf[Subscription]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out.Payload, nil
}

// CreateSubscriptionRequest is the body of createSubscription.
type CreateSubscriptionRequest struct {
	PayloadVersion      string               `json:"payloadVersion"`
	DestinationID       string               `json:"destinationId"`
	ProcessingDirective *ProcessingDirective `json:"processingDirective,omitempty"`
}

// CreateSubscription subscribes a seller to a notification type.
func (c *Client) CreateSubscription(ctx context.Context, sellerID, notificationType string, body CreateSubscriptionRequest) (*Subscription, error) {
	req, err := c.forSeller(sellerID, "notifications.createSubscription", http.MethodPost, subscriptionPath(notificationType), body)
	if err != nil {
		return nil, err
	}
	var out payloadOf[Subscription]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out.Payload, nil
}

// GetSubscriptionByID returns a subscription by its ID. The call is
// grantless.
func (c *Client) GetSubscriptionByID(ctx context.Context, notificationType, subscriptionID string) (*Subscription, error) {
	req := c.grantless("notifications.getSubscriptionById", http.MethodGet, subscriptionPath(notificationType)+"/"+url.PathEscape(subscriptionID), nil)
	var out payloadOf[Subscription]
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out.Payload, nil
}

// DeleteSubscriptionByID deletes a subscription. The call is grantless.
func (c *Client) DeleteSubscriptionByID(ctx context.Context, notificationType, subscriptionID string) error {
	req := c.grantless("notifications.deleteSubscriptionById", http.MethodDelete, subscriptionPath(notificationType)+"/"+url.PathEscape(subscriptionID), nil)
	_, err := c.api.Do(ctx, req, nil)
	return err
}

// GetDestinations returns the application's destinations. The call is
// grantless.
func (c *Client) GetDestinations(ctx context.Context) ([]Destination, error) {
	var out payloadOf[[]Destination]
	if _, err := c.api.Do(ctx, c.grantless("notifications.getDestinations", http.MethodGet, "/notifications/v1/destinations", nil), &out); err != nil {
		return nil, err
	}
	return out.Payload, nil
}

// GetDestination returns a destination. The call is grantless.
func (c *Client) GetDestination(ctx context.Context, destinationID string) (*Destination, error) {
	var out payloadOf[Destination]
	if _, err := c.api.Do(ctx, c.grantless("notifications.getDestination", http.MethodGet, "/notifications/v1/destinations/"+url.PathEscape(destinationID), nil), &out); err != nil {
		return nil, err
	}
	return &out.Payload, nil
}

// CreateSQSDestination creates a destination that delivers to an SQS
// queue. The call is grantless.
func (c *Client) CreateSQSDestination(ctx context.Context, name, queueARN string) (*Destination, error) {
	if name == "" || queueARN == "" {
		return nil, fmt.Errorf("notifications: createDestination: name and queue ARN are required: %w", spapi.ErrInvalidRequest)
	}
	body := map[string]any{"name": name, "resourceSpecification": map[string]any{"sqs": map[string]string{"arn": queueARN}}}
	var out payloadOf[Destination]
	if _, err := c.api.Do(ctx, c.grantless("notifications.createDestination", http.MethodPost, "/notifications/v1/destinations", body), &out); err != nil {
		return nil, err
	}
	return &out.Payload, nil
}

// DeleteDestination deletes a destination. The call is grantless.
func (c *Client) DeleteDestination(ctx context.Context, destinationID string) error {
	_, err := c.api.Do(ctx, c.grantless("notifications.deleteDestination", http.MethodDelete, "/notifications/v1/destinations/"+url.PathEscape(destinationID), nil), nil)
	return err
}
