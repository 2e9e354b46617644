package novatalks

import "time"

// Contact is a person who writes to an account through an inbox.
type Contact struct {
	ID                   int64
	AccountID            int64
	Name                 string
	Email                *string
	PhoneNumber          *string
	Identifier           string
	CustomAttributes     map[string]any
	AdditionalAttributes map[string]any
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// ContactInbox binds a contact to an inbox. Its PubsubToken is the contact's
// credential for the SDK API and the WebSocket; in the SDK every contact inbox
// has exactly one conversation.
type ContactInbox struct {
	ID             int64
	AccountID      int64
	ContactID      int64
	InboxID        int64
	ConversationID int64
	PubsubToken    string
}

// ContactSession is an authenticated SDK caller: the contact inbox whose token
// was presented, and with it the one conversation the caller may see.
type ContactSession struct {
	ContactInbox
	Contact *Contact
}

// ContactFilter selects one page of an account's contacts.
type ContactFilter struct {
	AccountID int64
	Offset    int
	Limit     int
}

// ContactsPerPage is the page size of the agent's contact list (Chatwoot's).
const ContactsPerPage = 15
