package storetest

import (
	"strings"
	"testing"

	"github.com/novatalks/novatalks"
)

func testUser(t *testing.T, b Backend) {
	s, _ := open(t, b)

	t.Run("OK", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		admin := newUser(acc.ID, "admin")
		admin.Role = novatalks.RoleAdministrator
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.CreateUser(bg, admin) })
		agent := createUser(t, s, acc.ID, "agent")
		foreign := createUser(t, s, other.ID, "foreign")
		wantIncreasing(t, []int64{admin.ID, agent.ID, foreign.ID}, "CreateUser")

		for _, want := range []*novatalks.User{admin, agent} {
			got, err := s.FindUserByID(bg, acc.ID, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, got, want, "FindUserByID")
			got, err = s.FindUserByAccessTokenHash(bg, novatalks.HashToken(want.AccessToken))
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, got, want, "FindUserByAccessTokenHash")
			got, err = s.FindUserByPubsubTokenHash(bg, novatalks.HashToken(want.PubsubToken))
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, got, want, "FindUserByPubsubTokenHash")
		}
		list, err := s.FindUsers(bg, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, ids(list, userID), []int64{admin.ID, agent.ID}, "FindUsers, oldest first, of the account only")
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		u := createUser(t, s, acc.ID, "u")
		_, err := s.FindUserByID(bg, other.ID, u.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindUserByID of another account's user")
		_, err = s.FindUserByID(bg, acc.ID, u.ID+1000)
		wantCode(t, err, novatalks.ENOTFOUND, "FindUserByID of a missing user")
		_, err = s.FindUserByAccessTokenHash(bg, novatalks.HashToken(novatalks.NewToken()))
		wantCode(t, err, novatalks.ENOTFOUND, "FindUserByAccessTokenHash of an unknown token")
		_, err = s.FindUserByPubsubTokenHash(bg, novatalks.HashToken(novatalks.NewToken()))
		wantCode(t, err, novatalks.ENOTFOUND, "FindUserByPubsubTokenHash of an unknown token")
		// The hash is the key: the token itself finds nothing.
		_, err = s.FindUserByAccessTokenHash(bg, u.AccessToken)
		wantCode(t, err, novatalks.ENOTFOUND, "FindUserByAccessTokenHash of the token instead of its hash")
		if list, err := s.FindUsers(bg, other.ID); err != nil || len(list) != 0 {
			t.Errorf("FindUsers of an account without users = %s, %v", format(list), err)
		}
	})

	// CreateUser: ECONFLICT for a token in use (in any account) and for the
	// email of another user of the account, ignoring case.
	t.Run("CreateErrConflict", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		u := createUser(t, s, acc.ID, "taken")
		for _, tc := range []struct {
			name   string
			change func(v *novatalks.User)
		}{
			{"the email in another case", func(v *novatalks.User) { v.Email = strings.ToUpper(u.Email) }},
			{"the access token", func(v *novatalks.User) { v.AccessToken = u.AccessToken }},
			{"the pubsub token", func(v *novatalks.User) { v.PubsubToken = u.PubsubToken }},
			{"the access token, in another account", func(v *novatalks.User) { v.AccountID, v.AccessToken = other.ID, u.AccessToken }},
			{"the pubsub token, in another account", func(v *novatalks.User) { v.AccountID, v.PubsubToken = other.ID, u.PubsubToken }},
		} {
			v := newUser(acc.ID, "new")
			tc.change(v)
			err := s.Update(bg, func(tx novatalks.Tx) error { return tx.CreateUser(bg, v) })
			wantCode(t, err, novatalks.ECONFLICT, "CreateUser with "+tc.name)
		}
		if list, _ := s.FindUsers(bg, acc.ID); len(list) != 1 {
			t.Errorf("the account has %d users after conflicts, want 1", len(list))
		}
		// The same email in another account is another agent.
		v := newUser(other.ID, "taken")
		v.Email = u.Email
		err := s.Update(bg, func(tx novatalks.Tx) error { return tx.CreateUser(bg, v) })
		wantCode(t, err, "", "CreateUser with an email of another account")
	})

	t.Run("Update", func(t *testing.T) {
		acc := createAccount(t, s)
		u := createUser(t, s, acc.ID, "before")
		oldAccess, oldPubsub := u.AccessToken, u.PubsubToken
		want := *u
		want.Name, want.DisplayName, want.Email, want.Role = "after", "After A.", "after@example.com", novatalks.RoleAdministrator
		want.AccessToken, want.PubsubToken, want.AvatarURL = novatalks.NewToken(), novatalks.NewToken(), "https://example.com/after.png"
		upd := want
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.UpdateUser(bg, &upd) })
		got, err := s.FindUserByID(bg, acc.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, &want, "user after UpdateUser")
		if got, err := s.FindUserByAccessTokenHash(bg, novatalks.HashToken(want.AccessToken)); err != nil || got.ID != u.ID {
			t.Errorf("FindUserByAccessTokenHash of the new token: %s, %v", format(got), err)
		}
		if got, err := s.FindUserByPubsubTokenHash(bg, novatalks.HashToken(want.PubsubToken)); err != nil || got.ID != u.ID {
			t.Errorf("FindUserByPubsubTokenHash of the new token: %s, %v", format(got), err)
		}
		_, err = s.FindUserByAccessTokenHash(bg, novatalks.HashToken(oldAccess))
		wantCode(t, err, novatalks.ENOTFOUND, "FindUserByAccessTokenHash of the replaced token")
		_, err = s.FindUserByPubsubTokenHash(bg, novatalks.HashToken(oldPubsub))
		wantCode(t, err, novatalks.ENOTFOUND, "FindUserByPubsubTokenHash of the replaced token")
		// Writing a user unchanged is no conflict with itself.
		same := want
		err = s.Update(bg, func(tx novatalks.Tx) error { return tx.UpdateUser(bg, &same) })
		wantCode(t, err, "", "UpdateUser without changes")
	})

	t.Run("UpdateErrConflict", func(t *testing.T) {
		acc := createAccount(t, s)
		u, v := createUser(t, s, acc.ID, "u"), createUser(t, s, acc.ID, "v")
		for _, tc := range []struct {
			name   string
			change func(w *novatalks.User)
		}{
			{"another user's email in another case", func(w *novatalks.User) { w.Email = strings.ToUpper(u.Email) }},
			{"another user's access token", func(w *novatalks.User) { w.AccessToken = u.AccessToken }},
			{"another user's pubsub token", func(w *novatalks.User) { w.PubsubToken = u.PubsubToken }},
		} {
			w := *v
			tc.change(&w)
			err := s.Update(bg, func(tx novatalks.Tx) error { return tx.UpdateUser(bg, &w) })
			wantCode(t, err, novatalks.ECONFLICT, "UpdateUser to "+tc.name)
		}
		got, err := s.FindUserByID(bg, acc.ID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, v, "user after failed updates")
	})

	t.Run("UpdateErrNotFound", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		u := createUser(t, s, acc.ID, "u")
		for _, tc := range []struct {
			name          string
			accountID, id int64
		}{{"another account's user", other.ID, u.ID}, {"a missing user", acc.ID, u.ID + 1000}} {
			w := *newUser(tc.accountID, "w")
			w.ID = tc.id
			err := s.Update(bg, func(tx novatalks.Tx) error { return tx.UpdateUser(bg, &w) })
			wantCode(t, err, novatalks.ENOTFOUND, "UpdateUser of "+tc.name)
		}
		got, err := s.FindUserByID(bg, acc.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, u, "user after a foreign UpdateUser")
	})

	t.Run("Delete", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		u, keep := createUser(t, s, acc.ID, "gone"), createUser(t, s, acc.ID, "kept")
		err := s.Update(bg, func(tx novatalks.Tx) error { return tx.DeleteUser(bg, other.ID, u.ID) })
		wantCode(t, err, novatalks.ENOTFOUND, "DeleteUser of another account's user")
		if _, err := s.FindUserByID(bg, acc.ID, u.ID); err != nil {
			t.Fatalf("user after a foreign DeleteUser: %v", err)
		}
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.DeleteUser(bg, acc.ID, u.ID) })
		_, err = s.FindUserByID(bg, acc.ID, u.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindUserByID of a deleted user")
		_, err = s.FindUserByAccessTokenHash(bg, novatalks.HashToken(u.AccessToken))
		wantCode(t, err, novatalks.ENOTFOUND, "FindUserByAccessTokenHash of a deleted user")
		_, err = s.FindUserByPubsubTokenHash(bg, novatalks.HashToken(u.PubsubToken))
		wantCode(t, err, novatalks.ENOTFOUND, "FindUserByPubsubTokenHash of a deleted user")
		list, err := s.FindUsers(bg, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, ids(list, userID), []int64{keep.ID}, "FindUsers after DeleteUser")
		err = s.Update(bg, func(tx novatalks.Tx) error { return tx.DeleteUser(bg, acc.ID, u.ID) })
		wantCode(t, err, novatalks.ENOTFOUND, "DeleteUser of a deleted user")
	})
}

func userID(u *novatalks.User) int64 { return u.ID }
