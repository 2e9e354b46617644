package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
)

// t0 is the time fixtures start from. Stores keep milliseconds, so every
// time of a fixture is a whole millisecond, in UTC.
var t0 = time.UnixMilli(1_700_000_000_000).UTC()

// at returns the time sec seconds after t0.
func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func ptr[T any](v T) *T { return &v }

var bg = context.Background()

// The new functions return a valid row that is not stored yet; the create
// functions store one, each in its own Update, and return it with its ID.

func createAccount(tb testing.TB, s novatalks.Store) *novatalks.Account {
	tb.Helper()
	a := &novatalks.Account{Name: "Account " + novatalks.NewToken()[:6], CreatedAt: t0}
	mustUpdate(tb, s, func(tx novatalks.Tx) error { return tx.CreateAccount(bg, a) })
	return a
}

func newInbox(accountID int64, name string) *novatalks.Inbox {
	return &novatalks.Inbox{
		AccountID: accountID, Name: name, Channel: novatalks.ChannelSDK, Identifier: novatalks.NewToken(),
		AdditionalSettings: map[string]any{"autoanswer": true, "utilization": map[string]any{"max": 5.0}},
		Push: novatalks.PushIntegration{
			Enabled: true, URL: "https://push.example.com/" + name, Headers: map[string]string{"X-App": name},
			BearerToken: "bearer-" + name, AdditionalParams: map[string]any{"app": name},
		},
		CreatedAt: at(1),
	}
}

func createInbox(tb testing.TB, s novatalks.Store, accountID int64, name string) *novatalks.Inbox {
	tb.Helper()
	in := newInbox(accountID, name)
	mustUpdate(tb, s, func(tx novatalks.Tx) error { return tx.CreateInbox(bg, in) })
	return in
}

func newUser(accountID int64, name string) *novatalks.User {
	return &novatalks.User{
		AccountID: accountID, Name: name, DisplayName: name + " D.", Email: name + "@example.com",
		Role: novatalks.RoleAgent, AccessToken: novatalks.NewToken(), PubsubToken: novatalks.NewToken(),
		AvatarURL: "https://example.com/" + name + ".png", CreatedAt: at(2),
	}
}

func createUser(tb testing.TB, s novatalks.Store, accountID int64, name string) *novatalks.User {
	tb.Helper()
	u := newUser(accountID, name)
	mustUpdate(tb, s, func(tx novatalks.Tx) error { return tx.CreateUser(bg, u) })
	return u
}

func newContact(accountID int64, name string) *novatalks.Contact {
	return &novatalks.Contact{
		AccountID: accountID, Name: name, Email: ptr(name + "@contact.example.com"), PhoneNumber: ptr("+1555000" + name),
		Identifier:           novatalks.NewToken(),
		CustomAttributes:     map[string]any{"plan": "pro", "seats": 3.0},
		AdditionalAttributes: map[string]any{"city": "Kyiv", "tags": []any{"a", "b"}},
		CreatedAt:            at(3), UpdatedAt: at(3),
	}
}

func createContact(tb testing.TB, s novatalks.Store, accountID int64, name string) *novatalks.Contact {
	tb.Helper()
	c := newContact(accountID, name)
	mustUpdate(tb, s, func(tx novatalks.Tx) error { return tx.CreateContact(bg, c) })
	return c
}

func newAgentBot(accountID int64, name string) *novatalks.AgentBot {
	return &novatalks.AgentBot{
		AccountID: accountID, Name: name, Description: "the " + name + " bot",
		OutgoingURL: "https://bot.example.com/" + name, AvatarURL: "https://example.com/" + name + ".svg",
		AccessToken: novatalks.NewToken(), CreatedAt: at(4),
	}
}

func createAgentBot(tb testing.TB, s novatalks.Store, accountID int64, name string) *novatalks.AgentBot {
	tb.Helper()
	b := newAgentBot(accountID, name)
	mustUpdate(tb, s, func(tx novatalks.Tx) error { return tx.CreateAgentBot(bg, b) })
	return b
}

// createConversation stores a contact inbox binding ct to in and its
// conversation, open and unassigned unless opts change it.
func createConversation(tb testing.TB, s novatalks.Store, in *novatalks.Inbox, ct *novatalks.Contact, opts ...func(*novatalks.Conversation)) (*novatalks.Conversation, *novatalks.ContactInbox) {
	tb.Helper()
	ci := &novatalks.ContactInbox{AccountID: in.AccountID, ContactID: ct.ID, InboxID: in.ID, PubsubToken: novatalks.NewToken()}
	c := &novatalks.Conversation{
		AccountID: in.AccountID, InboxID: in.ID, ContactID: ct.ID,
		Status: novatalks.StatusOpen, Substatus: novatalks.SubstatusOnInbox, DialogID: novatalks.NewUUID(),
		AdditionalAttributes: map[string]any{"source": "sdk"}, CustomAttributes: map[string]any{"vip": false},
		LastActivityAt: at(10), CreatedAt: at(10), UpdatedAt: at(10), LastStamp: at(10),
	}
	for _, o := range opts {
		o(c)
	}
	mustUpdate(tb, s, func(tx novatalks.Tx) error {
		if err := tx.CreateContactInbox(bg, ci); err != nil {
			return err
		}
		c.ContactInboxID = ci.ID
		return tx.CreateConversation(bg, c)
	})
	ci.ConversationID = c.ID
	return c, ci
}

// newMessage returns an incoming text message of the conversation's
// contact.
func newMessage(c *novatalks.Conversation, content string) *novatalks.Message {
	return &novatalks.Message{
		AccountID: c.AccountID, InboxID: c.InboxID, ConversationID: c.ID, DialogID: c.DialogID,
		MessageType: novatalks.MessageIncoming, ContentType: novatalks.ContentText, Content: ptr(content),
		ContentAttributes: map[string]any{}, Status: novatalks.MessageSent,
		SenderType: novatalks.SenderContact, SenderID: ptr(c.ContactID),
		CreatedAt: at(20), UpdatedAt: at(20),
	}
}

// createMessage stores a message made by newMessage and changed by opts.
func createMessage(tb testing.TB, s novatalks.Store, c *novatalks.Conversation, content string, opts ...func(*novatalks.Message)) *novatalks.Message {
	tb.Helper()
	m := newMessage(c, content)
	for _, o := range opts {
		o(m)
	}
	mustUpdate(tb, s, func(tx novatalks.Tx) error { return tx.CreateMessage(bg, m) })
	return m
}

// fromUser makes a message an outgoing one of u.
func fromUser(u *novatalks.User) func(*novatalks.Message) {
	return func(m *novatalks.Message) {
		m.MessageType, m.SenderType, m.SenderID = novatalks.MessageOutgoing, novatalks.SenderUser, ptr(u.ID)
	}
}

// createdAt sets a message's creation and update times.
func createdAt(t time.Time) func(*novatalks.Message) {
	return func(m *novatalks.Message) { m.CreatedAt, m.UpdatedAt = t, t }
}

// newAttachment returns a file of message m with fresh blob keys.
func newAttachment(m *novatalks.Message, name string) *novatalks.Attachment {
	key, thumb := novatalks.NewToken(), novatalks.NewToken()
	return &novatalks.Attachment{
		MessageID: m.ID, AccountID: m.AccountID, FileType: novatalks.FileImage, FallbackTitle: ptr(name),
		Extension: ptr("png"), DataURL: novatalks.FilePath(key, name+".png"), ThumbURL: novatalks.FilePath(thumb, "thumbnail.jpg"),
		FileSize: 12345, MimeType: "image/png", FileName: name + ".png", Key: key, ThumbKey: thumb, ThumbMimeType: "image/jpeg",
	}
}

func createAttachment(tb testing.TB, s novatalks.Store, m *novatalks.Message, name string) *novatalks.Attachment {
	tb.Helper()
	a := newAttachment(m, name)
	mustUpdate(tb, s, func(tx novatalks.Tx) error { return tx.CreateAttachment(bg, a) })
	return a
}

// scene is what most tests start from: a fresh account with an SDK inbox,
// an agent, and a contact with its conversation.
type scene struct {
	Account      *novatalks.Account
	Inbox        *novatalks.Inbox
	User         *novatalks.User
	Contact      *novatalks.Contact
	ContactInbox *novatalks.ContactInbox
	Conversation *novatalks.Conversation
}

func newScene(tb testing.TB, s novatalks.Store) *scene {
	tb.Helper()
	sc := &scene{Account: createAccount(tb, s)}
	sc.Inbox = createInbox(tb, s, sc.Account.ID, "web")
	sc.User = createUser(tb, s, sc.Account.ID, "agent"+novatalks.NewToken()[:6])
	sc.Contact = createContact(tb, s, sc.Account.ID, "Ada")
	sc.Conversation, sc.ContactInbox = createConversation(tb, s, sc.Inbox, sc.Contact)
	return sc
}

// conversation adds another conversation to the scene's account and inbox,
// with a new contact.
func (sc *scene) conversation(tb testing.TB, s novatalks.Store, contact string, opts ...func(*novatalks.Conversation)) *novatalks.Conversation {
	tb.Helper()
	c, _ := createConversation(tb, s, sc.Inbox, createContact(tb, s, sc.Account.ID, contact), opts...)
	return c
}

// bareConversation returns a copy of c without what stores hydrate.
func bareConversation(c *novatalks.Conversation) *novatalks.Conversation {
	b := *c
	b.Inbox, b.Contact, b.Assignee, b.LastMessage, b.UnreadCount = nil, nil, nil, nil, 0
	return &b
}

// bareMessage returns a copy of m without what stores hydrate.
func bareMessage(m *novatalks.Message) *novatalks.Message {
	b := *m
	b.Sender, b.Reply, b.Attachments, b.Reactions = nil, nil, nil, nil
	return &b
}
