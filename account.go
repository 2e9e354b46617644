package novatalks

import "time"

// Account is a tenant: it holds inboxes, agents, contacts and conversations,
// and nothing of one account is ever visible from another.
type Account struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

// User roles.
const (
	RoleAdministrator = "administrator"
	RoleAgent         = "agent"
)

// User is an agent (a person answering conversations) of one account.
// AccessToken authenticates the agent API; PubsubToken subscribes to the
// account's realtime events.
type User struct {
	ID          int64
	AccountID   int64
	Name        string
	DisplayName string
	Email       string
	Role        string
	AccessToken string
	PubsubToken string
	AvatarURL   string
	CreatedAt   time.Time
}
