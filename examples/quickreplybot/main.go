// Quickreplybot is an example bot built on the agent side of package sdk.
// When a contact writes, it asks "How can we help?" with the quick reply
// buttons Billing, Technical and Talk to a human; it answers Billing and
// Technical itself, and for Talk to a human it hands the conversation over
// to the humans: it leaves them a private note and opens the conversation
// (a bot's conversations are pending; humans take open ones).
//
// Usage:
//
//	go run ./examples/quickreplybot --url http://127.0.0.1:8080 --token TOKEN [--account ID]
//
// TOKEN is an API access token of the account (NOVATALKS_ACCESS_TOKEN by
// default; the URL is NOVATALKS_URL by default);
// the bot receives the account's events on /ws with the pubsub token of its
// profile and answers through the agent API. It runs until interrupted.
//
// For now the token is an agent's: agent bots with their own tokens are
// being built (issue 5). Switching to a bot's token needs no change of the
// code: pass it as --token. The bot never relies on the token being a
// person's: it answers only contacts' incoming messages, never assigns
// anyone, and reads the account from --account or else from the profile.
// It needs the token to be allowed GET /api/v1/profile (the pubsub token;
// the account without --account), the /ws subscription, and the agent API's
// GET conversation, GET messages, POST messages and POST toggle_status.
//
// See bot.go for how it decides which conversations are its own.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/novatalks/novatalks/sdk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "quickreplybot:", err)
		os.Exit(1)
	}
}

// run parses the arguments and runs the bot until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("quickreplybot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", cmp.Or(getenv("NOVATALKS_URL"), "http://127.0.0.1:8080"), "base URL of the novatalks server (NOVATALKS_URL)")
	token := fs.String("token", getenv("NOVATALKS_ACCESS_TOKEN"), "API access token of an agent, later of a bot (NOVATALKS_ACCESS_TOKEN)")
	account := fs.Int64("account", 0, "account ID (default: the token's, from its profile)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *token == "" {
		return errors.New("--token (or NOVATALKS_ACCESS_TOKEN) is required")
	}
	var opts []sdk.Option
	if *account != 0 {
		opts = append(opts, sdk.WithAccount(*account))
	}
	b := &bot{agent: sdk.NewAgentClient(*url, *token, opts...), log: slog.New(slog.NewTextHandler(stderr, nil))}
	err := b.run(ctx)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // interrupted
	}
	return err
}
