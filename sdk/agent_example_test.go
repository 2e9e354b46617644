package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"

	"github.com/novatalks/novatalks/sdk"
)

// This example answers a contact as an agent: it finds the conversation,
// replies, leaves a note for the other agents and resolves it.
func ExampleAgentClient() {
	ctx := context.Background()
	// A contact writes from an app, through the SDK API.
	_, err := sdk.New(baseURL).CreateConversation(ctx, sdk.NewConversation{Name: "Olena", Message: "Where is my order?"})
	if err != nil {
		log.Fatal(err)
	}

	a := sdk.NewAgentClient(baseURL, adminToken)
	page, err := a.Conversations(ctx, sdk.ConversationQuery{Search: "Olena"})
	if err != nil {
		log.Fatal(err)
	}
	conv := page.Conversations[0]
	fmt.Println(conv.Contact.Name, conv.Status, conv.LastMessage.Content)
	if _, err := a.SendText(ctx, conv.ID, "It left the warehouse yesterday."); err != nil {
		log.Fatal(err)
	}
	if _, err := a.SendNote(ctx, conv.ID, "Order 1234, carrier delayed"); err != nil {
		log.Fatal(err)
	}
	if err := a.SetStatus(ctx, conv.ID, sdk.ConversationResolved); err != nil {
		log.Fatal(err)
	}
	msgs, err := a.Messages(ctx, conv.ID, sdk.MessageQuery{})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range msgs {
		kind := m.MessageType
		if m.Private {
			kind = "note"
		}
		fmt.Printf("%s: %s\n", kind, m.Content)
	}
	// Output:
	// Olena open Where is my order?
	// incoming: Where is my order?
	// outgoing: It left the warehouse yesterday.
	// note: Order 1234, carrier delayed
	// activity: Conversation was marked resolved by Administrator
}

// This example asks the contact with a quick reply and reads the answer: an
// incoming message whose SubmittedValue is the value of the button picked.
func ExampleAgentClient_SendInteractive() {
	ctx := context.Background()
	contact := sdk.New(baseURL)
	started, err := contact.CreateConversation(ctx, sdk.NewConversation{Name: "Ada", Message: "Hi"})
	if err != nil {
		log.Fatal(err)
	}
	contact = contact.WithToken(started.Token)

	a := sdk.NewAgentClient(baseURL, adminToken)
	ask, err := a.SendInteractive(ctx, started.Conversation.ID, sdk.QuickReply{
		Text:    "How can we help?",
		Buttons: []sdk.Button{sdk.ReplyButton("Billing", "billing"), sdk.ReplyButton("Technical", "technical")},
	})
	if err != nil {
		log.Fatal(err)
	}
	// The contact picks "Technical" in the app.
	if err := contact.Answer(ctx, ask.ID, "technical"); err != nil {
		log.Fatal(err)
	}

	answers, err := a.Messages(ctx, started.Conversation.ID, sdk.MessageQuery{After: ask.ID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s picked %q (%s)\n", answers[0].SenderName(), answers[0].Content, answers[0].SubmittedValue())
	// Output:
	// Ada picked "Technical" (technical)
}

// This example receives the account's events live and answers the first
// message of a contact.
func ExampleAgentClient_Stream() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := sdk.NewAgentClient(baseURL, adminToken)
	var connected sync.Once
	ready := make(chan struct{})
	stream := a.Stream(sdk.StreamOptions{OnState: func(s sdk.State) {
		if s.Connected {
			connected.Do(func() { close(ready) })
		}
	}})
	done := make(chan error, 1)
	go func() {
		done <- stream.Run(ctx, func(e sdk.Event) {
			m := e.Message
			if e.Type != sdk.EventMessageCreated || !m.FromContact() || m.SenderName() != "Mira" {
				return // another conversation, or not the contact's
			}
			fmt.Println("Mira:", m.Content)
			if _, err := a.SendText(ctx, m.ConversationID, "Hello Mira, how can we help?"); err != nil {
				log.Print(err)
			}
			cancel()
		})
	}()
	<-ready

	_, err := sdk.New(baseURL).CreateConversation(ctx, sdk.NewConversation{Name: "Mira", Message: "Hello?"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(errors.Is(<-done, context.Canceled))
	// Output:
	// Mira: Hello?
	// true
}
