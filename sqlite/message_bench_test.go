package sqlite_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/novatalks/novatalks"
)

// BenchmarkMessagesAcrossConversations measures the store's share of the
// load tool's workload: contact messages spread round-robin over 1,000
// conversations, from enough goroutines that the writer's batches fill up
// as they do under load. Its ns/op is the writer's throughput limit on this
// machine (every message persisted, flushed, its event built), without
// HTTP or WebSockets.
func BenchmarkMessagesAcrossConversations(b *testing.B) {
	const conversations = 1000
	ctx := context.Background()
	svc, sessions := startConversations(b, MustOpenDB(b, nil), conversations)
	var seq atomic.Int64
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			sess := sessions[n%conversations]
			msg := novatalks.NewContactMessage{Content: "hello from the benchmark", EchoID: "e" + strconv.FormatInt(n, 36)}
			if _, err := svc.SendContactMessage(ctx, sess, msg); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCatchUpLongConversation measures the catch-up of a contact that
// reconnects to a conversation of 10,000 messages having missed the last
// ten (FindMessages with UpdatedAfter): the query filters the
// conversation's index entries on updated_at and sorts what it finds.
func BenchmarkCatchUpLongConversation(b *testing.B) {
	const messages = 10000
	ctx := context.Background()
	db := MustOpenDB(b, nil)
	svc, sessions := startConversations(b, db, 1)
	sess := sessions[0]
	var seq atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for n := seq.Add(1); n <= messages; n = seq.Add(1) {
				msg := novatalks.NewContactMessage{Content: "hello", EchoID: "e" + strconv.FormatInt(n, 36)}
				if _, err := svc.SendContactMessage(ctx, sess, msg); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	latest, err := db.FindMessages(ctx, novatalks.MessageFilter{ConversationID: sess.ConversationID, Limit: 11})
	if err != nil || len(latest) != 11 {
		b.Fatalf("latest messages: %d, %v", len(latest), err)
	}
	since := latest[0].UpdatedAt
	b.ResetTimer()
	for b.Loop() {
		missed, err := db.FindMessages(ctx, novatalks.MessageFilter{ConversationID: sess.ConversationID,
			UpdatedAfter: &since, ForContact: true, Limit: novatalks.DefaultMessageLimit})
		if err != nil || len(missed) != 10 {
			b.Fatalf("caught up %d messages, %v; want 10", len(missed), err)
		}
	}
}
