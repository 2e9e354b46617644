package novatalks

import (
	"context"
	"strings"
)

// NewAgent is an agent an administrator adds to an account.
type NewAgent struct {
	Name  string
	Email string
	// Role is RoleAgent (the default when empty) or RoleAdministrator.
	Role string
}

// CreateAccount creates an empty account and returns it. It is an operator's
// action (the novatalks admin command); no API endpoint creates accounts.
func (s *Service) CreateAccount(ctx context.Context, name string) (*Account, error) {
	var v invalid
	s.validateName(&v, "name", name)
	if err := v.err(); err != nil {
		return nil, err
	}
	a := &Account{Name: strings.TrimSpace(name), CreatedAt: s.now()}
	if err := s.update(ctx, func(tx Tx) error { return tx.CreateAccount(ctx, a) }); err != nil {
		return nil, err
	}
	return a, nil
}

// Account returns the actor's account.
func (s *Service) Account(ctx context.Context, actor Actor) (*Account, error) {
	return s.Store.FindAccountByID(ctx, actor.AccountID)
}

// Agents returns the agents of the actor's account, oldest first. Every agent
// may list them, as in Chatwoot, so that agents can assign conversations to
// each other.
func (s *Service) Agents(ctx context.Context, actor Actor) ([]*User, error) {
	return s.Store.FindUsers(ctx, actor.AccountID)
}

// CreateAgent adds an agent to the actor's account, with random API access
// and pubsub tokens, and returns it with both. Only administrators may. An
// email the account already has (ignoring case) is EINVALID.
func (s *Service) CreateAgent(ctx context.Context, actor Actor, in NewAgent) (*User, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	if in.Role == "" {
		in.Role = RoleAgent
	}
	var v invalid
	s.validateName(&v, "name", in.Name)
	if !validEmail(in.Email) || len(in.Email) > s.Limits.MaxNameChars {
		v.addf("email must be a valid email address")
	}
	if in.Role != RoleAgent && in.Role != RoleAdministrator {
		v.addf("role must be agent or administrator")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(in.Name)
	u := &User{
		AccountID: actor.AccountID, Name: name, DisplayName: name, Email: in.Email, Role: in.Role,
		AccessToken: s.NewToken(), PubsubToken: s.NewToken(), CreatedAt: s.now(),
	}
	err := s.update(ctx, func(tx Tx) error {
		if _, err := tx.FindAccountByID(ctx, actor.AccountID); err != nil {
			return err
		}
		return tx.CreateUser(ctx, u)
	})
	if ErrorCode(err) == ECONFLICT {
		return nil, Errorf(EINVALID, "email has already been taken")
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

// DeleteAgent removes an agent of the actor's account. Only administrators
// may, not on themselves, and never the account's last administrator, so that
// every account keeps one. The agent's conversations become unassigned, each
// with an activity message and conversation.updated; the agent's messages
// stay, with a "Deleted user" sender.
func (s *Service) DeleteAgent(ctx context.Context, actor Actor, id int64) error {
	if err := actor.requireAdmin(); err != nil {
		return err
	}
	if actor.Type == SenderUser && actor.ID == id {
		return Errorf(EINVALID, "you cannot delete yourself")
	}
	return s.update(ctx, func(tx Tx) error {
		u, err := tx.FindUserByID(ctx, actor.AccountID, id)
		if err != nil {
			return notFoundUnlessInternal(err, "agent not found")
		}
		if u.Role == RoleAdministrator {
			users, err := tx.FindUsers(ctx, actor.AccountID)
			if err != nil {
				return err
			}
			admins := 0
			for _, other := range users {
				if other.Role == RoleAdministrator {
					admins++
				}
			}
			if admins <= 1 {
				return Errorf(EINVALID, "the last administrator of an account cannot be deleted")
			}
		}
		assigned, err := tx.FindConversations(ctx, ConversationFilter{
			AccountID: actor.AccountID, AssigneeType: AssigneeMe, UserID: id,
		})
		if err != nil {
			return err
		}
		for _, c := range assigned {
			conv, err := tx.LockConversation(ctx, c.AccountID, c.ID)
			if err != nil {
				return err
			}
			if err := s.assign(ctx, tx, actor, conv, nil); err != nil {
				return err
			}
		}
		return tx.DeleteUser(ctx, actor.AccountID, id)
	})
}

// RotateAccessToken gives an agent of the actor's account a new random API
// access token and returns the agent with it; the old token stops working at
// once. Administrators may rotate any agent's token, agents only their own.
func (s *Service) RotateAccessToken(ctx context.Context, actor Actor, id int64) (*User, error) {
	if !(actor.Type == SenderUser && actor.ID == id) {
		if err := actor.requireAdmin(); err != nil {
			return nil, err
		}
	}
	var out *User
	err := s.update(ctx, func(tx Tx) error {
		u, err := tx.FindUserByID(ctx, actor.AccountID, id)
		if err != nil {
			return notFoundUnlessInternal(err, "agent not found")
		}
		u.AccessToken = s.NewToken()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		out = u
		return nil
	})
	return out, err
}
