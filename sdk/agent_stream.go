package sdk

import (
	"context"
	"slices"
	"time"
)

// agentCatchUpWindow is how far before the latest change it delivered an
// agent's stream looks for conversations to catch up on: events of
// different conversations may reach the stream in a slightly different
// order than their times, and this covers it many times over.
const agentCatchUpWindow = time.Minute

// agentSide is the part of an agent's stream that is the agent's: every
// conversation of the account. It remembers, for the conversations it
// delivered something of lately, the latest message delivered as created
// (message IDs grow with creation within a conversation) and the status, so
// that a catch-up repeats no message and reports status changes.
//
// The stream's watermark (Stream.since) is the server's time of the latest
// change delivered, or of the first connection. After a reconnect, the
// catch-up lists the conversations active since cutoff = max(watermark -
// agentCatchUpWindow, start) and delivers, for each, the messages after the
// latest one it delivered, or, for a conversation it knows nothing of, the
// messages created since cutoff. Conversations with nothing delivered since
// cutoff are forgotten: what the catch-up would deliver for them is the
// same whether or not it remembers them, since all they delivered is older
// than cutoff.
type agentSide struct {
	a *AgentClient
	// start is the watermark of the stream's beginning (StreamOptions.Since,
	// or the server's time at the first connection), in Unix ms: nothing
	// older is ever caught up.
	start int64
	convs map[int64]*agentConversationState
}

type agentConversationState struct {
	// lastID is the latest message delivered as created, or 0.
	lastID int64
	// seen is the server's time of the latest change delivered, Unix ms.
	seen int64
	// status is the last status (and substatus) reported or learned, the
	// zero value when unknown.
	status conversationState
}

func (as *agentSide) state(conversationID int64) *agentConversationState {
	if as.convs == nil {
		as.convs = map[int64]*agentConversationState{}
	}
	st := as.convs[conversationID]
	if st == nil {
		st = &agentConversationState{}
		as.convs[conversationID] = st
	}
	return st
}

// subscription reads the agent's profile for the pubsub token, which also
// tells the server's time: a stream that starts from nothing starts there.
func (as *agentSide) subscription(ctx context.Context, s *Stream) (string, int64, error) {
	p, now, err := as.a.profile(ctx)
	if err != nil {
		return "", 0, err
	}
	if as.start == 0 {
		if s.since.Load() == 0 {
			s.since.Store(now.UnixMilli())
		}
		as.start = s.since.Load()
	}
	return p.PubsubToken, p.AccountID, nil
}

// catchUp delivers the messages created, and the status changes made, in
// the conversations active while the stream was away (see agentSide).
func (as *agentSide) catchUp(ctx context.Context, s *Stream, fn func(Event)) error {
	cutoff := max(s.since.Load()-agentCatchUpWindow.Milliseconds(), as.start)
	cutoff -= cutoff % 1000 // the agent API's times are whole seconds
	for id, st := range as.convs {
		if st.seen < cutoff {
			delete(as.convs, id)
		}
	}
	var active []*AgentConversation
	for page := 1; ; page++ {
		var list *ConversationPage
		err := s.request(ctx, func(ctx context.Context) (err error) {
			list, err = as.a.Conversations(ctx, ConversationQuery{Status: ConversationAll, Page: page})
			return err
		})
		if err != nil {
			return err
		}
		i := slices.IndexFunc(list.Conversations, func(c *AgentConversation) bool { return c.LastActivityAt.UnixMilli() < cutoff })
		if i >= 0 {
			active = append(active, list.Conversations[:i]...)
			break
		}
		active = append(active, list.Conversations...)
		if len(list.Conversations) < agentConversationsPerPage {
			break
		}
	}
	slices.Reverse(active) // the least recently active first
	seen := map[int64]bool{}
	for _, c := range active {
		if seen[c.ID] {
			continue // the list shifted while it was read
		}
		seen[c.ID] = true
		if err := as.catchUpConversation(ctx, s, c, cutoff, fn); err != nil {
			return err
		}
	}
	return nil
}

// catchUpConversation reports c's status if it changed and delivers its
// messages that the stream has not: those after the latest it delivered,
// or those created since cutoff.
func (as *agentSide) catchUpConversation(ctx context.Context, s *Stream, c *AgentConversation, cutoff int64, fn func(Event)) error {
	st := as.state(c.ID)
	st.seen = max(st.seen, c.LastActivityAt.UnixMilli())
	if now := (conversationState{c.Status, c.Substatus}); st.status != now {
		known := st.status != conversationState{}
		st.status = now
		if known {
			fn(Event{Type: EventStatusChanged, Conversation: &c.Conversation, CaughtUp: true})
		}
	}
	last := c.LastMessage
	if last == nil || last.ID <= st.lastID || (st.lastID == 0 && last.CreatedAt.UnixMilli() < cutoff) {
		return nil
	}
	list := func(q MessageQuery) (page []*Message, err error) {
		err = s.request(ctx, func(ctx context.Context) (err error) {
			page, err = as.a.Messages(ctx, c.ID, q)
			return err
		})
		return page, err
	}
	var missed []*Message
	if st.lastID != 0 {
		for after := st.lastID; ; {
			page, err := list(MessageQuery{After: after})
			if err != nil {
				return err
			}
			missed = append(missed, page...)
			if len(page) < agentMessagesAfter {
				break
			}
			after = page[len(page)-1].ID
		}
	} else {
		pages := history(0, agentMessagesBefore, func(before int64) ([]*Message, error) {
			return list(MessageQuery{Before: before})
		})
		for m, err := range pages {
			if err != nil {
				return err
			}
			if m.CreatedAt.UnixMilli() < cutoff {
				break
			}
			missed = append(missed, m)
		}
		slices.Reverse(missed)
	}
	for _, m := range missed {
		t := EventMessageCreated
		if m.Deleted() {
			t = EventMessageDeleted
		}
		as.deliver(s, st, Event{Type: t, Message: m, CaughtUp: true}, fn)
	}
	return nil
}

// liveMessage delivers a live message event, except a message.created of a
// message the catch-up delivered already.
func (as *agentSide) liveMessage(s *Stream, e Event, fn func(Event)) {
	st := as.state(e.Message.ConversationID)
	if e.Type == EventMessageCreated && e.Message.ID <= st.lastID {
		return
	}
	as.deliver(s, st, e, fn)
}

func (as *agentSide) deliver(s *Stream, st *agentConversationState, e Event, fn func(Event)) {
	m := e.Message
	if e.Type == EventMessageCreated || e.CaughtUp {
		st.lastID = max(st.lastID, m.ID)
	}
	if u := m.UpdatedAt.UnixMilli(); u > 0 {
		st.seen = max(st.seen, u)
		if u > s.since.Load() {
			s.since.Store(u)
		}
	}
	fn(e)
}

// liveStatus delivers a live status change and records the status.
func (as *agentSide) liveStatus(s *Stream, c *Conversation, fn func(Event)) {
	st := as.state(c.ID)
	st.status = conversationState{c.Status, c.Substatus}
	st.seen = max(st.seen, s.since.Load())
	fn(Event{Type: EventStatusChanged, Conversation: c})
}
