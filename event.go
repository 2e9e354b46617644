package novatalks

// EventType names a domain event. The names are the realtime event names of the
// SDK documentation where one exists.
type EventType string

// Event types.
const (
	EventMessageCreated        EventType = "message.created"
	EventMessageUpdated        EventType = "message.updated"
	EventMessageDeleted        EventType = "message.deleted"
	EventReactionUpdated       EventType = "message.reaction_updated"
	EventConversationStatus    EventType = "conversation.status_changed"
	EventConversationCreated   EventType = "conversation.created"
	EventConversationUpdated   EventType = "conversation.updated"
	EventContactCreated        EventType = "contact.created"
	EventContactUpdated        EventType = "contact.updated"
	EventTyping                EventType = "typing"
	EventPushTokenRegistered   EventType = "push_token.registered"
	EventPushTokenUnregistered EventType = "push_token.unregistered"
	// EventReceiversChanged says that what receives an account's events
	// changed: a webhook, an inbox's push integration, an inbox handed to or
	// taken from an agent bot, a bot's URL. No client or receiver gets it; it
	// tells every node to drop its cached receivers of the account
	// (Service.Forget). It carries only AccountID.
	EventReceiversChanged EventType = "account.receivers_changed"
)

// Event is one change, emitted once after the transaction that made it
// committed. AccountID and ConversationID route it: agents of the account get
// every event of it, the contact of the conversation only those for which
// VisibleToContact is true.
type Event struct {
	Type           EventType
	AccountID      int64
	InboxID        int64
	ConversationID int64
	ContactID      int64
	// Seq is the event's position among the stored events of its
	// conversation: the store numbers them 1, 2, 3, ... in commit order,
	// without gaps, so that subscribers can restore commit order when events
	// of several transactions or nodes interleave. It is 0 for events that
	// are not stored (typing), events without a conversation, and on stores
	// whose single writer publishes in commit order anyway (SQLite).
	Seq int64

	// Exactly the fields the type needs are set: Message for message events
	// (with Reactions for reaction updates), Conversation for conversation
	// events, Contact for contact events, Typing for typing.
	Message      *Message
	Conversation *Conversation
	Contact      *Contact
	Typing       *Typing

	// Changes lists the attributes a conversation event changed, with their
	// values before and after (status for status changes, assignee_id for
	// assignments); webhooks send them as Chatwoot's changed_attributes.
	Changes []Change
}

// Change is one attribute an event changed.
type Change struct {
	Attribute string
	Previous  any
	Current   any
}

// VisibleToContact reports whether the contact of the event's conversation may
// receive it. Private notes and activity messages never reach a contact.
func (e *Event) VisibleToContact() bool {
	switch e.Type {
	case EventMessageCreated, EventMessageUpdated, EventMessageDeleted, EventReactionUpdated:
		return e.Message != nil && e.Message.VisibleToContact()
	case EventConversationStatus:
		return true
	case EventTyping:
		return e.Typing != nil && e.Typing.SenderType != SenderContact && !e.Typing.Private
	}
	return false
}

// Typing says that someone is typing in a conversation (or stopped: On false).
type Typing struct {
	SenderType string
	Sender     *Sender
	On         bool
	Private    bool
}

// EventPublisher receives committed events in commit order. Publish must not
// block on slow consumers: implementations queue, drop or disconnect instead.
type EventPublisher interface {
	Publish(events ...Event)
}

// EventPublisherFunc adapts a function to EventPublisher.
type EventPublisherFunc func(events ...Event)

// Publish calls f(events...).
func (f EventPublisherFunc) Publish(events ...Event) { f(events...) }

// Broker fans committed events out to every node of a deployment. The store
// publishes into it after commit; each node's realtime gateway subscribes to
// it. A subscriber cannot tell which node an event came from.
type Broker interface {
	EventPublisher
	// Subscribe registers fn for every event published on any node. Events of
	// one conversation reach fn in the order they were published. fn must not
	// block. The returned function removes the subscription.
	Subscribe(fn func(Event)) (unsubscribe func())
}
