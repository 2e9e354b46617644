package novatalks

// Limits are the input limits the server enforces (CONTRACT.md, "Limits").
type Limits struct {
	MaxBodyBytes             int64 // JSON request bodies
	MaxContentChars          int   // message content, in characters
	MaxAttachments           int   // attachments per message
	MaxAttachmentBytes       int64 // one attachment
	MaxImagePixels           int64 // the largest image (width × height) the server decodes to make a thumbnail
	MaxNameChars             int   // contact name
	MaxEmailChars            int   // contact email
	MaxCustomAttributesBytes int   // custom_attributes, as JSON
	MaxEchoIDChars           int   // echo_id
	MaxFeedbackChars         int   // a feedback answer
	MaxPushTokenChars        int   // one push token
	MaxStatusIDs             int   // message IDs in one status update
}

// DefaultLimits returns the limits of CONTRACT.md.
func DefaultLimits() Limits {
	return Limits{
		MaxBodyBytes:             1 << 20,
		MaxContentChars:          10000,
		MaxAttachments:           10,
		MaxAttachmentBytes:       40 << 20,
		MaxImagePixels:           50_000_000,
		MaxNameChars:             255,
		MaxEmailChars:            74,
		MaxCustomAttributesBytes: 16 << 10,
		MaxEchoIDChars:           255,
		MaxFeedbackChars:         1000,
		MaxPushTokenChars:        4096,
		MaxStatusIDs:             1000,
	}
}

// MaxMultipartBytes bounds a multipart/form-data request body: every
// attachment at its largest, plus MaxBodyBytes for the text fields and the
// multipart framing.
func (l Limits) MaxMultipartBytes() int64 {
	return int64(l.MaxAttachments)*l.MaxAttachmentBytes + l.MaxBodyBytes
}
