package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/novatalks/novatalks"
)

const messagesPath = "/api/v1/sdk/conversations/messages"

// agentSays sends an agent message through the domain service (the agent
// HTTP API has its own tests).
func agentSays(t *testing.T, srv *Server, c Contact, in novatalks.NewAgentMessage) *novatalks.Message {
	t.Helper()
	m, err := srv.App.Service.SendAgentMessage(context.Background(), novatalks.UserActor(srv.App.Bootstrap.Admin), c.ConversationID, in)
	if err != nil {
		t.Fatalf("agent message: %v", err)
	}
	return m
}

func text(s string) *string { return &s }

func ids(msgs []map[string]any) []int64 {
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		out[i] = int64(m["id"].(float64))
	}
	return out
}

func TestListMessages(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})
	for i := range 30 {
		srv.Send(t, c, "m"+strconv.Itoa(i), "e"+strconv.Itoa(i))
	}
	all := ids(srv.Messages(t, c, "?limit=100"))
	if len(all) != 30 {
		t.Fatalf("got %d messages, want 30", len(all))
	}

	t.Run("Latest", func(t *testing.T) {
		got := ids(srv.Messages(t, c, ""))
		if len(got) != 20 || got[0] != all[10] || got[19] != all[29] {
			t.Errorf("got %v, want the latest 20 oldest first", got)
		}
	})
	t.Run("Before", func(t *testing.T) {
		got := ids(srv.Messages(t, c, fmt.Sprintf("?before=%d&limit=5", all[10])))
		if fmt.Sprint(got) != fmt.Sprint(all[5:10]) {
			t.Errorf("got %v, want %v", got, all[5:10])
		}
	})
	t.Run("After", func(t *testing.T) {
		got := ids(srv.Messages(t, c, fmt.Sprintf("?after=%d&limit=5", all[10])))
		if fmt.Sprint(got) != fmt.Sprint(all[11:16]) {
			t.Errorf("got %v, want %v", got, all[11:16])
		}
	})
	t.Run("LimitCapped", func(t *testing.T) {
		if got := srv.Messages(t, c, "?limit=1000"); len(got) != 30 {
			t.Errorf("got %d", len(got))
		}
	})
	t.Run("UpdatedAtCatchUp", func(t *testing.T) {
		latest := srv.Messages(t, c, "?limit=1")
		since := int64(latest[0]["updated_at"].(float64))
		// Three changes to older messages, in this order.
		srv.SDK(t, 200, Request{Method: "POST", Path: fmt.Sprintf("%s/%d/reactions", messagesPath, all[3]), Token: c.Token, Body: `{"reaction": "🔥"}`})
		srv.SDK(t, 200, Request{Method: "DELETE", Path: fmt.Sprintf("%s/%d", messagesPath, all[1]), Token: c.Token})
		srv.Send(t, c, "new", "e-new")
		got := srv.Messages(t, c, fmt.Sprintf("?updated_at=%d", since))
		if len(got) != 3 || int64(got[0]["id"].(float64)) != all[3] || int64(got[1]["id"].(float64)) != all[1] || got[2]["content"] != "new" {
			t.Fatalf("catch-up = %v, want the three changes in update order", ids(got))
		}
		for i := 1; i < len(got); i++ {
			if got[i]["updated_at"].(float64) <= got[i-1]["updated_at"].(float64) {
				t.Errorf("updated_at does not strictly increase: %v", got)
			}
		}
		if got[1]["deleted_at"] == nil || got[1]["content"] != nil {
			t.Errorf("tombstone = %v", got[1])
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, q := range []string{"?before=abc", "?after=1&before=2", "?updated_at=1&after=2", "?updated_at=x", "?limit=0"} {
			resp := srv.SDK(t, 400, Request{Method: "GET", Path: messagesPath + q, Token: c.Token})
			if !bytes.Contains(resp.Body, []byte("must")) && !bytes.Contains(resp.Body, []byte("only one")) {
				t.Errorf("%s: unclear message %s", q, resp.Body)
			}
		}
	})
	t.Run("PrivateNotesAndActivityHidden", func(t *testing.T) {
		agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("secret"), Private: true})
		if _, err := srv.App.Service.ChangeStatus(context.Background(), novatalks.UserActor(srv.App.Bootstrap.Admin), c.ConversationID, "resolved", nil); err != nil {
			t.Fatal(err)
		}
		for _, m := range srv.Messages(t, c, "?updated_at=0&limit=100") {
			if m["private"] == true || m["message_type"] == "activity" || m["content"] == "secret" {
				t.Errorf("contact sees %v", m)
			}
		}
	})
}

func TestCreateMessage(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})

	t.Run("OpensConversationInANewDialog", func(t *testing.T) {
		before := srv.Events.Len()
		srv.Send(t, c, "hello", "1")
		events := srv.Events.Since(before)
		if len(events) != 2 || events[0].Type != novatalks.EventConversationStatus || events[1].Type != novatalks.EventMessageCreated {
			t.Fatalf("events = %v", events)
		}
		first := events[0].Conversation.DialogID
		if events[0].Conversation.Status != "open" || first == "" || events[1].Message.DialogID != first {
			t.Errorf("status event %+v, message dialog %q", events[0].Conversation, events[1].Message.DialogID)
		}
		// Resolved by an agent, the next message starts a second dialog.
		if _, err := srv.App.Service.ChangeStatus(context.Background(), novatalks.UserActor(srv.App.Bootstrap.Admin), c.ConversationID, "resolved", nil); err != nil {
			t.Fatal(err)
		}
		srv.Send(t, c, "again", "2")
		msgs := srv.Messages(t, c, "")
		last := msgs[len(msgs)-1]
		if last["dialog_id"] == first || last["dialog_id"] == "" {
			t.Errorf("second dialog id %v, first %v", last["dialog_id"], first)
		}
	})

	t.Run("DuplicateEchoIDCreatesNothing", func(t *testing.T) {
		n := len(srv.Messages(t, c, "?limit=100"))
		before := srv.Events.Len()
		srv.Send(t, c, "once", "dup")
		srv.Send(t, c, "once", "dup")
		if got := len(srv.Messages(t, c, "?limit=100")); got != n+1 {
			t.Errorf("got %d messages, want %d", got, n+1)
		}
		if got := srv.Events.Len() - before; got != 1 {
			t.Errorf("got %d events, want 1", got)
		}
	})

	t.Run("KnownEchoIDWinsOverABadReply", func(t *testing.T) {
		srv.Send(t, c, "the original", "known")
		n, before := len(srv.Messages(t, c, "?limit=100")), srv.Events.Len()
		srv.SDK(t, 200, Request{Method: "POST", Path: messagesPath, Token: c.Token,
			Body: `{"message": {"content": "[RepliedMessageDialogId:]d[RepliedMessageId:]999999[RepliedContent:]q[Content:]c", "echo_id": "known"}}`})
		if got := len(srv.Messages(t, c, "?limit=100")); got != n {
			t.Errorf("got %d messages, want %d", got, n)
		}
		if got := srv.Events.Len() - before; got != 0 {
			t.Errorf("got %d events, want none", got)
		}
	})

	t.Run("RetryDoesNotReopen", func(t *testing.T) {
		srv.Send(t, c, "before resolving", "before-resolve")
		if _, err := srv.App.Service.ChangeStatus(context.Background(), novatalks.UserActor(srv.App.Bootstrap.Admin),
			c.ConversationID, novatalks.StatusResolved, nil); err != nil {
			t.Fatal(err)
		}
		before := srv.Events.Len()
		srv.Send(t, c, "before resolving", "before-resolve")
		if got := srv.Events.Len() - before; got != 0 {
			t.Errorf("a retry to a resolved conversation emitted %d events", got)
		}
		srv.Send(t, c, "reopens", "reopens")
	})

	t.Run("ConcurrentRetriesCreateOneMessage", func(t *testing.T) {
		n := len(srv.Messages(t, c, "?limit=100"))
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp := srv.Do(t, Request{Method: "POST", Path: messagesPath, Token: c.Token, Body: `{"message": {"content": "x", "echo_id": "same"}}`})
				if resp.Status != 200 {
					t.Errorf("status %d: %s", resp.Status, resp.Body)
				}
			}()
		}
		wg.Wait()
		if got := len(srv.Messages(t, c, "?limit=100")); got != n+1 {
			t.Errorf("got %d messages, want %d", got, n+1)
		}
	})

	t.Run("NumericEchoID", func(t *testing.T) {
		srv.SDK(t, 200, Request{Method: "POST", Path: messagesPath, Token: c.Token, Body: `{"message": {"content": "n", "echo_id": 209}}`})
		msgs := srv.Messages(t, c, "?limit=1")
		if msgs[0]["echo_id"] != "209" {
			t.Errorf("echo_id = %v", msgs[0]["echo_id"])
		}
	})

	t.Run("Multipart", func(t *testing.T) {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		w.WriteField("message[content]", "from a form")
		w.WriteField("message[echo_id]", "mp-1")
		w.Close()
		resp := srv.Do(t, Request{Method: "POST", Path: messagesPath, Token: c.Token, Body: body.Bytes(),
			Header: map[string]string{"Content-Type": w.FormDataContentType()}})
		if resp.Status != 200 || len(resp.Body) != 0 {
			t.Fatalf("status %d body %q", resp.Status, resp.Body)
		}
		msgs := srv.Messages(t, c, "?limit=1")
		if msgs[0]["content"] != "from a form" || msgs[0]["echo_id"] != "mp-1" {
			t.Errorf("message = %v", msgs[0])
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		before := srv.Events.Len()
		for _, tc := range []struct{ body, want string }{
			{`{"message": {"content": "x"}}`, "message.echo_id must be a non-empty string"},
			{`{"message": {"content": "", "echo_id": "z1"}}`, "message.content must not be empty"},
			{`{"message": {"content": 5, "echo_id": "z2"}}`, "message.content must be a string"},
			{`{"message": {"content": "x", "echo_id": true}}`, "echo_id must be a string"},
			{`{"content": "x"}`, "message must be an object"},
			{`{"message": {"content": "` + strings.Repeat("a", 10001) + `", "echo_id": "z3"}}`, "at most 10000 characters"},
			{`{"message": {"content": "[RepliedMessageDialogId:]d[RepliedMessageId:]abc[RepliedContent:]q[Content:]c", "echo_id": "z4"}}`, "replied message id"},
			{`{"message": {"content": "[RepliedMessageDialogId:]d[RepliedMessageId:]999999[RepliedContent:]q[Content:]c", "echo_id": "z5"}}`, "does not exist in this conversation"},
		} {
			resp := srv.SDK(t, 400, Request{Method: "POST", Path: messagesPath, Token: c.Token, Body: tc.body})
			if !strings.Contains(string(resp.Body), tc.want) {
				t.Errorf("%.60s: body %s does not say %q", tc.body, resp.Body, tc.want)
			}
		}
		if n := srv.Events.Len() - before; n != 0 {
			t.Errorf("rejected requests emitted %d events", n)
		}
	})
}

func TestReplies(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "sdk-1"})
	other := srv.StartConversation(t, map[string]any{"name": "other"})
	srv.Send(t, other, "not yours", "o1")
	foreign := ids(srv.Messages(t, other, ""))[0]
	agent := agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("Доброго дня")})
	note := agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("note"), Private: true})

	t.Run("OK", func(t *testing.T) {
		before := srv.Events.Len()
		body := fmt.Sprintf(`{"message": {"content": "[RepliedMessageDialogId:]%s[RepliedMessageId:]%d[RepliedContent:]Доброго дня[Content:]Вітаю", "echo_id": "724"}}`, agent.DialogID, agent.ID)
		srv.SDK(t, 200, Request{Method: "POST", Path: messagesPath, Token: c.Token, Body: body})
		got := srv.Messages(t, c, "?limit=1")[0]
		reply, _ := got["reply"].(map[string]any)
		attrs := got["content_attributes"].(map[string]any)
		if got["content"] != "Вітаю" || attrs["in_reply_to"] != float64(agent.ID) || reply == nil || reply["content"] != "Доброго дня" {
			t.Fatalf("reply message = %v", got)
		}
		sender := reply["sender"].(map[string]any)
		for _, k := range []string{"id", "name", "display_name", "avatar_url"} {
			if _, ok := sender[k]; !ok {
				t.Errorf("reply.sender lacks %s: %v", k, sender)
			}
		}
		for _, k := range []string{"id", "content", "sender", "message_type", "content_type", "attachments", "created_at"} {
			if _, ok := reply[k]; !ok {
				t.Errorf("reply lacks %s", k)
			}
		}
		events := srv.Events.Since(before)
		last := events[len(events)-1]
		if last.Type != novatalks.EventMessageCreated || last.Message.Reply == nil || last.Message.Reply.ID != agent.ID {
			t.Errorf("message.created does not carry the reply: %+v", events)
		}
	})
	t.Run("ErrOtherConversation", func(t *testing.T) {
		body := fmt.Sprintf(`{"message": {"content": "[RepliedMessageDialogId:]x[RepliedMessageId:]%d[RepliedContent:]q[Content:]c", "echo_id": "r2"}}`, foreign)
		srv.SDK(t, 400, Request{Method: "POST", Path: messagesPath, Token: c.Token, Body: body})
	})
	t.Run("ErrPrivateNote", func(t *testing.T) {
		body := fmt.Sprintf(`{"message": {"content": "[RepliedMessageDialogId:]x[RepliedMessageId:]%d[RepliedContent:]q[Content:]c", "echo_id": "r3"}}`, note.ID)
		srv.SDK(t, 400, Request{Method: "POST", Path: messagesPath, Token: c.Token, Body: body})
	})
}

func TestMessageStatus(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})
	a := agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("one")})
	b := agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("two")})
	other := srv.StartConversation(t, map[string]any{"name": "Bob"})
	srv.Send(t, other, "x", "x")
	foreign := ids(srv.Messages(t, other, ""))[0]
	path := messagesPath + "/status"
	status := func(id int64) string {
		for _, m := range srv.Messages(t, c, "?limit=100") {
			if int64(m["id"].(float64)) == id {
				return m["status"].(string)
			}
		}
		return ""
	}

	t.Run("OK", func(t *testing.T) {
		before := srv.Events.Len()
		srv.SDK(t, 200, Request{Method: "PATCH", Path: path, Token: c.Token, Body: fmt.Sprintf(`{"status": "seen", "messageIds": [%d, %d]}`, a.ID, b.ID)})
		if status(a.ID) != "seen" || status(b.ID) != "seen" {
			t.Errorf("statuses %s %s", status(a.ID), status(b.ID))
		}
		if n := len(srv.Events.Since(before)); n != 2 {
			t.Errorf("%d events, want 2", n)
		}
	})
	t.Run("NeverBackwardsAndSilentWhenUnchanged", func(t *testing.T) {
		before := srv.Events.Len()
		srv.SDK(t, 200, Request{Method: "PATCH", Path: path, Token: c.Token, Body: fmt.Sprintf(`{"status": "delivered", "messageIds": [%d]}`, a.ID)})
		srv.SDK(t, 200, Request{Method: "PATCH", Path: path, Token: c.Token, Body: fmt.Sprintf(`{"status": "seen", "messageIds": [%d]}`, a.ID)})
		if status(a.ID) != "seen" {
			t.Errorf("status moved backwards to %s", status(a.ID))
		}
		if n := len(srv.Events.Since(before)); n != 0 {
			t.Errorf("%d events, want none", n)
		}
	})
	t.Run("ErrNotFoundChangesNothing", func(t *testing.T) {
		c2 := agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("three")})
		srv.SDK(t, 404, Request{Method: "PATCH", Path: path, Token: c.Token, Body: fmt.Sprintf(`{"status": "delivered", "messageIds": [%d, %d]}`, c2.ID, foreign)})
		if status(c2.ID) != "sent" {
			t.Errorf("a rejected request changed status to %s", status(c2.ID))
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, body := range []string{`{"status": "read", "messageIds": [1]}`, `{"status": "seen", "messageIds": []}`,
			`{"status": "seen"}`, `{"status": "seen", "messageIds": ["a"]}`, `{"messageIds": [1]}`} {
			srv.SDK(t, 400, Request{Method: "PATCH", Path: path, Token: c.Token, Body: body})
		}
	})
}
