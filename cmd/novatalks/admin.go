package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/delivery"
	"github.com/novatalks/novatalks/internal/app"
)

const adminUsage = `Usage: novatalks admin <command> [flags]

Operator commands on the server's database: the SQLite file in the data
folder (--data, NOVATALKS_DATA), or the PostgreSQL database of --database-url
(NOVATALKS_DATABASE_URL). They may run while the server runs: both databases
let this process write beside it.

Commands:
  create-account  --name NAME
  create-agent    --account ID --name NAME --email EMAIL [--role agent|administrator]
  create-inbox    --account ID --name NAME
  rotate-token    --account ID --agent ID
  set-push        --account ID --inbox ID [--url URL] [--enabled=true|false]
                  [--header 'Name: value']... [--clear-headers] [--bearer-token TOKEN]
                  [--param key=value]... [--clear-params]
  deliveries      --account ID [--status pending|delivered|dead] [--kind push|webhook|agent_bot]
                  [--limit N] [--id ID]    (--id shows one delivery with its attempts)
  retry-delivery  --account ID --id ID     (a dead delivery; the server sends it within a second)

Run "novatalks admin <command> -h" for the flags of a command.
`

// adminCommand is one "novatalks admin" command: it declares its flags on fs
// and returns the function that runs once they are parsed.
type adminCommand func(fs *flag.FlagSet) func(ctx context.Context, svc *novatalks.Service, out io.Writer) error

var adminCommands = map[string]adminCommand{
	"create-account": adminCreateAccount,
	"create-agent":   adminCreateAgent,
	"create-inbox":   adminCreateInbox,
	"rotate-token":   adminRotateToken,
	"set-push":       adminSetPush,
	"deliveries":     adminDeliveries,
	"retry-delivery": adminRetryDelivery,
}

// admin runs "novatalks admin <command>". It opens the data folder like the
// server does (creating and bootstrapping it if it is new, and announcing
// the administrator's token then) and runs the command as the operator.
func admin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, adminUsage)
		return flag.ErrHelp
	}
	cmd, ok := adminCommands[args[0]]
	if !ok {
		fmt.Fprint(stderr, adminUsage)
		return fmt.Errorf("unknown admin command %q", args[0])
	}
	fs := flag.NewFlagSet("admin "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", envOr(getenv, "NOVATALKS_DATA", "data"), "data folder (NOVATALKS_DATA)")
	databaseURL := fs.String("database-url", getenv("NOVATALKS_DATABASE_URL"), "PostgreSQL database (postgres://...) instead of the SQLite file in --data (NOVATALKS_DATABASE_URL)")
	runCmd := cmd(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("admin %s takes no arguments, got %q", args[0], fs.Args())
	}
	db, err := app.OpenDatabase(ctx, app.Config{DataDir: *dataDir, DatabaseURL: *databaseURL}, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := novatalks.NewService(db)
	svc.Renderer = delivery.Renderer{} // a change made here notifies like one made by the server
	envToken := getenv("NOVATALKS_ADMIN_TOKEN")
	boot, err := app.Bootstrap(ctx, db, svc, envToken)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if boot.Created {
		if err := announceAdmin(*dataDir, envToken != "", boot, stdout); err != nil {
			return err
		}
	}
	if err := runCmd(ctx, svc, stdout); err != nil && novatalks.ErrorCode(err) != novatalks.EINTERNAL {
		return errors.New(novatalks.ErrorMessage(err)) // what the operator must fix, without the code
	} else if err != nil {
		return err
	}
	return nil
}

func adminCreateAccount(fs *flag.FlagSet) func(context.Context, *novatalks.Service, io.Writer) error {
	name := fs.String("name", "", "the account's name (required)")
	return func(ctx context.Context, svc *novatalks.Service, out io.Writer) error {
		a, err := svc.CreateAccount(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Created account %d (%s).\naccount_id: %d\n", a.ID, a.Name, a.ID)
		return nil
	}
}

func adminCreateAgent(fs *flag.FlagSet) func(context.Context, *novatalks.Service, io.Writer) error {
	account := fs.Int64("account", novatalks.DefaultAccountID, "the account")
	var in novatalks.NewAgent
	fs.StringVar(&in.Name, "name", "", "the agent's name (required)")
	fs.StringVar(&in.Email, "email", "", "the agent's email (required, unique in the account)")
	fs.StringVar(&in.Role, "role", novatalks.RoleAgent, "agent or administrator")
	return func(ctx context.Context, svc *novatalks.Service, out io.Writer) error {
		u, err := svc.CreateAgent(ctx, novatalks.SystemActor(*account), in)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Created %s %d (%s) in account %d.\nagent_id: %d\napi_access_token: %s\n",
			u.Role, u.ID, u.Email, u.AccountID, u.ID, u.AccessToken)
		return nil
	}
}

func adminCreateInbox(fs *flag.FlagSet) func(context.Context, *novatalks.Service, io.Writer) error {
	account := fs.Int64("account", novatalks.DefaultAccountID, "the account")
	name := fs.String("name", "", "the inbox's name (required)")
	return func(ctx context.Context, svc *novatalks.Service, out io.Writer) error {
		in, err := svc.CreateInbox(ctx, novatalks.SystemActor(*account), novatalks.NewInbox{Name: *name})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Created SDK inbox %d (%s) in account %d.\ninbox_id: %d\ninbox_identifier: %s\n",
			in.ID, in.Name, in.AccountID, in.ID, in.Identifier)
		return nil
	}
}

func adminRotateToken(fs *flag.FlagSet) func(context.Context, *novatalks.Service, io.Writer) error {
	account := fs.Int64("account", novatalks.DefaultAccountID, "the account")
	agent := fs.Int64("agent", 0, "the agent whose API access token to replace (required)")
	return func(ctx context.Context, svc *novatalks.Service, out io.Writer) error {
		u, err := svc.RotateAccessToken(ctx, novatalks.SystemActor(*account), *agent)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Replaced the API access token of agent %d (%s); the old one no longer works.\napi_access_token: %s\n",
			u.ID, u.Email, u.AccessToken)
		return nil
	}
}

func adminSetPush(fs *flag.FlagSet) func(context.Context, *novatalks.Service, io.Writer) error {
	account := fs.Int64("account", novatalks.DefaultAccountID, "the account")
	inbox := fs.Int64("inbox", 0, "the SDK inbox (required)")
	var upd novatalks.PushIntegrationUpdate
	fs.Func("url", "the webhook URL pushes are POSTed to (\"\" clears it)", func(v string) error {
		upd.URL = &v
		return nil
	})
	fs.BoolFunc("enabled", "turn the integration on or off (--enabled=false)", func(v string) error {
		on := v == "true"
		if v != "true" && v != "false" {
			return fmt.Errorf("must be true or false")
		}
		upd.Enabled = &on
		return nil
	})
	headers := map[string]string{}
	fs.Func("header", "an extra header 'Name: value' (repeat; replaces all extra headers)", func(v string) error {
		name, value, ok := strings.Cut(v, ":")
		if !ok {
			return fmt.Errorf("must be 'Name: value'")
		}
		headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
		upd.Headers = &headers
		return nil
	})
	fs.BoolFunc("clear-headers", "remove every extra header", func(string) error {
		upd.Headers = &map[string]string{}
		return nil
	})
	fs.Func("bearer-token", "the token sent as Authorization: Bearer (\"\" clears it)", func(v string) error {
		upd.BearerToken = &v
		return nil
	})
	params := map[string]any{}
	fs.Func("param", "an additional_params entry key=value (repeat; replaces them all)", func(v string) error {
		key, value, ok := strings.Cut(v, "=")
		if !ok || key == "" {
			return fmt.Errorf("must be key=value")
		}
		params[key] = value
		upd.AdditionalParams = &params
		return nil
	})
	fs.BoolFunc("clear-params", "remove every additional_params entry", func(string) error {
		upd.AdditionalParams = &map[string]any{}
		return nil
	})
	return func(ctx context.Context, svc *novatalks.Service, out io.Writer) error {
		in, err := svc.UpdateInbox(ctx, novatalks.SystemActor(*account), *inbox, novatalks.InboxUpdate{Push: &upd})
		if err != nil {
			return err
		}
		p := in.Push
		fmt.Fprintf(out, "Push integration of inbox %d: enabled %v, url %q, %d extra headers, bearer token %s, %d additional params.\n",
			in.ID, p.Enabled, p.URL, len(p.Headers), map[bool]string{true: "set", false: "not set"}[p.BearerToken != ""], len(p.AdditionalParams))
		return nil
	}
}

func adminDeliveries(fs *flag.FlagSet) func(context.Context, *novatalks.Service, io.Writer) error {
	account := fs.Int64("account", novatalks.DefaultAccountID, "the account")
	var f novatalks.DeliveryFilter
	fs.StringVar(&f.Status, "status", "", "only pending, delivered or dead deliveries")
	fs.StringVar(&f.Kind, "kind", "", "only push, webhook or agent_bot deliveries")
	fs.IntVar(&f.Limit, "limit", 20, "how many, newest first (at most 100)")
	id := fs.Int64("id", 0, "show this delivery with its attempts")
	return func(ctx context.Context, svc *novatalks.Service, out io.Writer) error {
		actor := novatalks.SystemActor(*account)
		if *id != 0 {
			d, err := svc.Delivery(ctx, actor, *id)
			if err != nil {
				return err
			}
			printDelivery(out, d)
			for _, a := range d.History {
				fmt.Fprintf(out, "  attempt %s  %5dms  status %d  %s\n", a.At.Format(time.RFC3339), a.Duration.Milliseconds(), a.StatusCode, a.Error)
			}
			return nil
		}
		list, err := svc.Deliveries(ctx, actor, f)
		if err != nil {
			return err
		}
		for _, d := range list {
			printDelivery(out, d)
		}
		fmt.Fprintf(out, "%d deliveries\n", len(list))
		return nil
	}
}

// printDelivery writes one line about a delivery.
func printDelivery(out io.Writer, d *novatalks.Delivery) {
	fmt.Fprintf(out, "%d  %-9s %-9s %-28s attempts %d  last status %d  %s  %s  %s\n", d.ID, d.Status, d.Kind, d.Event,
		d.Attempts, d.LastStatusCode, d.CreatedAt.Format(time.RFC3339), d.URL, d.LastError)
}

func adminRetryDelivery(fs *flag.FlagSet) func(context.Context, *novatalks.Service, io.Writer) error {
	account := fs.Int64("account", novatalks.DefaultAccountID, "the account")
	id := fs.Int64("id", 0, "the dead delivery to retry (required)")
	return func(ctx context.Context, svc *novatalks.Service, out io.Writer) error {
		d, err := svc.RetryDelivery(ctx, novatalks.SystemActor(*account), *id)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Delivery %d is pending again; a running server sends it within a second.\n", d.ID)
		return nil
	}
}
