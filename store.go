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

	// FindContactByID returns the contact of the account; ENOTFOUND otherwise.
	FindContactByID(ctx context.Context, accountID, id int64) (*Contact, error)
	// FindContactInboxByTokenHash returns the contact inbox whose pubsub token hashes to hash; ENOTFOUND otherwise.
	FindContactInboxByTokenHash(ctx context.Context, hash string) (*ContactInbox, error)

	// FindConversationByID returns the conversation of the account, with its
	// Inbox, Contact and Assignee; ENOTFOUND otherwise.
	FindConversationByID(ctx context.Context, accountID, id int64) (*Conversation, error)

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
}

// Tx is one write transaction. Its reads see its own writes. Nothing it does is
// visible to others, and no event it emits is published, until it commits.
type Tx interface {
	Reader

	CreateAccount(ctx context.Context, a *Account) error
	CreateInbox(ctx context.Context, in *Inbox) error
	CreateUser(ctx context.Context, u *User) error
	CreateContact(ctx context.Context, c *Contact) error
	CreateContactInbox(ctx context.Context, ci *ContactInbox) error

	CreateConversation(ctx context.Context, c *Conversation) error
	// LockConversation returns the conversation (without Inbox, Contact and
	// Assignee; FindConversationByID hydrates those) and holds it against
	// concurrent writers until the transaction ends, so that read-modify-write
	// of it (status, stamps) is safe on any backend. ENOTFOUND otherwise.
	LockConversation(ctx context.Context, accountID, id int64) (*Conversation, error)
	// UpdateConversation writes the mutable fields of c (status, substatus,
	// assignee, dialog, attributes, snooze, seen times, stamps).
	UpdateConversation(ctx context.Context, c *Conversation) error

	// CreateMessage inserts m and sets m.ID. It returns ECONFLICT if the
	// conversation already has a message with m.EchoID.
	CreateMessage(ctx context.Context, m *Message) error
	// UpdateMessage writes the mutable fields of m (content, content
	// attributes, status, updated and deleted times).
	UpdateMessage(ctx context.Context, m *Message) error

	// SetReaction stores r as its sender's only reaction on the message,
	// replacing an older one, and sets r.ID.
	SetReaction(ctx context.Context, r *Reaction) error
	// DeleteReaction removes the sender's reaction and reports whether there was one.
	DeleteReaction(ctx context.Context, messageID int64, senderType string, senderID int64) (bool, error)

	// AddPushToken registers token on the conversation and reports whether it is new.
	AddPushToken(ctx context.Context, conversationID int64, token string, at time.Time) (bool, error)
	// DeletePushToken removes token from the conversation and reports whether it was there.
	DeletePushToken(ctx context.Context, conversationID int64, token string) (bool, error)

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
	Update(ctx context.Context, fn func(tx Tx) error) error
}
