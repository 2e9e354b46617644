package novatalks

import (
	"strconv"
	"strings"
)

// The reply markers of the SDK documentation:
// [RepliedMessageDialogId:]D[RepliedMessageId:]ID[RepliedContent:]T[Content:]C
const (
	markerDialog  = "[RepliedMessageDialogId:]"
	markerID      = "[RepliedMessageId:]"
	markerQuoted  = "[RepliedContent:]"
	markerContent = "[Content:]"
)

// ParseReplyMarkers splits SDK message content written with the reply markers.
// It returns the replied message ID and the real content C. ok is false when
// content does not start with the markers, in which case content is a plain
// message. It returns an EINVALID error when the markers start the content but
// are incomplete, out of order or carry an ID that is not a positive integer.
// The quoted text T and the dialog D are informational: the server takes both
// from the replied message itself.
func ParseReplyMarkers(content string) (replyTo int64, text string, ok bool, err error) {
	if !strings.HasPrefix(content, markerDialog) {
		return 0, content, false, nil
	}
	rest := content[len(markerDialog):]
	i := strings.Index(rest, markerID)
	if i < 0 {
		return 0, "", false, Errorf(EINVALID, "reply markers must include %s", markerID)
	}
	rest = rest[i+len(markerID):]
	j := strings.Index(rest, markerQuoted)
	if j < 0 {
		return 0, "", false, Errorf(EINVALID, "reply markers must include %s", markerQuoted)
	}
	id, perr := strconv.ParseInt(strings.TrimSpace(rest[:j]), 10, 64)
	if perr != nil || id <= 0 {
		return 0, "", false, Errorf(EINVALID, "the replied message id must be a positive integer")
	}
	rest = rest[j+len(markerQuoted):]
	// The quoted text may itself contain anything but the last [Content:]
	// marker ends it: the real content is what follows that.
	k := strings.LastIndex(rest, markerContent)
	if k < 0 {
		return 0, "", false, Errorf(EINVALID, "reply markers must include %s", markerContent)
	}
	return id, rest[k+len(markerContent):], true, nil
}
