package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/httpapi"
)

// TestContactMessageEventMatchesStore checks that the message a contact's
// message.created event carries, which the service builds without reading
// it back, is the message the store returns: for a first message, a plain
// one, one with files, replies (to a message with files, to a deleted one),
// an interactive answer, one that reopens a resolved conversation, and one
// sent right after the contact was renamed.
func TestContactMessageEventMatchesStore(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	seen, checked := srv.Events.Len(), 0
	// check compares the messages of the contact's message.created events
	// since the last check with what the store has now.
	check := func(step string) {
		t.Helper()
		events := srv.Events.Since(seen)
		seen += len(events)
		for _, e := range events {
			if e.Type != novatalks.EventMessageCreated || e.Message.SenderType != novatalks.SenderContact {
				continue
			}
			checked++
			stored, err := srv.App.DB.FindMessageByID(ctx, e.ConversationID, e.Message.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(httpapi.NewMessageJSON(e.Message, srv.URL))
			want, _ := json.Marshal(httpapi.NewMessageJSON(stored, srv.URL))
			if string(got) != string(want) {
				t.Errorf("%s: event\n%s\nstore\n%s", step, got, want)
			} else if !reflect.DeepEqual(e.Message, stored) {
				t.Errorf("%s: same JSON, but the event's message differs from the store's:\n%#v\n%#v", step, e.Message, stored)
			}
		}
	}
	c := srv.StartConversation(t, map[string]any{"name": "Ann", "message": map[string]any{"content": "first", "echo_id": "e0"}})
	check("first message")
	srv.Send(t, c, "plain", "e1")
	check("plain")
	if r := srv.SendFiles(t, c, "two files", "e2", Upload{Name: "a.png", Data: pngFile(t, 40, 30, false)},
		Upload{Name: "b.pdf", Data: pdfFile()}); r.Status != 200 {
		t.Fatalf("files: %d %s", r.Status, r.Body)
	}
	check("files")
	withFiles := srv.Messages(t, c, "?limit=1")[0]
	srv.Send(t, c, fmt.Sprintf("[RepliedMessageDialogId:]x[RepliedMessageId:]%d[RepliedContent:]two files[Content:]a reply", num(withFiles["id"])), "e3")
	check("reply to files")
	srv.Send(t, c, "to delete", "e4")
	check("to delete")
	deleted := srv.Messages(t, c, "?limit=1")[0]
	srv.SDK(t, 200, Request{Method: "DELETE", Path: fmt.Sprintf("%s/%d", messagesPath, num(deleted["id"])), Token: c.Token})
	srv.Send(t, c, fmt.Sprintf("[RepliedMessageDialogId:]x[RepliedMessageId:]%d[RepliedContent:]gone[Content:]reply to a deleted one", num(deleted["id"])), "e5")
	check("reply to a deleted message")
	qr := agentSays(t, srv, c, quickReply())
	srv.SDK(t, 200, Request{Method: "PATCH", Path: fmt.Sprintf("%s/%d/interactive-attribute", messagesPath, qr.ID), Token: c.Token,
		Body: map[string]any{"selected_content_attribute_value": "SHIP_STANDARD"}})
	check("interactive answer")
	admin := novatalks.UserActor(srv.App.Bootstrap.Admin)
	if _, err := srv.App.Service.ChangeStatus(ctx, admin, c.ConversationID, novatalks.StatusResolved, nil); err != nil {
		t.Fatal(err)
	}
	srv.Send(t, c, "reopen", "e6")
	check("reopening")
	name := "Ann Renamed"
	if _, err := srv.App.Service.UpdateContact(ctx, admin, c.ContactID, novatalks.ContactUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	srv.Send(t, c, "after the rename", "e7")
	check("after a rename")
	if checked != 9 {
		t.Errorf("checked %d message.created events of the contact, want 9", checked)
	}
}
