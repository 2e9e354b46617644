package storetest

import (
	"testing"

	"github.com/novatalks/novatalks"
)

func testAccount(t *testing.T, b Backend) {
	s, _ := open(t, b)

	t.Run("OK", func(t *testing.T) {
		var list []*novatalks.Account
		mustUpdate(t, s, func(tx novatalks.Tx) error {
			for _, name := range []string{"One", "Two", "Three"} {
				a := &novatalks.Account{Name: name, CreatedAt: at(1)}
				if err := tx.CreateAccount(bg, a); err != nil {
					return err
				}
				list = append(list, a)
			}
			return nil
		})
		list = append(list, createAccount(t, s))
		wantIncreasing(t, ids(list, func(a *novatalks.Account) int64 { return a.ID }), "CreateAccount")
		for _, want := range list {
			got, err := s.FindAccountByID(bg, want.ID)
			if err != nil {
				t.Fatalf("FindAccountByID(%d): %v", want.ID, err)
			}
			wantNoDiff(t, got, want, "FindAccountByID")
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		a := createAccount(t, s)
		for _, id := range []int64{0, -1, a.ID + 1000} {
			got, err := s.FindAccountByID(bg, id)
			wantCode(t, err, novatalks.ENOTFOUND, "FindAccountByID of a missing account")
			if got != nil {
				t.Errorf("FindAccountByID(%d) = %s with an error", id, format(got))
			}
		}
	})
}
