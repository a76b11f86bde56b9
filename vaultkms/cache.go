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
	ref           BucketRef
	keysetID      uint32
	revision      int64
	handle        *keyset.Handle
	aead          tink.AEAD // for data buckets
	fieldADPrefix []byte    // start of every field's associated data, for data buckets
	prf           *prf.Set  // for the blind-index bucket
	primaryID     uint32
	keyIDs        []uint32 // a keyset holds few keys, so a slice beats a map
	loadedAt      time.Time

	// usage counts operations in its top bits and plaintext bytes in its
	// low usageBytesBits, so that one atomic add accounts for a use.
	usage atomic.Uint64
	// expired is set by timer when the entry reaches the cache's maximum
	// age. A timer costs nothing on the hot path, where reading the clock
	// would cost about as much as the AEAD operation itself.
	expired atomic.Bool
	timer   *time.Timer
}

// Layout of entry.usage. New caps Config.MaxMessages and Config.MaxBytes at
// half of each field, so that concurrent uses past a limit, which evict the
// entry, cannot overflow into the other field.
const (
	usageBytesBits = 38
	usageBytesMask = 1<<usageBytesBits - 1
	usageOne       = 1 << usageBytesBits // one operation
	maxMessagesCap = 1 << (64 - usageBytesBits - 1)
	maxBytesCap    = 1 << (usageBytesBits - 1)
)

// use counts one operation of n bytes and returns the totals.
func (e *entry) use(n int) (ops, size int64) {
	u := e.usage.Add(usageOne + uint64(n))
	return int64(u >> usageBytesBits), int64(u & usageBytesMask)
}

// ops returns the number of operations counted.
func (e *entry) ops() int64 { return int64(e.usage.Load() >> usageBytesBits) }

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
// Reads load hot, an immutable snapshot keyed by seller and then bucket,
// without a lock: two lookups by string key cost less than one by a struct
// of two strings, and concurrent Seal and Open calls share no lock word.
// Writers hold mu, change entries, and publish a new snapshot in which only
// the changed sellers' maps are copied. Writes are cache fills, each of which
// costs a KEK call, so the copies are cheap in comparison.
type cache struct {
	hot atomic.Pointer[hotMap]

	mu      sync.Mutex
	entries map[BucketRef]*entry
	gone    map[BucketRef]struct{}
	max     int
	maxAge  time.Duration

	onExpire func() // called after the timer removed an entry

	retiredOps atomic.Int64 // operations of entries no longer cached
}

// hotMap maps seller, then bucket, to the cached entry.
type hotMap map[string]map[string]*entry

func newCache(max int, maxAge time.Duration) *cache {
	c := &cache{
		entries: make(map[BucketRef]*entry),
		gone:    make(map[BucketRef]struct{}),
		max:     max,
		maxAge:  maxAge,
	}
	c.hot.Store(&hotMap{})
	return c
}

func (c *cache) get(ref BucketRef) (e *entry, gone bool) {
	if e = (*c.hot.Load())[ref.Seller][ref.Bucket]; e != nil {
		return e, false
	}
	c.mu.Lock()
	_, gone = c.gone[ref]
	c.mu.Unlock()
	return nil, gone
}

// snapshot is a copy-on-write edit of hot; c.mu must be held from begin to
// publish.
type snapshot struct {
	top    hotMap
	copied map[string]bool
}

func (c *cache) begin() *snapshot {
	old := *c.hot.Load()
	top := make(hotMap, len(old)+1)
	for seller, buckets := range old {
		top[seller] = buckets
	}
	return &snapshot{top: top, copied: make(map[string]bool)}
}

func (s *snapshot) set(ref BucketRef, e *entry) {
	if !s.copied[ref.Seller] {
		old := s.top[ref.Seller]
		buckets := make(map[string]*entry, len(old)+1)
		for bucket, v := range old {
			buckets[bucket] = v
		}
		s.top[ref.Seller] = buckets
		s.copied[ref.Seller] = true
	}
	if e != nil {
		s.top[ref.Seller][ref.Bucket] = e
		return
	}
	delete(s.top[ref.Seller], ref.Bucket)
	if len(s.top[ref.Seller]) == 0 {
		delete(s.top, ref.Seller)
		delete(s.copied, ref.Seller)
	}
}

func (c *cache) publish(s *snapshot) { c.hot.Store(&s.top) }

// operations returns the number of operations counted by all entries,
// cached or not.
func (c *cache) operations() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.retiredOps.Load()
	for _, e := range c.entries {
		n += e.ops()
	}
	return n
}

// drop deletes the entry of ref; c.mu must be held.
func (c *cache) drop(s *snapshot, ref BucketRef, e *entry) {
	c.retiredOps.Add(e.ops())
	e.stop()
	delete(c.entries, ref)
	s.set(ref, nil)
}

// put stores e unless its bucket was shredded meanwhile, and reports whether
// it did. When the cache is full, arbitrary other entries are evicted.
func (c *cache) put(e *entry) (stored bool, evicted int) {
	n, evicted := c.putMany([]*entry{e})
	return n == 1, evicted
}

// putMany stores entries as put does, publishing one snapshot, and returns
// how many it stored.
func (c *cache) putMany(es []*entry) (stored, evicted int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.begin()
	for _, e := range es {
		if _, gone := c.gone[e.ref]; gone {
			continue
		}
		if old, ok := c.entries[e.ref]; ok {
			c.retiredOps.Add(old.ops())
			old.stop()
		} else {
			for ref, victim := range c.entries {
				if len(c.entries) < c.max {
					break
				}
				c.drop(s, ref, victim)
				evicted++
			}
		}
		if e.timer == nil {
			// The expired entry also leaves the cache, so that the keyset
			// of a bucket no longer used does not stay in memory.
			e.timer = time.AfterFunc(c.maxAge, func() {
				e.expired.Store(true)
				c.remove(e)
				if c.onExpire != nil {
					c.onExpire()
				}
			})
		}
		c.entries[e.ref] = e
		s.set(e.ref, e)
		stored++
	}
	c.publish(s)
	return stored, evicted
}

// remove deletes e if it is still the cached entry of its bucket.
func (c *cache) remove(e *entry) {
	c.mu.Lock()
	if c.entries[e.ref] == e {
		s := c.begin()
		c.drop(s, e.ref, e)
		c.publish(s)
	}
	c.mu.Unlock()
	e.stop()
}

// markGone records a shredded bucket and drops its entry.
func (c *cache) markGone(ref BucketRef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[ref]; e != nil {
		s := c.begin()
		c.drop(s, ref, e)
		c.publish(s)
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
}

func (c *cache) forget(ref BucketRef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[ref]; e != nil {
		s := c.begin()
		c.drop(s, ref, e)
		c.publish(s)
	}
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *cache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		c.retiredOps.Add(e.ops())
		e.stop()
	}
	clear(c.entries)
	c.hot.Store(&hotMap{})
}
