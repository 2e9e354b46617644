package sdk_test

// The examples run against a real novatalks server that TestMain starts
// in-process; baseURL is its address and adminToken the API access token of
// its administrator, the agent of the examples.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/novatalks/novatalks/sdk"
)

// This example starts a conversation, sends a message and reads the
// conversation back.
func Example() {
	ctx := context.Background()
	c := sdk.New(baseURL)
	started, err := c.CreateConversation(ctx, sdk.NewConversation{Name: "Ada", Email: "ada@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	// The token is the contact's credential: keep it to come back later.
	c = c.WithToken(started.Token)
	if _, err := c.SendText(ctx, "Hello, I need help with my order"); err != nil {
		log.Fatal(err)
	}
	conv, msgs, err := c.Conversation(ctx, 20)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", conv.Status)
	for _, m := range msgs {
		fmt.Printf("%s: %s\n", m.SenderName(), m.Content)
	}
	// Output:
	// status: open
	// Ada: Hello, I need help with my order
}

// This example receives the conversation's events live. The stream first
// catches up from Since (here 0, the beginning), so it gets the message even
// if it is sent before the stream is connected.
func ExampleClient_Stream() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := sdk.New(baseURL)
	started, err := c.CreateConversation(ctx, sdk.NewConversation{Name: "Ada"})
	if err != nil {
		log.Fatal(err)
	}
	c = c.WithToken(started.Token)
	echoID, err := c.SendText(ctx, "hello")
	if err != nil {
		log.Fatal(err)
	}
	stream := c.Stream(sdk.StreamOptions{Since: 0})
	err = stream.Run(ctx, func(e sdk.Event) {
		if e.Type == sdk.EventMessageCreated && e.Message.EchoID == echoID {
			fmt.Println(e.Type, e.Message.Content)
			cancel() // this example needs only one event
		}
	})
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// message.created hello
	// true
}

// This example reads the whole history from the newest message backwards,
// one page of 2 at a time.
func ExampleClient_History() {
	ctx := context.Background()
	c := sdk.New(baseURL)
	started, err := c.CreateConversation(ctx, sdk.NewConversation{Name: "Ada"})
	if err != nil {
		log.Fatal(err)
	}
	c = c.WithToken(started.Token)
	for _, text := range []string{"one", "two", "three"} {
		if _, err := c.SendText(ctx, text); err != nil {
			log.Fatal(err)
		}
	}
	for m, err := range c.History(ctx, 0, 2) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.Content)
	}
	// Output:
	// three
	// two
	// one
}

// This example answers a quick reply of a bot by picking one of its buttons.
func ExampleMessage_QuickReply() {
	ctx := context.Background()
	c := sdk.New(baseURL)
	started, err := c.CreateConversation(ctx, sdk.NewConversation{Name: "Ada", Message: "When does it arrive?"})
	if err != nil {
		log.Fatal(err)
	}
	c = c.WithToken(started.Token)
	// An agent or a bot asks (see AgentClient).
	agent := sdk.NewAgentClient(baseURL, adminToken)
	_, err = agent.SendInteractive(ctx, started.Conversation.ID, sdk.QuickReply{Text: "How fast?", Buttons: []sdk.Button{
		sdk.ReplyButton("Standard (3–5 days)", "SHIP_STANDARD"), sdk.ReplyButton("Overnight", "SHIP_OVERNIGHT")}})
	if err != nil {
		log.Fatal(err)
	}

	msgs, err := c.Messages(ctx, sdk.MessageQuery{})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range msgs {
		if q, ok := m.QuickReply(); ok {
			fmt.Println(q.Text)
			for _, b := range q.Buttons {
				fmt.Printf("  %s (%s)\n", b.Title, b.Value)
			}
			if err := c.Answer(ctx, m.ID, q.Buttons[1].Value); err != nil {
				log.Fatal(err)
			}
		}
	}
	// The answer is also a message of the contact, with the button's title.
	msgs, _ = c.Messages(ctx, sdk.MessageQuery{Limit: 1})
	fmt.Println("answered:", msgs[0].Content)
	// Output:
	// How fast?
	//   Standard (3–5 days) (SHIP_STANDARD)
	//   Overnight (SHIP_OVERNIGHT)
	// answered: Overnight
}

// This example replies to a message and reacts to it.
func ExampleClient_Reply() {
	ctx := context.Background()
	c := sdk.New(baseURL)
	started, err := c.CreateConversation(ctx, sdk.NewConversation{Name: "Ada", Message: "Доброго дня"})
	if err != nil {
		log.Fatal(err)
	}
	c = c.WithToken(started.Token)
	first, err := c.Messages(ctx, sdk.MessageQuery{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Reply(ctx, first[0], "Вітаю"); err != nil {
		log.Fatal(err)
	}
	if err := c.React(ctx, first[0].ID, "👍"); err != nil {
		log.Fatal(err)
	}
	msgs, _ := c.Messages(ctx, sdk.MessageQuery{})
	fmt.Println(msgs[0].Content, msgs[0].Reactions[0].Emoji)
	fmt.Printf("%s (in reply to %q)\n", msgs[1].Content, msgs[1].Reply.Content)
	// Output:
	// Доброго дня 👍
	// Вітаю (in reply to "Доброго дня")
}

// This example shows the error of a refused request: the server's status and
// its message, one per invalid field.
func ExampleError() {
	c := sdk.New(baseURL)
	_, err := c.CreateConversation(context.Background(), sdk.NewConversation{Name: "", Email: "nope"})
	var e *sdk.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, sdk.IsInvalid(err))
		fmt.Println(strings.Join(e.Messages, "\n"))
	}
	// Output:
	// 400 true
	// name must be a non-empty string
	// email must be a valid email address
}
