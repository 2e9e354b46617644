package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/novatalks/novatalks"
)

func testContact(t *testing.T, b Backend) {
	s, _ := open(t, b)

	t.Run("OK", func(t *testing.T) {
		acc := createAccount(t, s)
		bare := newContact(acc.ID, "Bare")
		bare.Email, bare.PhoneNumber = nil, nil
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.CreateContact(bg, bare) })
		full := createContact(t, s, acc.ID, "Full")
		wantIncreasing(t, []int64{bare.ID, full.ID}, "CreateContact")
		for _, want := range []*novatalks.Contact{bare, full} {
			got, err := s.FindContactByID(bg, acc.ID, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, got, want, "FindContactByID")
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		c := createContact(t, s, acc.ID, "c")
		_, err := s.FindContactByID(bg, other.ID, c.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindContactByID of another account's contact")
		_, err = s.FindContactByID(bg, acc.ID, c.ID+1000)
		wantCode(t, err, novatalks.ENOTFOUND, "FindContactByID of a missing contact")
	})

	// FindContacts pages through the account's contacts, newest first, and
	// counts them all.
	t.Run("FindContacts", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		var all []int64
		for _, name := range []string{"a", "b", "c", "d", "e"} {
			all = append(all, createContact(t, s, acc.ID, name).ID)
		}
		createContact(t, s, other.ID, "foreign")
		slices.Reverse(all)
		for _, tc := range []struct {
			name          string
			offset, limit int
			want          []int64
		}{
			{"FirstPage", 0, 2, all[:2]},
			{"SecondPage", 2, 2, all[2:4]},
			{"LastPage", 4, 2, all[4:]},
			{"PastTheEnd", 5, 2, nil},
			{"Everything", 0, 10, all},
		} {
			list, total, err := s.FindContacts(bg, novatalks.ContactFilter{AccountID: acc.ID, Offset: tc.offset, Limit: tc.limit})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			wantIDs(t, ids(list, contactID), tc.want, "FindContacts "+tc.name)
			if total != 5 {
				t.Errorf("FindContacts %s: total %d, want 5", tc.name, total)
			}
		}
		list, total, err := s.FindContacts(bg, novatalks.ContactFilter{AccountID: other.ID + 1000, Limit: 10})
		if err != nil || len(list) != 0 || total != 0 {
			t.Errorf("FindContacts of an account without contacts = %v, %d, %v", list, total, err)
		}
	})

	t.Run("Update", func(t *testing.T) {
		acc := createAccount(t, s)
		c := createContact(t, s, acc.ID, "before")
		want := *c
		want.Name, want.Email, want.PhoneNumber = "after", ptr("after@example.com"), ptr("+15559999")
		want.CustomAttributes = map[string]any{"plan": "free", "nested": map[string]any{"x": 1.5}}
		want.AdditionalAttributes = map[string]any{"city": "Lviv"}
		want.UpdatedAt = at(100)
		upd := want
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.UpdateContact(bg, &upd) })
		got, err := s.FindContactByID(bg, acc.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, &want, "contact after UpdateContact")

		// Email and phone number can be removed.
		want.Email, want.PhoneNumber, want.UpdatedAt = nil, nil, at(101)
		upd = want
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.UpdateContact(bg, &upd) })
		got, err = s.FindContactByID(bg, acc.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, &want, "contact after removing email and phone")
	})

	t.Run("UpdateErrNotFound", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		c := createContact(t, s, acc.ID, "c")
		for _, tc := range []struct {
			name          string
			accountID, id int64
		}{{"another account's contact", other.ID, c.ID}, {"a missing contact", acc.ID, c.ID + 1000}} {
			upd := *c
			upd.AccountID, upd.ID, upd.Name = tc.accountID, tc.id, "hijacked"
			err := s.Update(bg, func(tx novatalks.Tx) error { return tx.UpdateContact(bg, &upd) })
			wantCode(t, err, novatalks.ENOTFOUND, "UpdateContact of "+tc.name)
		}
		got, err := s.FindContactByID(bg, acc.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, c, "contact after a foreign UpdateContact")
	})
}

func contactID(c *novatalks.Contact) int64 { return c.ID }

func testContactInbox(t *testing.T, b Backend) {
	s, _ := open(t, b)

	// A contact inbox is found by the hash of its pubsub token, with the
	// ID of its conversation.
	t.Run("OK", func(t *testing.T) {
		sc := newScene(t, s)
		other, ci := createConversation(t, s, sc.Inbox, createContact(t, s, sc.Account.ID, "Bo"))
		wantIncreasing(t, []int64{sc.ContactInbox.ID, ci.ID}, "CreateContactInbox")
		for _, want := range []*novatalks.ContactInbox{sc.ContactInbox, ci} {
			got, err := s.FindContactInboxByTokenHash(bg, novatalks.HashToken(want.PubsubToken))
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, got, want, "FindContactInboxByTokenHash")
		}
		if ci.ConversationID != other.ID {
			t.Fatalf("fixture: contact inbox of conversation %d, want %d", ci.ConversationID, other.ID)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		sc := newScene(t, s)
		_, err := s.FindContactInboxByTokenHash(bg, novatalks.HashToken(novatalks.NewToken()))
		wantCode(t, err, novatalks.ENOTFOUND, "FindContactInboxByTokenHash of an unknown token")
		_, err = s.FindContactInboxByTokenHash(bg, sc.ContactInbox.PubsubToken)
		wantCode(t, err, novatalks.ENOTFOUND, "FindContactInboxByTokenHash of the token instead of its hash")
	})
}

func testPushToken(t *testing.T, b Backend) {
	s, _ := open(t, b)

	t.Run("OK", func(t *testing.T) {
		sc := newScene(t, s)
		conv, other := sc.Conversation, sc.conversation(t, s, "Bo")
		add := func(convID int64, token string, want bool) {
			t.Helper()
			var isNew bool
			mustUpdate(t, s, func(tx novatalks.Tx) error {
				var err error
				isNew, err = tx.AddPushToken(bg, convID, token, at(30))
				return err
			})
			if isNew != want {
				t.Errorf("AddPushToken(%d, %q) = %v, want %v", convID, token, isNew, want)
			}
		}
		del := func(convID int64, token string, want bool) {
			t.Helper()
			var was bool
			mustUpdate(t, s, func(tx novatalks.Tx) error {
				var err error
				was, err = tx.DeletePushToken(bg, convID, token)
				return err
			})
			if was != want {
				t.Errorf("DeletePushToken(%d, %q) = %v, want %v", convID, token, was, want)
			}
		}
		find := func(convID int64, want ...string) {
			t.Helper()
			got, err := s.FindPushTokens(bg, convID)
			if err != nil {
				t.Fatal(err)
			}
			wantStrings(t, got, want, fmt.Sprintf("FindPushTokens(%d) (oldest first)", convID))
		}
		find(conv.ID)
		add(conv.ID, "token-b", true)
		add(conv.ID, "token-a", true)
		add(conv.ID, "token-b", false)
		add(other.ID, "token-b", true) // a token may serve several conversations
		find(conv.ID, "token-b", "token-a")
		find(other.ID, "token-b")
		del(conv.ID, "token-b", true)
		del(conv.ID, "token-b", false)
		del(conv.ID, "token-never", false)
		find(conv.ID, "token-a")
		find(other.ID, "token-b")
		add(conv.ID, "token-b", true)
		find(conv.ID, "token-a", "token-b")
	})

	t.Run("RolledBack", func(t *testing.T) {
		sc := newScene(t, s)
		err := s.Update(bg, func(tx novatalks.Tx) error {
			if _, err := tx.AddPushToken(bg, sc.Conversation.ID, "t", at(1)); err != nil {
				return err
			}
			return novatalks.Errorf(novatalks.EINVALID, "changed my mind")
		})
		wantCode(t, err, novatalks.EINVALID, "Update")
		if got, err := s.FindPushTokens(bg, sc.Conversation.ID); err != nil || len(got) != 0 {
			t.Errorf("FindPushTokens after a rolled back AddPushToken = %q, %v", got, err)
		}
	})
}
