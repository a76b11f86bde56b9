package spapi

import (
	"context"
	"sync"
	"time"
)

// tokenCache holds bearer tokens (LWA access tokens and Restricted Data
// Tokens) under a key. Each entry has its own lock, so concurrent callers of
// one key share a single fetch while other keys proceed in parallel.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]*tokenEntry
	sweepAt int // entry count at which the next sweep runs
}

// minSweepAt is the entry count below which expired entries are kept. RDTs
// for specific paths (one per report document) would otherwise pile up.
const minSweepAt = 1024

type tokenEntry struct {
	lock      chan struct{} // a one-slot semaphore that a waiter can leave when its context ends
	token     string
	refreshAt time.Time
}

// cachedToken is a token and the time from which it must be replaced.
type cachedToken struct {
	token string
	ttl   time.Duration
}

func (tc *tokenCache) entry(key string) *tokenEntry {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.entries == nil {
		tc.entries = make(map[string]*tokenEntry)
	}
	e, ok := tc.entries[key]
	if !ok {
		if len(tc.entries) >= max(tc.sweepAt, minSweepAt) {
			tc.sweep(time.Now())
		}
		e = &tokenEntry{lock: make(chan struct{}, 1)}
		tc.entries[key] = e
	}
	return e
}

// sweep deletes the entries that hold no usable token and that nobody is
// using. The caller holds tc.mu. A caller that fetched an entry before the
// sweep keeps working on it, and its token is simply not cached.
func (tc *tokenCache) sweep(now time.Time) {
	for key, e := range tc.entries {
		select {
		case e.lock <- struct{}{}:
			if e.token == "" || now.After(e.refreshAt) {
				delete(tc.entries, key)
			}
			<-e.lock
		default:
		}
	}
	tc.sweepAt = 2 * len(tc.entries)
}

// get returns the cached token for key, or calls fetch once to get a new one
// while other callers for the same key wait. A token is replaced once less
// than refreshBefore of its lifetime is left, or after half its lifetime when
// the lifetime is shorter than 2*refreshBefore.
func (tc *tokenCache) get(ctx context.Context, key string, now func() time.Time, refreshBefore time.Duration,
	fetch func(context.Context) (cachedToken, error)) (string, error) {
	e := tc.entry(key)
	select {
	case e.lock <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-e.lock }()

	if e.token != "" && now().Before(e.refreshAt) {
		return e.token, nil
	}
	t, err := fetch(ctx)
	if err != nil {
		return "", err
	}
	early := refreshBefore
	if t.ttl < 2*refreshBefore {
		early = t.ttl / 2
	}
	e.token = t.token
	e.refreshAt = now().Add(t.ttl - early)
	return e.token, nil
}

// invalidate drops the token for key if it is still the given one, so that a
// token another caller has already replaced stays. It waits for a running
// fetch, which is bounded by its caller's context.
func (tc *tokenCache) invalidate(key, token string) {
	e := tc.entry(key)
	e.lock <- struct{}{}
	defer func() { <-e.lock }()
	if e.token == token {
		e.token = ""
		e.refreshAt = time.Time{}
	}
}

// put stores a token fetched outside get, such as an RDT covering several resources.
func (tc *tokenCache) put(key string, t cachedToken, now func() time.Time, refreshBefore time.Duration) {
	e := tc.entry(key)
	e.lock <- struct{}{}
	defer func() { <-e.lock }()
	early := refreshBefore
	if t.ttl < 2*refreshBefore {
		early = t.ttl / 2
	}
	e.token = t.token
	e.refreshAt = now().Add(t.ttl - early)
}
