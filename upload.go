package novatalks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"time"
)

// Uploads holds the files of one request while the request is read. Each
// file is stored in the BlobStore (and an image thumbnailed) as it arrives,
// before the transaction that records the message, because a transaction
// must never wait for slow I/O. A message that is sent takes the files over;
// Discard deletes every file no message took, so that a request that fails,
// is refused, turns out to be a retry (a known echo_id) or is cut off leaves
// nothing behind. A crash before Discard leaves files that
// Service.SweepOrphanBlobs removes later.
//
// An Uploads belongs to one request and is not safe for concurrent use.
type Uploads struct {
	s     *Service
	files []*Attachment
	taken bool
}

// NewUploads returns an empty Uploads for one request.
func (s *Service) NewUploads() *Uploads { return &Uploads{s: s} }

// Len returns how many files have been stored. A nil Uploads has none.
func (u *Uploads) Len() int {
	if u == nil {
		return 0
	}
	return len(u.files)
}

// Add stores one file, named name by the client, whose bytes r yields. The
// type is detected from the bytes. Images that can be decoded within
// Limits.MaxImagePixels also get a thumbnail; others keep their own URL as
// thumb_url. Add returns EINVALID for an empty file, ETOOLARGE when the request already holds
// Limits.MaxAttachments files or the file is larger than
// Limits.MaxAttachmentBytes, EUNSUPPORTED when the server stores no files,
// and r's own error when reading r fails (the request was cut off); nothing
// of the file is kept then.
func (u *Uploads) Add(ctx context.Context, name string, r io.Reader) error {
	s := u.s
	if s.Blobs == nil || s.Media == nil {
		return Errorf(EUNSUPPORTED, "this server does not store attachments")
	}
	if len(u.files) >= s.Limits.MaxAttachments {
		return Errorf(ETOOLARGE, "a message may have at most %d attachments", s.Limits.MaxAttachments)
	}
	name = CleanFileName(name)
	limited := &limitReader{r: r, left: s.Limits.MaxAttachmentBytes,
		err: Errorf(ETOOLARGE, "attachment %q is larger than %d bytes", name, s.Limits.MaxAttachmentBytes)}
	head, err := readHead(limited, MaxSniffBytes)
	if err != nil {
		return err
	} else if len(head) == 0 {
		return Errorf(EINVALID, "attachment %q is empty", name)
	}
	mimeType := s.Media.DetectType(head)
	a := &Attachment{FileType: FileTypeOf(mimeType), MimeType: mimeType, FileName: name,
		Extension: FileExtension(name), Key: s.NewToken()}
	size, err := s.Blobs.Put(ctx, a.Key, io.MultiReader(bytes.NewReader(head), limited))
	if err != nil {
		return err
	}
	a.FileSize = size
	u.files = append(u.files, a) // from here on Discard deletes it
	a.DataURL = FilePath(a.Key, name)
	a.ThumbURL = a.DataURL
	if a.FileType == FileImage {
		return u.thumbnail(ctx, a)
	}
	return nil
}

// thumbnail makes and stores the thumbnail of image attachment a. An image
// that cannot be thumbnailed (too many pixels, a format or data the probe
// cannot decode) simply keeps its own URL as thumb_url; only storage
// failures are errors.
func (u *Uploads) thumbnail(ctx context.Context, a *Attachment) error {
	s := u.s
	blob, err := s.Blobs.Open(ctx, a.Key)
	if err != nil {
		return err
	}
	th, err := s.Media.Thumbnail(ctx, blob, ThumbnailMaxSide, s.Limits.MaxImagePixels)
	blob.Close()
	switch ErrorCode(err) {
	case "":
	case ETOOLARGE, EUNSUPPORTED:
		return nil
	default:
		return err
	}
	key := s.NewToken()
	if _, err := s.Blobs.Put(ctx, key, bytes.NewReader(th.Data)); err != nil {
		return err
	}
	a.ThumbKey, a.ThumbMimeType = key, th.MimeType
	a.ThumbURL = FilePath(key, thumbnailName(th.MimeType))
	return nil
}

// thumbnailName is the file name thumbnails are served under.
func thumbnailName(mimeType string) string {
	if mimeType == "image/png" {
		return "thumbnail.png"
	}
	return "thumbnail.jpg"
}

// Discard deletes every stored file that no message has taken. It is safe
// to call more than once, on a nil Uploads and after a message took the
// files (it then does nothing). It does not use the request's cancellation,
// so that a request cut off by its client still cleans up; a file it fails
// to delete is left for Service.SweepOrphanBlobs.
func (u *Uploads) Discard(ctx context.Context) {
	if u == nil || u.taken || len(u.files) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	for _, a := range u.files {
		for _, key := range a.keys() {
			_ = u.s.Blobs.Delete(ctx, key)
		}
	}
	u.files = nil
}

// attach records the files as attachments of message m inside tx. The
// caller marks them taken once the transaction has committed.
func (u *Uploads) attach(ctx context.Context, tx Tx, m *Message) error {
	if u == nil {
		return nil
	}
	for _, a := range u.files {
		a.MessageID, a.AccountID = m.ID, m.AccountID
		if err := tx.CreateAttachment(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// attachments returns copies of the attachments attach wrote, in order, as
// the store reads them back; never nil.
func (u *Uploads) attachments() []*Attachment {
	out := make([]*Attachment, u.Len())
	for i := range out {
		a := *u.files[i]
		out[i] = &a
	}
	return out
}

// take marks the files as belonging to a committed message, so that Discard
// leaves them alone.
func (u *Uploads) take() {
	if u != nil {
		u.taken = true
	}
}

// keys returns the blob keys of an attachment: its file and its thumbnail.
func (a *Attachment) keys() []string {
	if a.ThumbKey == "" {
		return []string{a.Key}
	}
	return []string{a.Key, a.ThumbKey}
}

// FilesPath is the URL path under which the server serves attachments:
// FilesPath + key + "/" + name, under the server's public URL.
const FilesPath = "/files/"

// FilePath returns the path the server serves blob key at, offered as name,
// relative to its public URL. The name is only for people and download
// tools: the key alone finds the file.
func FilePath(key, name string) string {
	return FilesPath + key + "/" + url.PathEscape(name)
}

// AbsoluteURL returns path (an Attachment's DataURL or ThumbURL) under
// base, the server's public URL without a trailing slash. What is not a
// path (an absolute URL) is returned as it is, so base is never put in
// front twice.
func AbsoluteURL(base, path string) string {
	if strings.HasPrefix(path, "/") {
		return base + path
	}
	return path
}

// limitReader reads at most left bytes of r and then fails with err instead
// of reading on, so that an oversized file is refused as soon as it is.
type limitReader struct {
	r    io.Reader
	left int64
	err  error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One byte more tells a file of exactly the limit from a larger one.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			err = l.err
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// readHead reads up to max bytes of r: all of a shorter stream, whose end is
// not an error. Any other error of r is returned as it is (io.ReadFull would
// hide a reader's own io.ErrUnexpectedEOF, which is how a cut-off request
// body ends).
func readHead(r io.Reader, max int) ([]byte, error) {
	head := make([]byte, max)
	n := 0
	for n < max {
		m, err := r.Read(head[n:])
		n += m
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
	}
	return head[:n], nil
}

// File is an attachment's file (or thumbnail) opened to be served.
type File struct {
	*Blob
	Name     string // the file name to offer
	MimeType string
	// Inline says whether a browser may show the file in place (see
	// ServeInline); otherwise it is offered as a download.
	Inline bool
}

// OpenFile opens the file (or thumbnail) stored under key for serving. Keys
// are unguessable capabilities: whoever has an attachment's URL may read it,
// as with the documentation's plain URLs in pushes and <img> tags. Only files
// of existing, undeleted messages are served; anything else is ENOTFOUND.
// The caller closes the file.
func (s *Service) OpenFile(ctx context.Context, key string) (*File, error) {
	if s.Blobs == nil || !ValidBlobKey(key) {
		return nil, Errorf(ENOTFOUND, "file not found")
	}
	a, err := s.Store.FindAttachmentByKey(ctx, key)
	if err != nil {
		return nil, notFoundUnlessInternal(err, "file not found")
	}
	f := &File{Name: a.FileName, MimeType: a.MimeType}
	if key == a.ThumbKey {
		f.Name, f.MimeType = thumbnailName(a.ThumbMimeType), a.ThumbMimeType
	}
	f.Inline = ServeInline(f.MimeType)
	if f.Blob, err = s.Blobs.Open(ctx, key); err != nil {
		return nil, notFoundUnlessInternal(err, "file not found")
	}
	return f, nil
}

// blobSweepBatch is how many blobs one sweep step handles.
const blobSweepBatch = 500

// purgeBlobs deletes the blobs of deleted messages and then their durable
// deletion records. A blob that cannot be deleted keeps its record, so a
// later SweepBlobDeletions tries again. It returns how many were deleted.
func (s *Service) purgeBlobs(ctx context.Context, keys []string) (int, error) {
	if len(keys) == 0 || s.Blobs == nil {
		return 0, nil
	}
	var done []string
	var errs []error
	for _, key := range keys {
		if err := s.Blobs.Delete(ctx, key); err != nil {
			errs = append(errs, err)
			continue
		}
		done = append(done, key)
	}
	if len(done) > 0 {
		if err := s.Store.Update(ctx, func(tx Tx) error { return tx.DeleteBlobDeletions(ctx, done) }); err != nil {
			errs = append(errs, err)
		}
	}
	return len(done), errors.Join(errs...)
}

// purgeBlobsNow deletes the blobs of a message that was just deleted, on
// behalf of the request but without its cancellation. Whatever fails stays
// recorded for SweepBlobDeletions, so the request does not fail for it.
func (s *Service) purgeBlobsNow(ctx context.Context, keys []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	_, _ = s.purgeBlobs(ctx, keys)
}

// SweepBlobDeletions deletes the files of deleted messages that are still
// stored: a message's deletion records its blobs in the same transaction,
// and the deletion request removes them right after the commit; this sweep
// finishes the job when that failed or the process stopped in between. It
// returns how many blobs it deleted.
func (s *Service) SweepBlobDeletions(ctx context.Context) (int, error) {
	total := 0
	for {
		keys, err := s.Store.FindBlobDeletions(ctx, blobSweepBatch)
		if err != nil || len(keys) == 0 {
			return total, err
		}
		n, err := s.purgeBlobs(ctx, keys)
		total += n
		if err != nil || len(keys) < blobSweepBatch {
			return total, err
		}
	}
}

// SweepOrphanBlobs deletes stored blobs last changed before olderThan that
// no attachment refers to: files of requests that never committed (a crash
// between storing and recording them, a failed Discard) and any other
// leftover. olderThan must be earlier than the start of any request still
// being read, or that request's files could go before it commits: the HTTP
// server bounds how long an upload may take, and the sweeper's age is far
// longer. It returns how many blobs it deleted.
func (s *Service) SweepOrphanBlobs(ctx context.Context, olderThan time.Time) (int, error) {
	if s.Blobs == nil {
		return 0, nil
	}
	deleted := 0
	var batch []string
	flush := func() error {
		inUse, err := s.Store.FindBlobKeysInUse(ctx, batch)
		if err != nil {
			return err
		}
		for _, key := range batch {
			if inUse[key] {
				continue
			}
			if err := s.Blobs.Delete(ctx, key); err != nil {
				return err
			}
			deleted++
		}
		batch = batch[:0]
		return nil
	}
	err := s.Blobs.Walk(ctx, func(key string, modTime time.Time) error {
		if !modTime.Before(olderThan) {
			return nil
		}
		if batch = append(batch, key); len(batch) == blobSweepBatch {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	return deleted, err
}
