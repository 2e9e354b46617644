// Package delivery sends the outbox: push notifications to the push
// integration of SDK inboxes, events to account webhooks and to agent bots.
//
// # How it works
//
// The rows are written by novatalks.Service, in the transaction of the change
// that causes them (see the outbox rules in the root package); Renderer,
// which the Service calls there, renders their bodies. An Engine then
// delivers them:
//
//   - It claims due rows with Tx.ClaimDeliveries, which leases them
//     (locked_until) so that no other worker, in this process or another,
//     sends them at the same time. Of the pending rows of one receiver and
//     one conversation only the oldest can be claimed: a receiver gets a
//     conversation's notifications one at a time, in order, and a later one
//     waits while an earlier one is being retried.
//   - It POSTs each with a timeout. A 2xx answer delivers it. A network
//     error, a timeout, 408, 429 and 5xx are retried after an exponential
//     backoff with jitter (at least the receiver's Retry-After), until
//     RetryFor has passed since the first attempt; the row is then parked as
//     dead. Any other answer (other 4xx, 3xx), a refused private address or
//     a receiver that was deleted or switched off parks it dead at once.
//     Every attempt is recorded with its time, status code, error and
//     duration; operators list them and retry dead rows.
//   - Each attempt uses the receiver's settings as they are then (URL,
//     headers, bearer token, secret). A push gets its "ts" set to the time
//     of the attempt. Every request carries X-Ntk-Delivery-Id, the same on
//     every retry, so that receivers can drop duplicates; webhook and bot
//     requests are signed (Sign).
//
// # Guarantees
//
// Delivery is at least once: a row is marked delivered only after the
// receiver answered 2xx, so a crash between the two sends it again (after
// its lease ends). A restart loses nothing: rows live in the database, and
// Close frees the leases of the attempts it interrupts so that the next
// start sends them at once.
//
// # Concurrency and lifecycle
//
// New builds an Engine, Start runs it (one loop goroutine and up to Workers
// attempt goroutines), Wake nudges it after a commit that wrote deliveries
// (it also sleeps until the next retry is due, and polls every PollInterval
// for rows written by other processes),
// and Close stops it: call Close before the store closes. An Engine is safe
// for concurrent use.
package delivery
