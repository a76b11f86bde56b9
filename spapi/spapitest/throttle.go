package spapitest

import (
	"net/http"
	"strconv"

	"golang.org/x/time/rate"

	"github.com/hidemont/spkit/spapi"
)

// bucketKey names one token bucket: Amazon keeps one per selling partner,
// application, region and operation, and the server serves one application.
type bucketKey struct {
	sellerID  string
	region    spapi.Region
	operation string
}

type bucket struct {
	plan    spapi.Plan // unscaled
	limiter *rate.Limiter
}

// planFor returns the unscaled plan of an operation for a seller. The caller
// holds s.mu.
func (s *Server) planFor(sellerID, operation string) (spapi.Plan, bool) {
	if p, ok := s.sellerPlans[sellerID][operation]; ok {
		return p, true
	}
	p, ok := s.plans[operation]
	return p, ok
}

// take takes a token from the bucket of the seller, region and operation. It
// returns the operation's unscaled plan and whether the request may proceed.
// Operations without a plan are not throttled.
func (s *Server) take(sellerID string, region spapi.Region, operation string) (spapi.Plan, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	plan, ok := s.planFor(sellerID, operation)
	if !ok {
		return spapi.Plan{}, true
	}
	key := bucketKey{sellerID, region, operation}
	b, ok := s.buckets[key]
	if !ok || b.plan != plan {
		// A new bucket, or a changed plan, starts full, as a bucket that has
		// been idle would be.
		b = &bucket{plan: plan, limiter: rate.NewLimiter(rate.Limit(plan.Rate*s.opts.TimeScale), plan.Burst)}
		s.buckets[key] = b
	}
	return plan, b.limiter.Allow()
}

// SetPlan changes the plan of an operation for every seller, before scaling.
// Clients built from [Server.ClientConfig] before the change keep the old plan.
func (s *Server) SetPlan(operation string, plan spapi.Plan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plans[operation] = plan
}

// SetSellerPlan changes the plan of an operation for one seller, before scaling.
func (s *Server) SetSellerPlan(sellerID, operation string, plan spapi.Plan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sellerPlans[sellerID] == nil {
		s.sellerPlans[sellerID] = spapi.Plans{}
	}
	s.sellerPlans[sellerID][operation] = plan
}

// SetRateHeader fixes the x-amzn-RateLimit-Limit value sent for an operation,
// whatever its plan: "" leaves the header out. By default the header carries
// the plan's scaled rate.
func (s *Server) SetRateHeader(operation, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateHeaders[operation] = value
}

func (s *Server) setRateHeader(w http.ResponseWriter, operation string, plan spapi.Plan) {
	s.mu.Lock()
	v, fixed := s.rateHeaders[operation]
	s.mu.Unlock()
	if !fixed {
		if plan.Rate <= 0 {
			return
		}
		v = strconv.FormatFloat(plan.Rate*s.opts.TimeScale, 'f', -1, 64)
	}
	if v != "" {
		w.Header().Set("x-amzn-RateLimit-Limit", v)
	}
}
