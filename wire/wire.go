// Package wire holds the JSON forms that more than one adapter sends, so
// that each is written once: the SDK API (package httpapi) and the push
// notifications (package delivery) show a message's attachments the same
// way. It imports only the root package.
package wire

import "github.com/novatalks/novatalks"

// Attachment is a file of a message as the SDK documentation shows it, in
// listings, realtime events and push notifications.
type Attachment struct {
	ID            int64   `json:"id"`
	MessageID     int64   `json:"message_id"`
	AccountID     int64   `json:"account_id"`
	FileType      string  `json:"file_type"`
	FallbackTitle *string `json:"fallback_title"`
	Extension     *string `json:"extension"`
	DataURL       string  `json:"data_url"`
	ThumbURL      string  `json:"thumb_url"`
	FileSize      int64   `json:"file_size"`
	MimeType      string  `json:"mime_type"`
}

// NewAttachments renders attachments with absolute URLs under base, the
// server's public URL; it never returns nil, so that an empty list is [] in
// JSON.
func NewAttachments(list []*novatalks.Attachment, base string) []Attachment {
	out := make([]Attachment, len(list))
	for i, a := range list {
		out[i] = Attachment{ID: a.ID, MessageID: a.MessageID, AccountID: a.AccountID, FileType: a.FileType,
			FallbackTitle: a.FallbackTitle, Extension: a.Extension, DataURL: novatalks.AbsoluteURL(base, a.DataURL),
			ThumbURL: novatalks.AbsoluteURL(base, a.ThumbURL), FileSize: a.FileSize, MimeType: a.MimeType}
	}
	return out
}
