package spapi

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// RedisLimiterOptions configures a [RedisLimiter]. The zero value selects
// the defaults written on each field.
type RedisLimiterOptions struct {
	// Prefix follows "rate:", which redis_rate puts in front of every key.
	// Keys expire once their bucket is full again. Default: "spkit:ratelimit:".
	Prefix string
	// FallbackShare is the fraction of each plan (rate and burst, the burst
	// at least 1) that this process uses on its own while Redis cannot be
	// reached. With N processes sharing a quota, 1/N keeps them within it.
	// Default: 0.25. Must be in (0, 1].
	FallbackShare float64
	// FallbackFor is how long the limiter stays on the local fallback after a
	// Redis error before it tries Redis again. Default: 5 s.
	FallbackFor time.Duration
	// Logger receives a warning when the limiter falls back. Default: discards.
	Logger *slog.Logger
}

// RedisLimiter is a [Limiter] that shares each bucket between processes
// through Redis, with the generic cell rate algorithm of
// github.com/go-redis/redis_rate/v10. Rates below one request per second
// are expressed through the algorithm's period (one request per 1/rate
// seconds), so 0.0167 requests/s is one request per 59.9 s. When Redis
// returns an error, the limiter paces calls locally with
// FallbackShare of the plan for FallbackFor, then tries Redis again.
//
// A RedisLimiter is safe for concurrent use.
type RedisLimiter struct {
	gcra     *redis_rate.Limiter
	opts     RedisLimiterOptions
	fallback LocalLimiter

	mu            sync.Mutex
	fallbackUntil time.Time
}

// NewRedisLimiter returns a RedisLimiter on rdb, or an error for invalid options.
func NewRedisLimiter(rdb redis.UniversalClient, opts RedisLimiterOptions) (*RedisLimiter, error) {
	if rdb == nil {
		return nil, fmt.Errorf("spapi: NewRedisLimiter: Redis client is nil")
	}
	if opts.Prefix == "" {
		opts.Prefix = "spkit:ratelimit:"
	}
	if opts.FallbackShare == 0 {
		opts.FallbackShare = 0.25
	}
	if opts.FallbackShare < 0 || opts.FallbackShare > 1 || math.IsNaN(opts.FallbackShare) {
		return nil, fmt.Errorf("spapi: RedisLimiterOptions.FallbackShare = %v must be in (0, 1]", opts.FallbackShare)
	}
	if opts.FallbackFor == 0 {
		opts.FallbackFor = 5 * time.Second
	}
	if opts.FallbackFor < 0 {
		return nil, fmt.Errorf("spapi: RedisLimiterOptions.FallbackFor = %v must not be negative", opts.FallbackFor)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &RedisLimiter{gcra: redis_rate.NewLimiter(rdb), opts: opts}, nil
}

// Wait takes one token from the key's shared bucket, polling Redis after
// the wait it reports, until a token is granted or ctx ends.
func (l *RedisLimiter) Wait(ctx context.Context, key LimitKey, plan Plan) error {
	if !plan.Valid() {
		return fmt.Errorf("spapi: %s: invalid plan {Rate: %v, Burst: %d}: %w", key.Operation, plan.Rate, plan.Burst, ErrInvalidRequest)
	}
	limit := gcraLimit(plan)
	redisKey := l.opts.Prefix + key.String()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if l.inFallback() {
			return l.fallback.Wait(ctx, key, l.fallbackPlan(plan))
		}

		res, err := l.gcra.Allow(ctx, redisKey, limit)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			l.startFallback(ctx, err)
			continue
		}
		if res.Allowed > 0 {
			return nil
		}

		wait := res.RetryAfter
		if wait <= 0 {
			wait = time.Millisecond
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// gcraLimit expresses a plan as one request per 1/rate seconds, which
// redis_rate supports for any positive rate, below one per second included.
func gcraLimit(plan Plan) redis_rate.Limit {
	return redis_rate.Limit{
		Rate:   1,
		Burst:  plan.Burst,
		Period: time.Duration(float64(time.Second) / plan.Rate),
	}
}

func (l *RedisLimiter) fallbackPlan(plan Plan) Plan {
	burst := int(float64(plan.Burst) * l.opts.FallbackShare)
	return Plan{Rate: plan.Rate * l.opts.FallbackShare, Burst: max(burst, 1)}
}

func (l *RedisLimiter) inFallback() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Now().Before(l.fallbackUntil)
}

func (l *RedisLimiter) startFallback(ctx context.Context, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Now().Before(l.fallbackUntil) {
		return
	}
	l.fallbackUntil = time.Now().Add(l.opts.FallbackFor)
	l.opts.Logger.WarnContext(ctx, "spapi: Redis rate limiter unreachable, pacing locally with a share of each plan",
		"share", l.opts.FallbackShare, "for", l.opts.FallbackFor, errAttr(err))
}
