package storetest

import (
	"testing"

	"github.com/novatalks/novatalks"
)

func agentBotID(b *novatalks.AgentBot) int64 { return b.ID }

func testAgentBot(t *testing.T, b Backend) {
	s, _ := open(t, b)

	t.Run("OK", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		b1, b2 := createAgentBot(t, s, acc.ID, "one"), createAgentBot(t, s, acc.ID, "two")
		foreign := createAgentBot(t, s, other.ID, "foreign")
		wantIncreasing(t, []int64{b1.ID, b2.ID, foreign.ID}, "CreateAgentBot")
		for _, want := range []*novatalks.AgentBot{b1, b2} {
			got, err := s.FindAgentBotByID(bg, acc.ID, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, got, want, "FindAgentBotByID")
			got, err = s.FindAgentBotByAccessTokenHash(bg, novatalks.HashToken(want.AccessToken))
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, got, want, "FindAgentBotByAccessTokenHash")
		}
		list, err := s.FindAgentBots(bg, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, ids(list, agentBotID), []int64{b1.ID, b2.ID}, "FindAgentBots, oldest first, of the account only")
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		bot := createAgentBot(t, s, acc.ID, "b")
		_, err := s.FindAgentBotByID(bg, other.ID, bot.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindAgentBotByID of another account's bot")
		_, err = s.FindAgentBotByID(bg, acc.ID, bot.ID+1000)
		wantCode(t, err, novatalks.ENOTFOUND, "FindAgentBotByID of a missing bot")
		_, err = s.FindAgentBotByAccessTokenHash(bg, novatalks.HashToken(novatalks.NewToken()))
		wantCode(t, err, novatalks.ENOTFOUND, "FindAgentBotByAccessTokenHash of an unknown token")
		_, err = s.FindAgentBotByAccessTokenHash(bg, bot.AccessToken)
		wantCode(t, err, novatalks.ENOTFOUND, "FindAgentBotByAccessTokenHash of the token instead of its hash")
		if list, err := s.FindAgentBots(bg, other.ID); err != nil || len(list) != 0 {
			t.Errorf("FindAgentBots of an account without bots = %s, %v", format(list), err)
		}
	})

	t.Run("Update", func(t *testing.T) {
		acc := createAccount(t, s)
		bot := createAgentBot(t, s, acc.ID, "before")
		oldToken := bot.AccessToken
		want := *bot
		want.Name, want.Description, want.OutgoingURL = "after", "changed", "https://bot.example.com/after"
		want.AccessToken = novatalks.NewToken()
		upd := want
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.UpdateAgentBot(bg, &upd) })
		got, err := s.FindAgentBotByID(bg, acc.ID, bot.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, &want, "bot after UpdateAgentBot")
		if got, err := s.FindAgentBotByAccessTokenHash(bg, novatalks.HashToken(want.AccessToken)); err != nil || got.ID != bot.ID {
			t.Errorf("FindAgentBotByAccessTokenHash of the new token: %s, %v", format(got), err)
		}
		_, err = s.FindAgentBotByAccessTokenHash(bg, novatalks.HashToken(oldToken))
		wantCode(t, err, novatalks.ENOTFOUND, "FindAgentBotByAccessTokenHash of the replaced token")
	})

	t.Run("UpdateErrNotFound", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		bot := createAgentBot(t, s, acc.ID, "mine")
		for _, tc := range []struct {
			name          string
			accountID, id int64
		}{{"another account's bot", other.ID, bot.ID}, {"a missing bot", acc.ID, bot.ID + 1000}} {
			upd := *bot
			upd.AccountID, upd.ID, upd.Name, upd.AccessToken = tc.accountID, tc.id, "hijacked", novatalks.NewToken()
			err := s.Update(bg, func(tx novatalks.Tx) error { return tx.UpdateAgentBot(bg, &upd) })
			wantCode(t, err, novatalks.ENOTFOUND, "UpdateAgentBot of "+tc.name)
		}
		got, err := s.FindAgentBotByID(bg, acc.ID, bot.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, bot, "bot after a foreign UpdateAgentBot")
	})

	t.Run("Delete", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		bot, keep := createAgentBot(t, s, acc.ID, "gone"), createAgentBot(t, s, acc.ID, "kept")
		err := s.Update(bg, func(tx novatalks.Tx) error { return tx.DeleteAgentBot(bg, other.ID, bot.ID) })
		wantCode(t, err, novatalks.ENOTFOUND, "DeleteAgentBot of another account's bot")
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.DeleteAgentBot(bg, acc.ID, bot.ID) })
		_, err = s.FindAgentBotByID(bg, acc.ID, bot.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindAgentBotByID of a deleted bot")
		_, err = s.FindAgentBotByAccessTokenHash(bg, novatalks.HashToken(bot.AccessToken))
		wantCode(t, err, novatalks.ENOTFOUND, "FindAgentBotByAccessTokenHash of a deleted bot")
		list, err := s.FindAgentBots(bg, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, ids(list, agentBotID), []int64{keep.ID}, "FindAgentBots after DeleteAgentBot")
		err = s.Update(bg, func(tx novatalks.Tx) error { return tx.DeleteAgentBot(bg, acc.ID, bot.ID) })
		wantCode(t, err, novatalks.ENOTFOUND, "DeleteAgentBot of a deleted bot")
	})
}
