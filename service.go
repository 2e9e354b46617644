package novatalks

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Service holds every rule of the domain. The HTTP APIs and the realtime
// gateway call it; it reads and writes through Store and never touches a
// database or the network itself. It is safe for concurrent use.
type Service struct {
	Store  Store
	Limits Limits
	// Now returns the current time; tests replace it. Times are kept to the
	// millisecond, the precision of the wire format.
	Now func() time.Time
	// Publisher receives events that are not stored (typing). Stored changes
	// reach subscribers through Store, after commit.
	Publisher EventPublisher
	// NewToken and NewUUID make tokens and dialog IDs; tests may replace them.
	NewToken func() string
	NewUUID  func() string
	// Renderer renders the bodies of push notifications, webhooks and bot
	// events, which every change writes to the outbox in its own
	// transaction. Nil writes no deliveries (a Service that only reads, or
	// an operator's tool).
	Renderer DeliveryRenderer
	// DenyPrivateURLs refuses webhook, bot and push URLs whose host is a
	// literal private or loopback address (see PrivateIP). The delivery
	// engine checks resolved addresses too.
	DenyPrivateURLs bool
	// DeliveriesWritten, when set, is called after every change that wrote
	// deliveries has committed (the delivery engine's Wake). It must not
	// block.
	DeliveriesWritten func()

	targets  deliveryTargets
	sessions sessionCache

	// Blobs stores the files of attachments and Media tells their types and
	// makes thumbnails; without both, messages with files are EUNSUPPORTED.
	Blobs BlobStore
	Media MediaProbe
}

// NewService returns a Service on store with the default limits and clock.
func NewService(store Store) *Service {
	return &Service{Store: store, Limits: DefaultLimits(), Now: time.Now, NewToken: NewToken, NewUUID: NewUUID}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// stamp returns the update time for a change of a message of conv: now, or
// one millisecond after the conversation's last stamp if now is not later, so
// that update times strictly increase within a conversation. The caller must
// hold conv locked and write it back with UpdateConversation.
func (s *Service) stamp(conv *Conversation) time.Time {
	t := s.now()
	if !t.After(conv.LastStamp) {
		t = conv.LastStamp.Add(time.Millisecond)
	}
	conv.LastStamp = t
	return t
}

// DefaultAccountID is the account a fresh server creates, and the account whose
// default SDK inbox serves SDK requests that name no inbox.
const DefaultAccountID = 1

// Bootstrap is what Bootstrap created on a fresh database.
type Bootstrap struct {
	Created    bool // false when the database was already set up
	Account    *Account
	Inbox      *Inbox
	Admin      *User
	AdminToken string
}

// DefaultInboxSettings returns the additional_settings a new SDK inbox gets,
// the keys the documentation shows on conversation events.
func DefaultInboxSettings() map[string]any {
	return map[string]any{
		"autoanswer": false, "utilization": 20, "wrapup_code": false, "wrapup_timeout": 30,
		"alerting_timeout": 30, "conversation_type": "chat", "auto_assignment_limit": 5,
	}
}

// Bootstrap sets up a fresh database: account 1, its SDK inbox 1 and an
// administrator whose API token is adminToken, or a random one when adminToken
// is empty. On a database that has account 1 already it changes nothing and
// returns Created false.
func (s *Service) Bootstrap(ctx context.Context, adminToken string) (*Bootstrap, error) {
	var b Bootstrap
	err := s.update(ctx, func(tx Tx) error {
		if _, err := tx.FindAccountByID(ctx, DefaultAccountID); err == nil {
			return nil
		} else if ErrorCode(err) != ENOTFOUND {
			return err
		}
		now := s.now()
		b.Created = true
		b.Account = &Account{Name: "NovaTalks", CreatedAt: now}
		if err := tx.CreateAccount(ctx, b.Account); err != nil {
			return err
		}
		b.Inbox = &Inbox{
			AccountID: b.Account.ID, Name: "SDK", Channel: ChannelSDK, Identifier: s.NewToken(),
			AdditionalSettings: DefaultInboxSettings(), CreatedAt: now,
		}
		if err := tx.CreateInbox(ctx, b.Inbox); err != nil {
			return err
		}
		if adminToken == "" {
			adminToken = s.NewToken()
		}
		b.AdminToken = adminToken
		b.Admin = &User{
			AccountID: b.Account.ID, Name: "Administrator", DisplayName: "Administrator",
			Email: "admin@localhost", Role: RoleAdministrator, AccessToken: adminToken,
			PubsubToken: s.NewToken(), CreatedAt: now,
		}
		return tx.CreateUser(ctx, b.Admin)
	})
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// AuthenticateContact returns the session of the contact whose pubsub token is
// token. It returns EUNAUTHORIZED for a missing or unknown token and ENOTFOUND
// when inboxIdentifier is set and does not name the token's inbox. Sessions
// are cached for a few seconds (see contactSessionTTL for how changes reach
// the cache); the caller gets its own copy.
func (s *Service) AuthenticateContact(ctx context.Context, token, inboxIdentifier string) (*ContactSession, error) {
	if token == "" {
		return nil, Errorf(EUNAUTHORIZED, "access_token header is required")
	}
	hash := HashToken(token)
	now := s.Now()
	sess, gen := s.sessions.get(hash, now)
	if sess == nil || !TokenEqual(sess.PubsubToken, token) {
		var err error
		if sess, err = s.loadContactSession(ctx, hash, token); err != nil {
			return nil, err
		}
		s.sessions.put(hash, sess, gen, now)
	}
	if err := s.checkSessionInbox(ctx, sess, inboxIdentifier); err != nil {
		return nil, err
	}
	return sess, nil
}

// AuthenticateContactUncached is AuthenticateContact reading the store every
// time and caching nothing. The realtime gateway uses it: a subscription
// authenticates once per connection, so caching it would only cost memory.
func (s *Service) AuthenticateContactUncached(ctx context.Context, token, inboxIdentifier string) (*ContactSession, error) {
	if token == "" {
		return nil, Errorf(EUNAUTHORIZED, "access_token header is required")
	}
	sess, err := s.loadContactSession(ctx, HashToken(token), token)
	if err != nil {
		return nil, err
	}
	if err := s.checkSessionInbox(ctx, sess, inboxIdentifier); err != nil {
		return nil, err
	}
	return sess, nil
}

// loadContactSession reads the session of token, whose hash is hash, from the
// store.
func (s *Service) loadContactSession(ctx context.Context, hash, token string) (*ContactSession, error) {
	ci, err := s.Store.FindContactInboxByTokenHash(ctx, hash)
	if ErrorCode(err) == ENOTFOUND || (err == nil && !TokenEqual(ci.PubsubToken, token)) {
		return nil, Errorf(EUNAUTHORIZED, "invalid access token")
	} else if err != nil {
		return nil, err
	}
	contact, err := s.Store.FindContactByID(ctx, ci.AccountID, ci.ContactID)
	if err != nil {
		return nil, err
	}
	return &ContactSession{ContactInbox: *ci, Contact: contact}, nil
}

// checkSessionInbox returns ENOTFOUND when inboxIdentifier is set and does not
// name the session's inbox.
func (s *Service) checkSessionInbox(ctx context.Context, sess *ContactSession, inboxIdentifier string) error {
	if inboxIdentifier == "" {
		return nil
	}
	inbox, err := s.Store.FindInboxByIdentifier(ctx, inboxIdentifier)
	if err != nil || inbox.ID != sess.InboxID {
		return notFoundUnlessInternal(err, "inbox not found")
	}
	return nil
}

// AuthenticateUser returns the agent whose API access token is token. It
// returns EUNAUTHORIZED for a missing or unknown token.
func (s *Service) AuthenticateUser(ctx context.Context, token string) (*User, error) {
	return s.authenticateUser(ctx, token, s.Store.FindUserByAccessTokenHash, func(u *User) string { return u.AccessToken })
}

// AuthenticateUserPubsub returns the agent whose pubsub token is token, for
// realtime subscriptions. It returns EUNAUTHORIZED for an unknown token.
func (s *Service) AuthenticateUserPubsub(ctx context.Context, token string) (*User, error) {
	return s.authenticateUser(ctx, token, s.Store.FindUserByPubsubTokenHash, func(u *User) string { return u.PubsubToken })
}

func (s *Service) authenticateUser(ctx context.Context, token string, find func(context.Context, string) (*User, error), stored func(*User) string) (*User, error) {
	if token == "" {
		return nil, Errorf(EUNAUTHORIZED, "access token is required")
	}
	u, err := find(ctx, HashToken(token))
	if ErrorCode(err) == ENOTFOUND || (err == nil && !TokenEqual(stored(u), token)) {
		return nil, Errorf(EUNAUTHORIZED, "invalid access token")
	}
	return u, err
}

// notFoundUnlessInternal turns a lookup failure into ENOTFOUND with message,
// keeping internal errors as they are so they are logged, not hidden.
func notFoundUnlessInternal(err error, message string) error {
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return err
	}
	return Errorf(ENOTFOUND, "%s", message)
}

// SDKInbox returns the SDK inbox named by identifier, or the default account's
// default SDK inbox when identifier is empty. An unknown identifier, or one of
// an inbox that is not an SDK inbox, is ENOTFOUND.
func (s *Service) SDKInbox(ctx context.Context, identifier string) (*Inbox, error) {
	var inbox *Inbox
	var err error
	if identifier != "" {
		inbox, err = s.Store.FindInboxByIdentifier(ctx, identifier)
	} else {
		inbox, err = s.Store.FindDefaultSDKInbox(ctx, DefaultAccountID)
	}
	if err != nil || inbox.Channel != ChannelSDK {
		return nil, notFoundUnlessInternal(err, "inbox not found")
	}
	return inbox, nil
}

// InboxSettings returns the public settings of the SDK inbox named by
// identifier (or the default one).
func (s *Service) InboxSettings(ctx context.Context, identifier string) (*InboxSettings, error) {
	inbox, err := s.SDKInbox(ctx, identifier)
	if err != nil {
		return nil, err
	}
	return &InboxSettings{Inbox: inbox, Limits: s.Limits, Reactions: Reactions, Attachments: s.Blobs != nil && s.Media != nil}, nil
}

// changeStatus moves a locked conversation to status and emits
// conversation.status_changed; it does nothing, and reports false, when the
// status (and for snoozed the snooze time) is unchanged. Leaving resolved (or
// starting with no dialog) begins a new dialog.
func (s *Service) changeStatus(ctx context.Context, tx Tx, conv *Conversation, status string, snoozedUntil *time.Time) (bool, error) {
	if conv.Status == status && (status != StatusSnoozed || sameTime(conv.SnoozedUntil, snoozedUntil)) {
		return false, nil
	}
	if status != StatusResolved && (conv.Status == StatusResolved || conv.DialogID == "") {
		conv.DialogID = s.NewUUID()
	}
	change := Change{Attribute: "status", Previous: conv.Status, Current: status}
	conv.Status = status
	conv.Substatus = SubstatusFor(status, conv.AssigneeID)
	conv.SnoozedUntil = nil
	if status == StatusSnoozed {
		conv.SnoozedUntil = snoozedUntil
	}
	conv.UpdatedAt = s.now()
	return true, s.saveConversation(ctx, tx, conv, EventConversationStatus, change)
}

// saveConversation writes a locked conversation back and emits an event of
// type t carrying it as the store now has it (hydrated) and the changes.
func (s *Service) saveConversation(ctx context.Context, tx Tx, conv *Conversation, t EventType, changes ...Change) error {
	if err := tx.UpdateConversation(ctx, conv); err != nil {
		return err
	}
	fresh, err := tx.FindConversationByID(ctx, conv.AccountID, conv.ID)
	if err != nil {
		return err
	}
	tx.Emit(Event{Type: t, AccountID: conv.AccountID, InboxID: conv.InboxID,
		ConversationID: conv.ID, ContactID: conv.ContactID, Conversation: fresh, Changes: changes})
	return nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// emitMessage reloads message id of conv inside tx (hydrated) and emits an
// event of type t for it.
func emitMessage(ctx context.Context, tx Tx, t EventType, conv *Conversation, id int64) (*Message, error) {
	m, err := tx.FindMessageByID(ctx, conv.ID, id)
	if err != nil {
		return nil, err
	}
	tx.Emit(Event{Type: t, AccountID: conv.AccountID, InboxID: conv.InboxID,
		ConversationID: conv.ID, ContactID: conv.ContactID, Message: m})
	return m, nil
}

// emitNewMessage emits message.created for m, a message of conv created in
// tx and filled in (hydrated) by the caller as FindMessageByID would return
// it, which saves reading it back.
func emitNewMessage(tx Tx, conv *Conversation, m *Message) {
	tx.Emit(Event{Type: EventMessageCreated, AccountID: conv.AccountID, InboxID: conv.InboxID,
		ConversationID: conv.ID, ContactID: conv.ContactID, Message: m})
}

// replySummary returns the Reply of a message that answers q, where q is
// hydrated (FindMessageByID) and of the same conversation.
func replySummary(q *Message) *Reply {
	return &Reply{ID: q.ID, Content: q.Content, MessageType: q.MessageType, ContentType: q.ContentType,
		Sender: q.Sender, Attachments: q.Attachments, CreatedAt: q.CreatedAt}
}

// storedAttributes returns content attributes as a store gives them back:
// stores keep them as JSON, so numbers come back as float64 and an empty or
// nil map as an empty one.
func storedAttributes(attrs map[string]any) map[string]any {
	out := map[string]any{}
	if len(attrs) == 0 {
		return out
	}
	if b, err := json.Marshal(attrs); err == nil {
		_ = json.Unmarshal(b, &out)
	}
	return out
}

// jsonSize returns the size of v as JSON.
func jsonSize(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}

// isNotFound reports whether err is ENOTFOUND.
func isNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == ENOTFOUND
}
