package novatalks

import (
	"strconv"
	"testing"
	"time"
)

func TestSessionCache(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	ann := &ContactSession{ContactInbox: ContactInbox{ID: 1, AccountID: 1, ContactID: 7, ConversationID: 3, PubsubToken: "tok"},
		Contact: &Contact{ID: 7, AccountID: 1, Name: "Ann"}}

	t.Run("OK", func(t *testing.T) {
		var c sessionCache
		got, gen := c.get("h", t0)
		if got != nil {
			t.Fatalf("empty cache returned %+v", got)
		}
		c.put("h", ann, gen, t0)
		got, _ = c.get("h", t0.Add(contactSessionTTL-time.Millisecond))
		if got == nil || got.ConversationID != 3 || got.Contact.Name != "Ann" {
			t.Fatalf("got %+v", got)
		}
		got.Contact.Name = "changed by a caller"
		if again, _ := c.get("h", t0); again.Contact.Name != "Ann" {
			t.Errorf("a caller's change reached the cache: %q", again.Contact.Name)
		}
	})
	t.Run("Expires", func(t *testing.T) {
		var c sessionCache
		_, gen := c.get("h", t0)
		c.put("h", ann, gen, t0)
		if got, _ := c.get("h", t0.Add(contactSessionTTL)); got != nil {
			t.Error("a session older than the TTL was used")
		}
		if got, _ := c.get("h", t0.Add(-time.Second)); got != nil {
			t.Error("a session from the future (the clock went back) was used")
		}
	})
	t.Run("ForgetContact", func(t *testing.T) {
		var s Service
		c := &s.sessions
		_, gen := c.get("h", t0)
		c.put("h", ann, gen, t0)
		other := *ann
		other.ContactID, other.PubsubToken = 8, "tok2"
		c.put("h2", &other, gen, t0)
		s.Forget(Event{Type: EventMessageCreated, AccountID: 1, ContactID: 7})
		if got, _ := c.get("h", t0); got == nil {
			t.Fatal("a message event dropped the session")
		}
		s.Forget(Event{Type: EventContactUpdated, AccountID: 1, ContactID: 7})
		if got, _ := c.get("h", t0); got != nil {
			t.Error("the updated contact's session is still cached")
		}
		if got, _ := c.get("h2", t0); got == nil {
			t.Error("another contact's session was dropped")
		}
	})
	t.Run("ForgetAll", func(t *testing.T) {
		var c sessionCache
		_, gen := c.get("h", t0)
		c.put("h", ann, gen, t0)
		c.forgetAll()
		if got, _ := c.get("h", t0); got != nil {
			t.Error("a session is still cached")
		}
		c.put("h", ann, gen, t0) // loaded before forgetAll
		if got, _ := c.get("h", t0); got != nil {
			t.Error("a session loaded before forgetAll was kept")
		}
	})
	t.Run("LoadRacingForget", func(t *testing.T) {
		// A session read before a change committed must not be cached
		// after the change dropped the cache.
		var c sessionCache
		_, gen := c.get("h", t0)
		c.forgetContact(1, 7)
		c.put("h", ann, gen, t0)
		if got, _ := c.get("h", t0); got != nil {
			t.Error("a session loaded before a forget was cached")
		}
	})
	t.Run("Bounded", func(t *testing.T) {
		var c sessionCache
		for i := range maxContactSessions + 10 {
			_, gen := c.get("", t0)
			c.put(strconv.Itoa(i), ann, gen, t0)
		}
		if n := len(c.byHash); n > maxContactSessions {
			t.Errorf("%d sessions cached, want at most %d", n, maxContactSessions)
		}
		last := strconv.Itoa(maxContactSessions + 9)
		if got, _ := c.get(last, t0); got == nil {
			t.Error("the newest session was not cached")
		}
	})
}

// TestForgetReceivers checks what drops an account's cached receivers: the
// event of a change to them (from this node or, through the broker, another)
// drops that account's alone, and ForgetAll every account's.
func TestForgetReceivers(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	var s Service
	cache := func(accountID int64) {
		s.targets.mu.Lock()
		defer s.targets.mu.Unlock()
		if s.targets.byAccount == nil {
			s.targets.byAccount = map[int64]*accountTargets{}
		}
		s.targets.byAccount[accountID] = &accountTargets{loadedAt: t0}
	}
	cached := func(accountID int64) bool {
		s.targets.mu.Lock()
		defer s.targets.mu.Unlock()
		return s.targets.byAccount[accountID] != nil
	}
	cache(1)
	cache(2)
	s.Forget(Event{Type: EventMessageCreated, AccountID: 1})
	s.Forget(Event{Type: EventContactUpdated, AccountID: 1, ContactID: 7})
	if !cached(1) {
		t.Fatal("an event about messages or contacts dropped the receivers")
	}
	s.Forget(Event{Type: EventReceiversChanged, AccountID: 1})
	if cached(1) {
		t.Error("the receivers of the account whose receivers changed are still cached")
	}
	if !cached(2) {
		t.Error("another account's receivers were dropped")
	}
	s.ForgetAll()
	if cached(2) {
		t.Error("ForgetAll kept an account's receivers")
	}
}
