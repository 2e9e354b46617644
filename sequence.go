package novatalks

import (
	"slices"
	"sync"
	"time"
)

// DefaultSequenceWait is how long an EventSequencer holds an event back
// while an earlier event of its conversation is missing.
const DefaultSequenceWait = time.Second

// sequenceIdle is how long an EventSequencer remembers a conversation after
// its last event; a conversation it forgot starts again from the next event
// it sees.
const sequenceIdle = 10 * time.Minute

// EventSequencer restores the commit order of each conversation's events
// from their Seq numbers (see Event.Seq) before passing them on. Events of
// stores that publish in commit order anyway (Seq 0) and events that are
// not stored (typing) pass straight through.
//
// When an event arrives ahead of its turn (Seq more than one past the last
// passed on), it is held until the missing events arrive, or for at most
// the sequencer's wait: an event can be lost for good (a node that died
// between commit and publishing, a NATS outage), and then the held events go
// on in order and the gap is left for clients to fill with the updated_at
// catch-up. An event older than the last passed on (one that arrives after
// its gap was given up) is passed on at once rather than dropped. The first
// event seen of a conversation is taken as in turn.
//
// It is safe for concurrent use. next is called with one event at a time,
// never concurrently, and must not block.
type EventSequencer struct {
	next func(Event)
	wait time.Duration
	now  func() time.Time

	mu      sync.Mutex
	convs   map[int64]*conversationSequence
	timer   *time.Timer
	swept   time.Time
	stopped bool
}

// conversationSequence is what an EventSequencer knows of one conversation.
type conversationSequence struct {
	last     int64   // Seq of the last event passed on
	held     []Event // events waiting for their turn, sorted by Seq
	heldAt   time.Time
	lastSeen time.Time
}

// NewEventSequencer returns a sequencer that passes events on to next,
// holding events that arrive ahead of their turn for at most wait
// (DefaultSequenceWait when zero).
func NewEventSequencer(next func(Event), wait time.Duration) *EventSequencer {
	if wait <= 0 {
		wait = DefaultSequenceWait
	}
	return &EventSequencer{next: next, wait: wait, now: time.Now, convs: map[int64]*conversationSequence{}}
}

// Publish implements EventPublisher.
func (s *EventSequencer) Publish(events ...Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, e := range events {
		s.add(e, now)
	}
	if now.Sub(s.swept) > sequenceIdle {
		s.forgetIdle(now)
	}
}

func (s *EventSequencer) add(e Event, now time.Time) {
	if e.Seq == 0 || e.ConversationID == 0 || s.stopped {
		s.next(e)
		return
	}
	c := s.convs[e.ConversationID]
	if c == nil {
		c = &conversationSequence{last: e.Seq - 1}
		s.convs[e.ConversationID] = c
	}
	c.lastSeen = now
	switch {
	case e.Seq <= c.last: // late: its gap was given up
		s.next(e)
	case e.Seq == c.last+1:
		s.next(e)
		c.last = e.Seq
		s.release(c)
		c.heldAt = now // a gap further on is waited for from now
	default:
		i, _ := slices.BinarySearchFunc(c.held, e.Seq, func(h Event, seq int64) int { return int(h.Seq - seq) })
		c.held = slices.Insert(c.held, i, e)
		if len(c.held) == 1 {
			c.heldAt = now
		}
		s.schedule(s.wait)
	}
}

// release passes on the held events of c that are now in turn.
func (s *EventSequencer) release(c *conversationSequence) {
	for len(c.held) > 0 && c.held[0].Seq <= c.last+1 {
		e := c.held[0]
		c.held = c.held[1:]
		s.next(e)
		c.last = max(c.last, e.Seq)
	}
	if len(c.held) == 0 {
		c.held = nil
	}
}

// schedule makes sure expire runs within d.
func (s *EventSequencer) schedule(d time.Duration) {
	if s.timer == nil {
		s.timer = time.AfterFunc(d, s.expire)
	}
}

// expire gives up the gaps that have been waited for long enough: the held
// events behind them go on, in order.
func (s *EventSequencer) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer = nil
	if s.stopped {
		return
	}
	now := s.now()
	var soonest time.Duration
	for _, c := range s.convs {
		if len(c.held) == 0 {
			continue
		}
		if waited := now.Sub(c.heldAt); waited < s.wait {
			if left := s.wait - waited; soonest == 0 || left < soonest {
				soonest = left
			}
			continue
		}
		c.last = c.held[0].Seq - 1
		s.release(c)
		if len(c.held) > 0 { // another gap behind the first
			c.heldAt = now
			soonest = s.wait
		}
	}
	if soonest > 0 {
		s.schedule(soonest)
	}
}

// forgetIdle drops what is known of conversations without events for a
// while, so that memory follows the active conversations.
func (s *EventSequencer) forgetIdle(now time.Time) {
	s.swept = now
	for id, c := range s.convs {
		if len(c.held) == 0 && now.Sub(c.lastSeen) > sequenceIdle {
			delete(s.convs, id)
		}
	}
}

// Close passes on every held event, in order, and stops holding: events
// published after Close pass straight through.
func (s *EventSequencer) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	for _, c := range s.convs {
		for _, e := range c.held {
			s.next(e)
		}
	}
	s.convs = map[int64]*conversationSequence{}
}

// SequencedBroker returns a Broker that publishes through b and whose every
// subscriber receives the events of each conversation in commit order,
// through an EventSequencer of its own (holding events for at most wait).
func SequencedBroker(b Broker, wait time.Duration) Broker {
	return sequencedBroker{Broker: b, wait: wait}
}

type sequencedBroker struct {
	Broker
	wait time.Duration
}

// Subscribe implements Broker.
func (b sequencedBroker) Subscribe(fn func(Event)) (unsubscribe func()) {
	s := NewEventSequencer(fn, b.wait)
	unsub := b.Broker.Subscribe(func(e Event) { s.Publish(e) })
	return func() {
		unsub()
		s.Close()
	}
}
