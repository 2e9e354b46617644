// Package sdk is the Go client of the NovaTalks SDK API: the contact side of
// a novatalks server (or of any server that speaks the API). A contact is the
// person chatting with an account's agents; with this package an app or a
// backend creates a contact's conversation, sends and reads its messages and
// receives its events live.
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
// # Concurrency and lifecycle
//
// A Stream's methods are safe for concurrent use; Run may run once at a
// time. The event function runs on Run's goroutine: while it runs, the
// stream reads ahead up to 256 frames and answers keepalives. A function
// that blocks while many events arrive makes the stream stop reading, and
// the server then drops the connection (it disconnects clients that fall
// behind); the stream reconnects and catches up, so nothing is lost, only
// delayed. The function may call the Client and Stream.Typing. OnState
// reports each connection and each loss, with the wait before the next
// attempt. When Run returns, the connection is closed and every goroutine
// the stream started has ended.
package sdk
