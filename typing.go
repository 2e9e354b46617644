package novatalks

import "context"

// ContactTyping tells the agents of the session's account that the contact is
// typing in conversationID, which must be the session's conversation
// (ENOTFOUND otherwise). Typing is not stored: it is published at once, and
// written to the outbox (in a transaction of its own) only for the account
// webhooks that subscribe to conversation_typing_on.
func (s *Service) ContactTyping(ctx context.Context, sess *ContactSession, conversationID int64) error {
	if conversationID != sess.ConversationID {
		return Errorf(ENOTFOUND, "conversation not found")
	}
	e := Event{Type: EventTyping, AccountID: sess.AccountID, InboxID: sess.InboxID,
		ConversationID: sess.ConversationID, ContactID: sess.ContactID,
		Typing: &Typing{SenderType: SenderContact, On: true, Sender: &Sender{ID: sess.ContactID, Type: SenderContact, Name: sess.Contact.Name}}}
	s.publish(e)
	return s.enqueueTyping(ctx, e)
}

// AgentTyping tells the contact of a conversation of the actor's account (and
// the account's agents) that the actor is typing (on) or stopped. Typing in a
// private note reaches agents only. Account webhooks subscribed to
// conversation_typing_on or _off get it through the outbox, as ContactTyping.
func (s *Service) AgentTyping(ctx context.Context, actor Actor, conversationID int64, on, private bool) error {
	conv, err := s.Store.FindConversationByID(ctx, actor.AccountID, conversationID)
	if err != nil {
		return err
	}
	e := Event{Type: EventTyping, AccountID: conv.AccountID, InboxID: conv.InboxID,
		ConversationID: conv.ID, ContactID: conv.ContactID,
		Typing: &Typing{SenderType: actor.Type, On: on, Private: private, Sender: &Sender{ID: actor.ID, Type: actor.Type, Name: actor.Name}}}
	s.publish(e)
	return s.enqueueTyping(ctx, e)
}

func (s *Service) publish(events ...Event) {
	if s.Publisher != nil {
		s.Publisher.Publish(events...)
	}
}
