package storetest

import (
	"testing"

	"github.com/novatalks/novatalks"
)

func testInbox(t *testing.T, b Backend) {
	s, _ := open(t, b)

	t.Run("OK", func(t *testing.T) {
		acc := createAccount(t, s)
		other := createAccount(t, s)
		api := newInbox(acc.ID, "api")
		api.Channel = "Api"
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.CreateInbox(bg, api) })
		first := createInbox(t, s, acc.ID, "first")
		second := createInbox(t, s, acc.ID, "second")
		foreign := createInbox(t, s, other.ID, "foreign")
		wantIncreasing(t, []int64{api.ID, first.ID, second.ID, foreign.ID}, "CreateInbox")

		for _, want := range []*novatalks.Inbox{api, first, second} {
			got, err := s.FindInboxByID(bg, acc.ID, want.ID)
			if err != nil {
				t.Fatalf("FindInboxByID: %v", err)
			}
			wantNoDiff(t, got, want, "FindInboxByID")
			got, err = s.FindInboxByIdentifier(bg, want.Identifier)
			if err != nil {
				t.Fatalf("FindInboxByIdentifier: %v", err)
			}
			wantNoDiff(t, got, want, "FindInboxByIdentifier")
		}
		list, err := s.FindInboxes(bg, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, ids(list, inboxID), []int64{api.ID, first.ID, second.ID}, "FindInboxes, oldest first, of the account only")
		if len(list) == 3 {
			wantNoDiff(t, list[1], first, "FindInboxes[1]")
		}
		// The oldest SDK inbox, not the older inbox of another channel.
		def, err := s.FindDefaultSDKInbox(bg, acc.ID)
		if err != nil || def.ID != first.ID {
			t.Errorf("FindDefaultSDKInbox = %s, %v; want inbox %d", format(def), err, first.ID)
		}
		if def, err := s.FindDefaultSDKInbox(bg, other.ID); err != nil || def.ID != foreign.ID {
			t.Errorf("FindDefaultSDKInbox of the other account = %s, %v; want inbox %d", format(def), err, foreign.ID)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		in := createInbox(t, s, acc.ID, "mine")
		_, err := s.FindInboxByID(bg, other.ID, in.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindInboxByID of another account's inbox")
		_, err = s.FindInboxByID(bg, acc.ID, in.ID+1000)
		wantCode(t, err, novatalks.ENOTFOUND, "FindInboxByID of a missing inbox")
		_, err = s.FindInboxByIdentifier(bg, novatalks.NewToken())
		wantCode(t, err, novatalks.ENOTFOUND, "FindInboxByIdentifier of an unknown identifier")
		_, err = s.FindDefaultSDKInbox(bg, other.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindDefaultSDKInbox of an account without inboxes")
		api := newInbox(other.ID, "api")
		api.Channel = "Api"
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.CreateInbox(bg, api) })
		_, err = s.FindDefaultSDKInbox(bg, other.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindDefaultSDKInbox of an account without SDK inboxes")
		list, err := s.FindInboxes(bg, acc.ID+other.ID+1000)
		if err != nil || len(list) != 0 {
			t.Errorf("FindInboxes of a missing account = %v, %v; want none", format(list), err)
		}
	})

	// UpdateInbox writes the name, the settings, the push integration and
	// the agent bot (the service hands inboxes to bots with it).
	t.Run("Update", func(t *testing.T) {
		acc := createAccount(t, s)
		in := createInbox(t, s, acc.ID, "before")
		bot := createAgentBot(t, s, acc.ID, "helper")
		want := *in
		want.Name = "after"
		want.AdditionalSettings = map[string]any{"autoanswer": false, "greeting": "hi"}
		want.Push = novatalks.PushIntegration{Enabled: false, URL: "https://push.example.com/new",
			Headers: map[string]string{"X-New": "1", "X-Other": "2"}, BearerToken: "new-bearer",
			AdditionalParams: map[string]any{"n": 2.0}}
		want.AgentBotID = &bot.ID
		upd := want
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.UpdateInbox(bg, &upd) })
		got, err := s.FindInboxByID(bg, acc.ID, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, &want, "inbox after UpdateInbox")

		// Taking the inbox back from the bot.
		upd.AgentBotID = nil
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.UpdateInbox(bg, &upd) })
		if got, err := s.FindInboxByID(bg, acc.ID, in.ID); err != nil || got.AgentBotID != nil {
			t.Errorf("AgentBotID after setting it to nil: %s, %v", format(got), err)
		}
	})

	t.Run("UpdateErrNotFound", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		in := createInbox(t, s, acc.ID, "mine")
		for _, tc := range []struct {
			name          string
			accountID, id int64
		}{{"another account's inbox", other.ID, in.ID}, {"a missing inbox", acc.ID, in.ID + 1000}} {
			upd := *in
			upd.AccountID, upd.ID, upd.Name = tc.accountID, tc.id, "hijacked"
			err := s.Update(bg, func(tx novatalks.Tx) error { return tx.UpdateInbox(bg, &upd) })
			wantCode(t, err, novatalks.ENOTFOUND, "UpdateInbox of "+tc.name)
		}
		if got, err := s.FindInboxByID(bg, acc.ID, in.ID); err != nil || got.Name != "mine" {
			t.Errorf("inbox after a foreign UpdateInbox: %s, %v", format(got), err)
		}
	})
}

func inboxID(in *novatalks.Inbox) int64 { return in.ID }
