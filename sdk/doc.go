// Package sdk is the Go client of a novatalks server (or of any server that
// speaks its APIs). Client speaks the SDK API, the contact side: a contact
// is the person chatting with an account's agents; with it an app or a
// backend creates a contact's conversation, sends and reads its messages and
// receives its events live. AgentClient speaks the subset of the agent API
// (Chatwoot's Application API) that bots need: it lists and reads the
// account's conversations, answers them with text, notes and interactive
// messages, changes their status, types and assigns, and receives every
// event of the account live.
//
// It imports only the standard library and github.com/coder/websocket, so an
// app that uses it pulls in nothing of the server.
//
// # Client
//
// New returns a Client for a server's base URL. CreateConversation needs no
// credential and returns the contact's token (the API's pubsubToken); every
// other call acts as the contact whose token the Client carries
// (WithToken). Keep the token to resume the conversation later.
//
//	c := sdk.New("https://chat.example.com")
//	started, err := c.CreateConversation(ctx, sdk.NewConversation{Name: "Ada"})
//	...
//	c = c.WithToken(started.Token)
//	echoID, err := c.SendText(ctx, "hello")
//
// Every call takes a context first. An answer of the server with an error
// status is an *Error carrying the status and the server's messages; use
// errors.As, or IsNotFound, IsUnauthorized and IsInvalid. Other errors are
// the network's (wrapped *url.Error) or the decoding of an answer.
//
// Sending is safe to retry: each message has an echo_id (Send makes one when
// the caller gives none, and returns it even when sending failed), and the
// server creates at most one message per echo_id in a conversation. The
// Client itself retries idempotent calls after network errors and 408, 429
// and 5xx answers (WithRetries), with the same echo_id. It never retries
// CreateConversation, RemovePushToken or a message with files.
//
// A Client is immutable and safe for concurrent use by many goroutines;
// WithToken returns a copy. It holds no resources of its own beyond those of
// its http.Client.
//
// # Realtime
//
// A Stream delivers the contact's events: messages created, updated (status,
// answers), deleted and reacted to, conversation status changes and agents'
// typing. Client.Stream makes one; Run connects to the server's /ws
// endpoint, subscribes with the token, answers the server's keepalives
// (presence.update) and pings the server to find dead connections, and
// calls a function for each event, one at a time, on Run's goroutine, until
// its context is done. Typing tells the agents that the contact types.
//
// When the connection is lost (the server restarts, the network drops, the
// server closes a connection that reads too slowly), Run reconnects by
// itself, waiting between attempts with exponential backoff and jitter
// (Backoff), subscribes again and then catches up: it lists the messages
// changed since the last change it delivered (GET
// /api/v1/sdk/conversations/messages?updated_at=...) before it delivers live
// events again. Run ends only when its context is done or when the server
// refuses the token or the conversation, which no retry can fix.
//
// # The guarantee: every change, exactly once, in order
//
// The server gives every change of a message (creation, status, answer,
// reaction, deletion) an update time that strictly increases within a
// conversation, and sends a conversation's events in that order. A Stream
// keeps the latest update time it delivered (Since) and delivers a message
// event only when it is later; live events and caught-up changes overlap
// after a reconnect, and this is what removes the overlap. Because the
// stream subscribes before it catches up, anything that changes while it
// catches up arrives live. So across any number of reconnections the function sees
// each change of a message once, and the changes in the order the server
// made them. Passing Since to a new Stream (StreamOptions.Since) resumes
// with the same guarantee after a restart of the app.
//
// The limits of that guarantee:
//
//   - A message that changed more than once while the stream was
//     disconnected is delivered once, in its latest state, at the place of
//     its latest change (the server keeps states, not history). Such an
//     event has CaughtUp set. It is reported as message.created when it was
//     created after the last change the stream had delivered, as
//     message.deleted when it is a tombstone, and otherwise as
//     message.updated; a reaction changed while disconnected therefore
//     comes as message.updated, with the reactions in the message.
//   - Conversation status changes are not stored as a history. After a
//     reconnect the stream compares the conversation's status with the last
//     one it reported and reports the current one if they differ (first,
//     before the caught-up messages); statuses the conversation went
//     through while the stream was away are skipped, and a status change
//     that races the reconnect may be reported twice. The first status a
//     stream learns is not reported: read it with Client.Conversation.
//   - Typing events are not stored: those sent while the stream was away
//     are lost.
//   - A live message.deleted or message.reaction_updated event carries only
//     the fields the server sends for it (see Event.Message).
//   - The guarantee holds for one conversation, the only one a contact has.
//
// # Agents and bots
//
// NewAgentClient returns an AgentClient for a server's base URL and an
// agent's API access token. Its calls work in the agent's account (or the
// one WithAccount names) and need nothing else:
//
//	a := sdk.NewAgentClient("https://chat.example.com", token)
//	page, err := a.Conversations(ctx, sdk.ConversationQuery{Status: sdk.ConversationPending})
//	...
//	_, err = a.SendInteractive(ctx, conv.ID, sdk.QuickReply{Text: "How can we help?",
//		Buttons: []sdk.Button{sdk.ReplyButton("Billing", "billing")}})
//
// Messages have one model on both sides: the agent API's form (integer
// message types, times in Unix seconds) is turned into Message, so a message
// listed by an AgentClient and one delivered by a Stream read the same
// (those listed have times to the second). Agents also see private notes
// (Private) and the server's activity messages (MessageActivity). Card,
// QuickReply and Feedback, which Message's accessors return, are also what
// an agent sends with SendInteractive; LinkButton, PostbackButton and
// ReplyButton make their buttons. A contact's answer to a quick reply or to
// a card's postback button arrives as an incoming message whose
// SubmittedValue is the button's value.
//
// Errors are the same *Error, read from Chatwoot's {"error": ...} bodies;
// the agent API answers invalid input with 422, which IsInvalid also
// reports. Sending is safe to retry as on the contact side: Send gives every
// message an echo_id (AgentMessage.EchoID), and the server creates at most
// one message per echo_id in a conversation. Every call of an AgentClient is
// idempotent and retried as WithRetries says.
//
// # An agent's stream
//
// AgentClient.Stream returns a Stream of every event of the account: the
// messages of all its conversations (private notes and activity messages
// included), status changes and typing, the agent's own actions included.
// It subscribes with the pubsub token of the agent's profile, and connects,
// answers keepalives, pings, reconnects with backoff and reports its state
// as a contact's stream does.
//
// An account has no single list of changes to catch up from, so an agent's
// stream promises less than a contact's. While connected, it delivers every
// event the server sends, once, in the server's order. After a reconnect,
// before live events, it catches up on messages created while it was away:
// it lists the conversations active since shortly (a minute) before the
// latest change it delivered, and delivers as caught-up message.created
// events (message.deleted for tombstones) the messages of each that it has
// not delivered, each conversation in order, the least recently active
// conversation first; it also reports, as caught up, the status of a
// conversation it knew that changed. Message IDs grow with creation within a
// conversation, and the stream remembers the latest it delivered of each
// recently active conversation, so a reconnect repeats no message. The
// limits:
//
//   - Only creations are caught up. Changes to messages (status, answers,
//     reactions, deletions of messages it had delivered) and typing made
//     while away are lost; a live change that races the catch-up may be
//     delivered after the caught-up message that already shows it.
//   - A conversation whose only activity while away was private notes or
//     activity messages is not listed (they do not make a conversation
//     active), so those are not caught up; a conversation that becomes
//     active again while the stream reads the list may be missed.
//   - A new stream remembers nothing: from StreamOptions.Since, or from the
//     server's time when it first connects, it delivers the messages
//     created since then to the second, so it may deliver again those
//     created in the second of Since that an earlier stream delivered (or,
//     with no Since, a few created just before it connected). A handler
//     that must act once per message should be idempotent, for example by
//     sending its answers with an EchoID made from the message's ID.
//
// # Concurrency and lifecycle
//
// Clients, AgentClients and Streams are safe for concurrent use; a
// Stream's Run may run once at a time. The event function runs on Run's goroutine: while it runs, the
// stream reads ahead up to 256 frames and answers keepalives. A function
// that blocks while many events arrive makes the stream stop reading, and
// the server then drops the connection (it disconnects clients that fall
// behind); the stream reconnects and catches up, so nothing is lost, only
// delayed. The function may call the Client and Stream.Typing. OnState
// reports each connection and each loss, with the wait before the next
// attempt. When Run returns, the connection is closed and every goroutine
// the stream started has ended.
package sdk
