// Package fanout implements novatalks.Broker inside one process: every
// published event goes straight to every subscriber of this process. It is
// the default for a single node; package nats spreads events over several.
package fanout

import (
	"sync"

	"github.com/novatalks/novatalks"
)

// Local is an in-process novatalks.Broker. Publish calls every subscriber
// synchronously, so each subscriber sees events in the order they were
// published. It is safe for concurrent use.
type Local struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(novatalks.Event)
}

var _ novatalks.Broker = (*Local)(nil)

// NewLocal returns a broker with no subscribers.
func NewLocal() *Local { return &Local{subs: map[int]func(novatalks.Event){}} }

// Publish implements novatalks.EventPublisher.
func (l *Local) Publish(events ...novatalks.Event) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, e := range events {
		for _, fn := range l.subs {
			fn(e)
		}
	}
}

// Subscribe implements novatalks.Broker.
func (l *Local) Subscribe(fn func(novatalks.Event)) func() {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := l.next
	l.next++
	l.subs[id] = fn
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.subs, id)
	}
}
