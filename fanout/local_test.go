package fanout_test

import (
	"testing"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/fanout"
)

func TestLocal(t *testing.T) {
	l := fanout.NewLocal()
	var a, b []int64
	l.Subscribe(func(e novatalks.Event) { a = append(a, e.ConversationID) })
	unsubscribe := l.Subscribe(func(e novatalks.Event) { b = append(b, e.ConversationID) })
	l.Publish(novatalks.Event{ConversationID: 1}, novatalks.Event{ConversationID: 2})
	unsubscribe()
	l.Publish(novatalks.Event{ConversationID: 3})
	if got, want := len(a), 3; got != want || a[0] != 1 || a[1] != 2 || a[2] != 3 {
		t.Errorf("first subscriber got %v, want [1 2 3] in order", a)
	}
	if len(b) != 2 || b[0] != 1 || b[1] != 2 {
		t.Errorf("unsubscribed subscriber got %v, want [1 2]", b)
	}
}
