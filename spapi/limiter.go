package spapi

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// LimitKey names one SP-API token bucket. Amazon keeps a bucket per selling
// partner, application, region and operation; every process of one
// application that calls for the same seller shares it.
type LimitKey struct {
	SellerID      string // "" for grantless operations
	ApplicationID string
	Region        Region
	Operation     string
}

// String returns the key as colon-separated fields, for use as a Redis key.
func (k LimitKey) String() string {
	return k.ApplicationID + ":" + string(k.Region) + ":" + k.SellerID + ":" + k.Operation
}

// Limiter waits for permission to send one request under a plan. Wait blocks
// until a token is available or ctx ends, and then returns ctx.Err(). The plan
// may change between calls (the x-amzn-RateLimit-Limit header updates its
// rate); implementations adopt the new plan for the key.
//
// Implementations must be safe for concurrent use.
type Limiter interface {
	Wait(ctx context.Context, key LimitKey, plan Plan) error
}

// LocalLimiter is a [Limiter] with one golang.org/x/time/rate token bucket per
// key, shared by every caller in the process. Tokens refill from elapsed
// monotonic time and are capped at the burst, so a spent burst or a 429 never
// stalls the refill. The zero value is ready to use.
type LocalLimiter struct {
	mu      sync.Mutex
	buckets map[LimitKey]*rate.Limiter
}

// NewLocalLimiter returns an empty LocalLimiter.
func NewLocalLimiter() *LocalLimiter {
	return &LocalLimiter{}
}

// Wait takes one token from the key's bucket, waiting as long as needed until
// ctx ends. It never fails because other callers are waiting.
func (l *LocalLimiter) Wait(ctx context.Context, key LimitKey, plan Plan) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !plan.Valid() {
		return fmt.Errorf("spapi: %s: invalid plan {Rate: %v, Burst: %d}: %w", key.Operation, plan.Rate, plan.Burst, ErrInvalidRequest)
	}
	return waitBucket(ctx, l.bucket(key, plan))
}

func (l *LocalLimiter) bucket(key LimitKey, plan Plan) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = make(map[LimitKey]*rate.Limiter)
	}
	b, ok := l.buckets[key]
	if !ok {
		b = rate.NewLimiter(rate.Limit(plan.Rate), plan.Burst)
		l.buckets[key] = b
		return b
	}
	if b.Limit() != rate.Limit(plan.Rate) {
		b.SetLimit(rate.Limit(plan.Rate))
	}
	if b.Burst() != plan.Burst {
		b.SetBurst(plan.Burst)
	}
	return b
}

// waitBucket reserves a token and sleeps until it is due. Unlike rate.Limiter's
// Wait it does not fail early when the delay exceeds ctx's deadline: it waits
// until ctx ends, returns ctx.Err() unchanged and gives the token back.
func waitBucket(ctx context.Context, b *rate.Limiter) error {
	r := b.Reserve()
	if !r.OK() {
		// Reserve fails only for a burst of zero, which Wait rules out.
		return ErrInvalidRequest
	}
	delay := r.Delay()
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}

// maxHeaderRate bounds the rate accepted from x-amzn-RateLimit-Limit, so that
// a corrupt header cannot switch limiting off.
const maxHeaderRate = 100000

// ParseRateLimit parses an x-amzn-RateLimit-Limit header value, a decimal
// number of requests per second such as "0.0167" or "5.0". It returns false
// for an empty, malformed, zero, negative, infinite or absurdly large value,
// so that a caller falls back to the published plan and never divides by zero.
func ParseRateLimit(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 32 {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 || f > maxHeaderRate {
		return 0, false
	}
	return f, true
}
