package sdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/sdk"
)

// contents returns the content of each message.
func contents(msgs []*sdk.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Content
	}
	return out
}

func sendAll(tb testing.TB, c *sdk.Client, texts ...string) {
	tb.Helper()
	for _, text := range texts {
		if _, err := c.SendText(context.Background(), text); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestMessages(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	c, _ := srv.Contact(t)
	sendAll(t, c, "m1", "m2", "m3", "m4", "m5")
	all, err := c.Messages(ctx, sdk.MessageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(contents(all), ","); got != "m1,m2,m3,m4,m5" {
		t.Fatalf("latest messages = %s", got)
	}

	t.Run("Model", func(t *testing.T) {
		m := all[0]
		if m.ID == 0 || m.AccountID != 1 || m.InboxID == 0 || m.ConversationID == 0 || m.DialogID == "" ||
			m.MessageType != sdk.MessageIncoming || m.ContentType != sdk.ContentText || m.Status != sdk.StatusSent ||
			m.SenderType != sdk.SenderContact || m.SenderID == 0 || m.SenderName() != "Ada" || m.EchoID == "" ||
			m.Deleted() || m.Reply != nil || m.InReplyTo() != 0 || len(m.Reactions) != 0 || len(m.Attachments) != 0 {
			t.Errorf("message = %+v", m)
		}
		if since := time.Since(m.CreatedAt.Time); since < 0 || since > time.Minute || m.UpdatedAt.Millis() != m.CreatedAt.Millis() {
			t.Errorf("created %v, updated %v", m.CreatedAt, m.UpdatedAt)
		}
	})

	t.Run("BeforeAfter", func(t *testing.T) {
		before, err := c.Messages(ctx, sdk.MessageQuery{Before: all[3].ID, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		after, err := c.Messages(ctx, sdk.MessageQuery{After: all[1].ID, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if b, a := strings.Join(contents(before), ","), strings.Join(contents(after), ","); b != "m2,m3" || a != "m3,m4" {
			t.Errorf("before m4: %s; after m2: %s", b, a)
		}
	})

	t.Run("ErrBeforeAndAfter", func(t *testing.T) {
		_, err := c.Messages(ctx, sdk.MessageQuery{Before: 3, After: 1})
		wantError(t, err, 400, "use only one of before, after and updated_at")
	})

	t.Run("Changes", func(t *testing.T) {
		if err := c.MarkSeen(ctx, all[1].ID); err != nil {
			t.Fatal(err)
		}
		changed, err := c.Changes(ctx, all[4].UpdatedAt.Millis(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(changed) != 1 || changed[0].ID != all[1].ID || changed[0].Status != sdk.StatusSeen {
			t.Fatalf("changes after m5 = %+v", changed)
		}
		everything, err := c.Changes(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(contents(everything), ","); got != "m1,m3,m4,m5,m2" {
			t.Errorf("all changes in change order = %s", got)
		}
		if got := sdk.Watermark(everything); got != changed[0].UpdatedAt.Millis() {
			t.Errorf("Watermark = %d, want the seen change's %d", got, changed[0].UpdatedAt.Millis())
		}
	})

	t.Run("History", func(t *testing.T) {
		var got []string
		for m, err := range c.History(ctx, 0, 2) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, m.Content)
		}
		if strings.Join(got, ",") != "m5,m4,m3,m2,m1" {
			t.Errorf("history = %v", got)
		}
		got = nil
		for m, err := range c.History(ctx, all[3].ID, 0) {
			if err != nil {
				t.Fatal(err)
			}
			if got = append(got, m.Content); len(got) == 2 {
				break
			}
		}
		if strings.Join(got, ",") != "m3,m2" {
			t.Errorf("history before m4, first two = %v", got)
		}
	})

	t.Run("HistoryErr", func(t *testing.T) {
		n := 0
		for m, err := range c.WithToken("nope").History(ctx, 0, 0) {
			n++
			if m != nil || !sdk.IsUnauthorized(err) {
				t.Errorf("yielded %v, %v; want nil, 401", m, err)
			}
		}
		if n != 1 {
			t.Errorf("%d yields, want 1", n)
		}
	})
}

// lossyTransport lets the first lose message posts reach the server and then
// loses their answers, as a network that fails after the request left.
type lossyTransport struct {
	mu     sync.Mutex
	lose   int
	bodies []string
}

func (l *lossyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bodies = append(l.bodies, string(body))
	if err == nil && l.lose > 0 && req.Method == "POST" && strings.HasSuffix(req.URL.Path, "/messages") {
		l.lose--
		resp.Body.Close()
		return nil, errors.New("connection reset (the answer was lost)")
	}
	return resp, err
}

func TestSend(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()

	t.Run("GeneratesEchoID", func(t *testing.T) {
		c, _ := srv.Contact(t)
		echo, err := c.SendText(ctx, "hello")
		if err != nil {
			t.Fatal(err)
		}
		echo2, err := c.SendText(ctx, "hello")
		if err != nil {
			t.Fatal(err)
		}
		msgs, _ := c.Messages(ctx, sdk.MessageQuery{})
		if len(echo) != 24 || echo == echo2 || len(msgs) != 2 || msgs[0].EchoID != echo || msgs[1].EchoID != echo2 {
			t.Errorf("echo ids %q %q; messages %+v", echo, echo2, msgs)
		}
	})

	t.Run("SameEchoIDOnce", func(t *testing.T) {
		c, _ := srv.Contact(t)
		for range 2 {
			if echo, err := c.Send(ctx, sdk.NewMessage{Content: "once", EchoID: "724"}); err != nil || echo != "724" {
				t.Fatalf("send: %q, %v", echo, err)
			}
		}
		if msgs, _ := c.Messages(ctx, sdk.MessageQuery{}); len(msgs) != 1 {
			t.Errorf("%d messages for one echo_id", len(msgs))
		}
	})

	t.Run("RetryReusesEchoID", func(t *testing.T) {
		lossy := &lossyTransport{lose: 2}
		c, _ := srv.Contact(t, sdk.WithHTTPClient(&http.Client{Transport: lossy}),
			sdk.WithRetries(2, sdk.Backoff{Min: time.Millisecond, Max: 2 * time.Millisecond}))
		echo, err := c.SendText(ctx, "sent three times, stored once")
		if err != nil {
			t.Fatalf("send: %v", err)
		}
		msgs, _ := c.Messages(ctx, sdk.MessageQuery{})
		if len(msgs) != 1 || msgs[0].EchoID != echo {
			t.Fatalf("messages = %+v", msgs)
		}
		lossy.mu.Lock()
		defer lossy.mu.Unlock()
		posts := 0
		for _, b := range lossy.bodies {
			if strings.Contains(b, "stored once") {
				posts++
				if !strings.Contains(b, `"echo_id":"`+echo+`"`) {
					t.Errorf("a retry did not reuse the echo_id: %s", b)
				}
			}
		}
		if posts != 3 {
			t.Errorf("%d tries, want 3", posts)
		}
	})

	t.Run("NoRetriesLeft", func(t *testing.T) {
		lossy := &lossyTransport{lose: 5}
		c, _ := srv.Contact(t, sdk.WithHTTPClient(&http.Client{Transport: lossy}),
			sdk.WithRetries(1, sdk.Backoff{Min: time.Millisecond}))
		echo, err := c.SendText(ctx, "lost")
		if err == nil || echo == "" {
			t.Fatalf("send = %q, %v; want the echo_id and the network error", echo, err)
		}
		// The caller may try again with the echo_id it got: still one message.
		if _, err := c.Send(ctx, sdk.NewMessage{Content: "lost", EchoID: echo}); err == nil {
			t.Fatal("the transport still loses answers")
		}
		lossy.mu.Lock()
		lossy.lose = 0
		lossy.mu.Unlock()
		if _, err := c.Send(ctx, sdk.NewMessage{Content: "lost", EchoID: echo}); err != nil {
			t.Fatal(err)
		}
		if msgs, _ := c.Messages(ctx, sdk.MessageQuery{}); len(msgs) != 1 {
			t.Errorf("%d messages, want 1", len(msgs))
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		c, _ := srv.Contact(t)
		_, err := c.SendText(ctx, "  ")
		wantError(t, err, 400, "message.content must not be empty unless the message has attachments")
	})

	t.Run("ErrUnauthorized", func(t *testing.T) {
		if _, err := srv.Client().SendText(ctx, "who am I"); !sdk.IsUnauthorized(err) {
			t.Errorf("err = %v, want 401", err)
		}
	})
}

func TestSendFile(t *testing.T) {
	t.Run("StoredByTheServer", func(t *testing.T) {
		srv := MustStartServer(t)
		c, _ := srv.Contact(t)
		ctx := context.Background()
		var photo bytes.Buffer
		if err := png.Encode(&photo, image.NewGray(image.Rect(0, 0, 640, 480))); err != nil {
			t.Fatal(err)
		}
		size := int64(photo.Len())
		if _, err := c.SendFile(ctx, "photo.png", &photo, "look"); err != nil {
			t.Fatal(err)
		}
		msgs, err := c.Messages(ctx, sdk.MessageQuery{})
		if err != nil || len(msgs) != 1 || len(msgs[0].Attachments) != 1 {
			t.Fatalf("messages = %+v, %v", msgs, err)
		}
		a := msgs[0].Attachments[0]
		if msgs[0].Content != "look" || a.FileType != "image" || a.MimeType != "image/png" || a.Extension != "png" ||
			a.FileSize != size || a.DataURL == "" || a.ThumbURL == a.DataURL {
			t.Errorf("attachment = %+v", a)
		}
	})

	// This checks the request itself with the standard library's multipart
	// reader: the documented fields, in order, and each file whole with its
	// type.
	t.Run("Encoding", func(t *testing.T) {
		type part struct{ name, file, ctype, body string }
		got := make(chan []part, 1)
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var parts []part
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			mr, err := r.MultipartReader()
			if err != nil || mt != "multipart/form-data" || r.Header.Get("access_token") != "tok" {
				http.Error(w, "bad request", 400)
				return
			}
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				b, _ := io.ReadAll(p)
				parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
			}
			got <- parts
		}))
		defer hs.Close()
		c := sdk.New(hs.URL, sdk.WithToken("tok"))
		big := strings.Repeat("x", 1<<20)
		echo, err := c.Send(context.Background(), sdk.NewMessage{Content: "two files", EchoID: "209", Files: []sdk.File{
			{Name: "report.pdf", Body: strings.NewReader("%PDF")},
			{Name: `we"ird.bin`, ContentType: "application/x-custom", Body: strings.NewReader(big)},
		}})
		if err != nil || echo != "209" {
			t.Fatalf("send: %q, %v", echo, err)
		}
		want := []part{
			{"message[content]", "", "", "two files"},
			{"message[echo_id]", "", "", "209"},
			{"attachments[]", "report.pdf", "application/pdf", "%PDF"},
			{"attachments[]", `we"ird.bin`, "application/x-custom", big},
		}
		parts := <-got
		if len(parts) != len(want) {
			t.Fatalf("%d parts, want %d", len(parts), len(want))
		}
		for i := range want {
			if parts[i] != want[i] {
				t.Errorf("part %d = %.80v, want %.80v", i, parts[i], want[i])
			}
		}
	})

	t.Run("ErrReadingFile", func(t *testing.T) {
		srv := MustStartServer(t)
		c, _ := srv.Contact(t)
		_, err := c.SendFile(context.Background(), "broken", io.MultiReader(strings.NewReader("abc"), errReader{}), "")
		if err == nil {
			t.Fatal("a file that cannot be read was sent")
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReply(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	c, started := srv.Contact(t)
	sendAll(t, c, "Доброго дня [Content:] with a marker")
	first, _ := c.Messages(ctx, sdk.MessageQuery{})

	t.Run("OK", func(t *testing.T) {
		if _, err := c.Reply(ctx, first[0], "Вітаю"); err != nil {
			t.Fatal(err)
		}
		agent := srv.AgentText(t, started.Conversation.ID, "an agent's words "+strings.Repeat("long ", 50))
		msgs, _ := c.Messages(ctx, sdk.MessageQuery{After: first[0].ID})
		if _, err := c.Reply(ctx, msgs[1], "to the agent"); err != nil {
			t.Fatal(err)
		}
		msgs, _ = c.Messages(ctx, sdk.MessageQuery{After: first[0].ID})
		r := msgs[0]
		if r.Content != "Вітаю" || r.InReplyTo() != first[0].ID || r.Reply == nil || r.Reply.ID != first[0].ID ||
			r.Reply.Content != first[0].Content || r.Reply.Sender.Name != "Ada" {
			t.Errorf("reply = %+v (reply %+v)", r, r.Reply)
		}
		if r := msgs[2]; r.Content != "to the agent" || r.Reply == nil || r.Reply.ID != agent.ID || r.Reply.MessageType != sdk.MessageOutgoing {
			t.Errorf("reply to the agent = %+v", r)
		}
	})

	t.Run("ErrMarkerInText", func(t *testing.T) {
		if _, err := c.Reply(ctx, first[0], "a [Content:] b"); err == nil || errors.As(err, new(*sdk.Error)) {
			t.Errorf("err = %v, want the client's refusal", err)
		}
	})

	t.Run("ErrUnknownMessage", func(t *testing.T) {
		_, err := c.Reply(ctx, &sdk.Message{ID: 999999}, "to nothing")
		wantError(t, err, 400, "the replied message does not exist in this conversation")
	})
}

func TestUpdateStatus(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	c, started := srv.Contact(t)
	a := srv.AgentText(t, started.Conversation.ID, "one")
	b := srv.AgentText(t, started.Conversation.ID, "two")

	t.Run("OK", func(t *testing.T) {
		if err := c.MarkDelivered(ctx, a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := c.MarkSeen(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := c.MarkDelivered(ctx, b.ID); err != nil { // never backwards
			t.Fatal(err)
		}
		msgs, _ := c.Messages(ctx, sdk.MessageQuery{})
		if msgs[0].Status != sdk.StatusDelivered || msgs[1].Status != sdk.StatusSeen {
			t.Errorf("statuses %s, %s", msgs[0].Status, msgs[1].Status)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		other, _ := srv.Contact(t)
		sendAll(t, other, "not yours")
		theirs, _ := other.Messages(ctx, sdk.MessageQuery{})
		wantError(t, c.MarkSeen(ctx, a.ID, theirs[0].ID), 404, "not found")
		if msgs, _ := c.Messages(ctx, sdk.MessageQuery{}); msgs[0].Status != sdk.StatusDelivered {
			t.Errorf("a refused request changed a status: %s", msgs[0].Status)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		if err := c.UpdateStatus(ctx, "read", a.ID); !sdk.IsInvalid(err) {
			t.Errorf("err = %v, want 400", err)
		}
		if err := c.MarkSeen(ctx); !sdk.IsInvalid(err) {
			t.Errorf("no ids: err = %v, want 400", err)
		}
	})
}

func TestAnswer(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	c, started := srv.Contact(t)
	conv := started.Conversation.ID
	var attrs map[string]any
	raw := `{"image_url": "https://example.com/alps.jpg", "buttons": [
		{"title": "Standard (3–5 days)", "value": "SHIP_STANDARD"}, {"title": "Overnight", "value": "SHIP_OVERNIGHT"}]}`
	if err := json.Unmarshal([]byte(raw), &attrs); err != nil {
		t.Fatal(err)
	}
	qr := srv.AgentSays(t, conv, novatalks.NewAgentMessage{Content: ptr("How fast?"), ContentType: "quick_reply", ContentAttributes: attrs})
	json.Unmarshal([]byte(`{"buttons": [{"type": "link", "title": "View", "url": "https://example.com/alps"},
		{"type": "postback", "title": "Book Now", "value": "BOOK_ALPS_TRIP"}]}`), &attrs)
	card := srv.AgentSays(t, conv, novatalks.NewAgentMessage{Content: ptr("Explore the Mountains"), ContentType: "card", ContentAttributes: attrs})
	fb := srv.AgentSays(t, conv, novatalks.NewAgentMessage{Content: ptr("How was it?"), ContentType: "feedback", ContentAttributes: map[string]any{}})
	text := srv.AgentText(t, conv, "plain")
	byID := func() map[int64]*sdk.Message {
		msgs, err := c.Messages(ctx, sdk.MessageQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]*sdk.Message{}
		for _, m := range msgs {
			out[m.ID] = m
		}
		return out
	}

	t.Run("Accessors", func(t *testing.T) {
		msgs := byID()
		q, ok := msgs[qr.ID].QuickReply()
		if !ok || q.Text != "How fast?" || q.ImageURL != "https://example.com/alps.jpg" || len(q.Buttons) != 2 ||
			q.Buttons[1] != (sdk.Button{Title: "Overnight", Value: "SHIP_OVERNIGHT"}) || !q.Buttons[1].Answers() || q.Selected != "" {
			t.Errorf("quick reply = %+v, %v", q, ok)
		}
		cd, ok := msgs[card.ID].Card()
		if !ok || cd.Title != "Explore the Mountains" || len(cd.Buttons) != 2 || cd.Buttons[0].Answers() ||
			cd.Buttons[0].URL != "https://example.com/alps" || !cd.Buttons[1].Answers() || cd.Buttons[1].Type != sdk.ButtonPostback {
			t.Errorf("card = %+v, %v", cd, ok)
		}
		f, ok := msgs[fb.ID].Feedback()
		if !ok || f.Question != "How was it?" || f.Answer != "" {
			t.Errorf("feedback = %+v, %v", f, ok)
		}
		if _, ok := msgs[text.ID].Card(); ok {
			t.Error("a text message read as a card")
		}
		if _, ok := msgs[card.ID].QuickReply(); ok {
			t.Error("a card read as a quick reply")
		}
	})

	t.Run("OK", func(t *testing.T) {
		for id, value := range map[int64]string{qr.ID: "SHIP_OVERNIGHT", card.ID: "BOOK_ALPS_TRIP", fb.ID: "Great, thanks"} {
			if err := c.Answer(ctx, id, value); err != nil {
				t.Fatalf("answer %d: %v", id, err)
			}
		}
		msgs := byID()
		q, _ := msgs[qr.ID].QuickReply()
		cd, _ := msgs[card.ID].Card()
		f, _ := msgs[fb.ID].Feedback()
		if q.Selected != "SHIP_OVERNIGHT" || cd.Selected != "BOOK_ALPS_TRIP" || f.Answer != "Great, thanks" {
			t.Errorf("selected %q, %q, %q", q.Selected, cd.Selected, f.Answer)
		}
		answers := map[string]int64{}
		for _, m := range msgs {
			if m.FromContact() {
				answers[m.Content] = m.InReplyTo()
			}
		}
		if answers["Overnight"] != qr.ID || answers["Book Now"] != card.ID || len(answers) != 2 {
			t.Errorf("answer messages: %v", answers)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tc := range []struct {
			id    int64
			value string
			want  string
		}{
			{qr.ID, "SHIP_BY_PIGEON", "selected_content_attribute_value must be the value of one of the message's buttons"},
			{card.ID, "https://example.com/alps", "selected_content_attribute_value must be the value of one of the message's buttons"},
			{text.ID, "x", "is not an interactive message"},
		} {
			wantError(t, c.Answer(ctx, tc.id, tc.value), 400, tc.want)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if err := c.Answer(ctx, 999999, "x"); !sdk.IsNotFound(err) {
			t.Errorf("err = %v, want 404", err)
		}
	})
}

func TestDelete(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	c, started := srv.Contact(t)
	sendAll(t, c, "oops")
	agent := srv.AgentText(t, started.Conversation.ID, "agent's")
	msgs, _ := c.Messages(ctx, sdk.MessageQuery{})

	t.Run("OK", func(t *testing.T) {
		for range 2 { // deleting a tombstone again succeeds
			if err := c.Delete(ctx, msgs[0].ID); err != nil {
				t.Fatal(err)
			}
		}
		after, _ := c.Messages(ctx, sdk.MessageQuery{})
		if m := after[0]; !m.Deleted() || m.Content != "" || m.ID != msgs[0].ID || m.DeletedAt.Millis() != m.UpdatedAt.Millis() {
			t.Errorf("tombstone = %+v", m)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		wantError(t, c.Delete(ctx, agent.ID), 403, "you can only delete your own messages")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if err := c.Delete(ctx, 999999); !sdk.IsNotFound(err) {
			t.Errorf("err = %v, want 404", err)
		}
	})
}

func TestReact(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	c, started := srv.Contact(t)
	agent := srv.AgentText(t, started.Conversation.ID, "hi")
	reactions := func() []sdk.Reaction {
		msgs, _ := c.Messages(ctx, sdk.MessageQuery{})
		return msgs[0].Reactions
	}

	t.Run("OK", func(t *testing.T) {
		if err := c.React(ctx, agent.ID, "👍"); err != nil {
			t.Fatal(err)
		}
		if err := c.React(ctx, agent.ID, "❤️‍🔥"); err != nil { // with a variation selector
			t.Fatal(err)
		}
		r := reactions()
		if len(r) != 1 || r[0].Emoji != "❤\u200d🔥" || r[0].Sender == nil || r[0].Sender.Type != sdk.SenderContact || r[0].CreatedAt.IsZero() {
			t.Errorf("reactions = %+v", r)
		}
		if err := c.React(ctx, agent.ID, ""); err != nil {
			t.Fatal(err)
		}
		if r := reactions(); len(r) != 0 {
			t.Errorf("after removing: %+v", r)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wantError(t, c.React(ctx, agent.ID, "🦖"), 400, "reaction must be one of the documented emoji or null")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if err := c.React(ctx, 999999, "👍"); !sdk.IsNotFound(err) {
			t.Errorf("err = %v, want 404", err)
		}
	})
}

func TestBackoff(t *testing.T) {
	b := sdk.Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	for _, tc := range []struct {
		attempt int
		r       float64
		want    time.Duration
	}{
		{0, 0, 50 * time.Millisecond},
		{0, 0.999999, 100 * time.Millisecond},
		{1, 0, 100 * time.Millisecond},
		{3, 0.5, 600 * time.Millisecond},
		{4, 0, 500 * time.Millisecond}, // 1.6s capped at 1s
		{4, 0.999999, time.Second},
		{1000, 0.999999, time.Second},
	} {
		b.Rand = func() float64 { return tc.r }
		if got := b.Delay(tc.attempt); got.Round(time.Millisecond) != tc.want {
			t.Errorf("Delay(%d) with rand %v = %v, want %v", tc.attempt, tc.r, got, tc.want)
		}
	}
	b.Rand = nil
	for n := range 10 {
		if d := b.Delay(n); d < 0 || d > time.Second {
			t.Errorf("Delay(%d) = %v, outside [0, Max]", n, d)
		}
	}
	if d := (sdk.Backoff{Min: time.Second}).Delay(5); d < 500*time.Millisecond || d > time.Second {
		t.Errorf("without Max the delay stays near Min: %v", d)
	}
}
