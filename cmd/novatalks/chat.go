package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/novatalks/novatalks/sdk"
)

// chatConfig is the configuration of "novatalks chat". Every flag but --new
// has an environment variable that supplies its default.
type chatConfig struct {
	URL       string
	Name      string
	Email     string
	Token     string
	Inbox     string
	StateFile string
	New       bool
	History   int
}

const chatUsage = `Usage: novatalks chat [flags]

Chat with a novatalks server as a contact, from the terminal. The first run
starts a conversation (--name) and saves its token in the state file; later
runs resume it. Type a line to send it. Commands:

  /file PATH [CAPTION]   send a file
  /answer ID VALUE       answer an interactive message (a button's value, or feedback text)
  /help                  show the commands
  /quit                  leave (so does end of input, Ctrl-D)

Agent messages, typing and status changes show up live; the client
reconnects by itself when the connection drops.

Flags:
`

func parseChatConfig(args []string, getenv func(string) string, stderr io.Writer) (*chatConfig, error) {
	var cfg chatConfig
	defaultState := "chat.json"
	if dir, err := os.UserConfigDir(); err == nil {
		defaultState = filepath.Join(dir, "novatalks", "chat.json")
	}
	name := envOr(getenv, "USER", "Guest")
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), chatUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.URL, "url", envOr(getenv, "NOVATALKS_URL", "http://127.0.0.1:8080"), "base URL of the server (NOVATALKS_URL)")
	fs.StringVar(&cfg.Name, "name", envOr(getenv, "NOVATALKS_NAME", name), "your name, for a new conversation (NOVATALKS_NAME)")
	fs.StringVar(&cfg.Email, "email", getenv("NOVATALKS_EMAIL"), "your email, for a new conversation (NOVATALKS_EMAIL)")
	fs.StringVar(&cfg.Token, "token", getenv("NOVATALKS_TOKEN"), "resume the conversation of this contact token; default: the token saved for --url in the state file (NOVATALKS_TOKEN)")
	fs.StringVar(&cfg.Inbox, "inbox", getenv("NOVATALKS_INBOX"), "identifier of the SDK inbox; default: the server's default inbox (NOVATALKS_INBOX)")
	fs.StringVar(&cfg.StateFile, "state", envOr(getenv, "NOVATALKS_CHAT_STATE", defaultState), "file where the token of each server's conversation is saved (NOVATALKS_CHAT_STATE)")
	fs.BoolVar(&cfg.New, "new", false, "start a new conversation even if a token is saved")
	fs.IntVar(&cfg.History, "history", 20, "how many earlier messages to show when resuming (at most 100)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("chat takes no arguments, got %q", fs.Args())
	}
	if !strings.HasPrefix(cfg.URL, "http://") && !strings.HasPrefix(cfg.URL, "https://") {
		return nil, fmt.Errorf("--url must be an http(s) URL, not %q", cfg.URL)
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	cfg.History = min(max(cfg.History, 1), 100)
	return &cfg, nil
}

// chatState is the state file: the contact token of each server.
type chatState struct {
	Tokens map[string]string `json:"tokens"`
}

func loadChatState(path string) (*chatState, error) {
	st := &chatState{Tokens: map[string]string{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if st.Tokens == nil {
		st.Tokens = map[string]string{}
	}
	return st, nil
}

func (st *chatState) save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// terminal writes the chat's lines; the stream and the input loop share it.
type terminal struct {
	mu sync.Mutex
	w  io.Writer
}

func (t *terminal) printf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, format+"\n", args...)
}

// chat runs "novatalks chat" until /quit, the end of stdin or ctx.
func chat(ctx context.Context, cfg *chatConfig, stdin io.Reader, stdout io.Writer) error {
	term := &terminal{w: stdout}
	c := sdk.New(cfg.URL, sdk.WithInbox(cfg.Inbox))
	conv, history, err := openConversation(ctx, cfg, c, term)
	if err != nil {
		return err
	}
	c = c.WithToken(conv.token)
	term.printf("* conversation %d (%s) on %s", conv.ID, conv.Status, cfg.URL)
	if conv.resumed && len(history) == 0 {
		term.printf("* resumed; no messages yet")
	} else if conv.resumed {
		term.printf("* resumed; the latest messages:")
	}
	for _, m := range history {
		printMessage(term, m)
	}
	markSeen(ctx, c, term, history...)

	streamCtx, stop := context.WithCancel(ctx)
	defer stop()
	stream := c.Stream(sdk.StreamOptions{Since: sdk.Watermark(history), OnState: func(s sdk.State) {
		if s.Connected {
			term.printf("* connected")
		} else if s.RetryIn > 0 {
			term.printf("* connection lost (%v); reconnecting in %v", s.Err, s.RetryIn.Round(time.Millisecond))
		}
	}})
	streamDone := make(chan error, 1)
	go func() {
		streamDone <- stream.Run(streamCtx, func(e sdk.Event) { showEvent(streamCtx, c, term, e) })
	}()
	lines := readLines(streamCtx, stdin)
	for {
		select {
		case line, ok := <-lines:
			if !ok || strings.TrimSpace(line) == "/quit" {
				stop()
				<-streamDone
				return nil
			}
			runCommand(ctx, c, term, line)
		case err := <-streamDone:
			return fmt.Errorf("the live connection ended: %w", err)
		case <-ctx.Done():
			stop()
			<-streamDone
			return nil
		}
	}
}

// chatConversation is the conversation the chat runs in.
type chatConversation struct {
	sdk.Conversation
	token   string
	resumed bool
}

// openConversation resumes the conversation of the given or saved token, or
// starts one and saves its token. A saved token the server refuses (its
// database was reset, say) is replaced by a new conversation.
func openConversation(ctx context.Context, cfg *chatConfig, c *sdk.Client, term *terminal) (*chatConversation, []*sdk.Message, error) {
	state, err := loadChatState(cfg.StateFile)
	if err != nil {
		return nil, nil, err
	}
	token, saved := cfg.Token, false
	if token == "" && !cfg.New {
		token, saved = state.Tokens[cfg.URL], true
	}
	if token != "" {
		conv, history, err := c.WithToken(token).Conversation(ctx, cfg.History)
		if err == nil {
			return &chatConversation{*conv, token, true}, history, nil
		}
		if !saved || !sdk.IsUnauthorized(err) {
			return nil, nil, err
		}
		term.printf("* the server no longer knows the saved conversation; starting a new one")
	}
	started, err := c.CreateConversation(ctx, sdk.NewConversation{Name: cfg.Name, Email: cfg.Email})
	if err != nil {
		return nil, nil, err
	}
	state.Tokens[cfg.URL] = started.Token
	if err := state.save(cfg.StateFile); err != nil {
		return nil, nil, fmt.Errorf("save the token: %w", err)
	}
	term.printf("* new conversation as %s; token saved in %s", started.Contact.Name, cfg.StateFile)
	return &chatConversation{started.Conversation, started.Token, false}, nil, nil
}

// readLines sends the lines of r until it ends (then closes the channel) or
// ctx is done.
func readLines(ctx context.Context, r io.Reader) <-chan string {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return lines
}

// runCommand sends a typed line, or runs it when it is a command.
func runCommand(ctx context.Context, c *sdk.Client, term *terminal, line string) {
	cmd, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	rest = strings.TrimSpace(rest)
	var err error
	switch {
	case cmd == "":
		return
	case cmd == "/file" && rest != "":
		path, caption, _ := strings.Cut(rest, " ")
		err = sendFile(ctx, c, path, strings.TrimSpace(caption))
	case cmd == "/answer" && rest != "":
		id, value, _ := strings.Cut(rest, " ")
		n, perr := strconv.ParseInt(id, 10, 64)
		if perr != nil || strings.TrimSpace(value) == "" {
			term.printf("! usage: /answer ID VALUE")
			return
		}
		err = c.Answer(ctx, n, strings.TrimSpace(value))
	case strings.HasPrefix(cmd, "/"):
		term.printf("* /file PATH [CAPTION] sends a file, /answer ID VALUE answers a message, /quit leaves; anything else is sent")
		return
	default:
		_, err = c.SendText(ctx, strings.TrimSpace(line))
	}
	if err != nil {
		term.printf("! %v", err)
	}
}

func sendFile(ctx context.Context, c *sdk.Client, path, caption string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = c.SendFile(ctx, filepath.Base(path), f, caption)
	return err
}

// showEvent prints one event of the stream.
func showEvent(ctx context.Context, c *sdk.Client, term *terminal, e sdk.Event) {
	switch e.Type {
	case sdk.EventMessageCreated:
		printMessage(term, e.Message)
		markSeen(ctx, c, term, e.Message)
	case sdk.EventMessageDeleted:
		term.printf("* message %d was deleted", e.Message.ID)
	case sdk.EventReactionUpdated:
		var rs []string
		for _, r := range e.Message.Reactions {
			who := "?"
			if r.Sender != nil {
				who = r.Sender.DisplayName()
			}
			rs = append(rs, r.Emoji+" "+who)
		}
		term.printf("* reactions on message %d: %s", e.Message.ID, strings.Join(rs, ", "))
	case sdk.EventStatusChanged:
		term.printf("* the conversation is now %s (%s)", e.Conversation.Status, e.Conversation.Substatus)
	case sdk.EventTyping:
		term.printf("* %s is typing…", e.Typing.Sender.Name)
	}
}

// printMessage prints a message with its attachments and the ways to answer
// it.
func printMessage(term *terminal, m *sdk.Message) {
	who := m.SenderName()
	if m.FromContact() {
		who = "you"
	}
	text := m.Content
	if m.Deleted() {
		text = "(deleted)"
	}
	term.printf("[%s] %s: %s", m.CreatedAt.Local().Format("15:04"), who, text)
	for _, a := range m.Attachments {
		term.printf("    file: %s", a.DataURL)
	}
	if q, ok := m.QuickReply(); ok && q.Selected == "" {
		printButtons(term, m.ID, q.Buttons)
	}
	if cd, ok := m.Card(); ok {
		if cd.ImageURL != "" {
			term.printf("    image: %s", cd.ImageURL)
		}
		printButtons(term, m.ID, cd.Buttons)
	}
	if f, ok := m.Feedback(); ok && f.Answer == "" {
		term.printf("    answer with: /answer %d YOUR FEEDBACK", m.ID)
	}
}

func printButtons(term *terminal, id int64, buttons []sdk.Button) {
	for _, b := range buttons {
		if b.Answers() {
			term.printf("    %s: /answer %d %s", b.Title, id, b.Value)
		} else if b.URL != "" {
			term.printf("    %s: %s", b.Title, b.URL)
		}
	}
}

// markSeen marks the agents' messages among msgs as seen.
func markSeen(ctx context.Context, c *sdk.Client, term *terminal, msgs ...*sdk.Message) {
	var ids []int64
	for _, m := range msgs {
		if !m.FromContact() && !m.Deleted() && m.Status != sdk.StatusSeen {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return
	}
	if err := c.MarkSeen(ctx, ids...); err != nil && ctx.Err() == nil {
		term.printf("! could not mark messages seen: %v", err)
	}
}
