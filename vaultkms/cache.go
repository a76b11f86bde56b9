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
	keyIDs    []uint32 // a keyset holds few keys, so a slice beats a map
	loadedAt  time.Time

	messages atomic.Int64
	bytes    atomic.Int64
	// expired is set by timer when the entry reaches the cache's maximum
	// age. A timer costs nothing on the hot path, where reading the clock
	// would cost about as much as the AEAD operation itself.
	expired atomic.Bool
	timer   *time.Timer
}

func (e *entry) hasKey(id uint32) bool {
	for _, k := range e.keyIDs {
		if k == id {
			return true
		}
	}
	return false
}

func (e *entry) stop() {
	if e.timer != nil {
		e.timer.Stop()
	}
}

// cache holds unwrapped keysets by bucket, and the buckets known to be
// shredded.
//
// Reads go through hot, a sync.Map whose loads take no lock, so that
// concurrent Seal and Open calls on many cores do not contend. Writes take
// mu and update entries and hot together.
type cache struct {
	hot     sync.Map // BucketRef to *entry, mirrors entries
	mu      sync.Mutex
	entries map[BucketRef]*entry
	gone    map[BucketRef]struct{}
	max     int
	maxAge  time.Duration

	onExpire func() // called after the timer removed an entry

	retiredOps atomic.Int64 // operations of entries no longer cached
}

// operations returns the number of operations counted by all entries,
// cached or not.
func (c *cache) operations() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.retiredOps.Load()
	for _, e := range c.entries {
		n += e.messages.Load()
	}
	return n
}

func newCache(max int, maxAge time.Duration) *cache {
	return &cache{entries: make(map[BucketRef]*entry), gone: make(map[BucketRef]struct{}), max: max, maxAge: maxAge}
}

func (c *cache) get(ref BucketRef) (e *entry, gone bool) {
	if v, ok := c.hot.Load(ref); ok {
		return v.(*entry), false
	}
	c.mu.Lock()
	_, gone = c.gone[ref]
	c.mu.Unlock()
	return nil, gone
}

// drop deletes the entry of ref; c.mu must be held.
func (c *cache) drop(ref BucketRef, e *entry) {
	c.retiredOps.Add(e.messages.Load())
	e.stop()
	delete(c.entries, ref)
	c.hot.Delete(ref)
}

// put stores e unless its bucket was shredded meanwhile, and reports whether
// it did. When the cache is full, an arbitrary other entry is evicted.
func (c *cache) put(e *entry) (stored bool, evicted int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, gone := c.gone[e.ref]; gone {
		return false, 0
	}
	if old, ok := c.entries[e.ref]; ok {
		c.retiredOps.Add(old.messages.Load())
		old.stop()
	} else {
		for ref, victim := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			c.drop(ref, victim)
			evicted++
		}
	}
	if e.timer == nil {
		// The expired entry also leaves the cache, so that the keyset of a
		// bucket no longer used does not stay in memory.
		e.timer = time.AfterFunc(c.maxAge, func() {
			e.expired.Store(true)
			c.remove(e)
			if c.onExpire != nil {
				c.onExpire()
			}
		})
	}
	c.entries[e.ref] = e
	c.hot.Store(e.ref, e)
	return true, evicted
}

// remove deletes e if it is still the cached entry of its bucket.
func (c *cache) remove(e *entry) {
	c.mu.Lock()
	if c.entries[e.ref] == e {
		c.drop(e.ref, e)
	}
	c.mu.Unlock()
	e.stop()
}

// markGone records a shredded bucket and drops its entry.
func (c *cache) markGone(ref BucketRef) {
	c.mu.Lock()
	if e := c.entries[ref]; e != nil {
		c.drop(ref, e)
	}
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
	if e := c.entries[ref]; e != nil {
		c.drop(ref, e)
	}
	c.mu.Unlock()
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *cache) clear() {
	c.mu.Lock()
	for ref, e := range c.entries {
		c.drop(ref, e)
	}
	c.mu.Unlock()
}
