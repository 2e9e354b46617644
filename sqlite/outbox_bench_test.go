package sqlite_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/delivery"
)

// BenchmarkContactMessage measures the message hot path on a real database:
// without the outbox, with the outbox and nothing listening (the common
// case: it must cost no query), and with a webhook subscribed to
// message_created (one outbox row per message).
func BenchmarkContactMessage(b *testing.B) {
	for _, tc := range []struct {
		name            string
		renderer        bool
		webhook, pushOn bool
	}{{"NoOutbox", false, false, false}, {"OutboxNobodyListens", true, false, false},
		{"OutboxPushOnNoTokens", true, false, true}, {"OutboxOneWebhook", true, true, false}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			db := MustOpenDB(b, nil)
			svc := novatalks.NewService(db)
			if tc.renderer {
				svc.Renderer = delivery.Renderer{}
			}
			boot, err := svc.Bootstrap(ctx, "")
			if err != nil {
				b.Fatal(err)
			}
			admin := novatalks.UserActor(boot.Admin)
			if tc.webhook {
				url := "https://example.com/hook"
				if _, err := svc.CreateWebhook(ctx, admin, novatalks.WebhookInput{URL: &url, Subscriptions: &[]string{"message_created"}}); err != nil {
					b.Fatal(err)
				}
			}
			if tc.pushOn {
				on, url := true, "https://example.com/push"
				if _, err := svc.UpdateInbox(ctx, admin, 1, novatalks.InboxUpdate{Push: &novatalks.PushIntegrationUpdate{Enabled: &on, URL: &url}}); err != nil {
					b.Fatal(err)
				}
			}
			name := "Olena"
			started, err := svc.StartConversation(ctx, novatalks.StartConversation{Name: &name,
				Message: &novatalks.NewContactMessage{Content: "hi", EchoID: "0"}})
			if err != nil {
				b.Fatal(err)
			}
			sess := &novatalks.ContactSession{ContactInbox: *started.ContactInbox, Contact: started.Contact}
			var echo atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := strconv.FormatInt(echo.Add(1), 10)
					if _, err := svc.SendContactMessage(ctx, sess, novatalks.NewContactMessage{Content: "hello", EchoID: id}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
