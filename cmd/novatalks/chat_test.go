package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/apptest"
	"github.com/novatalks/novatalks/sdk"
)

// chatSession is "novatalks chat" running with a pipe for its input.
type chatSession struct {
	in   *io.PipeWriter
	out  *syncBuffer
	done chan error
}

func startChat(t *testing.T, args ...string) *chatSession {
	t.Helper()
	pr, pw := io.Pipe()
	s := &chatSession{in: pw, out: &syncBuffer{}, done: make(chan error, 1)}
	var stderr syncBuffer
	go func() {
		s.done <- run(context.Background(), append([]string{"chat"}, args...), func(string) string { return "" }, pr, s.out, &stderr)
		pr.Close()
	}()
	t.Cleanup(func() { pw.Close() })
	return s
}

// say types a line.
func (s *chatSession) say(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		t.Fatalf("type %q: %v", line, err)
	}
}

// waitFor waits until the output holds want and returns the output.
func (s *chatSession) waitFor(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output:\n%s", want, s.out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return s.out.String()
}

// exit waits for the chat to end and returns its error.
func (s *chatSession) exit(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("chat did not end; output:\n%s", s.out.String())
		return nil
	}
}

func savedToken(t *testing.T, state, url string) string {
	t.Helper()
	b, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var st chatState
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st.Tokens[url]
}

// TestChat runs "novatalks chat" against the real server, typing into its
// input: it starts a conversation, sends lines and a file, shows the agent's
// messages, typing and status live, answers a quick reply, survives a server
// restart, and resumes the conversation from its saved token.
func TestChat(t *testing.T) {
	srv := apptest.Start(t, nil)
	ctx := context.Background()
	state := filepath.Join(t.TempDir(), "config", "chat.json")
	s := startChat(t, "--url", srv.URL, "--name", "Ada", "--state", state)
	s.waitFor(t, "* connected")
	out := s.out.String()
	if !strings.Contains(out, "* new conversation as Ada; token saved in "+state) || !strings.Contains(out, "(resolved) on "+srv.URL) {
		t.Errorf("start:\n%s", out)
	}
	token := savedToken(t, state, srv.URL)
	contact := sdk.New(srv.URL, sdk.WithToken(token))
	conv, _, err := contact.Conversation(ctx, 1)
	if err != nil {
		t.Fatalf("the saved token: %v", err)
	}
	if info, err := os.Stat(state); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("state file: %v, %v", info, err)
	}

	t.Run("Send", func(t *testing.T) {
		s.say(t, "hello from the terminal")
		s.waitFor(t, "you: hello from the terminal")
		s.waitFor(t, "* the conversation is now open (oninbox)")
		msgs, err := contact.Messages(ctx, sdk.MessageQuery{})
		if err != nil || len(msgs) != 1 || msgs[0].Content != "hello from the terminal" {
			t.Errorf("on the server: %+v, %v", msgs, err)
		}
	})

	t.Run("AgentTypingAndStatus", func(t *testing.T) {
		if err := srv.App().Service.AgentTyping(ctx, srv.Admin, conv.ID, true, false); err != nil {
			t.Fatal(err)
		}
		s.waitFor(t, "* Administrator is typing…")
		hi := srv.AgentText(t, conv.ID, "hi, how can I help?")
		s.waitFor(t, "Administrator: hi, how can I help?")
		// The chat marks what it shows as seen.
		apptest.Eventually(t, "the agent's message to be seen", func() bool {
			msgs, _ := contact.Messages(ctx, sdk.MessageQuery{After: hi.ID - 1, Limit: 1})
			return len(msgs) == 1 && msgs[0].Status == sdk.StatusSeen
		})
		if _, err := srv.App().Service.ChangeStatus(ctx, srv.Admin, conv.ID, novatalks.StatusPending, nil); err != nil {
			t.Fatal(err)
		}
		s.waitFor(t, "* the conversation is now pending (inqueue)")
	})

	t.Run("QuickReply", func(t *testing.T) {
		var attrs map[string]any
		json.Unmarshal([]byte(`{"buttons": [{"title": "Standard", "value": "SHIP_STANDARD"}, {"title": "Overnight", "value": "SHIP_OVERNIGHT"}]}`), &attrs)
		q := srv.AgentSays(t, conv.ID, novatalks.NewAgentMessage{Content: ptr("How fast?"), ContentType: "quick_reply", ContentAttributes: attrs})
		s.waitFor(t, fmt.Sprintf("    Overnight: /answer %d SHIP_OVERNIGHT", q.ID))
		s.say(t, fmt.Sprintf("/answer %d SHIP_OVERNIGHT", q.ID))
		s.waitFor(t, "you: Overnight")
		s.say(t, "/answer x")
		s.waitFor(t, "! usage: /answer ID VALUE")
	})

	t.Run("File", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "receipt.txt")
		os.WriteFile(path, []byte("paid"), 0o600)
		s.say(t, "/file "+path+" my receipt")
		s.waitFor(t, "you: my receipt")
		s.waitFor(t, "    file: "+srv.URL+"/files/")
		s.waitFor(t, "/receipt.txt")
		s.say(t, "/file /no/such/file")
		s.waitFor(t, "! open /no/such/file")
		s.say(t, "/what")
		s.waitFor(t, "/quit leaves")
	})

	t.Run("Reconnects", func(t *testing.T) {
		srv.Restart(t)
		s.waitFor(t, "* connection lost")
		apptest.Eventually(t, "a second connection", func() bool { return strings.Count(s.out.String(), "* connected") >= 2 })
		srv.AgentText(t, conv.ID, "back after the restart")
		s.waitFor(t, "Administrator: back after the restart")
	})

	s.say(t, "/quit")
	if err := s.exit(t); err != nil {
		t.Fatalf("chat ended with %v", err)
	}

	t.Run("Resume", func(t *testing.T) {
		r := startChat(t, "--url", srv.URL, "--state", state, "--history", "3")
		r.waitFor(t, "* connected")
		out := r.out.String()
		if !strings.Contains(out, fmt.Sprintf("* conversation %d (pending) on", conv.ID)) || !strings.Contains(out, "* resumed; the latest messages:") ||
			!strings.Contains(out, "Administrator: back after the restart") || strings.Contains(out, "hello from the terminal") {
			t.Errorf("resumed with the last 3 messages:\n%s", out)
		}
		r.in.Close() // end of input ends the chat
		if err := r.exit(t); err != nil {
			t.Errorf("chat ended with %v", err)
		}
	})

	t.Run("New", func(t *testing.T) {
		n := startChat(t, "--url", srv.URL, "--state", state, "--new", "--name", "Bob")
		n.waitFor(t, "* connected")
		n.say(t, "/quit")
		n.exit(t)
		if got := savedToken(t, state, srv.URL); got == token || got == "" {
			t.Errorf("--new kept the old token")
		}
	})
}

// TestChatSavedTokenRefused starts a new conversation when the saved token
// belongs to a server whose database is gone.
func TestChatSavedTokenRefused(t *testing.T) {
	srv := apptest.Start(t, nil)
	state := filepath.Join(t.TempDir(), "chat.json")
	(&chatState{Tokens: map[string]string{srv.URL: "kJGO53QxaEuhHaOU3h5Dc5"}}).save(state)
	s := startChat(t, "--url", srv.URL, "--state", state, "--name", "Ada")
	s.waitFor(t, "* the server no longer knows the saved conversation; starting a new one")
	s.waitFor(t, "* connected")
	s.in.Close()
	s.exit(t)

	// An explicit token that the server refuses is an error.
	e := startChat(t, "--url", srv.URL, "--state", state, "--token", "kJGO53QxaEuhHaOU3h5Dc5")
	if err := e.exit(t); !sdk.IsUnauthorized(err) {
		t.Errorf("chat = %v, want 401", err)
	}
}

func TestParseChatConfig(t *testing.T) {
	env := map[string]string{"NOVATALKS_URL": "https://chat.example.com/", "NOVATALKS_TOKEN": "tok", "USER": "ada", "NOVATALKS_CHAT_STATE": "/tmp/s.json"}
	cfg, err := parseChatConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.URL != "https://chat.example.com" || cfg.Token != "tok" || cfg.Name != "ada" || cfg.StateFile != "/tmp/s.json" || cfg.History != 20 {
		t.Errorf("cfg = %+v", cfg)
	}
	cfg, err = parseChatConfig([]string{"--history", "1000"}, func(string) string { return "" }, io.Discard)
	if dir, _ := os.UserConfigDir(); err != nil || cfg.URL != "http://127.0.0.1:8080" || cfg.Name != "Guest" || cfg.History != 100 ||
		cfg.StateFile != filepath.Join(dir, "novatalks", "chat.json") {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
	for _, args := range [][]string{{"--url", "ftp://x"}, {"extra"}} {
		if _, err := parseChatConfig(args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	var help strings.Builder
	if _, err := parseChatConfig([]string{"-h"}, func(string) string { return "" }, &help); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(help.String(), "/file PATH") || !strings.Contains(help.String(), filepath.Join("novatalks", "chat.json")) {
		t.Errorf("help (%v):\n%s", err, help.String())
	}
}

func ptr[T any](v T) *T { return &v }
