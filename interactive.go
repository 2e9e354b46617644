package novatalks

import (
	"net/url"
	"strings"
)

// Button types of card messages.
const (
	ButtonLink     = "link"
	ButtonPostback = "postback"
)

// Button is one button of a card or quick_reply message.
type Button struct {
	Type  string // card buttons only: link or postback
	Title string
	URL   string // link buttons
	Value string // postback and quick_reply buttons
}

// Interactive is the typed view of the content_attributes of an interactive
// message.
type Interactive struct {
	ImageURL      string
	Buttons       []Button
	SelectedValue *string
}

// ParseInteractive reads the interactive fields of content attributes. Fields
// of the wrong type are treated as absent; ValidateInteractive reports them.
func ParseInteractive(attrs map[string]any) Interactive {
	var in Interactive
	in.ImageURL, _ = attrs["image_url"].(string)
	if v, ok := attrs["selected_value"].(string); ok {
		in.SelectedValue = &v
	}
	list, _ := attrs["buttons"].([]any)
	for _, item := range list {
		m, _ := item.(map[string]any)
		var b Button
		b.Type, _ = m["type"].(string)
		b.Title, _ = m["title"].(string)
		b.URL, _ = m["url"].(string)
		b.Value, _ = m["value"].(string)
		in.Buttons = append(in.Buttons, b)
	}
	return in
}

// IsInteractive reports whether contentType is one of the interactive types.
func IsInteractive(contentType string) bool {
	return contentType == ContentCard || contentType == ContentQuickReply || contentType == ContentFeedback
}

// ValidateInteractive checks the content attributes of an interactive message
// an agent or bot sends and returns an EINVALID error naming every problem.
func ValidateInteractive(contentType string, attrs map[string]any) error {
	var v invalid
	if !IsInteractive(contentType) {
		return nil
	}
	if raw, ok := attrs["image_url"]; ok && raw != nil {
		if s, ok := raw.(string); !ok || !isHTTPURL(s) {
			v.addf("content_attributes.image_url must be an http(s) URL")
		}
	}
	if contentType == ContentFeedback {
		return v.err()
	}
	list, ok := attrs["buttons"].([]any)
	if !ok || len(list) == 0 {
		v.addf("content_attributes.buttons must be a non-empty array for %s messages", contentType)
		return v.err()
	}
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			v.addf("content_attributes.buttons[%d] must be an object", i)
			continue
		}
		title, _ := m["title"].(string)
		if strings.TrimSpace(title) == "" {
			v.addf("content_attributes.buttons[%d].title must be a non-empty string", i)
		}
		value, _ := m["value"].(string)
		if contentType == ContentQuickReply {
			if value == "" {
				v.addf("content_attributes.buttons[%d].value must be a non-empty string", i)
			}
			continue
		}
		switch typ, _ := m["type"].(string); typ {
		case ButtonLink:
			if u, _ := m["url"].(string); !isHTTPURL(u) {
				v.addf("content_attributes.buttons[%d].url must be an http(s) URL", i)
			}
		case ButtonPostback:
			if value == "" {
				v.addf("content_attributes.buttons[%d].value must be a non-empty string", i)
			}
		default:
			v.addf("content_attributes.buttons[%d].type must be link or postback", i)
		}
	}
	return v.err()
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
