package storetest

import (
	"testing"

	"github.com/novatalks/novatalks"
)

func newWebhook(accountID int64, url string) *novatalks.Webhook {
	return &novatalks.Webhook{
		AccountID: accountID, Name: "hook", URL: url,
		Subscriptions: []string{novatalks.WebhookConversationCreated, novatalks.WebhookMessageCreated},
		Secret:        novatalks.NewToken() + novatalks.NewToken(), CreatedAt: at(5), UpdatedAt: at(5),
	}
}

func createWebhook(tb testing.TB, s novatalks.Store, accountID int64, url string) *novatalks.Webhook {
	tb.Helper()
	w := newWebhook(accountID, url)
	mustUpdate(tb, s, func(tx novatalks.Tx) error { return tx.CreateWebhook(bg, w) })
	return w
}

func webhookID(w *novatalks.Webhook) int64 { return w.ID }

func testWebhook(t *testing.T, b Backend) {
	s, _ := open(t, b)

	t.Run("OK", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		w1 := createWebhook(t, s, acc.ID, "https://example.com/one")
		w2 := createWebhook(t, s, acc.ID, "https://example.com/two")
		foreign := createWebhook(t, s, other.ID, "https://example.com/one") // the same URL, another account
		wantIncreasing(t, []int64{w1.ID, w2.ID, foreign.ID}, "CreateWebhook")
		for _, want := range []*novatalks.Webhook{w1, w2} {
			got, err := s.FindWebhookByID(bg, acc.ID, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, got, want, "FindWebhookByID")
		}
		list, err := s.FindWebhooks(bg, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, ids(list, webhookID), []int64{w1.ID, w2.ID}, "FindWebhooks, oldest first, of the account only")
		if len(list) == 2 {
			wantNoDiff(t, list[1], w2, "FindWebhooks[1]")
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		w := createWebhook(t, s, acc.ID, "https://example.com/nf")
		_, err := s.FindWebhookByID(bg, other.ID, w.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindWebhookByID of another account's webhook")
		_, err = s.FindWebhookByID(bg, acc.ID, w.ID+1000)
		wantCode(t, err, novatalks.ENOTFOUND, "FindWebhookByID of a missing webhook")
		if list, err := s.FindWebhooks(bg, other.ID); err != nil || len(list) != 0 {
			t.Errorf("FindWebhooks of an account without webhooks = %s, %v", format(list), err)
		}
	})

	t.Run("CreateErrConflict", func(t *testing.T) {
		acc := createAccount(t, s)
		createWebhook(t, s, acc.ID, "https://example.com/taken")
		w := newWebhook(acc.ID, "https://example.com/taken")
		err := s.Update(bg, func(tx novatalks.Tx) error { return tx.CreateWebhook(bg, w) })
		wantCode(t, err, novatalks.ECONFLICT, "CreateWebhook with a URL the account has")
		if list, _ := s.FindWebhooks(bg, acc.ID); len(list) != 1 {
			t.Errorf("the account has %d webhooks, want 1", len(list))
		}
	})

	t.Run("Update", func(t *testing.T) {
		acc := createAccount(t, s)
		w := createWebhook(t, s, acc.ID, "https://example.com/before")
		want := *w
		want.Name, want.URL, want.UpdatedAt = "renamed", "https://example.com/after", at(90)
		want.Subscriptions = []string{novatalks.WebhookTypingOn, novatalks.WebhookTypingOff, novatalks.WebhookContactUpdated}
		upd := want
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.UpdateWebhook(bg, &upd) })
		got, err := s.FindWebhookByID(bg, acc.ID, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, &want, "webhook after UpdateWebhook")
		// Its own URL is no conflict; the URL it left is free again.
		upd.Name = "again"
		err = s.Update(bg, func(tx novatalks.Tx) error { return tx.UpdateWebhook(bg, &upd) })
		wantCode(t, err, "", "UpdateWebhook keeping its URL")
		createWebhook(t, s, acc.ID, "https://example.com/before")
	})

	t.Run("UpdateErrConflict", func(t *testing.T) {
		acc := createAccount(t, s)
		w1 := createWebhook(t, s, acc.ID, "https://example.com/1")
		w2 := createWebhook(t, s, acc.ID, "https://example.com/2")
		upd := *w2
		upd.URL = w1.URL
		err := s.Update(bg, func(tx novatalks.Tx) error { return tx.UpdateWebhook(bg, &upd) })
		wantCode(t, err, novatalks.ECONFLICT, "UpdateWebhook to another webhook's URL")
		got, err := s.FindWebhookByID(bg, acc.ID, w2.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, w2, "webhook after a conflicting UpdateWebhook")
	})

	t.Run("UpdateErrNotFound", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		w := createWebhook(t, s, acc.ID, "https://example.com/mine")
		for _, tc := range []struct {
			name          string
			accountID, id int64
		}{{"another account's webhook", other.ID, w.ID}, {"a missing webhook", acc.ID, w.ID + 1000}} {
			upd := *w
			upd.AccountID, upd.ID, upd.URL = tc.accountID, tc.id, "https://evil.example.com/"
			err := s.Update(bg, func(tx novatalks.Tx) error { return tx.UpdateWebhook(bg, &upd) })
			wantCode(t, err, novatalks.ENOTFOUND, "UpdateWebhook of "+tc.name)
		}
		got, err := s.FindWebhookByID(bg, acc.ID, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, w, "webhook after a foreign UpdateWebhook")
	})

	t.Run("Delete", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		w := createWebhook(t, s, acc.ID, "https://example.com/gone")
		keep := createWebhook(t, s, acc.ID, "https://example.com/kept")
		err := s.Update(bg, func(tx novatalks.Tx) error { return tx.DeleteWebhook(bg, other.ID, w.ID) })
		wantCode(t, err, novatalks.ENOTFOUND, "DeleteWebhook of another account's webhook")
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.DeleteWebhook(bg, acc.ID, w.ID) })
		_, err = s.FindWebhookByID(bg, acc.ID, w.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindWebhookByID of a deleted webhook")
		list, err := s.FindWebhooks(bg, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, ids(list, webhookID), []int64{keep.ID}, "FindWebhooks after DeleteWebhook")
		err = s.Update(bg, func(tx novatalks.Tx) error { return tx.DeleteWebhook(bg, acc.ID, w.ID) })
		wantCode(t, err, novatalks.ENOTFOUND, "DeleteWebhook of a deleted webhook")
		createWebhook(t, s, acc.ID, "https://example.com/gone") // its URL is free again
	})
}
