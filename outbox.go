package novatalks

import (
	"context"
	"sync"
	"time"
)

// The outbox: which events reach which receivers. Every change of the Service
// runs through update, which collects the events the change emits and, before
// the transaction commits, writes one delivery row for each receiver that
// must hear of each event (Tx.EnqueueDeliveries). A committed change
// therefore never loses a notification and a rolled-back one never sends;
// the workers of package delivery send the rows after commit.
//
// Who receives what:
//
//   - Push notifications (kind push), to the push integration of the
//     conversation's SDK inbox when it is enabled and the conversation has at
//     least one push token: conversation_new_message for every message.created
//     of an outgoing, non-private message of an agent or bot, and
//     conversation_status_change for every conversation.status_changed.
//     Private notes and activity messages never reach pushes.
//   - Account webhooks (kind webhook), for the events they subscribe to, as
//     Chatwoot sends them: message_created and message_updated (also for
//     deletions and reactions) for every message but activity messages —
//     private notes included, marked private, as Chatwoot does —,
//     conversation_created, conversation_status_changed,
//     conversation_updated, contact_created, contact_updated, and typing.
//   - The agent bot of the conversation's inbox (kind agent_bot), as
//     Chatwoot's AgentBotListener: message_created and message_updated for
//     every message but activity messages (the bot's own included: a bot
//     answers incoming messages only), conversation_opened and
//     conversation_resolved.
//
// What receives an account's events is cached in memory (deliveryTargets),
// so the hot path adds no query when nothing listens, and only the push
// token lookup when an inbox's push integration is on.

// deliveryTargetsTTL bounds how long a cached view of an account's receivers
// is used. A change made through a Service emits EventReceiversChanged, which
// drops the view at once on the node that made it (Service.update) and, through
// the broker, on the others (Service.Forget); a change of a process that
// publishes no events (novatalks admin on the same SQLite file) is seen within
// this bound.
const deliveryTargetsTTL = 5 * time.Second

// deliveryTargets caches, per account, what receives its events. The zero
// value is ready to use; it is safe for concurrent use.
type deliveryTargets struct {
	mu        sync.Mutex
	gen       uint64 // bumped by every invalidate
	byAccount map[int64]*accountTargets
}

// accountTargets is what receives one account's events.
type accountTargets struct {
	loadedAt time.Time
	account  *Account
	webhooks []*Webhook
	// inboxes holds the inboxes that have an enabled push integration or
	// are handed to a bot.
	inboxes map[int64]inboxTargets
	// listening is false when nothing receives the account's events.
	listening bool
}

type inboxTargets struct {
	push *PushIntegration // nil unless enabled, with a URL
	bot  *AgentBot        // nil unless the bot has an outgoing URL
	// hasBot is set when the inbox is handed to a bot (with an outgoing
	// URL or not): its new and reopened conversations start pending.
	hasBot bool
}

// wants reports whether a webhook of the account subscribes to event.
func (t *accountTargets) wants(event string) bool {
	for _, w := range t.webhooks {
		if w.Subscribes(event) {
			return true
		}
	}
	return false
}

func (c *deliveryTargets) invalidate(accountID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.byAccount, accountID)
}

func (c *deliveryTargets) invalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.byAccount)
}

// receiversChanged is called inside the transaction of a change to what
// receives the account's events. It drops this node's cached receivers of the
// account at once, so that the transaction's own events are routed by what it
// reads, and emits EventReceiversChanged: update drops them again once the
// change has committed (a load racing the transaction may have cached the old
// ones), and the broker takes the event to the other nodes' Forget.
func (s *Service) receiversChanged(tx Tx, accountID int64) {
	s.targets.invalidate(accountID)
	tx.Emit(Event{Type: EventReceiversChanged, AccountID: accountID})
}

// get returns the receivers of an account, loading them through r when the
// cache has none younger than deliveryTargetsTTL.
func (c *deliveryTargets) get(ctx context.Context, r Reader, accountID int64, now time.Time) (*accountTargets, error) {
	c.mu.Lock()
	t, gen := c.byAccount[accountID], c.gen
	c.mu.Unlock()
	if t != nil && now.Sub(t.loadedAt) < deliveryTargetsTTL && !now.Before(t.loadedAt) {
		return t, nil
	}
	t, err := loadTargets(ctx, r, accountID, now)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen { // nothing changed while loading: keep it
		if c.byAccount == nil {
			c.byAccount = map[int64]*accountTargets{}
		}
		c.byAccount[accountID] = t
	}
	return t, nil
}

func loadTargets(ctx context.Context, r Reader, accountID int64, now time.Time) (*accountTargets, error) {
	account, err := r.FindAccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	webhooks, err := r.FindWebhooks(ctx, accountID)
	if err != nil {
		return nil, err
	}
	inboxes, err := r.FindInboxes(ctx, accountID)
	if err != nil {
		return nil, err
	}
	bots, err := r.FindAgentBots(ctx, accountID)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*AgentBot{}
	for _, b := range bots {
		byID[b.ID] = b
	}
	t := &accountTargets{loadedAt: now, account: account, webhooks: webhooks, inboxes: map[int64]inboxTargets{},
		listening: len(webhooks) > 0}
	for _, in := range inboxes {
		var it inboxTargets
		if in.Push.Enabled && in.Push.URL != "" {
			p := in.Push
			it.push = &p
		}
		if in.AgentBotID != nil {
			it.hasBot = true
			if b := byID[*in.AgentBotID]; b != nil && b.OutgoingURL != "" {
				it.bot = b
			}
		}
		if it.push != nil || it.hasBot {
			t.inboxes[in.ID] = it
		}
		t.listening = t.listening || it.push != nil || it.bot != nil
	}
	return t, nil
}

// inboxHasBot reports whether an inbox is handed to a bot: its new and
// reopened conversations start pending. It reads the cached receivers.
func (s *Service) inboxHasBot(ctx context.Context, r Reader, accountID, inboxID int64) (bool, error) {
	t, err := s.targets.get(ctx, r, accountID, s.now())
	if err != nil {
		return false, err
	}
	return t.inboxes[inboxID].hasBot, nil
}

// recordingTx is a Tx that remembers the events emitted through it.
type recordingTx struct {
	Tx
	events []Event
}

// Emit implements Tx.
func (t *recordingTx) Emit(e Event) {
	t.events = append(t.events, e)
	t.Tx.Emit(e)
}

// update runs fn in one Store.Update and, in the same transaction, writes the
// deliveries of the events fn emitted (see the outbox rules above). Without
// a Renderer no delivery is written. Once the change has committed, what the
// Service caches about it is dropped (Service.forget).
func (s *Service) update(ctx context.Context, fn func(tx Tx) error) error {
	var events []Event
	record := func(tx Tx) ([]Event, error) {
		rec := &recordingTx{Tx: tx}
		err := fn(rec)
		events = rec.events
		return rec.events, err
	}
	var err error
	if s.Renderer == nil {
		err = s.Store.Update(ctx, func(tx Tx) error {
			_, err := record(tx)
			return err
		})
	} else {
		err = s.commitWithDeliveries(ctx, record)
	}
	if err == nil {
		for i := range events {
			s.forget(&events[i])
		}
	}
	return err
}

// commitWithDeliveries runs fn in a transaction, writes the deliveries of the
// events it returns in the same transaction, and wakes the delivery engine
// (DeliveriesWritten) once a transaction that wrote any has committed.
func (s *Service) commitWithDeliveries(ctx context.Context, fn func(tx Tx) ([]Event, error)) error {
	var wrote int
	err := s.Store.Update(ctx, func(tx Tx) error {
		events, err := fn(tx)
		if err != nil {
			return err
		}
		wrote, err = s.enqueue(ctx, tx, events)
		return err
	})
	s.notifyDeliveries(err, wrote)
	return err
}

// notifyDeliveries calls DeliveriesWritten after a transaction that wrote
// deliveries committed.
func (s *Service) notifyDeliveries(err error, wrote int) {
	if err == nil && wrote > 0 && s.DeliveriesWritten != nil {
		s.DeliveriesWritten()
	}
}

// outbox builds the deliveries of one transaction.
type outbox struct {
	s      *Service
	ctx    context.Context
	tx     Tx
	now    time.Time
	out    []*Delivery
	convs  map[int64]*Conversation
	tokens map[int64][]string
	bodies map[[2]string][]byte
}

// enqueue writes the deliveries of events inside tx and returns how many.
func (s *Service) enqueue(ctx context.Context, tx Tx, events []Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	o := &outbox{s: s, ctx: ctx, tx: tx, now: s.now()}
	for i := range events {
		if err := o.add(&events[i]); err != nil {
			return 0, err
		}
	}
	if len(o.out) == 0 {
		return 0, nil
	}
	return len(o.out), tx.EnqueueDeliveries(ctx, o.out)
}

// webhookEvent is the Chatwoot name of a domain event, "" when webhooks do not
// receive it.
func webhookEvent(e *Event) string {
	switch e.Type {
	case EventMessageCreated:
		if e.Message.MessageType != MessageActivity {
			return WebhookMessageCreated
		}
	case EventMessageUpdated, EventMessageDeleted, EventReactionUpdated:
		if e.Message.MessageType != MessageActivity {
			return WebhookMessageUpdated
		}
	case EventConversationCreated:
		return WebhookConversationCreated
	case EventConversationStatus:
		return WebhookConversationStatusChanged
	case EventConversationUpdated:
		return WebhookConversationUpdated
	case EventContactCreated:
		return WebhookContactCreated
	case EventContactUpdated:
		return WebhookContactUpdated
	case EventTyping:
		if e.Typing.On {
			return WebhookTypingOn
		}
		return WebhookTypingOff
	}
	return ""
}

// botEvent is the name under which an agent bot receives a domain event, ""
// when bots do not receive it.
func botEvent(e *Event) string {
	switch e.Type {
	case EventMessageCreated, EventMessageUpdated, EventMessageDeleted, EventReactionUpdated:
		return webhookEvent(e)
	case EventConversationStatus:
		switch e.Conversation.Status {
		case StatusOpen:
			return BotConversationOpened
		case StatusResolved:
			return BotConversationResolved
		}
	}
	return ""
}

// pushEvent is the push notification of a domain event, "" when it has none.
func pushEvent(e *Event) string {
	switch e.Type {
	case EventMessageCreated:
		m := e.Message
		if m.MessageType == MessageOutgoing && !m.Private && (m.SenderType == SenderUser || m.SenderType == SenderAgentBot) {
			return PushNewMessage
		}
	case EventConversationStatus:
		return PushStatusChange
	}
	return ""
}

func (o *outbox) add(e *Event) error {
	push, hook, bot := pushEvent(e), webhookEvent(e), botEvent(e)
	if push == "" && hook == "" && bot == "" {
		return nil // no receiver takes it (account.receivers_changed, push tokens)
	}
	t, err := o.s.targets.get(o.ctx, o.tx, e.AccountID, o.now)
	if err != nil || !t.listening {
		return err
	}
	o.bodies = nil // bodies are shared by the receivers of one event only
	it := t.inboxes[e.InboxID]
	if push != "" && it.push != nil {
		tokens, err := o.pushTokens(e.ConversationID)
		if err != nil {
			return err
		}
		if len(tokens) > 0 {
			in := RenderInput{Kind: DeliveryPush, Name: push, Event: e, Account: t.account,
				PushTokens: tokens, AdditionalParams: it.push.AdditionalParams}
			if err := o.deliver(in, e.InboxID, it.push.URL); err != nil {
				return err
			}
		}
	}
	if hook != "" {
		for _, w := range t.webhooks {
			if w.Subscribes(hook) {
				if err := o.deliver(RenderInput{Kind: DeliveryWebhook, Name: hook, Event: e, Account: t.account}, w.ID, w.URL); err != nil {
					return err
				}
			}
		}
	}
	if bot != "" && it.bot != nil {
		return o.deliver(RenderInput{Kind: DeliveryAgentBot, Name: bot, Event: e, Account: t.account}, it.bot.ID, it.bot.OutgoingURL)
	}
	return nil
}

// deliver renders (once per kind and name) and queues one delivery.
func (o *outbox) deliver(in RenderInput, receiverID int64, url string) error {
	e := in.Event
	family := in.Kind
	if family == DeliveryAgentBot {
		family = DeliveryWebhook // bots get the webhook shapes
	}
	key := [2]string{family, in.Name}
	body, ok := o.bodies[key]
	if !ok {
		if e.ConversationID != 0 && in.Kind != DeliveryPush {
			conv, err := o.conversation(e)
			if err != nil {
				return err
			}
			in.Conversation = conv
		}
		var err error
		if body, err = o.s.Renderer.RenderDelivery(in); err != nil {
			return err
		}
		if o.bodies == nil {
			o.bodies = map[[2]string][]byte{}
		}
		o.bodies[key] = body
	}
	o.out = append(o.out, &Delivery{
		UID: o.s.NewUUID(), AccountID: e.AccountID, Kind: in.Kind, ReceiverID: receiverID, Event: in.Name,
		ConversationID: e.ConversationID, OrderKey: orderKey(in.Kind, receiverID, e), URL: url, Body: body,
		Status: DeliveryPending, NextAttemptAt: o.now, StartedAt: o.now, CreatedAt: o.now, UpdatedAt: o.now,
	})
	return nil
}

// conversation returns the event's conversation as a webhook shows it: for
// conversation events the event's own copy (the state the event shows), for
// others the conversation loaded once per transaction (hydrated by
// FindConversationByID: a few indexed lookups). A new message is the
// conversation's LastMessage. The unread count is not computed: it would
// scan the conversation's messages on every event.
func (o *outbox) conversation(e *Event) (*Conversation, error) {
	if e.Conversation != nil {
		return e.Conversation, nil
	}
	conv, ok := o.convs[e.ConversationID]
	if !ok {
		var err error
		if conv, err = o.tx.FindConversationByID(o.ctx, e.AccountID, e.ConversationID); err != nil {
			return nil, err
		}
		if o.convs == nil {
			o.convs = map[int64]*Conversation{}
		}
		o.convs[e.ConversationID] = conv
	}
	if e.Type == EventMessageCreated {
		c := *conv
		c.LastMessage = e.Message
		return &c, nil
	}
	return conv, nil
}

func (o *outbox) pushTokens(conversationID int64) ([]string, error) {
	if tokens, ok := o.tokens[conversationID]; ok {
		return tokens, nil
	}
	tokens, err := o.tx.FindPushTokens(o.ctx, conversationID)
	if err != nil {
		return nil, err
	}
	if o.tokens == nil {
		o.tokens = map[int64][]string{}
	}
	o.tokens[conversationID] = tokens
	return tokens, nil
}

// enqueueTyping writes the webhook deliveries of a typing event, which is
// published without a transaction. It runs a small transaction of its own,
// and only when a webhook of the account subscribes to the typing event, so
// typing costs nothing more when none does.
func (s *Service) enqueueTyping(ctx context.Context, e Event) error {
	if s.Renderer == nil {
		return nil
	}
	t, err := s.targets.get(ctx, s.Store, e.AccountID, s.now())
	if err != nil || !t.wants(webhookEvent(&e)) {
		return err
	}
	return s.commitWithDeliveries(ctx, func(Tx) ([]Event, error) { return []Event{e}, nil })
}
