package novatalks

import (
	"sync"
	"time"
)

// Authenticated contact sessions are cached in memory, so that an SDK request
// costs no query to find who sent it. A cached session is used for at most
// contactSessionTTL after it was read from the store, and dropped earlier when
// something it holds changes:
//
//   - A change this Service commits that emits an event about a contact
//     (contact.updated today) drops that contact's sessions before the call
//     that made it returns (Service.update).
//   - A change another node commits reaches this node's Forget through the
//     broker (internal/app subscribes it), within the broker's delivery time;
//     should the broker lose events, ForgetAll drops every session.
//   - Anything else — a change by a process that publishes no events — is
//     seen within contactSessionTTL.
//
// Today a contact inbox's token never changes and contacts, contact inboxes and
// conversations are never removed, so only the contact's own fields (its name,
// shown as the sender of its messages) can go stale. A future change that
// rotates a token or removes a contact, contact inbox or conversation must
// emit an event that Forget handles, so that the token stops working at once
// on every node, not only after contactSessionTTL.
const contactSessionTTL = 10 * time.Second

// maxContactSessions bounds the cache. A session is a few hundred bytes;
// when the cache is full, expired sessions go first, then any.
const maxContactSessions = 16384

// sessionCache maps HashToken(token) to the session of that token. The zero
// value is ready to use; it is safe for concurrent use.
type sessionCache struct {
	mu     sync.Mutex
	gen    uint64 // bumped by every forget, so that a load racing it is not kept
	byHash map[string]cachedSession
}

type cachedSession struct {
	sess     ContactSession
	loadedAt time.Time
}

// get returns a copy of the session cached under hash when it is younger than
// contactSessionTTL at now, and the cache's generation for a later put.
func (c *sessionCache) get(hash string, now time.Time) (*ContactSession, uint64) {
	c.mu.Lock()
	e, ok := c.byHash[hash]
	gen := c.gen
	c.mu.Unlock()
	if !ok || now.Sub(e.loadedAt) >= contactSessionTTL || now.Before(e.loadedAt) {
		return nil, gen
	}
	return e.sess.clone(), gen
}

// put caches a session read from the store at now, unless something was
// forgotten since get returned gen (the session may predate that change).
func (c *sessionCache) put(hash string, sess *ContactSession, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.byHash == nil {
		c.byHash = map[string]cachedSession{}
	}
	if len(c.byHash) >= maxContactSessions {
		c.evict(now)
	}
	c.byHash[hash] = cachedSession{sess: *sess.clone(), loadedAt: now}
}

// evict makes room: it drops the expired sessions and, if that is not
// enough, a quarter of the cache. c.mu is held.
func (c *sessionCache) evict(now time.Time) {
	for h, e := range c.byHash {
		if now.Sub(e.loadedAt) >= contactSessionTTL || now.Before(e.loadedAt) {
			delete(c.byHash, h)
		}
	}
	for h := range c.byHash {
		if len(c.byHash) < maxContactSessions*3/4 {
			break
		}
		delete(c.byHash, h)
	}
}

// forgetContact drops every cached session of the contact.
func (c *sessionCache) forgetContact(accountID, contactID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, e := range c.byHash {
		if e.sess.ContactID == contactID && e.sess.AccountID == accountID {
			delete(c.byHash, h)
		}
	}
}

// forgetAll drops every cached session.
func (c *sessionCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.byHash)
}

// clone returns a copy of the session whose Contact is a copy too, so that a
// caller may change its session without touching the cache's.
func (s *ContactSession) clone() *ContactSession {
	out := *s
	if s.Contact != nil {
		c := *s.Contact
		out.Contact = &c
	}
	return &out
}

// Forget drops what the Service caches about the subject of a committed event:
// the sessions of a contact that changed (contact.updated), the receivers of
// an account whose receivers changed (account.receivers_changed). The Service
// does this itself for the changes it commits; subscribe Forget to the broker
// so that changes committed by other nodes are seen at once, too. It is safe
// for concurrent use and does not block.
func (s *Service) Forget(e Event) { s.forget(&e) }

func (s *Service) forget(e *Event) {
	switch e.Type {
	case EventContactUpdated:
		s.sessions.forgetContact(e.AccountID, e.ContactID)
	case EventReceiversChanged:
		s.targets.invalidate(e.AccountID)
	}
}

// ForgetAll drops everything the Service caches that events keep fresh, for
// when this node may have missed events (its broker lost some): the next
// request of each contact reads its session from the store, and the next
// event of each account its receivers. It is safe for concurrent use and
// does not block.
func (s *Service) ForgetAll() {
	s.sessions.forgetAll()
	s.targets.invalidateAll()
}
