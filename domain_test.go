package novatalks_test

import (
	"strings"
	"testing"

	"github.com/novatalks/novatalks"
)

func TestParseReplyMarkers(t *testing.T) {
	for _, tc := range []struct {
		name, in, wantText string
		wantID             int64
		wantOK, wantErr    bool
	}{
		{"Plain", "hello", "hello", 0, false, false},
		{"Documented", "[RepliedMessageDialogId:]76af69fb-2366-40ed-b335-454d4725bc20[RepliedMessageId:]20163[RepliedContent:]Доброго дня[Content:]Вітаю", "Вітаю", 20163, true, false},
		{"EmptyDialogAndQuote", "[RepliedMessageDialogId:][RepliedMessageId:]7[RepliedContent:][Content:]x", "x", 7, true, false},
		{"QuoteContainsMarker", "[RepliedMessageDialogId:]d[RepliedMessageId:]7[RepliedContent:]a [Content:] b[Content:]real", "real", 7, true, false},
		{"EmptyContent", "[RepliedMessageDialogId:]d[RepliedMessageId:]7[RepliedContent:]q[Content:]", "", 7, true, false},
		{"MarkerNotAtStart", "say [RepliedMessageDialogId:]d", "say [RepliedMessageDialogId:]d", 0, false, false},
		{"MissingID", "[RepliedMessageDialogId:]d[RepliedContent:]q[Content:]c", "", 0, false, true},
		{"BadID", "[RepliedMessageDialogId:]d[RepliedMessageId:]x1[RepliedContent:]q[Content:]c", "", 0, false, true},
		{"NegativeID", "[RepliedMessageDialogId:]d[RepliedMessageId:]-1[RepliedContent:]q[Content:]c", "", 0, false, true},
		{"MissingContent", "[RepliedMessageDialogId:]d[RepliedMessageId:]1[RepliedContent:]q", "", 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, text, ok, err := novatalks.ParseReplyMarkers(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				if novatalks.ErrorCode(err) != novatalks.EINVALID {
					t.Errorf("code = %s", novatalks.ErrorCode(err))
				}
				return
			}
			if id != tc.wantID || text != tc.wantText || ok != tc.wantOK {
				t.Errorf("got (%d, %q, %v), want (%d, %q, %v)", id, text, ok, tc.wantID, tc.wantText, tc.wantOK)
			}
		})
	}
}

func FuzzParseReplyMarkers(f *testing.F) {
	f.Add("[RepliedMessageDialogId:]d[RepliedMessageId:]20163[RepliedContent:]q[Content:]c")
	f.Add("hello")
	f.Add("[RepliedMessageDialogId:][RepliedMessageId:]")
	f.Fuzz(func(t *testing.T, in string) {
		id, text, ok, err := novatalks.ParseReplyMarkers(in)
		switch {
		case err != nil:
			if novatalks.ErrorCode(err) != novatalks.EINVALID || ok {
				t.Fatalf("error %v with ok=%v", err, ok)
			}
		case ok:
			if id <= 0 || !strings.HasSuffix(in, text) {
				t.Fatalf("ok with id %d text %q from %q", id, text, in)
			}
		default:
			if text != in {
				t.Fatalf("plain content changed: %q -> %q", in, text)
			}
		}
	})
}

func TestNormalizeReaction(t *testing.T) {
	if len(novatalks.Reactions) != 72 {
		t.Errorf("%d reactions, the documentation lists 72", len(novatalks.Reactions))
	}
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"👍", "👍", true},
		{"❤\u200d🔥", "❤\u200d🔥", true},
		{"❤\ufe0f\u200d🔥", "❤\u200d🔥", true},
		{"☃\ufe0f", "☃", true},
		{"🤷\u200d♀\ufe0f", "🤷\u200d♀", true},
		{"❤", "", false},
		{"👍👍", "", false},
		{"", "", false},
		{"ok", "", false},
	} {
		got, ok := novatalks.NormalizeReaction(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("NormalizeReaction(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := novatalks.NewToken()
		if len(tok) != novatalks.TokenLength || strings.Trim(tok, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "" {
			t.Fatalf("token %q is not 22 base62 characters", tok)
		}
		if seen[tok] {
			t.Fatalf("duplicate token %q", tok)
		}
		seen[tok] = true
	}
	if !novatalks.TokenEqual("abc", "abc") || novatalks.TokenEqual("abc", "abd") || novatalks.TokenEqual("abc", "ab") {
		t.Error("TokenEqual is wrong")
	}
	if u := novatalks.NewUUID(); len(u) != 36 || u[14] != '4' {
		t.Errorf("NewUUID() = %q, want a version 4 UUID", u)
	}
}

func TestSubstatusFor(t *testing.T) {
	agent := int64(1)
	for _, tc := range []struct {
		status   string
		assignee *int64
		want     string
	}{
		{"open", nil, "oninbox"}, {"open", &agent, "interacting"}, {"pending", nil, "inqueue"},
		{"snoozed", nil, "hold"}, {"resolved", &agent, "acw"},
	} {
		if got := novatalks.SubstatusFor(tc.status, tc.assignee); got != tc.want {
			t.Errorf("SubstatusFor(%s, %v) = %s, want %s", tc.status, tc.assignee, got, tc.want)
		}
	}
}
