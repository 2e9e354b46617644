package novatalks_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
)

// sink records what a sequencer passes on.
type sink struct {
	mu   sync.Mutex
	seqs []int64
}

func (s *sink) add(e novatalks.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seqs = append(s.seqs, e.Seq)
}

func (s *sink) got() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seqs)
}

func ev(conv, seq int64) novatalks.Event {
	return novatalks.Event{Type: novatalks.EventMessageCreated, ConversationID: conv, Seq: seq}
}

func TestEventSequencer(t *testing.T) {
	t.Run("InOrderPassesAtOnce", func(t *testing.T) {
		var out sink
		s := novatalks.NewEventSequencer(out.add, time.Hour)
		defer s.Close()
		s.Publish(ev(1, 5), ev(1, 6), ev(1, 7))
		if got, want := out.got(), []int64{5, 6, 7}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("RestoresOrder", func(t *testing.T) {
		var out sink
		s := novatalks.NewEventSequencer(out.add, time.Hour)
		defer s.Close()
		s.Publish(ev(1, 1), ev(1, 4), ev(1, 3))
		if got, want := out.got(), []int64{1}; !slices.Equal(got, want) {
			t.Fatalf("before the gap is filled: got %v, want %v", got, want)
		}
		s.Publish(ev(1, 2))
		if got, want := out.got(), []int64{1, 2, 3, 4}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("ConversationsAreIndependent", func(t *testing.T) {
		var out sink
		s := novatalks.NewEventSequencer(out.add, time.Hour)
		defer s.Close()
		s.Publish(ev(1, 1), ev(1, 3), ev(2, 10), ev(2, 11))
		if got, want := out.got(), []int64{1, 10, 11}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v: conversation 2 waited for conversation 1", got, want)
		}
	})
	t.Run("UnsequencedPassThrough", func(t *testing.T) {
		var out sink
		s := novatalks.NewEventSequencer(out.add, time.Hour)
		defer s.Close()
		s.Publish(ev(1, 1), ev(1, 3), ev(1, 0), novatalks.Event{Type: novatalks.EventTyping, ConversationID: 1})
		if got, want := out.got(), []int64{1, 0, 0}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("GivesUpAGapAfterWait", func(t *testing.T) {
		var out sink
		s := novatalks.NewEventSequencer(out.add, 20*time.Millisecond)
		defer s.Close()
		s.Publish(ev(1, 1), ev(1, 4), ev(1, 3), ev(1, 6))
		deadline := time.Now().Add(5 * time.Second)
		for len(out.got()) < 4 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		// 2 never comes: 3 and 4 go on after the wait, then 5 is missing
		// and 6 goes on after another wait.
		if got, want := out.got(), []int64{1, 3, 4, 6}; !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		s.Publish(ev(1, 2), ev(1, 7))
		if got, want := out.got(), []int64{1, 3, 4, 6, 2, 7}; !slices.Equal(got, want) {
			t.Errorf("a late event and the next one: got %v, want %v", got, want)
		}
	})
	t.Run("CloseReleasesHeld", func(t *testing.T) {
		var out sink
		s := novatalks.NewEventSequencer(out.add, time.Hour)
		s.Publish(ev(1, 1), ev(1, 3))
		s.Close()
		s.Publish(ev(1, 5))
		if got, want := out.got(), []int64{1, 3, 5}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestSequencedBroker(t *testing.T) {
	var subs []func(novatalks.Event)
	inner := brokerFunc{publish: func(events ...novatalks.Event) {
		for _, e := range events {
			for _, fn := range subs {
				fn(e)
			}
		}
	}, subscribe: func(fn func(novatalks.Event)) func() {
		subs = append(subs, fn)
		return func() { subs = nil }
	}}
	b := novatalks.SequencedBroker(inner, time.Hour)
	var out sink
	unsubscribe := b.Subscribe(out.add)
	b.Publish(ev(1, 1), ev(1, 3), ev(1, 2))
	if got, want := out.got(), []int64{1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	unsubscribe()
	b.Publish(ev(1, 4))
	if got := out.got(); len(got) != 3 {
		t.Errorf("after unsubscribing: got %v", got)
	}
}

type brokerFunc struct {
	publish   func(...novatalks.Event)
	subscribe func(func(novatalks.Event)) func()
}

func (b brokerFunc) Publish(events ...novatalks.Event)                       { b.publish(events...) }
func (b brokerFunc) Subscribe(fn func(novatalks.Event)) (unsubscribe func()) { return b.subscribe(fn) }
