package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
)

func testMessage(t *testing.T, b Backend) {
	s, _ := open(t, b)

	// Every field of a message reads back as it was written.
	t.Run("OK", func(t *testing.T) {
		sc := newScene(t, s)
		full := createMessage(t, s, sc.Conversation, "hello", func(m *novatalks.Message) {
			m.ContentType = novatalks.ContentQuickReply
			m.ContentAttributes = map[string]any{"items": []any{map[string]any{"title": "Yes", "value": "y"}}, "n": 1.0}
			m.Pinned, m.Status = true, novatalks.MessageDelivered
			m.EchoID, m.SourceID = ptr("echo-1"), ptr("source-1")
			m.CreatedAt, m.UpdatedAt = at(21), at(22)
		})
		note := createMessage(t, s, sc.Conversation, "a note", fromUser(sc.User), func(m *novatalks.Message) {
			m.Private, m.ReplyToID = true, ptr(full.ID)
		})
		activity := createMessage(t, s, sc.Conversation, "Conversation was resolved", func(m *novatalks.Message) {
			m.MessageType, m.SenderType, m.SenderID = novatalks.MessageActivity, "", nil
		})
		empty := createMessage(t, s, sc.Conversation, "", func(m *novatalks.Message) { m.Content = nil })
		wantIncreasing(t, []int64{full.ID, note.ID, activity.ID, empty.ID}, "CreateMessage")
		for _, want := range []*novatalks.Message{full, note, activity, empty} {
			got, err := s.FindMessageByID(bg, sc.Conversation.ID, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, bareMessage(got), want, fmt.Sprintf("FindMessageByID(%d)", want.ID))
		}
		got, err := s.FindMessageByEchoID(bg, sc.Conversation.ID, "echo-1")
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, bareMessage(got), full, "FindMessageByEchoID")
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		sc := newScene(t, s)
		sibling := sc.conversation(t, s, "Bo")
		foreign := newScene(t, s)
		m := createMessage(t, s, sc.Conversation, "mine", func(m *novatalks.Message) { m.EchoID = ptr("e") })
		_, err := s.FindMessageByID(bg, sibling.ID, m.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindMessageByID with another conversation of the account")
		_, err = s.FindMessageByID(bg, foreign.Conversation.ID, m.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindMessageByID with another account's conversation")
		_, err = s.FindMessageByID(bg, sc.Conversation.ID, m.ID+1000)
		wantCode(t, err, novatalks.ENOTFOUND, "FindMessageByID of a missing message")
		_, err = s.FindMessageByEchoID(bg, sibling.ID, "e")
		wantCode(t, err, novatalks.ENOTFOUND, "FindMessageByEchoID in another conversation")
		_, err = s.FindMessageByEchoID(bg, sc.Conversation.ID, "unknown")
		wantCode(t, err, novatalks.ENOTFOUND, "FindMessageByEchoID of an unknown echo_id")
		_, err = s.FindMessageByEchoID(bg, sc.Conversation.ID, "")
		wantCode(t, err, novatalks.ENOTFOUND, "FindMessageByEchoID of an empty echo_id")
	})

	// An echo_id is unique within its conversation only; messages without
	// one never conflict.
	t.Run("EchoIDErrConflict", func(t *testing.T) {
		sc := newScene(t, s)
		sibling := sc.conversation(t, s, "Bo")
		first := createMessage(t, s, sc.Conversation, "first", func(m *novatalks.Message) { m.EchoID = ptr("e-1") })
		again := newMessage(sc.Conversation, "again")
		again.EchoID = ptr("e-1")
		err := s.Update(bg, func(tx novatalks.Tx) error { return tx.CreateMessage(bg, again) })
		wantCode(t, err, novatalks.ECONFLICT, "CreateMessage with a known echo_id")
		// Within one transaction too.
		err = s.Update(bg, func(tx novatalks.Tx) error {
			for range 2 {
				m := newMessage(sc.Conversation, "twice")
				m.EchoID = ptr("e-2")
				if err := tx.CreateMessage(bg, m); err != nil {
					return err
				}
			}
			return nil
		})
		wantCode(t, err, novatalks.ECONFLICT, "CreateMessage twice with one echo_id in one transaction")
		_, err = s.FindMessageByEchoID(bg, sc.Conversation.ID, "e-2")
		wantCode(t, err, novatalks.ENOTFOUND, "the first message of the failed transaction")
		// The conflict leaves the transaction usable: the service reads the
		// existing message in it, and what else it wrote commits.
		var found *novatalks.Message
		err = s.Update(bg, func(tx novatalks.Tx) error {
			m := newMessage(sc.Conversation, "retry")
			m.EchoID = ptr("e-1")
			if err := tx.CreateMessage(bg, m); novatalks.ErrorCode(err) != novatalks.ECONFLICT {
				return fmt.Errorf("CreateMessage with a known echo_id: %v, want ECONFLICT", err)
			}
			var err error
			if found, err = tx.FindMessageByEchoID(bg, sc.Conversation.ID, "e-1"); err != nil {
				return err
			}
			return tx.CreateMessage(bg, newMessage(sc.Conversation, "after the conflict"))
		})
		if err != nil || found == nil || found.ID != first.ID {
			t.Errorf("a transaction after an echo_id conflict: %v, found %s; want it usable and message %d", err, format(found), first.ID)
		}
		createMessage(t, s, sibling, "other conversation", func(m *novatalks.Message) { m.EchoID = ptr("e-1") })
		createMessage(t, s, sc.Conversation, "no echo", func(m *novatalks.Message) { m.EchoID = nil })
		createMessage(t, s, sc.Conversation, "no echo either", func(m *novatalks.Message) { m.EchoID = nil })
		got, err := s.FindMessageByEchoID(bg, sc.Conversation.ID, "e-1")
		if err != nil || got.ID != first.ID {
			t.Errorf("FindMessageByEchoID after the conflicts = %s, %v; want message %d", format(got), err, first.ID)
		}
	})

	// N concurrent transactions create a message with the same echo_id:
	// exactly one wins, the others get ECONFLICT.
	t.Run("EchoIDConcurrent", func(t *testing.T) {
		sc := newScene(t, s)
		const n = 16
		var wg sync.WaitGroup
		errs, created := make([]error, n), make([]*novatalks.Message, n)
		for i := range n {
			wg.Go(func() {
				m := newMessage(sc.Conversation, fmt.Sprint("attempt ", i))
				m.EchoID = ptr("same")
				errs[i] = s.Update(bg, func(tx novatalks.Tx) error { return tx.CreateMessage(bg, m) })
				created[i] = m
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch code := novatalks.ErrorCode(err); code {
			case "":
				if winner >= 0 {
					t.Errorf("transactions %d and %d both created a message with the echo_id", winner, i)
				}
				winner = i
			case novatalks.ECONFLICT:
			default:
				t.Errorf("transaction %d: %v, want success or ECONFLICT", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no transaction created the message")
		}
		got, err := s.FindMessageByEchoID(bg, sc.Conversation.ID, "same")
		if err != nil || got.ID != created[winner].ID || *got.Content != *created[winner].Content {
			t.Errorf("FindMessageByEchoID = %s, %v; want the winner %d", format(got), err, created[winner].ID)
		}
		list, err := s.FindMessages(bg, novatalks.MessageFilter{ConversationID: sc.Conversation.ID, Limit: 100})
		if err != nil || len(list) != 1 {
			t.Errorf("the conversation has %d messages (%v), want 1", len(list), err)
		}
	})

	// The service's way: lock the conversation, look the echo_id up, create
	// the message only when it is unknown. Concurrent requests then all
	// succeed with one message.
	t.Run("EchoIDConcurrentWithLock", func(t *testing.T) {
		sc := newScene(t, s)
		const n = 16
		var wg sync.WaitGroup
		errs, got := make([]error, n), make([]int64, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Update(bg, func(tx novatalks.Tx) error {
					if _, err := tx.LockConversation(bg, sc.Account.ID, sc.Conversation.ID); err != nil {
						return err
					}
					m, err := tx.FindMessageByEchoID(bg, sc.Conversation.ID, "locked")
					if err == nil {
						got[i] = m.ID
						return nil
					} else if novatalks.ErrorCode(err) != novatalks.ENOTFOUND {
						return err
					}
					m = newMessage(sc.Conversation, "hello")
					m.EchoID = ptr("locked")
					err = tx.CreateMessage(bg, m)
					got[i] = m.ID
					return err
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("request %d: %v", i, err)
			} else if got[i] != got[0] {
				t.Errorf("request %d got message %d, request 0 message %d", i, got[i], got[0])
			}
		}
		list, err := s.FindMessages(bg, novatalks.MessageFilter{ConversationID: sc.Conversation.ID, Limit: 100})
		if err != nil || len(list) != 1 {
			t.Errorf("the conversation has %d messages (%v), want 1", len(list), err)
		}
	})

	// UpdateMessage writes content, content attributes, status and the
	// update and deletion times; the rest stays.
	t.Run("Update", func(t *testing.T) {
		sc := newScene(t, s)
		m := createMessage(t, s, sc.Conversation, "before", func(m *novatalks.Message) { m.EchoID = ptr("u") })
		want := *m
		want.Content = ptr("after")
		want.ContentAttributes = map[string]any{"submitted_values": []any{map[string]any{"value": "y"}}}
		want.Status, want.UpdatedAt = novatalks.MessageSeen, at(60)
		upd := want
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.UpdateMessage(bg, &upd) })
		got, err := s.FindMessageByID(bg, sc.Conversation.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, bareMessage(got), &want, "message after UpdateMessage")

		// UpdateMessage stays inside the message's conversation.
		sibling := sc.conversation(t, s, "Bo")
		hijack := want
		hijack.ConversationID, hijack.Content = sibling.ID, ptr("hijacked")
		_ = s.Update(bg, func(tx novatalks.Tx) error { return tx.UpdateMessage(bg, &hijack) })
		got, err = s.FindMessageByID(bg, sc.Conversation.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, bareMessage(got), &want, "message after UpdateMessage with another conversation")
	})

	// A deleted message stays as a tombstone without its attachments.
	t.Run("Delete", func(t *testing.T) {
		sc := newScene(t, s)
		m := createMessage(t, s, sc.Conversation, "soon gone")
		a := createAttachment(t, s, m, "photo")
		keep := createMessage(t, s, sc.Conversation, "kept")
		kept := createAttachment(t, s, keep, "kept")
		want := *m
		want.Content, want.ContentAttributes, want.UpdatedAt, want.DeletedAt = nil, map[string]any{}, at(70), ptr(at(70))
		upd := want
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.UpdateMessage(bg, &upd) })
		got, err := s.FindMessageByID(bg, sc.Conversation.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, bareMessage(got), &want, "deleted message")
		if len(got.Attachments) != 0 {
			t.Errorf("deleted message has attachments %s", format(got.Attachments))
		}
		_, err = s.FindAttachmentByKey(bg, a.Key)
		wantCode(t, err, novatalks.ENOTFOUND, "FindAttachmentByKey of a deleted message's file")
		_, err = s.FindAttachmentByKey(bg, a.ThumbKey)
		wantCode(t, err, novatalks.ENOTFOUND, "FindAttachmentByKey of a deleted message's thumbnail")
		if got, err := s.FindAttachmentByKey(bg, kept.Key); err != nil || got.ID != kept.ID {
			t.Errorf("another message's attachment after a deletion: %s, %v", format(got), err)
		}
	})

	t.Run("Hydration", func(t *testing.T) { testMessageHydration(t, s) })
	t.Run("FindMessages", func(t *testing.T) { testFindMessages(t, s) })
}

// testMessageHydration checks what FindMessageByID and FindMessages add to a
// message: its sender, the message it replies to, its attachments and its
// reactions.
func testMessageHydration(t *testing.T, s novatalks.Store) {
	sc := newScene(t, s)
	bot := createAgentBot(t, s, sc.Account.ID, "helper")
	first := createMessage(t, s, sc.Conversation, "question")
	a1, a2 := createAttachment(t, s, first, "one"), createAttachment(t, s, first, "two")
	reply := createMessage(t, s, sc.Conversation, "answer", fromUser(sc.User), func(m *novatalks.Message) {
		m.ReplyToID = ptr(first.ID)
	})
	fromBot := createMessage(t, s, sc.Conversation, "beep", func(m *novatalks.Message) {
		m.MessageType, m.SenderType, m.SenderID = novatalks.MessageOutgoing, novatalks.SenderAgentBot, ptr(bot.ID)
	})
	activity := createMessage(t, s, sc.Conversation, "assigned", func(m *novatalks.Message) {
		m.MessageType, m.SenderType, m.SenderID = novatalks.MessageActivity, "", nil
	})
	// A reply to a message of another conversation shows no reply: replies
	// stay inside their conversation.
	sibling := sc.conversation(t, s, "Bo")
	elsewhere := createMessage(t, s, sibling, "elsewhere")
	crossReply := createMessage(t, s, sc.Conversation, "sneaky", func(m *novatalks.Message) { m.ReplyToID = ptr(elsewhere.ID) })
	r1 := &novatalks.Reaction{MessageID: first.ID, Content: "👍", SenderType: novatalks.SenderUser, SenderID: sc.User.ID, CreatedAt: at(40)}
	r2 := &novatalks.Reaction{MessageID: first.ID, Content: "🔥", SenderType: novatalks.SenderContact, SenderID: sc.Contact.ID, CreatedAt: at(41)}
	mustUpdate(t, s, func(tx novatalks.Tx) error {
		if err := tx.SetReaction(bg, r1); err != nil {
			return err
		}
		return tx.SetReaction(bg, r2)
	})

	contactSender := &novatalks.Sender{ID: sc.Contact.ID, Type: novatalks.SenderContact, Name: sc.Contact.Name}
	userSender := &novatalks.Sender{ID: sc.User.ID, Type: novatalks.SenderUser, Name: sc.User.Name,
		DisplayName: ptr(sc.User.DisplayName), AvatarURL: ptr(sc.User.AvatarURL)}
	botSender := &novatalks.Sender{ID: bot.ID, Type: novatalks.SenderAgentBot, Name: bot.Name, AvatarURL: ptr(bot.AvatarURL)}
	wantReactions := []*novatalks.Reaction{withSender(r1, userSender), withSender(r2, contactSender)}

	check := func(got *novatalks.Message, what string) {
		t.Helper()
		switch got.ID {
		case first.ID:
			wantNoDiff(t, got.Sender, contactSender, what+": Sender")
			wantNoDiff(t, got.Attachments, []*novatalks.Attachment{a1, a2}, what+": Attachments, oldest first")
			wantNoDiff(t, sortedReactions(got.Reactions), wantReactions, what+": Reactions")
			if got.Reply != nil {
				t.Errorf("%s: Reply %s of a message that replies to nothing", what, format(got.Reply))
			}
		case reply.ID:
			wantNoDiff(t, got.Sender, userSender, what+": Sender")
			wantNoDiff(t, got.Reply, &novatalks.Reply{ID: first.ID, Content: first.Content, MessageType: first.MessageType,
				ContentType: first.ContentType, Sender: contactSender, Attachments: []*novatalks.Attachment{a1, a2},
				CreatedAt: first.CreatedAt}, what+": Reply")
			if len(got.Attachments) != 0 || len(got.Reactions) != 0 {
				t.Errorf("%s: attachments %v and reactions %v of another message", what, got.Attachments, got.Reactions)
			}
		case fromBot.ID:
			wantNoDiff(t, got.Sender, botSender, what+": Sender")
		case activity.ID:
			if got.Sender != nil {
				t.Errorf("%s: activity message with Sender %s", what, format(got.Sender))
			}
		case crossReply.ID:
			if got.Reply != nil {
				t.Errorf("%s: Reply %s, want none", what, format(got.Reply))
			}
			if got.ReplyToID == nil {
				t.Errorf("%s: ReplyToID lost", what)
			}
		}
	}
	for _, m := range []*novatalks.Message{first, reply, fromBot, activity, crossReply} {
		got, err := s.FindMessageByID(bg, sc.Conversation.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		check(got, fmt.Sprintf("FindMessageByID(%d)", m.ID))
	}
	list, err := s.FindMessages(bg, novatalks.MessageFilter{ConversationID: sc.Conversation.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		check(m, fmt.Sprintf("FindMessages: message %d", m.ID))
	}

	// A deleted agent's messages stay readable, with a "Deleted user"
	// sender (see Service.DeleteAgent).
	mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.DeleteUser(bg, sc.Account.ID, sc.User.ID) })
	gone, err := s.FindMessageByID(bg, sc.Conversation.ID, reply.ID)
	if err != nil {
		t.Fatalf("a deleted agent's message: %v", err)
	}
	if sd := gone.Sender; sd == nil || sd.ID != sc.User.ID || sd.Type != novatalks.SenderUser || sd.Name != "Deleted user" {
		t.Errorf("sender of a deleted agent's message = %s, want ID %d, type User, name \"Deleted user\"", format(sd), sc.User.ID)
	}
}

func withSender(r *novatalks.Reaction, s *novatalks.Sender) *novatalks.Reaction {
	c := *r
	c.Sender = s
	return &c
}

// sortedReactions orders reactions by sender, for comparing sets.
func sortedReactions(list []*novatalks.Reaction) []*novatalks.Reaction {
	list = slices.Clone(list)
	slices.SortFunc(list, func(a, b *novatalks.Reaction) int {
		if a.SenderType != b.SenderType {
			if a.SenderType > b.SenderType {
				return -1
			}
			return 1
		}
		return int(a.SenderID - b.SenderID)
	})
	return list
}

func messageID(m *novatalks.Message) int64 { return m.ID }

// testFindMessages checks every field of MessageFilter.
func testFindMessages(t *testing.T, s novatalks.Store) {
	sc := newScene(t, s)
	conv := sc.Conversation
	var m []*novatalks.Message // m[0] ... m[7], created at(100) ... at(107); m[2] private, m[5] activity
	for i := range 8 {
		opts := []func(*novatalks.Message){createdAt(at(100 + i))}
		switch i {
		case 2:
			opts = append(opts, fromUser(sc.User), func(m *novatalks.Message) { m.Private = true })
		case 5:
			opts = append(opts, func(m *novatalks.Message) {
				m.MessageType, m.SenderType, m.SenderID = novatalks.MessageActivity, "", nil
			})
		case 6:
			opts = append(opts, fromUser(sc.User))
		}
		m = append(m, createMessage(t, s, conv, fmt.Sprint("message ", i), opts...))
	}
	// Another conversation's messages never show.
	sibling := sc.conversation(t, s, "Bo")
	createMessage(t, s, sibling, "elsewhere", createdAt(at(150)))
	// Two messages change later, out of ID order: m[1] then m[0].
	for _, u := range []struct {
		i   int
		sec int
	}{{1, 200}, {0, 201}} {
		mm := *m[u.i]
		mm.Status, mm.UpdatedAt = novatalks.MessageSeen, at(u.sec)
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.UpdateMessage(bg, &mm) })
	}
	id := func(i int) int64 { return m[i].ID }
	list := func(is ...int) []int64 {
		out := []int64{}
		for _, i := range is {
			out = append(out, id(i))
		}
		return out
	}
	tp := func(sec int) *time.Time { return ptr(at(sec)) }
	for _, tc := range []struct {
		name string
		f    novatalks.MessageFilter
		want []int64
	}{
		{"Latest", novatalks.MessageFilter{Limit: 3}, list(5, 6, 7)},
		{"All", novatalks.MessageFilter{Limit: 100}, list(0, 1, 2, 3, 4, 5, 6, 7)},
		{"Before", novatalks.MessageFilter{Before: ptr(id(5)), Limit: 3}, list(2, 3, 4)},
		{"BeforeFirst", novatalks.MessageFilter{Before: ptr(id(0)), Limit: 3}, nil},
		{"BeforeNear", novatalks.MessageFilter{Before: ptr(id(2)), Limit: 5}, list(0, 1)},
		{"After", novatalks.MessageFilter{After: ptr(id(2)), Limit: 3}, list(3, 4, 5)},
		{"AfterLast", novatalks.MessageFilter{After: ptr(id(7)), Limit: 3}, nil},
		{"AfterNear", novatalks.MessageFilter{After: ptr(id(5)), Limit: 5}, list(6, 7)},
		{"UpdatedAfter", novatalks.MessageFilter{UpdatedAfter: tp(104), Limit: 100}, list(5, 6, 7, 1, 0)},
		{"UpdatedAfterLimit", novatalks.MessageFilter{UpdatedAfter: tp(104), Limit: 4}, list(5, 6, 7, 1)},
		{"UpdatedAfterIsExclusive", novatalks.MessageFilter{UpdatedAfter: tp(200), Limit: 100}, list(0)},
		{"UpdatedAfterEverything", novatalks.MessageFilter{UpdatedAfter: tp(201), Limit: 100}, nil},
		{"UpdatedAfterEpoch", novatalks.MessageFilter{UpdatedAfter: ptr(time.UnixMilli(0).UTC()), Limit: 100}, list(2, 3, 4, 5, 6, 7, 1, 0)},
		{"ForContact", novatalks.MessageFilter{ForContact: true, Limit: 100}, list(0, 1, 3, 4, 6, 7)},
		{"ForContactLatest", novatalks.MessageFilter{ForContact: true, Limit: 3}, list(4, 6, 7)},
		{"ForContactBefore", novatalks.MessageFilter{ForContact: true, Before: ptr(id(6)), Limit: 2}, list(3, 4)},
		{"ForContactAfter", novatalks.MessageFilter{ForContact: true, After: ptr(id(1)), Limit: 2}, list(3, 4)},
		{"ForContactUpdatedAfter", novatalks.MessageFilter{ForContact: true, UpdatedAfter: tp(104), Limit: 100}, list(6, 7, 1, 0)},
		{"OtherConversation", novatalks.MessageFilter{ConversationID: sibling.ID + 1000, Limit: 100}, nil},
	} {
		if tc.f.ConversationID == 0 {
			tc.f.ConversationID = conv.ID
		}
		got, err := s.FindMessages(bg, tc.f)
		if err != nil {
			t.Fatalf("FindMessages %s: %v", tc.name, err)
		}
		wantIDs(t, ids(got, messageID), tc.want, "FindMessages "+tc.name)
	}
	// What FindMessages returns is what FindMessageByID returns.
	got, err := s.FindMessages(bg, novatalks.MessageFilter{ConversationID: conv.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		one, err := s.FindMessageByID(bg, conv.ID, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, g, one, fmt.Sprintf("FindMessages: message %d", g.ID))
	}
}

func testReaction(t *testing.T, b Backend) {
	s, _ := open(t, b)

	t.Run("OK", func(t *testing.T) {
		sc := newScene(t, s)
		m := createMessage(t, s, sc.Conversation, "react to me")
		other := createMessage(t, s, sc.Conversation, "and to me")
		set := func(r *novatalks.Reaction) {
			t.Helper()
			mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.SetReaction(bg, r) })
			if r.ID <= 0 {
				t.Errorf("SetReaction left ID %d", r.ID)
			}
		}
		reactions := func(msg *novatalks.Message) []*novatalks.Reaction {
			t.Helper()
			got, err := s.FindMessageByID(bg, sc.Conversation.ID, msg.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range got.Reactions {
				r.Sender = nil
			}
			return sortedReactions(got.Reactions)
		}
		byUser := &novatalks.Reaction{MessageID: m.ID, Content: "👍", SenderType: novatalks.SenderUser, SenderID: sc.User.ID, CreatedAt: at(40)}
		byContact := &novatalks.Reaction{MessageID: m.ID, Content: "🔥", SenderType: novatalks.SenderContact, SenderID: sc.Contact.ID, CreatedAt: at(41)}
		onOther := &novatalks.Reaction{MessageID: other.ID, Content: "🎉", SenderType: novatalks.SenderContact, SenderID: sc.Contact.ID, CreatedAt: at(42)}
		set(byUser)
		set(byContact)
		set(onOther)
		wantNoDiff(t, reactions(m), []*novatalks.Reaction{byUser, byContact}, "reactions")

		// A sender has one reaction per message: a new one replaces it.
		replaced := &novatalks.Reaction{MessageID: m.ID, Content: "❤\u200d🔥", SenderType: novatalks.SenderContact, SenderID: sc.Contact.ID, CreatedAt: at(43)}
		set(replaced)
		got := reactions(m)
		if len(got) == 2 {
			replaced.ID = got[1].ID // replacing may keep the row or make a new one
		}
		wantNoDiff(t, got, []*novatalks.Reaction{byUser, replaced}, "reactions after a replacement")
		// A user and a contact with the same ID are different senders.
		sameID := &novatalks.Reaction{MessageID: m.ID, Content: "🤔", SenderType: novatalks.SenderAgentBot, SenderID: sc.Contact.ID, CreatedAt: at(44)}
		set(sameID)
		if got := reactions(m); len(got) != 3 {
			t.Errorf("%d reactions after a bot's, want 3", len(got))
		}

		del := func(msg *novatalks.Message, typ string, id int64, want bool) {
			t.Helper()
			var was bool
			mustUpdate(t, s, func(tx novatalks.Tx) error {
				var err error
				was, err = tx.DeleteReaction(bg, msg.ID, typ, id)
				return err
			})
			if was != want {
				t.Errorf("DeleteReaction(%d, %s, %d) = %v, want %v", msg.ID, typ, id, was, want)
			}
		}
		del(m, novatalks.SenderContact, sc.Contact.ID, true)
		del(m, novatalks.SenderContact, sc.Contact.ID, false)
		del(m, novatalks.SenderAgentBot, sc.Contact.ID, true)
		del(m, novatalks.SenderUser, sc.User.ID+1000, false)
		wantNoDiff(t, reactions(m), []*novatalks.Reaction{byUser}, "reactions after deletions")
		wantNoDiff(t, reactions(other), []*novatalks.Reaction{onOther}, "another message's reactions")
	})
}
