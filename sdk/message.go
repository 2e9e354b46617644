package sdk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

const messagesPath = "/api/v1/sdk/conversations/messages"

// Page sizes of message listings on the server.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// MessageQuery selects one page of messages. At most one of Before and After
// may be set; with neither, the page holds the latest messages.
type MessageQuery struct {
	// Before selects the messages just before this message ID.
	Before int64
	// After selects the messages just after this message ID.
	After int64
	// Limit is the page size: 0 means 20; the server caps it at 100.
	Limit int
}

// Messages returns one page of the conversation's messages, oldest first.
// Private notes of agents and activity messages are never listed; deleted
// messages are, as tombstones.
func (c *Client) Messages(ctx context.Context, q MessageQuery) ([]*Message, error) {
	query := limitQuery(q.Limit)
	if q.Before != 0 {
		query.Set("before", strconv.FormatInt(q.Before, 10))
	}
	if q.After != 0 {
		query.Set("after", strconv.FormatInt(q.After, 10))
	}
	return c.listMessages(ctx, query)
}

// Changes returns up to limit messages changed after since (Unix
// milliseconds), in the order of their latest change, each in its current
// state. Creating, changing the status of, answering, reacting to and
// deleting a message all count as changes. The server gives the changes of
// a conversation strictly increasing times, so asking again with the last
// UpdatedAt returned continues exactly where a page ended. Stream uses it to
// catch up after a reconnect.
func (c *Client) Changes(ctx context.Context, since int64, limit int) ([]*Message, error) {
	query := limitQuery(limit)
	query.Set("updated_at", strconv.FormatInt(since, 10))
	return c.listMessages(ctx, query)
}

func (c *Client) listMessages(ctx context.Context, query url.Values) ([]*Message, error) {
	var out []*Message
	if err := c.call(ctx, request{method: "GET", path: messagesPath, query: query}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// History iterates over the conversation's messages from the newest
// backwards, fetching pages of pageSize (0 means 20, at most 100) as the loop
// goes. With before set it starts just before that message ID. A failed page
// is yielded as (nil, err) and ends the iteration; breaking out of the loop
// fetches nothing more.
func (c *Client) History(ctx context.Context, before int64, pageSize int) iter.Seq2[*Message, error] {
	if pageSize <= 0 {
		pageSize = defaultPageSize
	}
	pageSize = min(pageSize, maxPageSize)
	return history(before, pageSize, func(before int64) ([]*Message, error) {
		return c.Messages(ctx, MessageQuery{Before: before, Limit: pageSize})
	})
}

// history iterates over messages from the newest backwards: page(before)
// returns the pageSize messages just before a message ID (the latest for 0),
// oldest first, and a shorter page is the last.
func history(before int64, pageSize int, page func(before int64) ([]*Message, error)) iter.Seq2[*Message, error] {
	return func(yield func(*Message, error) bool) {
		for {
			list, err := page(before)
			if err != nil {
				yield(nil, err)
				return
			}
			for i := len(list) - 1; i >= 0; i-- {
				if !yield(list[i], nil) {
					return
				}
			}
			if len(list) < pageSize {
				return
			}
			before = list[0].ID
		}
	}
}

// NewMessage is a message for Send.
type NewMessage struct {
	// Content is the text, up to 10,000 characters; it may be empty only
	// when Files are given.
	Content string
	// EchoID identifies the message for retries: the server creates nothing
	// for an echo_id the conversation already has, and events carry it back.
	// Send generates one when it is empty.
	EchoID string
	// ReplyTo, when set, makes the message a reply to that message.
	ReplyTo *Message
	// Files are attached in a multipart request. Each Body is read once,
	// while the request is sent.
	Files []File
}

// File is an attachment to send.
type File struct {
	// Name is the file name the server sees.
	Name string
	// ContentType is the MIME type; empty means one guessed from Name's
	// extension, else application/octet-stream.
	ContentType string
	Body        io.Reader
}

// Send sends a message as the contact and returns its echo_id, also when
// Send fails: sending again with that EchoID is safe, since the server
// creates at most one message per echo_id. A message to a resolved or
// snoozed conversation reopens it. Text-only messages are retried as
// WithRetries says, with the same echo_id; messages with files are sent
// once.
//
// A server without attachment storage refuses files with an *Error of
// status 415.
func (c *Client) Send(ctx context.Context, m NewMessage) (echoID string, err error) {
	echoID = orNewEchoID(m.EchoID)
	content := m.Content
	if m.ReplyTo != nil {
		if content, err = replyContent(m.ReplyTo, content); err != nil {
			return echoID, err
		}
	}
	r := request{method: "POST", path: messagesPath}
	if len(m.Files) == 0 {
		r.body = map[string]any{"message": map[string]string{"content": content, "echo_id": echoID}}
	} else {
		r.multipart = func() (io.Reader, string) { return multipartBody(content, echoID, m.Files) }
	}
	return echoID, c.call(ctx, r, nil)
}

// SendText sends a text message; see Send.
func (c *Client) SendText(ctx context.Context, text string) (echoID string, err error) {
	return c.Send(ctx, NewMessage{Content: text})
}

// SendFile sends the content of r as a file named name, with an optional
// caption; see Send.
func (c *Client) SendFile(ctx context.Context, name string, r io.Reader, caption string) (echoID string, err error) {
	return c.Send(ctx, NewMessage{Content: caption, Files: []File{{Name: name, Body: r}}})
}

// Reply sends text as a reply to the message to; see Send.
func (c *Client) Reply(ctx context.Context, to *Message, text string) (echoID string, err error) {
	return c.Send(ctx, NewMessage{Content: text, ReplyTo: to})
}

// The reply markers of the SDK documentation:
// [RepliedMessageDialogId:]D[RepliedMessageId:]ID[RepliedContent:]T[Content:]C
const (
	markerDialog  = "[RepliedMessageDialogId:]"
	markerID      = "[RepliedMessageId:]"
	markerQuoted  = "[RepliedContent:]"
	markerContent = "[Content:]"
	// maxQuote bounds the quoted text T, which the server does not use (it
	// takes the quote from the replied message) but counts in the content
	// length.
	maxQuote = 100
)

// errReplyMarker is returned for a reply whose text holds the [Content:]
// marker, which the server would read as the end of the quote.
var errReplyMarker = errors.New("sdk: a reply's text cannot contain " + markerContent)

// replyContent writes content as a reply to m with the documented markers.
func replyContent(m *Message, content string) (string, error) {
	if strings.Contains(content, markerContent) {
		return "", errReplyMarker
	}
	quote := m.Content
	if utf8.RuneCountInString(quote) > maxQuote {
		quote = string([]rune(quote)[:maxQuote])
	}
	return markerDialog + m.DialogID + markerID + strconv.FormatInt(m.ID, 10) + markerQuoted + quote + markerContent + content, nil
}

// multipartBody streams a multipart/form-data message: message[content],
// message[echo_id] and one attachments[] part per file. The body is written
// by a goroutine as the transport reads it; it ends when the transport
// closes the body, which it does on every path.
func multipartBody(content, echoID string, files []File) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := writeMultipart(mw, content, echoID, files)
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr, mw.FormDataContentType()
}

func writeMultipart(mw *multipart.Writer, content, echoID string, files []File) error {
	if content != "" {
		if err := mw.WriteField("message[content]", content); err != nil {
			return err
		}
	}
	if err := mw.WriteField("message[echo_id]", echoID); err != nil {
		return err
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", multipart.FileContentDisposition("attachments[]", f.Name))
		ct := f.ContentType
		if ct == "" {
			ct = mime.TypeByExtension(filepath.Ext(f.Name))
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		part, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		if _, err := io.Copy(part, f.Body); err != nil {
			return fmt.Errorf("sdk: read %s: %w", f.Name, err)
		}
	}
	return nil
}

// orNewEchoID returns echoID, or a new random one when it is empty.
func orNewEchoID(echoID string) string {
	if echoID != "" {
		return echoID
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// UpdateStatus sets the delivery status of messages of the conversation:
// status is StatusSent, StatusDelivered, StatusSeen or StatusFailed. A status
// never moves backwards; a message whose status does not change emits
// nothing. If any ID is not a message the contact can see, the whole call is
// an *Error of status 404 and changes nothing.
func (c *Client) UpdateStatus(ctx context.Context, status string, ids ...int64) error {
	return c.call(ctx, request{method: "PATCH", path: messagesPath + "/status",
		body: map[string]any{"status": status, "messageIds": ids}}, nil)
}

// MarkDelivered marks messages delivered; see UpdateStatus.
func (c *Client) MarkDelivered(ctx context.Context, ids ...int64) error {
	return c.UpdateStatus(ctx, StatusDelivered, ids...)
}

// MarkSeen marks messages seen; see UpdateStatus.
func (c *Client) MarkSeen(ctx context.Context, ids ...int64) error {
	return c.UpdateStatus(ctx, StatusSeen, ids...)
}

// Answer answers an interactive message of an agent or bot: value is the
// Value of one of a quick reply's buttons or of a card's postback buttons, or
// the text of a feedback (1 to 1,000 characters). For quick replies and cards
// the server also adds an incoming message with the button's title.
// Answering again with the same value changes nothing; any other message is
// an *Error of status 400.
func (c *Client) Answer(ctx context.Context, messageID int64, value string) error {
	return c.call(ctx, request{method: "PATCH", path: messagePath(messageID) + "/interactive-attribute",
		body: map[string]string{"selected_content_attribute_value": value}}, nil)
}

// Delete deletes one of the contact's own messages: it becomes a tombstone
// that stays in listings. Others' messages are an *Error of status 403;
// deleting a tombstone again succeeds and changes nothing.
func (c *Client) Delete(ctx context.Context, messageID int64) error {
	return c.call(ctx, request{method: "DELETE", path: messagePath(messageID)}, nil)
}

// React sets the contact's reaction on a message, replacing its earlier one;
// an empty emoji removes it. Only the emoji of Settings.Reactions are
// accepted (with or without U+FE0F variation selectors); others, and deleted
// messages, are an *Error of status 400.
func (c *Client) React(ctx context.Context, messageID int64, emoji string) error {
	var reaction *string
	if emoji != "" {
		reaction = &emoji
	}
	return c.call(ctx, request{method: "POST", path: messagePath(messageID) + "/reactions",
		body: map[string]*string{"reaction": reaction}}, nil)
}

func messagePath(id int64) string { return messagesPath + "/" + strconv.FormatInt(id, 10) }
