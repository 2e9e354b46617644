package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/novatalks/novatalks/sdk"
)

// The values of the bot's quick reply buttons.
const (
	valueBilling   = "billing"
	valueTechnical = "technical"
	valueHuman     = "human"
)

// question is the bot's quick reply.
var question = sdk.QuickReply{
	Text: "Hi! How can we help?",
	Buttons: []sdk.Button{
		sdk.ReplyButton("Billing", valueBilling),
		sdk.ReplyButton("Technical", valueTechnical),
		sdk.ReplyButton("Talk to a human", valueHuman),
	},
}

// What the bot says.
const (
	billingAnswer   = "Invoices and payment methods are under Settings → Billing in the app. Write again if you need anything else."
	technicalAnswer = "Most problems go away after updating the app; https://status.example.com shows any outage. Write again if that does not help."
	handoverText    = "I'm handing you over to a person: someone from the team will answer here shortly."
	handoverNote    = "quickreplybot: the contact asked to talk to a human."
)

// bot answers contacts: it asks each new dialog the quick reply, answers
// the Billing and Technical buttons, and hands the conversation over to
// the humans for "Talk to a human".
//
// A bot's conversations are pending, the humans' are open. The bot holds a
// conversation while it is pending, and claims an open one that no one is
// assigned to when the message is the first the contact wrote in its
// current dialog (a new conversation, or one that was resolved and that the
// contact wrote to again): it moves it to pending. It hands over by leaving
// a private note and opening the conversation; from then on the contact's
// messages are not the first of the dialog, so the bot leaves them to the
// humans. It keeps no state of its own, so a restart changes nothing.
//
// Each answer is sent with an echo_id made from the ID of the message it
// answers, so handling the same message twice (a retry, a catch-up after a
// restart) answers once.
//
// The bot decides from its events and the agent API only, whatever its
// token is: it answers only incoming messages of contacts (never outgoing
// ones, so it cannot answer itself or another bot) and never assigns
// anyone.
type bot struct {
	agent *sdk.AgentClient
	log   *slog.Logger
	// onState and handled, when set, are called from run with each change
	// of the stream's connection and after each event with handle's error.
	onState func(sdk.State)
	handled func(sdk.Event, error)
}

// run handles the account's events until ctx is done; it returns ctx's
// error, or the server's refusal of the token.
func (b *bot) run(ctx context.Context) error {
	stream := b.agent.Stream(sdk.StreamOptions{OnState: func(s sdk.State) {
		switch {
		case s.Connected:
			b.log.Info("connected")
		case s.Err != nil:
			b.log.Warn("disconnected", "err", s.Err, "retry_in", s.RetryIn)
		}
		if b.onState != nil {
			b.onState(s)
		}
	}})
	return stream.Run(ctx, func(e sdk.Event) {
		err := b.handle(ctx, e)
		if err != nil {
			b.log.Error("handle an event", "type", e.Type, "err", err)
		}
		if b.handled != nil {
			b.handled(e, err)
		}
	})
}

// handle answers one event: a contact's message in a conversation that is
// (or becomes) the bot's. Other events change nothing.
func (b *bot) handle(ctx context.Context, e sdk.Event) error {
	m := e.Message
	if e.Type != sdk.EventMessageCreated || !m.FromContact() || m.Private || m.Deleted() {
		return nil
	}
	conv, err := b.agent.Conversation(ctx, m.ConversationID)
	if err != nil {
		return err
	}
	if mine, err := b.holds(ctx, conv, m); err != nil || !mine {
		return err
	}
	log := b.log.With("conversation", conv.ID, "message", m.ID)
	switch m.SubmittedValue() {
	case valueBilling:
		log.Info("answer", "topic", valueBilling)
		return b.say(ctx, m, "billing", sdk.AgentMessage{Content: billingAnswer})
	case valueTechnical:
		log.Info("answer", "topic", valueTechnical)
		return b.say(ctx, m, "technical", sdk.AgentMessage{Content: technicalAnswer})
	case valueHuman:
		log.Info("hand over")
		if err := b.say(ctx, m, "handover", sdk.AgentMessage{Content: handoverText}); err != nil {
			return err
		}
		if err := b.say(ctx, m, "note", sdk.AgentMessage{Content: handoverNote, Private: true}); err != nil {
			return err
		}
		return b.agent.SetStatus(ctx, conv.ID, sdk.ConversationOpen)
	default:
		log.Info("ask")
		return b.say(ctx, m, "ask", sdk.AgentMessage{Interactive: question})
	}
}

// holds reports whether the bot answers conv: it is pending, or open with
// no one assigned and m is the first message of the contact's current
// dialog, in which case the bot claims it.
func (b *bot) holds(ctx context.Context, conv *sdk.AgentConversation, m *sdk.Message) (bool, error) {
	switch {
	case conv.Status == sdk.ConversationPending:
		return true, nil
	case conv.Status != sdk.ConversationOpen || conv.Assignee != nil:
		return false, nil
	}
	for prev, err := range b.agent.History(ctx, conv.ID, m.ID) {
		if err != nil {
			return false, err
		}
		if prev.DialogID != m.DialogID {
			break
		}
		if prev.FromContact() {
			return false, nil // the contact wrote before in this dialog: not new
		}
	}
	b.log.Info("claim", "conversation", conv.ID)
	return true, b.agent.SetStatus(ctx, conv.ID, sdk.ConversationPending)
}

// say sends out in answer to m, once however often m is handled.
func (b *bot) say(ctx context.Context, m *sdk.Message, what string, out sdk.AgentMessage) error {
	out.EchoID = fmt.Sprintf("quickreplybot-%d-%s", m.ID, what)
	_, err := b.agent.Send(ctx, m.ConversationID, out)
	return err
}
