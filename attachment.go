package novatalks

import (
	"context"
	"io"
	"mime"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// File types of attachments, as the SDK documentation names them.
const (
	FileImage = "image"
	FileAudio = "audio"
	FileVideo = "video"
	FileOther = "file"
)

// FileTypeOf returns the file_type of a media type: image, audio or video
// for those top-level types, file for anything else (and for "").
func FileTypeOf(mimeType string) string {
	top, _, _ := strings.Cut(mediaType(mimeType), "/")
	switch top {
	case FileImage, FileAudio, FileVideo:
		return top
	}
	return FileOther
}

// inlineTypes are the media types a browser may show in place. They are
// passive formats: none can run script in the server's origin.
var inlineTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "image/avif": true,
	"image/bmp": true, "application/pdf": true,
}

// ServeInline reports whether a file of mimeType may be shown by a browser in
// place (Content-Disposition: inline): raster images, audio, video and PDF.
// Everything else, and in particular the active types (HTML, SVG, XML,
// JavaScript, CSS) and plain text, is offered as a download (attachment), so
// that a file never runs as a page of the server's origin even when a user
// opens its URL.
func ServeInline(mimeType string) bool {
	mt := mediaType(mimeType)
	if strings.HasPrefix(mt, "audio/") || strings.HasPrefix(mt, "video/") {
		return true
	}
	return inlineTypes[mt]
}

// mediaType returns the lower-case type/subtype of a media type, without
// parameters; "" when it cannot be parsed.
func mediaType(s string) string {
	mt, _, err := mime.ParseMediaType(s)
	if err != nil {
		return ""
	}
	return mt
}

// MaxFileNameBytes bounds the file names the server keeps.
const MaxFileNameBytes = 255

// CleanFileName returns the base name of a file name a client sent: no
// folders (either kind of slash), no control characters, at most
// MaxFileNameBytes bytes of valid UTF-8 (the extension kept when it is cut).
// It returns "file" when nothing usable is left.
func CleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	if len(name) > MaxFileNameBytes {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		stem := name[:MaxFileNameBytes-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = stem + ext
	}
	return name
}

// FileExtension returns the extension of a file name in lower case without
// the dot ("png" for "Photo.PNG"), or nil when the name has none or it is not
// 1 to 16 letters and digits. It comes from the name only: the type of the
// bytes is MimeType.
func FileExtension(name string) *string {
	ext := strings.TrimPrefix(path.Ext(name), ".")
	if ext == "" || len(ext) > 16 || ext == strings.TrimPrefix(name, ".") {
		return nil
	}
	for _, c := range ext {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return nil
		}
	}
	ext = strings.ToLower(ext)
	return &ext
}

// ValidBlobKey reports whether key can name a blob: 16 to 64 letters and
// digits. Keys the server makes are tokens (NewToken), so a valid key is
// also a safe file name and URL path segment.
func ValidBlobKey(key string) bool {
	if len(key) < 16 || len(key) > 64 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Blob is a stored file opened for reading. It seeks, so that HTTP range
// requests read only what they ask for. The caller closes it.
type Blob struct {
	io.ReadSeekCloser
	Size    int64
	ModTime time.Time
}

// BlobStore keeps the bytes of attachments under keys (see ValidBlobKey).
// Implementations are safe for concurrent use. Every method returns
// EINVALID for a key that is not valid.
type BlobStore interface {
	// Put stores everything r yields under key, which must not exist yet
	// (ECONFLICT otherwise), and returns how many bytes it stored. It reads
	// r as a stream, never holding the whole file in memory. When Put
	// returns an error nothing is left under key; the error is r's own when
	// reading r failed. When Put returns nil the bytes are durable.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open returns the blob stored under key; ENOTFOUND when there is none.
	Open(ctx context.Context, key string) (*Blob, error)
	// Delete removes the blob under key. Deleting a key that holds nothing
	// is not an error, so that deletions can be retried.
	Delete(ctx context.Context, key string) error
	// Walk calls fn with the key and modification time of every stored blob,
	// in no particular order, stopping at the first error fn returns. Blobs
	// put or deleted while Walk runs may or may not be seen.
	Walk(ctx context.Context, fn func(key string, modTime time.Time) error) error
}

// MaxSniffBytes is how many leading bytes of a file MediaProbe.DetectType is
// given.
const MaxSniffBytes = 4096

// ThumbnailMaxSide is the longest side, in pixels, of a thumbnail.
const ThumbnailMaxSide = 320

// Thumbnail is a small image made from an image attachment.
type Thumbnail struct {
	Data          []byte
	MimeType      string // image/jpeg, or image/png for images with transparency
	Width, Height int
}

// MediaProbe reads the bytes of files: it tells their type and makes
// thumbnails of images. Implementations are safe for concurrent use.
type MediaProbe interface {
	// DetectType returns the media type (without parameters) of a file whose
	// first bytes are head (at most MaxSniffBytes; all of a shorter file).
	// It never trusts a name or a client's claim, and returns
	// application/octet-stream when it cannot tell.
	DetectType(head []byte) string
	// Thumbnail decodes the image r and returns it scaled to fit in a square
	// of maxSide pixels (never enlarged). It reads the image's dimensions
	// before decoding and returns ETOOLARGE, without decoding, when the image
	// has more than maxPixels pixels, and EUNSUPPORTED when it cannot decode
	// the format (or the data is corrupt).
	Thumbnail(ctx context.Context, r io.ReadSeeker, maxSide int, maxPixels int64) (*Thumbnail, error)
}
