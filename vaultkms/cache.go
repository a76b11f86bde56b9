package vaultkms

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// entry is an unwrapped keyset held in the cache. Its fields other than the
// counters are immutable after creation.
type entry struct {
	ref       BucketRef
	keysetID  uint32
	revision  int64
	handle    *keyset.Handle
	aead      tink.AEAD // for data buckets
	prf       *prf.Set  // for the blind-index bucket
	primaryID uint32
	keyIDs    map[uint32]bool
	loadedAt  time.Time

	messages atomic.Int64
	bytes    atomic.Int64
}

// cache holds unwrapped keysets by bucket, and the buckets known to be
// shredded.
type cache struct {
	mu      sync.RWMutex
	entries map[BucketRef]*entry
	gone    map[BucketRef]struct{}
	max     int
}

func newCache(max int) *cache {
	return &cache{entries: make(map[BucketRef]*entry), gone: make(map[BucketRef]struct{}), max: max}
}

func (c *cache) get(ref BucketRef) (e *entry, gone bool) {
	c.mu.RLock()
	e = c.entries[ref]
	if e == nil {
		_, gone = c.gone[ref]
	}
	c.mu.RUnlock()
	return e, gone
}

// put stores e unless its bucket was shredded meanwhile, and reports whether
// it did. When the cache is full, an arbitrary other entry is evicted.
func (c *cache) put(e *entry) (stored bool, evicted int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, gone := c.gone[e.ref]; gone {
		return false, 0
	}
	if _, ok := c.entries[e.ref]; !ok {
		for ref := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, ref)
			evicted++
		}
	}
	c.entries[e.ref] = e
	return true, evicted
}

// remove deletes e if it is still the cached entry of its bucket.
func (c *cache) remove(e *entry) {
	c.mu.Lock()
	if c.entries[e.ref] == e {
		delete(c.entries, e.ref)
	}
	c.mu.Unlock()
}

// markGone records a shredded bucket and drops its entry.
func (c *cache) markGone(ref BucketRef) {
	c.mu.Lock()
	delete(c.entries, ref)
	if len(c.gone) >= c.max {
		// The store still returns ErrShredded for forgotten buckets, so
		// dropping tombstones only costs a store read.
		for r := range c.gone {
			delete(c.gone, r)
			break
		}
	}
	c.gone[ref] = struct{}{}
	c.mu.Unlock()
}

func (c *cache) forget(ref BucketRef) {
	c.mu.Lock()
	delete(c.entries, ref)
	c.mu.Unlock()
}

func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

func (c *cache) clear() {
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}
