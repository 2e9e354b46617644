package novatalks

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Delivery kinds: who a delivery goes to.
const (
	DeliveryPush     = "push"      // the push-notification webhook of an SDK inbox
	DeliveryWebhook  = "webhook"   // an account webhook
	DeliveryAgentBot = "agent_bot" // the outgoing URL of the bot an inbox is handed to
)

// Delivery statuses. A delivery is pending until a receiver accepts it
// (delivered) or the engine gives up on it (dead); an operator may retry a
// dead one, which makes it pending again.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryDead      = "dead"
)

// Push notification events (SDK documentation, section 10).
const (
	PushNewMessage   = "conversation_new_message"
	PushStatusChange = "conversation_status_change"
)

// Agent bot events besides message_created and message_updated, Chatwoot's.
const (
	BotConversationOpened   = "conversation_opened"
	BotConversationResolved = "conversation_resolved"
)

// Delivery is one notification for one receiver: an outbox row. It is
// written in the transaction of the change that causes it, so a committed
// change never loses its notification and a rolled-back one never sends.
type Delivery struct {
	ID int64
	// UID identifies the delivery to its receiver (X-Ntk-Delivery-Id); it
	// stays the same across retries, so receivers drop duplicates by it.
	UID        string
	AccountID  int64
	Kind       string // DeliveryPush, DeliveryWebhook or DeliveryAgentBot
	ReceiverID int64  // the inbox (push), webhook or agent bot
	Event      string // the event name on the wire
	// ConversationID is the conversation the event is about, 0 for contact
	// events.
	ConversationID int64
	// OrderKey names the receiver and the conversation (or contact): the
	// deliveries of one key are delivered one at a time, oldest first.
	OrderKey string
	// URL is where the last attempt went (or the first will go).
	URL string
	// Body is what is POSTed. A push's "ts" is set at each attempt.
	Body   []byte
	Status string
	// Attempts counts the attempts made so far.
	Attempts      int
	NextAttemptAt time.Time
	// LockedUntil is the lease of the worker that claimed it; zero when free.
	LockedUntil time.Time
	// StartedAt is when the current run of attempts began: the first
	// attempt, or an operator's last retry. Retries stop a bounded time after
	// it, so a server that was down does not give up on what it queued.
	StartedAt      time.Time
	LastStatusCode int
	LastError      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeliveredAt    *time.Time

	// History holds the attempts, oldest first, when the store hydrates it
	// (FindDeliveryByID).
	History []*DeliveryAttempt
}

// DeliveryAttempt is one try of a delivery: when, how long it took and what
// the receiver answered (StatusCode 0 when it did not answer) or what failed.
type DeliveryAttempt struct {
	ID         int64
	DeliveryID int64
	At         time.Time
	Duration   time.Duration
	StatusCode int
	Error      string
}

// DeliveryFilter selects deliveries of one account, newest first.
type DeliveryFilter struct {
	AccountID int64
	Status    string // "" for any
	Kind      string // "" for any
	// BeforeID, when set, selects deliveries older than it (paging).
	BeforeID int64
	Limit    int
}

// DeliveryStats counts the deliveries of every account by status, for
// metrics.
type DeliveryStats struct {
	Pending, Dead int
}

// DeliveryRenderer renders the body a receiver is sent for an event. The
// delivery engine implements it; the Service calls it inside the
// transaction of the change, so that the body shows the change as it was
// made. It must not block or touch the store.
type DeliveryRenderer interface {
	RenderDelivery(in RenderInput) ([]byte, error)
}

// RenderInput is what a delivery body is made from.
type RenderInput struct {
	Kind  string // DeliveryPush, DeliveryWebhook or DeliveryAgentBot
	Name  string // the event name on the wire
	Event *Event
	// Account is the account of the event.
	Account *Account
	// Conversation is the event's conversation, hydrated, for message and
	// typing events (nil for contact events).
	Conversation *Conversation
	// PushTokens and AdditionalParams are set for pushes.
	PushTokens       []string
	AdditionalParams map[string]any
}

// DeliveryListLimit bounds one page of the delivery listing.
const DeliveryListLimit = 100

// Deliveries returns a page of the deliveries of the actor's account, newest
// first. Only administrators may see them. Limit 0 is 50; larger than
// DeliveryListLimit is capped.
func (s *Service) Deliveries(ctx context.Context, actor Actor, f DeliveryFilter) ([]*Delivery, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	var v invalid
	switch f.Status {
	case "", DeliveryPending, DeliveryDelivered, DeliveryDead:
	default:
		v.addf("status must be one of pending, delivered, dead")
	}
	switch f.Kind {
	case "", DeliveryPush, DeliveryWebhook, DeliveryAgentBot:
	default:
		v.addf("kind must be one of push, webhook, agent_bot")
	}
	if f.Limit < 0 || f.BeforeID < 0 {
		v.addf("limit and before must be positive integers")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if f.Limit == 0 {
		f.Limit = 50
	} else if f.Limit > DeliveryListLimit {
		f.Limit = DeliveryListLimit
	}
	f.AccountID = actor.AccountID
	return s.Store.FindDeliveries(ctx, f)
}

// Delivery returns a delivery of the actor's account with its attempts.
// Only administrators may see it.
func (s *Service) Delivery(ctx context.Context, actor Actor, id int64) (*Delivery, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	return s.Store.FindDeliveryByID(ctx, actor.AccountID, id)
}

// RetryDelivery makes a dead delivery of the actor's account pending again,
// due now, with a fresh retry window; workers pick it up on their next
// poll. A delivery that is not dead is EINVALID. Only administrators may.
func (s *Service) RetryDelivery(ctx context.Context, actor Actor, id int64) (*Delivery, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	var out *Delivery
	err := s.Store.Update(ctx, func(tx Tx) error {
		d, err := tx.FindDeliveryByID(ctx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if d.Status != DeliveryDead {
			return Errorf(EINVALID, "only dead deliveries can be retried; this one is %s", d.Status)
		}
		now := s.now()
		d.Status, d.NextAttemptAt, d.LockedUntil, d.StartedAt, d.UpdatedAt = DeliveryPending, now, time.Time{}, now, now
		out = d
		return tx.UpdateDelivery(ctx, d)
	})
	s.notifyDeliveries(err, 1)
	return out, err
}

// orderKey is the OrderKey of a delivery to a receiver about an event.
func orderKey(kind string, receiverID int64, e *Event) string {
	var b strings.Builder
	b.WriteString(kind)
	b.WriteByte(':')
	b.WriteString(strconv.FormatInt(receiverID, 10))
	if e.ConversationID != 0 {
		b.WriteString(":conversation:")
		b.WriteString(strconv.FormatInt(e.ConversationID, 10))
	} else {
		b.WriteString(":contact:")
		b.WriteString(strconv.FormatInt(e.ContactID, 10))
	}
	return b.String()
}
