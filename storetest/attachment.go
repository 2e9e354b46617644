package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/novatalks/novatalks"
)

func testAttachment(t *testing.T, b Backend) {
	s, _ := open(t, b)

	// An attachment is found by either of its keys, from any account: the
	// key is the capability.
	t.Run("OK", func(t *testing.T) {
		sc := newScene(t, s)
		m := createMessage(t, s, sc.Conversation, "files")
		a1 := createAttachment(t, s, m, "one")
		plain := newAttachment(m, "notes")
		plain.FileType, plain.MimeType, plain.Extension, plain.FallbackTitle = novatalks.FileOther, "text/plain", nil, nil
		plain.ThumbKey, plain.ThumbMimeType, plain.ThumbURL = "", "", plain.DataURL
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.CreateAttachment(bg, plain) })
		wantIncreasing(t, []int64{a1.ID, plain.ID}, "CreateAttachment")
		for _, tc := range []struct {
			key  string
			want *novatalks.Attachment
		}{{a1.Key, a1}, {a1.ThumbKey, a1}, {plain.Key, plain}} {
			got, err := s.FindAttachmentByKey(bg, tc.key)
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, got, tc.want, "FindAttachmentByKey")
		}
		got, err := s.FindMessageByID(bg, sc.Conversation.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got.Attachments, []*novatalks.Attachment{a1, plain}, "the message's Attachments")
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.FindAttachmentByKey(bg, novatalks.NewToken())
		wantCode(t, err, novatalks.ENOTFOUND, "FindAttachmentByKey of an unknown key")
		_, err = s.FindAttachmentByKey(bg, "")
		wantCode(t, err, novatalks.ENOTFOUND, "FindAttachmentByKey of the empty key")
	})

	t.Run("FindBlobKeysInUse", func(t *testing.T) {
		sc := newScene(t, s)
		m := createMessage(t, s, sc.Conversation, "files")
		a, other := createAttachment(t, s, m, "a"), createAttachment(t, s, m, "other")
		unknown := novatalks.NewToken()
		inUse := func(keys []string, want ...string) {
			t.Helper()
			got, err := s.FindBlobKeysInUse(bg, keys)
			if err != nil {
				t.Fatal(err)
			}
			var used []string
			for k, ok := range got {
				if ok {
					used = append(used, k)
				}
			}
			slices.Sort(used)
			slices.Sort(want)
			if !slices.Equal(used, want) {
				t.Errorf("FindBlobKeysInUse(%q) = %q, want %q", keys, used, want)
			}
		}
		inUse([]string{a.Key, a.ThumbKey, unknown}, a.Key, a.ThumbKey)
		inUse([]string{unknown})
		inUse(nil)
		// Deleting the message frees its keys.
		mm := *m
		mm.Content, mm.DeletedAt, mm.UpdatedAt = nil, ptr(at(80)), at(80)
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.UpdateMessage(bg, &mm) })
		inUse([]string{a.Key, a.ThumbKey, other.Key, unknown})
	})
}

func testBlobDeletion(t *testing.T, b Backend) {
	s, _ := open(t, b)
	find := func(limit int, want ...string) {
		t.Helper()
		got, err := s.FindBlobDeletions(bg, limit)
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, got, want, fmt.Sprintf("FindBlobDeletions(%d) (oldest first)", limit))
	}
	schedule := func(sec int, keys ...string) {
		t.Helper()
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.ScheduleBlobDeletions(bg, keys, at(sec)) })
	}
	forget := func(keys ...string) {
		t.Helper()
		mustUpdate(t, s, func(tx novatalks.Tx) error { return tx.DeleteBlobDeletions(bg, keys) })
	}

	t.Run("OK", func(t *testing.T) {
		find(10)
		k1, k2, k3, k4, k5 := "k1"+novatalks.NewToken(), "k2"+novatalks.NewToken(), "k3"+novatalks.NewToken(),
			"k4"+novatalks.NewToken(), "k5"+novatalks.NewToken()
		schedule(20, k3)
		schedule(10, k1)
		schedule(30, k4, k5)
		schedule(15, k2)
		find(3, k1, k2, k3)
		all, err := s.FindBlobDeletions(bg, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 5 || !slices.Equal(all[:3], []string{k1, k2, k3}) || !sameSet(all[3:], []string{k4, k5}) {
			t.Errorf("FindBlobDeletions(10) = %q, want %q (oldest first)", all, []string{k1, k2, k3, k4, k5})
		}
		schedule(5, k4) // scheduling a key again is no error
		forget(k1, k3)
		forget() // nothing
		forget(novatalks.NewToken())
		got, err := s.FindBlobDeletions(bg, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !sameSet(got, []string{k2, k4, k5}) {
			t.Errorf("FindBlobDeletions after deleting records = %q, want %q", got, []string{k2, k4, k5})
		}
		forget(k2, k4, k5)
		find(10)
	})

	t.Run("RolledBack", func(t *testing.T) {
		err := s.Update(bg, func(tx novatalks.Tx) error {
			if err := tx.ScheduleBlobDeletions(bg, []string{novatalks.NewToken()}, at(1)); err != nil {
				return err
			}
			return novatalks.Errorf(novatalks.EINVALID, "changed my mind")
		})
		wantCode(t, err, novatalks.EINVALID, "Update")
		find(10)
	})
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
