package novatalks

import "time"

// Conversation statuses.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
	StatusPending  = "pending"
	StatusSnoozed  = "snoozed"
)

// Conversation substatuses (the enum of the OpenAPI file). Which one a
// conversation has follows from its status and assignee; see SubstatusFor.
const (
	SubstatusAlerting    = "alerting"
	SubstatusDialing     = "dialing"
	SubstatusContacting  = "contacting"
	SubstatusInteracting = "interacting"
	SubstatusOnTeam      = "onteam"
	SubstatusOnInbox     = "oninbox"
	SubstatusInQueue     = "inqueue"
	SubstatusHold        = "hold"
	SubstatusACW         = "acw"
)

// ValidStatus reports whether s is a conversation status.
func ValidStatus(s string) bool {
	switch s {
	case StatusOpen, StatusResolved, StatusPending, StatusSnoozed:
		return true
	}
	return false
}

// SubstatusFor returns the substatus a conversation in status has: an open
// conversation waits in the inbox (oninbox) until an agent holds it
// (interacting); a pending one is queued for a bot (inqueue); a snoozed one is
// on hold; a resolved one is in after-contact work (acw).
func SubstatusFor(status string, assigneeID *int64) string {
	switch status {
	case StatusOpen:
		if assigneeID != nil {
			return SubstatusInteracting
		}
		return SubstatusOnInbox
	case StatusPending:
		return SubstatusInQueue
	case StatusSnoozed:
		return SubstatusHold
	default:
		return SubstatusACW
	}
}

// Conversation is the thread between one contact and an account's agents in
// one inbox. Each open period of it is a dialog with its own DialogID.
type Conversation struct {
	ID             int64
	AccountID      int64
	InboxID        int64
	ContactID      int64
	ContactInboxID int64
	Status         string
	Substatus      string
	Priority       int
	Subpriority    int
	AssigneeID     *int64
	TeamID         *int64
	// DialogID is the current (or last) dialog; empty before the first one.
	DialogID             string
	AdditionalAttributes map[string]any
	CustomAttributes     map[string]any
	SnoozedUntil         *time.Time
	AgentLastSeenAt      *time.Time
	ContactLastSeenAt    *time.Time
	LastActivityAt       time.Time
	CreatedAt            time.Time
	UpdatedAt            time.Time
	// LastStamp is the latest update time given to a message of this
	// conversation. Message update times within a conversation strictly
	// increase, so a client that has seen everything up to T misses nothing by
	// asking for updated_at > T.
	LastStamp time.Time

	// Hydrated by the store on reads.
	Inbox    *Inbox
	Contact  *Contact
	Assignee *User
	// Hydrated by FindConversations only: the latest message of any kind
	// (nil when there is none) and how many incoming messages arrived after
	// AgentLastSeenAt.
	LastMessage *Message
	UnreadCount int
}

// Assignee types of ConversationFilter, as Chatwoot names them.
const (
	AssigneeMe         = "me"
	AssigneeUnassigned = "unassigned"
	AssigneeAssigned   = "assigned"
	AssigneeAll        = "all"
)

// StatusAll is the status filter that selects conversations of any status.
const StatusAll = "all"

// ConversationFilter selects conversations of one account. Zero fields
// select everything.
type ConversationFilter struct {
	AccountID int64
	// ID, when set, selects that one conversation.
	ID int64
	// Status is a conversation status, or "" or StatusAll for any.
	Status string
	// AssigneeType is one of the Assignee constants ("" is AssigneeAll);
	// AssigneeMe means assigned to UserID.
	AssigneeType string
	UserID       int64
	InboxID      int64
	// Query keeps conversations whose contact's name, email or phone number,
	// or one of whose messages, contains it (ignoring ASCII case).
	Query  string
	Offset int
	Limit  int
}

// ConversationCounts are the counts of the agent's conversation list: all
// conversations a filter selects, those assigned to the agent, to anyone,
// and to no one.
type ConversationCounts struct {
	Mine, Assigned, Unassigned, All int
}

// ConversationRef names a conversation of an account.
type ConversationRef struct {
	AccountID, ID int64
}

// ConversationsPerPage is the page size of the agent's conversation list (Chatwoot's).
const ConversationsPerPage = 25
