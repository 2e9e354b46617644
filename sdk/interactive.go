package sdk

import "encoding/json"

// Button types of card messages.
const (
	// ButtonLink opens URL; pressing it answers nothing.
	ButtonLink = "link"
	// ButtonPostback answers the card with Value.
	ButtonPostback = "postback"
)

// Button is one button of a card or quick reply message. Make the buttons an
// agent sends with LinkButton, PostbackButton and ReplyButton.
type Button struct {
	// Type is ButtonLink or ButtonPostback on cards and "" on quick replies.
	Type  string `json:"type,omitempty"`
	Title string `json:"title"`
	// URL is the address a link button opens.
	URL string `json:"url,omitempty"`
	// Value is what Client.Answer sends when the contact picks the button.
	Value string `json:"value,omitempty"`
}

// LinkButton returns a card button that opens url (http or https).
func LinkButton(title, url string) Button { return Button{Type: ButtonLink, Title: title, URL: url} }

// PostbackButton returns a card button that answers the card with value.
func PostbackButton(title, value string) Button {
	return Button{Type: ButtonPostback, Title: title, Value: value}
}

// ReplyButton returns a quick reply button that answers with value.
func ReplyButton(title, value string) Button { return Button{Title: title, Value: value} }

// Answers reports whether picking the button answers its message (with
// Client.Answer and Value): true for quick reply buttons and card postback
// buttons, false for link buttons.
func (b Button) Answers() bool { return b.Type != ButtonLink && b.Value != "" }

// Card is the content of a card message: a title, an optional image and
// buttons that open a link or answer the card. Message.Card reads one; an
// agent sends one with AgentClient.SendInteractive.
type Card struct {
	Title    string
	ImageURL string
	Buttons  []Button
	// Selected is the value the contact answered with, or "".
	Selected string
}

// QuickReply is the content of a quick reply message: a question and the
// buttons that answer it. Message.QuickReply reads one; an agent sends one
// with AgentClient.SendInteractive.
type QuickReply struct {
	Text     string
	ImageURL string
	Buttons  []Button
	// Selected is the value the contact answered with, or "".
	Selected string
}

// Feedback is a request for free-text feedback. Message.Feedback reads one;
// an agent sends one with AgentClient.SendInteractive.
type Feedback struct {
	Question string
	// Answer is the contact's feedback, or "".
	Answer string
}

// interactiveAttributes is the content_attributes of an interactive message.
type interactiveAttributes struct {
	ImageURL string   `json:"image_url,omitempty"`
	Buttons  []Button `json:"buttons,omitempty"`
	Selected string   `json:"selected_value,omitempty"`
}

// Interactive is the content of an interactive message an agent sends: a
// Card, a QuickReply or a Feedback. Selected values and answers are the
// contact's and are not sent.
type Interactive interface {
	// interactive returns the message's content, content type and content
	// attributes.
	interactive() (content, contentType string, attrs interactiveAttributes)
}

func (c Card) interactive() (string, string, interactiveAttributes) {
	return c.Title, ContentCard, interactiveAttributes{ImageURL: c.ImageURL, Buttons: c.Buttons}
}

func (q QuickReply) interactive() (string, string, interactiveAttributes) {
	return q.Text, ContentQuickReply, interactiveAttributes{ImageURL: q.ImageURL, Buttons: q.Buttons}
}

func (f Feedback) interactive() (string, string, interactiveAttributes) {
	return f.Question, ContentFeedback, interactiveAttributes{}
}

// interactive decodes m's content attributes when m has contentType. Fields
// of the wrong type are left empty.
func (m *Message) interactive(contentType string) (a interactiveAttributes, ok bool) {
	if m.ContentType != contentType {
		return a, false
	}
	if b, err := json.Marshal(m.ContentAttributes); err == nil {
		_ = json.Unmarshal(b, &a)
	}
	return a, true
}

// Card returns the card of a card message; ok is false for other messages.
func (m *Message) Card() (c Card, ok bool) {
	a, ok := m.interactive(ContentCard)
	return Card{Title: m.Content, ImageURL: a.ImageURL, Buttons: a.Buttons, Selected: a.Selected}, ok
}

// QuickReply returns the question and buttons of a quick reply message; ok is
// false for other messages.
func (m *Message) QuickReply() (q QuickReply, ok bool) {
	a, ok := m.interactive(ContentQuickReply)
	return QuickReply{Text: m.Content, ImageURL: a.ImageURL, Buttons: a.Buttons, Selected: a.Selected}, ok
}

// SubmittedValue returns the value of the button the contact picked, when m
// is the incoming message the server adds for an answer to a quick reply or
// a card's postback button (its content is the button's title), else "".
func (m *Message) SubmittedValue() string {
	v, _ := m.ContentAttributes["submitted_value"].(string)
	return v
}

// Feedback returns the feedback request of a feedback message; ok is false
// for other messages.
func (m *Message) Feedback() (f Feedback, ok bool) {
	a, ok := m.interactive(ContentFeedback)
	return Feedback{Question: m.Content, Answer: a.Selected}, ok
}
