package sdk

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// AgentClient calls the agent API of a novatalks server (a compatible subset
// of Chatwoot's Application API) as one agent: the calls a bot needs to
// read and answer conversations. Build it with NewAgentClient. An
// AgentClient is safe for concurrent use; it holds no resources of its own
// beyond those of its http.Client.
//
// Its calls retry as a Client's do (WithRetries): each of them is
// idempotent, messages thanks to their echo_id.
type AgentClient struct {
	c       *Client
	account atomic.Int64 // 0 until known
}

// NewAgentClient returns a client of the agent API of the server at baseURL
// that acts with token, an agent's API access token (sent as the
// api_access_token header). It takes the Options of New; WithAccount saves
// the request for the profile that otherwise finds the account. It does not
// contact the server.
func NewAgentClient(baseURL, token string, opts ...Option) *AgentClient {
	c := New(baseURL, opts...)
	c.token, c.tokenHeader = token, "api_access_token"
	a := &AgentClient{c: c}
	a.account.Store(c.account)
	return a
}

// Agent API page sizes.
const (
	agentConversationsPerPage = 25
	agentMessagesBefore       = 20
	agentMessagesAfter        = 100
)

// Profile returns the agent the token belongs to, with its pubsub token.
func (a *AgentClient) Profile(ctx context.Context) (*Profile, error) {
	p, _, err := a.profile(ctx)
	return p, err
}

// profile returns the profile and the server's time (its Date header, to
// the second; the client's clock when there is none).
func (a *AgentClient) profile(ctx context.Context) (*Profile, time.Time, error) {
	var out appProfile
	var h http.Header
	if err := a.c.call(ctx, request{method: "GET", path: "/api/v1/profile", header: &h}, &out); err != nil {
		return nil, time.Time{}, err
	}
	a.account.CompareAndSwap(0, out.AccountID)
	now, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		now = time.Now()
	}
	return out.profile(), now, nil
}

// AccountID returns the account the client works in: the one WithAccount
// gave, else the agent's own, which it asks the profile for once.
func (a *AgentClient) AccountID(ctx context.Context) (int64, error) {
	if id := a.account.Load(); id != 0 {
		return id, nil
	}
	p, err := a.Profile(ctx)
	if err != nil {
		return 0, err
	}
	return p.AccountID, nil
}

// call sends a request to path under the account's prefix
// (/api/v1/accounts/{account_id}).
func (a *AgentClient) call(ctx context.Context, r request, out any) error {
	account, err := a.AccountID(ctx)
	if err != nil {
		return err
	}
	r.path = "/api/v1/accounts/" + strconv.FormatInt(account, 10) + r.path
	return a.c.call(ctx, r, out)
}

func conversationPath(id int64) string { return "/conversations/" + strconv.FormatInt(id, 10) }

// Agents returns the agents of the account, oldest first: those a
// conversation can be assigned to.
func (a *AgentClient) Agents(ctx context.Context) ([]*Agent, error) {
	var out []*Agent
	if err := a.call(ctx, request{method: "GET", path: "/agents"}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Filters of ConversationQuery.
const (
	// ConversationAll, as a ConversationQuery's Status, lists conversations
	// of every status.
	ConversationAll = "all"

	AssigneeMe         = "me"
	AssigneeUnassigned = "unassigned"
	AssigneeAssigned   = "assigned"
	AssigneeAll        = "all"
)

// ConversationQuery selects conversations of the account. The zero value
// selects the open ones, most recently active first.
type ConversationQuery struct {
	// Status is ConversationOpen (when empty), ConversationResolved,
	// ConversationPending, ConversationSnoozed or ConversationAll.
	Status string
	// Assignee is AssigneeMe, AssigneeUnassigned, AssigneeAssigned or
	// AssigneeAll (when empty).
	Assignee string
	// InboxID, when not 0, keeps the conversations of one inbox.
	InboxID int64
	// Search keeps the conversations whose contact's name, email or phone
	// number, or one of whose messages, contains it.
	Search string
	// Page is the page of 25 to return, from 1 (0 means 1).
	Page int
}

func (q ConversationQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"status": q.Status, "assignee_type": q.Assignee, "q": q.Search} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.InboxID != 0 {
		v.Set("inbox_id", strconv.FormatInt(q.InboxID, 10))
	}
	if q.Page != 0 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// ConversationPage is one page of conversations and the counts of the tabs
// of Chatwoot's conversation list.
type ConversationPage struct {
	// Conversations holds up to 25 conversations, most recently active
	// first.
	Conversations []*AgentConversation
	// The counts follow the query's Status, InboxID and Search but not its
	// Assignee: the agent's, the assigned, the unassigned and all
	// conversations.
	Mine, Assigned, Unassigned, All int
}

// Conversations returns one page of the account's conversations.
func (a *AgentClient) Conversations(ctx context.Context, q ConversationQuery) (*ConversationPage, error) {
	var out struct {
		Data struct {
			Meta struct {
				Mine       int `json:"mine_count"`
				Assigned   int `json:"assigned_count"`
				Unassigned int `json:"unassigned_count"`
				All        int `json:"all_count"`
			} `json:"meta"`
			Payload []appConversation `json:"payload"`
		} `json:"data"`
	}
	if err := a.call(ctx, request{method: "GET", path: "/conversations", query: q.values()}, &out); err != nil {
		return nil, err
	}
	m := out.Data.Meta
	page := &ConversationPage{Mine: m.Mine, Assigned: m.Assigned, Unassigned: m.Unassigned, All: m.All,
		Conversations: make([]*AgentConversation, len(out.Data.Payload))}
	for i := range out.Data.Payload {
		page.Conversations[i] = out.Data.Payload[i].conversation()
	}
	return page, nil
}

// AllConversations iterates over the conversations q selects, from q.Page
// (or the first) on, fetching pages as the loop goes. A failed page is
// yielded as (nil, err) and ends the iteration; breaking out of the loop
// fetches nothing more. The list is sorted by activity and can shift while
// it is read: a conversation that becomes active meanwhile moves to the
// first page and can be skipped or seen twice.
func (a *AgentClient) AllConversations(ctx context.Context, q ConversationQuery) iter.Seq2[*AgentConversation, error] {
	return func(yield func(*AgentConversation, error) bool) {
		q.Page = max(q.Page, 1)
		for {
			page, err := a.Conversations(ctx, q)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, c := range page.Conversations {
				if !yield(c, nil) {
					return
				}
			}
			if len(page.Conversations) < agentConversationsPerPage {
				return
			}
			q.Page++
		}
	}
}

// Conversation returns one conversation of the account.
func (a *AgentClient) Conversation(ctx context.Context, id int64) (*AgentConversation, error) {
	var out appConversation
	if err := a.call(ctx, request{method: "GET", path: conversationPath(id)}, &out); err != nil {
		return nil, err
	}
	return out.conversation(), nil
}

// Messages returns one page of a conversation's messages, oldest first, as
// agents see them: private notes and activity messages included, deleted
// messages as tombstones. With q.Before it returns the 20 messages just
// before that ID; with q.After, up to 100 just after it; with neither, the
// latest 20. q.Limit is ignored: the agent API's pages have fixed sizes.
// Times in these messages are whole seconds.
func (a *AgentClient) Messages(ctx context.Context, conversationID int64, q MessageQuery) ([]*Message, error) {
	query := url.Values{}
	if q.Before != 0 {
		query.Set("before", strconv.FormatInt(q.Before, 10))
	}
	if q.After != 0 {
		query.Set("after", strconv.FormatInt(q.After, 10))
	}
	var out struct {
		Payload []appMessage `json:"payload"`
	}
	if err := a.call(ctx, request{method: "GET", path: conversationPath(conversationID) + "/messages", query: query}, &out); err != nil {
		return nil, err
	}
	return appMessages(out.Payload), nil
}

// History iterates over a conversation's messages from the newest backwards
// (from just before the message ID before, when it is not 0), fetching
// pages of 20 as the loop goes. A failed page is yielded as (nil, err) and
// ends the iteration; breaking out of the loop fetches nothing more.
func (a *AgentClient) History(ctx context.Context, conversationID, before int64) iter.Seq2[*Message, error] {
	return history(before, agentMessagesBefore, func(before int64) ([]*Message, error) {
		return a.Messages(ctx, conversationID, MessageQuery{Before: before})
	})
}

// AgentMessage is a message for AgentClient.Send.
type AgentMessage struct {
	// Content is the text, up to 10,000 characters. It is ignored when
	// Interactive is set.
	Content string
	// Interactive, when set, makes the message a card, a quick reply or a
	// feedback request.
	Interactive Interactive
	// Private makes the message a note for agents, which never reaches the
	// contact.
	Private bool
	// ReplyTo, when not 0, makes the message a reply to that message of the
	// conversation.
	ReplyTo int64
	// EchoID identifies the message for retries: the server creates nothing
	// for an echo_id the conversation already has, and returns the message
	// that has it. Send generates one when it is empty; set it to retry a
	// failed Send safely, or to make a handler that may run twice for one
	// event send its answer once.
	EchoID string
}

// Send sends a message to a conversation and returns it as the server
// stored it. It reaches the contact live unless it is private. Sending to a
// resolved conversation does not reopen it. An invalid message (empty, too
// long, an interactive message without buttons, a link that is not http or
// https, ...) is an *Error of status 422 that names every problem.
func (a *AgentClient) Send(ctx context.Context, conversationID int64, m AgentMessage) (*Message, error) {
	body := map[string]any{"content": m.Content, "message_type": MessageOutgoing, "private": m.Private,
		"echo_id": orNewEchoID(m.EchoID)}
	attrs := map[string]any{}
	if m.Interactive != nil {
		content, contentType, ia := m.Interactive.interactive()
		body["content"], body["content_type"] = content, contentType
		if ia.ImageURL != "" {
			attrs["image_url"] = ia.ImageURL
		}
		if contentType != ContentFeedback {
			attrs["buttons"] = ia.Buttons
		}
	}
	if m.ReplyTo != 0 {
		attrs["in_reply_to"] = m.ReplyTo
	}
	if len(attrs) > 0 {
		body["content_attributes"] = attrs
	}
	var out appMessage
	if err := a.call(ctx, request{method: "POST", path: conversationPath(conversationID) + "/messages", body: body}, &out); err != nil {
		return nil, err
	}
	return out.message(), nil
}

// SendText sends a text message to the contact; see Send.
func (a *AgentClient) SendText(ctx context.Context, conversationID int64, text string) (*Message, error) {
	return a.Send(ctx, conversationID, AgentMessage{Content: text})
}

// SendNote leaves a private note for agents, which the contact never sees;
// see Send.
func (a *AgentClient) SendNote(ctx context.Context, conversationID int64, text string) (*Message, error) {
	return a.Send(ctx, conversationID, AgentMessage{Content: text, Private: true})
}

// SendInteractive sends a Card, a QuickReply or a Feedback request; see
// Send. The contact answers with Client.Answer: for quick replies and card
// postbacks the server then adds an incoming message whose SubmittedValue
// is the button's value.
func (a *AgentClient) SendInteractive(ctx context.Context, conversationID int64, in Interactive) (*Message, error) {
	return a.Send(ctx, conversationID, AgentMessage{Interactive: in})
}

// SetStatus sets a conversation's status: ConversationOpen,
// ConversationResolved, ConversationPending or ConversationSnoozed (snoozed
// until the contact writes; see Snooze). A change reaches the contact live
// and leaves an activity message for agents; setting the current status
// again changes nothing. Leaving resolved starts a new dialog.
func (a *AgentClient) SetStatus(ctx context.Context, conversationID int64, status string) error {
	return a.toggleStatus(ctx, conversationID, map[string]any{"status": status})
}

// Snooze snoozes a conversation until a time in the future (else an *Error
// of status 422): it reopens by itself then (within a few seconds), or when
// the contact writes first.
func (a *AgentClient) Snooze(ctx context.Context, conversationID int64, until time.Time) error {
	return a.toggleStatus(ctx, conversationID, map[string]any{"status": ConversationSnoozed,
		"snoozed_until": until.UTC().Format(time.RFC3339Nano)})
}

func (a *AgentClient) toggleStatus(ctx context.Context, conversationID int64, body map[string]any) error {
	return a.call(ctx, request{method: "POST", path: conversationPath(conversationID) + "/toggle_status", body: body}, nil)
}

// Typing tells the contact that the agent starts (on) or stops typing in a
// conversation; the contact's stream receives typing events for on.
func (a *AgentClient) Typing(ctx context.Context, conversationID int64, on bool) error {
	status := "off"
	if on {
		status = "on"
	}
	return a.call(ctx, request{method: "POST", path: conversationPath(conversationID) + "/toggle_typing_status",
		body: map[string]any{"typing_status": status}}, nil)
}

// Assign assigns a conversation to an agent of the account and returns
// that agent. An ID that is not an agent of the account is an *Error of
// status 404. A change leaves an activity message; assigning to the same
// agent again changes nothing.
func (a *AgentClient) Assign(ctx context.Context, conversationID, agentID int64) (*Agent, error) {
	var out *Agent
	if err := a.assign(ctx, conversationID, &agentID, &out); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("sdk: the server assigned conversation %d to no one", conversationID)
	}
	return out, nil
}

// Unassign removes a conversation's assignee, if it has one.
func (a *AgentClient) Unassign(ctx context.Context, conversationID int64) error {
	var out *Agent
	return a.assign(ctx, conversationID, nil, &out)
}

func (a *AgentClient) assign(ctx context.Context, conversationID int64, agentID *int64, out **Agent) error {
	return a.call(ctx, request{method: "POST", path: conversationPath(conversationID) + "/assignments",
		body: map[string]*int64{"assignee_id": agentID}}, out)
}

// Stream returns a stream of every realtime event of the account; it does
// not connect until Run is called. See the package documentation for what
// an agent's stream guarantees across reconnections, which is less than a
// contact's.
func (a *AgentClient) Stream(opts StreamOptions) *Stream {
	return newStream(a.c, &agentSide{a: a}, opts)
}
