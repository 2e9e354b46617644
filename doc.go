// Package novatalks is the domain of the NovaTalks chat server: accounts, inboxes,
// contacts, conversations with their dialogs, messages, reactions and the events
// every change emits.
//
// The package holds the types and all the rules. Storage is behind the [Store]
// interface (implemented by package sqlite), delivery of events behind
// [EventPublisher] (the realtime hub), and the HTTP APIs call [Service] only.
// It imports nothing from the rest of the module and nothing heavy, so every
// adapter can depend on it and it depends on none of them.
//
// Every state change runs in one [Store.Update] transaction. Events emitted
// inside it with [Tx.Emit] are handed to the publisher only after the
// transaction has committed, and in commit order, so that a subscriber never
// sees a change that was rolled back and sees the changes of one conversation in
// the order they were made.
//
// In the same transaction the Service writes the outbox: one Delivery for
// each receiver that must hear of each event (push integrations, account
// webhooks, agent bots; see outbox.go for who receives what), rendered by
// the DeliveryRenderer it is given. Package delivery sends the rows after
// commit, so a committed change never loses its notification and a
// rolled-back one never sends.
package novatalks
