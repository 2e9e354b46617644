package novatalks

import (
	"context"
	"time"
)

// Reader is the read side of a store. Every Find method that returns one
// object returns an ENOTFOUND *Error when there is none and never (nil, nil).
// Lookups take the scope (account or conversation) they must stay inside.
type Reader interface {
	// FindAccountByID returns ENOTFOUND if there is no such account.
	FindAccountByID(ctx context.Context, id int64) (*Account, error)

	// FindInboxByID returns the inbox of the account; ENOTFOUND otherwise.
	FindInboxByID(ctx context.Context, accountID, id int64) (*Inbox, error)
	// FindInboxByIdentifier returns the inbox with that public identifier; ENOTFOUND otherwise.
	FindInboxByIdentifier(ctx context.Context, identifier string) (*Inbox, error)
	// FindDefaultSDKInbox returns the account's oldest SDK inbox; ENOTFOUND if it has none.
	FindDefaultSDKInbox(ctx context.Context, accountID int64) (*Inbox, error)

	// FindUserByAccessTokenHash returns the user whose API token hashes to hash; ENOTFOUND otherwise.
	FindUserByAccessTokenHash(ctx context.Context, hash string) (*User, error)
	// FindUserByPubsubTokenHash returns the user whose pubsub token hashes to hash; ENOTFOUND otherwise.
	FindUserByPubsubTokenHash(ctx context.Context, hash string) (*User, error)
	// FindUserByID returns the user of the account; ENOTFOUND otherwise.
	FindUserByID(ctx context.Context, accountID, id int64) (*User, error)
	// FindUsers returns the users of the account, oldest first.
	FindUsers(ctx context.Context, accountID int64) ([]*User, error)
	// FindInboxes returns the inboxes of the account, oldest first.
	FindInboxes(ctx context.Context, accountID int64) ([]*Inbox, error)

	// FindContactByID returns the contact of the account; ENOTFOUND otherwise.
	FindContactByID(ctx context.Context, accountID, id int64) (*Contact, error)
	// FindContacts returns one page of the account's contacts, newest first
	// (a Limit of 0 means all of them), and how many contacts the account
	// has in all.
	FindContacts(ctx context.Context, filter ContactFilter) ([]*Contact, int, error)
	// FindContactInboxByTokenHash returns the contact inbox whose pubsub token
	// hashes to hash, with the ID of its conversation; ENOTFOUND otherwise
	// (also when it has no conversation).
	FindContactInboxByTokenHash(ctx context.Context, hash string) (*ContactInbox, error)

	// FindConversationByID returns the conversation of the account, with its
	// Inbox, Contact and Assignee; ENOTFOUND otherwise.
	FindConversationByID(ctx context.Context, accountID, id int64) (*Conversation, error)
	// FindConversations returns the conversations of one account that the
	// filter selects, most recently active first (a Limit of 0 means all of
	// them), hydrated like FindConversationByID and also with LastMessage
	// and UnreadCount.
	FindConversations(ctx context.Context, filter ConversationFilter) ([]*Conversation, error)
	// CountConversations counts the conversations the filter selects,
	// ignoring its assignee type, paging and ID: in all, assigned to userID,
	// assigned to anyone and unassigned.
	CountConversations(ctx context.Context, filter ConversationFilter, userID int64) (ConversationCounts, error)
	// FindDueSnoozed returns up to limit conversations (0: all), of any
	// account, that are snoozed with a snoozed_until at or before at,
	// earliest first. It is
	// the one lookup not scoped by account: it serves the server's own
	// reopening of snoozed conversations, never a caller.
	FindDueSnoozed(ctx context.Context, at time.Time, limit int) ([]ConversationRef, error)

	// FindMessageByID returns the message of the conversation, hydrated
	// (sender, reply, attachments, reactions); ENOTFOUND otherwise.
	FindMessageByID(ctx context.Context, conversationID, id int64) (*Message, error)
	// FindMessageByEchoID returns the message of the conversation with that
	// echo_id; ENOTFOUND otherwise.
	FindMessageByEchoID(ctx context.Context, conversationID int64, echoID string) (*Message, error)
	// FindMessages returns the messages the filter selects, hydrated, oldest first.
	FindMessages(ctx context.Context, filter MessageFilter) ([]*Message, error)

	// FindPushTokens returns the push tokens registered on the conversation, oldest first.
	FindPushTokens(ctx context.Context, conversationID int64) ([]string, error)

	// FindWebhookByID returns the webhook of the account; ENOTFOUND otherwise.
	FindWebhookByID(ctx context.Context, accountID, id int64) (*Webhook, error)
	// FindWebhooks returns the webhooks of the account, oldest first.
	FindWebhooks(ctx context.Context, accountID int64) ([]*Webhook, error)

	// FindAgentBotByID returns the agent bot of the account; ENOTFOUND otherwise.
	FindAgentBotByID(ctx context.Context, accountID, id int64) (*AgentBot, error)
	// FindAgentBots returns the agent bots of the account, oldest first.
	FindAgentBots(ctx context.Context, accountID int64) ([]*AgentBot, error)
	// FindAgentBotByAccessTokenHash returns the bot whose access token hashes
	// to hash; ENOTFOUND otherwise.
	FindAgentBotByAccessTokenHash(ctx context.Context, hash string) (*AgentBot, error)

	// FindDeliveryByID returns the delivery of the account with its History;
	// ENOTFOUND otherwise.
	FindDeliveryByID(ctx context.Context, accountID, id int64) (*Delivery, error)
	// FindDeliveries returns the deliveries the filter selects, newest first
	// (a Limit of 0 means all of them), without History.
	FindDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error)
	// CountDeliveries counts the deliveries of every account by status. It
	// is not scoped by account: it serves the server's own metrics.
	CountDeliveries(ctx context.Context) (DeliveryStats, error)
	// NextDeliveryDue returns when the earliest claimable pending delivery
	// of any account is due (its next attempt, or the end of its lease when
	// later; only the oldest pending delivery of an OrderKey is claimable),
	// and false when none is pending. Workers call it before claiming, so
	// an idle outbox costs no write.
	NextDeliveryDue(ctx context.Context) (time.Time, bool, error)

	// FindAttachmentByKey returns the attachment whose file or thumbnail is
	// stored under the blob key; ENOTFOUND otherwise (also once its message
	// is deleted). It is not scoped by account: the key is the capability.
	FindAttachmentByKey(ctx context.Context, key string) (*Attachment, error)
	// FindBlobKeysInUse returns which of keys an attachment refers to (as its
	// file or thumbnail).
	FindBlobKeysInUse(ctx context.Context, keys []string) (map[string]bool, error)
	// FindBlobDeletions returns up to limit blob keys whose deletion was
	// recorded (ScheduleBlobDeletions) and not yet done, oldest first.
	FindBlobDeletions(ctx context.Context, limit int) ([]string, error)
}

// Tx is one write transaction. Its reads see its own writes. Nothing it does is
// visible to others, and no event it emits is published, until it commits.
type Tx interface {
	Reader

	CreateAccount(ctx context.Context, a *Account) error
	CreateInbox(ctx context.Context, in *Inbox) error
	// CreateUser inserts u and sets u.ID. It returns ECONFLICT if a token or
	// the email (within the account, ignoring case) is already in use.
	CreateUser(ctx context.Context, u *User) error
	CreateContact(ctx context.Context, c *Contact) error
	CreateContactInbox(ctx context.Context, ci *ContactInbox) error

	// UpdateInbox writes the mutable fields of in (name, additional settings,
	// push integration); ENOTFOUND if the account has no such inbox.
	UpdateInbox(ctx context.Context, in *Inbox) error
	// UpdateUser writes the mutable fields of u (names, role, tokens);
	// ENOTFOUND if the account has no such user, ECONFLICT if a token or the
	// email is already in use.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser removes a user of the account; ENOTFOUND if there is none.
	// The caller unassigns the user's conversations first.
	DeleteUser(ctx context.Context, accountID, id int64) error
	// UpdateContact writes the mutable fields of c (name, email, phone number,
	// attributes, updated time); ENOTFOUND if the account has no such contact.
	UpdateContact(ctx context.Context, c *Contact) error

	CreateConversation(ctx context.Context, c *Conversation) error
	// LockConversation returns the conversation (without Inbox, Contact and
	// Assignee; FindConversationByID hydrates those) and holds it against
	// concurrent writers until the transaction ends, so that read-modify-write
	// of it (status, stamps) is safe on any backend. ENOTFOUND otherwise.
	LockConversation(ctx context.Context, accountID, id int64) (*Conversation, error)
	// UpdateConversation writes the mutable fields of c (status, substatus,
	// assignee, dialog, attributes, snooze, seen times, stamps).
	UpdateConversation(ctx context.Context, c *Conversation) error
	// TouchConversation writes only c's activity stamps (last activity and
	// last stamp), the change every new message makes; ENOTFOUND if c's
	// account has no such conversation. It is much cheaper than
	// UpdateConversation, which rewrites every field and index of the row.
	TouchConversation(ctx context.Context, c *Conversation) error

	// CreateMessage inserts m and sets m.ID. It returns ECONFLICT if the
	// conversation already has a message with m.EchoID, and then has
	// written nothing and leaves the transaction usable.
	CreateMessage(ctx context.Context, m *Message) error
	// UpdateMessage writes the mutable fields of m (content, content
	// attributes, status, pinned, updated and deleted times).
	UpdateMessage(ctx context.Context, m *Message) error

	// CreateAttachment inserts a (with MessageID and AccountID set) and sets a.ID.
	CreateAttachment(ctx context.Context, a *Attachment) error
	// ScheduleBlobDeletions durably records that the blobs under keys must
	// be deleted, in the transaction that stops referring to them.
	ScheduleBlobDeletions(ctx context.Context, keys []string, at time.Time) error
	// DeleteBlobDeletions forgets the records of keys, once their blobs are gone.
	DeleteBlobDeletions(ctx context.Context, keys []string) error

	// SetReaction stores r as its sender's only reaction on the message,
	// replacing an older one, and sets r.ID.
	SetReaction(ctx context.Context, r *Reaction) error
	// DeleteReaction removes the sender's reaction and reports whether there was one.
	DeleteReaction(ctx context.Context, messageID int64, senderType string, senderID int64) (bool, error)

	// AddPushToken registers token on the conversation and reports whether it is new.
	AddPushToken(ctx context.Context, conversationID int64, token string, at time.Time) (bool, error)
	// DeletePushToken removes token from the conversation and reports whether it was there.
	DeletePushToken(ctx context.Context, conversationID int64, token string) (bool, error)

	// CreateWebhook inserts w and sets w.ID; ECONFLICT if the account has
	// a webhook with that URL.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// UpdateWebhook writes the mutable fields of w (name, URL,
	// subscriptions, updated time); ENOTFOUND if the account has no such
	// webhook, ECONFLICT if it has another with that URL.
	UpdateWebhook(ctx context.Context, w *Webhook) error
	// DeleteWebhook removes a webhook of the account; ENOTFOUND otherwise.
	DeleteWebhook(ctx context.Context, accountID, id int64) error

	// CreateAgentBot inserts b and sets b.ID.
	CreateAgentBot(ctx context.Context, b *AgentBot) error
	// UpdateAgentBot writes the mutable fields of b (name, description,
	// outgoing URL, access token); ENOTFOUND if the account has no such bot.
	UpdateAgentBot(ctx context.Context, b *AgentBot) error
	// DeleteAgentBot removes a bot of the account; ENOTFOUND otherwise. The
	// caller takes its inboxes back first.
	DeleteAgentBot(ctx context.Context, accountID, id int64) error

	// EnqueueDeliveries inserts the deliveries and sets their IDs, in
	// order, so that IDs follow the order of the events that caused them.
	EnqueueDeliveries(ctx context.Context, ds []*Delivery) error
	// ClaimDeliveries leases up to limit pending deliveries of any account
	// that are due at now and not leased: it sets their LockedUntil to
	// now+lease and returns them, earliest due first. Of the pending
	// deliveries of one OrderKey only the oldest can be claimed, so a
	// receiver gets one conversation's notifications one at a time and in
	// order. (On PostgreSQL this is SELECT ... FOR UPDATE SKIP LOCKED, so
	// that several nodes claim side by side.)
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*Delivery, error)
	// UpdateDelivery writes the mutable fields of d (status, attempts, next
	// attempt, lease, retry window, last status and error, URL, times).
	UpdateDelivery(ctx context.Context, d *Delivery) error
	// AddDeliveryAttempt records an attempt and sets a.ID.
	AddDeliveryAttempt(ctx context.Context, a *DeliveryAttempt) error
	// DeleteDeliveries removes up to limit deliveries of any account that
	// have the status and last changed before t, with their attempts, and
	// returns how many. It serves the server's own clean-up.
	DeleteDeliveries(ctx context.Context, status string, before time.Time, limit int) (int, error)

	// Emit queues an event to be published after commit. Events of a rolled
	// back transaction are dropped.
	Emit(e Event)
}

// Store is a database of the domain.
type Store interface {
	Reader
	// Update runs fn in a write transaction and commits it when fn returns
	// nil. When fn returns an error nothing it did is kept and the error is
	// returned. Events fn emitted reach the store's publisher after commit, in
	// commit order. Update returns once the outcome is durable.
	//
	// A store may run fn more than once, in new transactions (the SQLite
	// store does when another function sharing its group commit fails after
	// writing); only the last run's changes, events and result count. So fn
	// must leave results by assignment, not accumulate them across runs,
	// and must not act outside tx (files, caches, messages): that belongs
	// after Update returns.
	Update(ctx context.Context, fn func(tx Tx) error) error
}
