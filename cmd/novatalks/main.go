// Command novatalks is the NovaTalks chat server and its tools.
//
//	novatalks serve     run the server (SQLite in a data folder by default)
//	novatalks admin     operator commands: accounts, agents and tokens, inboxes, push integrations
//	novatalks chat      chat with a server as a contact, from the terminal
//	novatalks version   print the version
//
// This is the only package that wires the pieces together: it reads the
// configuration, opens the store, builds the service and the HTTP server, and
// stops them in order.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "novatalks:", err)
		}
		os.Exit(2)
	}
}

const usage = `Usage: novatalks <command> [flags]

Commands:
  serve     run the server
  admin     create accounts, agents and inboxes; rotate tokens; configure push integrations
  chat      chat with a server as a contact, from the terminal
  version   print the version

Run "novatalks <command> -h" for the flags of a command.
`

// run executes one command; main only adds the process around it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		cfg, err := parseServeConfig(args[1:], getenv, stderr)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, stdout, stderr)
	case "admin":
		return admin(ctx, args[1:], getenv, stdout, stderr)
	case "chat":
		cfg, err := parseChatConfig(args[1:], getenv, stderr)
		if err != nil {
			return err
		}
		return chat(ctx, cfg, stdin, stdout)
	case "version":
		fmt.Fprintln(stdout, "novatalks", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
