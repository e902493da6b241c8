package correlate

import (
	"container/list"
	"time"
)

// lru is a map bounded by size (least recently used out first) and by age
// (entries not touched for ttl expire). Ages are measured on the wall clock
// of this process: event times of a backfill are years old and must not
// expire state the moment it is created.
type lru[V any] struct {
	max int
	ttl time.Duration
	ll  *list.List // front = most recently used
	m   map[string]*list.Element
}

type lruEntry[V any] struct {
	key     string
	val     V
	touched time.Time
}

func newLRU[V any](max int, ttl time.Duration) *lru[V] {
	return &lru[V]{max: max, ttl: ttl, ll: list.New(), m: make(map[string]*list.Element)}
}

// get returns the value of key and marks it used.
func (c *lru[V]) get(key string, now time.Time) (V, bool) {
	if el, ok := c.m[key]; ok {
		e := el.Value.(*lruEntry[V])
		e.touched = now
		c.ll.MoveToFront(el)
		return e.val, true
	}
	var zero V
	return zero, false
}

// put stores key and returns the keys pushed out to respect max.
func (c *lru[V]) put(key string, v V, now time.Time) (evicted []string) {
	if el, ok := c.m[key]; ok {
		e := el.Value.(*lruEntry[V])
		e.val, e.touched = v, now
		c.ll.MoveToFront(el)
		return nil
	}
	c.m[key] = c.ll.PushFront(&lruEntry[V]{key: key, val: v, touched: now})
	for c.max > 0 && c.ll.Len() > c.max {
		evicted = append(evicted, c.removeOldest())
	}
	return evicted
}

// expire drops the entries not touched since now-ttl and returns their keys.
func (c *lru[V]) expire(now time.Time) (expired []string) {
	if c.ttl <= 0 {
		return nil
	}
	limit := now.Add(-c.ttl)
	for el := c.ll.Back(); el != nil; el = c.ll.Back() {
		if !el.Value.(*lruEntry[V]).touched.Before(limit) {
			break
		}
		expired = append(expired, c.removeOldest())
	}
	return expired
}

func (c *lru[V]) removeOldest() string {
	el := c.ll.Back()
	e := el.Value.(*lruEntry[V])
	c.ll.Remove(el)
	delete(c.m, e.key)
	return e.key
}

func (c *lru[V]) len() int { return c.ll.Len() }
