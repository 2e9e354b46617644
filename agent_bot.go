package novatalks

import (
	"context"
	"strings"
	"time"
)

// AgentBot is a program that answers an account's conversations: the inboxes
// handed to it send their events to OutgoingURL, and it answers through the
// agent API with AccessToken, as an actor of type AgentBot. Conversations of
// its inboxes start pending; the bot hands one over to the agents by opening
// it.
type AgentBot struct {
	ID          int64
	AccountID   int64
	Name        string
	Description string
	// OutgoingURL receives the bot's events; empty sends nothing.
	OutgoingURL string
	AvatarURL   string
	AccessToken string
	CreatedAt   time.Time
}

// AgentBotInput creates or changes a bot. Nil fields are absent: on create
// they are empty, on update they stay as they are.
type AgentBotInput struct {
	Name        *string
	Description *string
	OutgoingURL *string
}

// BotActor returns the actor for an agent bot. A bot has no role: it may do
// what agents do, not what only administrators do.
func BotActor(b *AgentBot) Actor {
	return Actor{Type: SenderAgentBot, ID: b.ID, AccountID: b.AccountID, Name: b.Name}
}

// AuthenticateActor returns who an agent API access token belongs to, an
// agent or an agent bot, for a request to account accountID. A missing or
// unknown token is EUNAUTHORIZED; a token of another account is ENOTFOUND, so
// that no caller learns whether an account it does not belong to exists.
func (s *Service) AuthenticateActor(ctx context.Context, token string, accountID int64) (Actor, error) {
	u, err := s.AuthenticateUser(ctx, token)
	if err == nil {
		if u.AccountID != accountID {
			return Actor{}, Errorf(ENOTFOUND, "account not found")
		}
		return UserActor(u), nil
	} else if ErrorCode(err) != EUNAUTHORIZED || token == "" {
		return Actor{}, err
	}
	b, err := s.Store.FindAgentBotByAccessTokenHash(ctx, HashToken(token))
	if ErrorCode(err) == ENOTFOUND || (err == nil && !TokenEqual(b.AccessToken, token)) {
		return Actor{}, Errorf(EUNAUTHORIZED, "invalid access token")
	} else if err != nil {
		return Actor{}, err
	}
	if b.AccountID != accountID {
		return Actor{}, Errorf(ENOTFOUND, "account not found")
	}
	return BotActor(b), nil
}

func (s *Service) applyAgentBot(b *AgentBot, in AgentBotInput) error {
	if in.Name != nil {
		b.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		b.Description = strings.TrimSpace(*in.Description)
	}
	if in.OutgoingURL != nil {
		b.OutgoingURL = strings.TrimSpace(*in.OutgoingURL)
	}
	var v invalid
	s.validateName(&v, "name", b.Name)
	if len(b.Description) > s.Limits.MaxContentChars {
		v.addf("description must be at most %d characters", s.Limits.MaxContentChars)
	}
	if b.OutgoingURL != "" {
		s.validateReceiverURL(&v, "outgoing_url", b.OutgoingURL)
	}
	return v.err()
}

// AgentBots returns the bots of the actor's account, oldest first, with
// their access tokens. Only administrators may list them.
func (s *Service) AgentBots(ctx context.Context, actor Actor) ([]*AgentBot, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	return s.Store.FindAgentBots(ctx, actor.AccountID)
}

// AgentBot returns a bot of the actor's account; only administrators may
// see bots (their tokens are in them).
func (s *Service) AgentBot(ctx context.Context, actor Actor, id int64) (*AgentBot, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	return s.Store.FindAgentBotByID(ctx, actor.AccountID, id)
}

// CreateAgentBot adds a bot, with a random access token, to the actor's
// account. Only administrators may.
func (s *Service) CreateAgentBot(ctx context.Context, actor Actor, in AgentBotInput) (*AgentBot, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	b := &AgentBot{AccountID: actor.AccountID, AccessToken: s.NewToken(), CreatedAt: s.now()}
	if err := s.applyAgentBot(b, in); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx Tx) error {
		if _, err := tx.FindAccountByID(ctx, actor.AccountID); err != nil {
			return err
		}
		return tx.CreateAgentBot(ctx, b)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// UpdateAgentBot changes a bot of the actor's account. Only administrators may.
func (s *Service) UpdateAgentBot(ctx context.Context, actor Actor, id int64, in AgentBotInput) (*AgentBot, error) {
	return s.changeAgentBot(ctx, actor, id, func(b *AgentBot) error { return s.applyAgentBot(b, in) })
}

// ResetAgentBotToken gives a bot of the actor's account a new random access
// token; the old one stops working at once. Only administrators may.
func (s *Service) ResetAgentBotToken(ctx context.Context, actor Actor, id int64) (*AgentBot, error) {
	return s.changeAgentBot(ctx, actor, id, func(b *AgentBot) error {
		b.AccessToken = s.NewToken()
		return nil
	})
}

// changeAgentBot runs change on a bot of the actor's account and writes it back.
func (s *Service) changeAgentBot(ctx context.Context, actor Actor, id int64, change func(*AgentBot) error) (*AgentBot, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	var out *AgentBot
	err := s.update(ctx, func(tx Tx) error {
		b, err := tx.FindAgentBotByID(ctx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := change(b); err != nil {
			return err
		}
		s.receiversChanged(tx, actor.AccountID)
		out = b
		return tx.UpdateAgentBot(ctx, b)
	})
	return out, err
}

// DeleteAgentBot removes a bot of the actor's account; its inboxes are no
// longer handed to a bot, and its messages stay, with a "Deleted agentbot"
// sender. Only administrators may.
func (s *Service) DeleteAgentBot(ctx context.Context, actor Actor, id int64) error {
	if err := actor.requireAdmin(); err != nil {
		return err
	}
	err := s.update(ctx, func(tx Tx) error {
		if _, err := tx.FindAgentBotByID(ctx, actor.AccountID, id); err != nil {
			return err
		}
		inboxes, err := tx.FindInboxes(ctx, actor.AccountID)
		if err != nil {
			return err
		}
		for _, in := range inboxes {
			if in.AgentBotID != nil && *in.AgentBotID == id {
				in.AgentBotID = nil
				if err := tx.UpdateInbox(ctx, in); err != nil {
					return err
				}
			}
		}
		s.receiversChanged(tx, actor.AccountID)
		return tx.DeleteAgentBot(ctx, actor.AccountID, id)
	})
	return err
}

// SetInboxAgentBot hands an inbox of the actor's account to a bot of the same
// account, or with nil takes it back from its bot. Only administrators may.
// From then on new and reopened conversations of the inbox start pending
// and the bot receives the inbox's events.
func (s *Service) SetInboxAgentBot(ctx context.Context, actor Actor, inboxID int64, botID *int64) error {
	if err := actor.requireAdmin(); err != nil {
		return err
	}
	err := s.update(ctx, func(tx Tx) error {
		in, err := tx.FindInboxByID(ctx, actor.AccountID, inboxID)
		if err != nil {
			return err
		}
		if botID != nil {
			if _, err := tx.FindAgentBotByID(ctx, actor.AccountID, *botID); err != nil {
				return notFoundUnlessInternal(err, "agent bot not found")
			}
		}
		in.AgentBotID = botID
		s.receiversChanged(tx, actor.AccountID)
		return tx.UpdateInbox(ctx, in)
	})
	return err
}

// InboxAgentBot returns the bot an inbox of the actor's account is handed
// to, or nil. Only administrators may see bots.
func (s *Service) InboxAgentBot(ctx context.Context, actor Actor, inboxID int64) (*AgentBot, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	in, err := s.Store.FindInboxByID(ctx, actor.AccountID, inboxID)
	if err != nil || in.AgentBotID == nil {
		return nil, err
	}
	return s.Store.FindAgentBotByID(ctx, actor.AccountID, *in.AgentBotID)
}
