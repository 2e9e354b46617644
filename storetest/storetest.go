// Package storetest is one test suite for every implementation of
// novatalks.Store, so that the SQLite and PostgreSQL stores keep the same
// contract. A backend's tests call Run with a Backend that opens fresh,
// empty stores:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, storetest.Backend{Open: func(tb testing.TB, pub novatalks.EventPublisher) novatalks.Store { ... }})
//	}
//
// A store that passes Run keeps what store.go documents, checked through the
// interfaces alone:
//
//   - every method of Reader and Tx does what its comment says, for rows
//     that exist and for rows that do not (ENOTFOUND, never nil and no error);
//   - lookups stay inside their scope: a row of another account or
//     conversation is ENOTFOUND and is never changed;
//   - the unique rules answer ECONFLICT (user tokens and emails, webhook
//     URLs, echo_ids), also when concurrent transactions race for them;
//   - IDs increase in insertion order, listings keep their documented order,
//     filters and pages select what they say, and every stored field reads
//     back as it was written, to the millisecond;
//   - Update commits all or nothing, publishes events only after commit and
//     in commit order, and LockConversation makes read-modify-write of a
//     conversation safe under concurrent Updates;
//   - the outbox hands each due delivery to one claimer at a time, only the
//     oldest pending delivery of an order key, earliest due first.
//
// Each group of subtests (Account, Inbox, ..., Update) opens one store and
// isolates its subtests by creating fresh accounts in it; the few methods
// that are not scoped by account (ClaimDeliveries, CountDeliveries,
// NextDeliveryDue, DeleteDeliveries, FindDueSnoozed, FindBlobDeletions) get
// a store of their own. The groups run in parallel. What the suite cannot
// check through the interfaces (durability across a reopen, panics inside
// Update, closing) stays with the backend's own tests.
//
// A store may publish events after Update returned. To know that everything
// committed before some point has been published, the suite commits a marker
// event (contact.updated, without account or conversation) and waits up to
// 10 s for it to arrive, relying on publication in commit order.
package storetest

import (
	"testing"

	"github.com/novatalks/novatalks"
)

// Backend opens fresh, empty, migrated stores of one kind.
type Backend struct {
	// Open returns a new empty store whose committed events go to pub; the
	// store is closed when t ends. The groups of subtests run in parallel,
	// so Open is called concurrently.
	Open func(t testing.TB, pub novatalks.EventPublisher) novatalks.Store
	// SequencesEvents is true when the store numbers the events of each
	// conversation (novatalks.Event.Seq).
	SequencesEvents bool
}

// Run runs the suite against b, in subtests grouped by noun. The groups run
// in parallel with each other, each on stores of its own; the subtests of a
// group run one after another.
func Run(t *testing.T, b Backend) {
	if b.Open == nil {
		t.Fatal("storetest: Backend.Open is nil")
	}
	for _, g := range []struct {
		name string
		run  func(*testing.T, Backend)
	}{
		{"Account", testAccount},
		{"Inbox", testInbox},
		{"User", testUser},
		{"Contact", testContact},
		{"ContactInbox", testContactInbox},
		{"Conversation", testConversation},
		{"Message", testMessage},
		{"Reaction", testReaction},
		{"PushToken", testPushToken},
		{"Webhook", testWebhook},
		{"AgentBot", testAgentBot},
		{"Delivery", testDelivery},
		{"Attachment", testAttachment},
		{"BlobDeletion", testBlobDeletion},
		{"Update", testUpdate},
	} {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.run(t, b)
		})
	}
}

// open opens a store of b with a recorder of its events.
func open(tb testing.TB, b Backend) (novatalks.Store, *recorder) {
	tb.Helper()
	rec := newRecorder()
	s := b.Open(tb, rec)
	if s == nil {
		tb.Fatal("storetest: Backend.Open returned nil")
	}
	return s, rec
}
