// Package media implements novatalks.MediaProbe: it tells the type of a file
// from its bytes (github.com/gabriel-vasile/mimetype) and makes thumbnails
// of JPEG, PNG, GIF and WebP images (the standard decoders,
// golang.org/x/image/webp and golang.org/x/image/draw).
//
// JPEG thumbnails follow the photo's EXIF orientation (read from its APP1
// segment), as browsers do when they show the photo itself.
//
// Decoding is the one costly step, in memory and CPU, and its input is
// untrusted: Thumbnail reads the image's header first and refuses, without
// decoding, images with more pixels than the caller allows, and a Probe
// decodes at most a fixed number of images at a time. A decoded image takes
// up to 4 bytes per pixel, so the peak memory of thumbnailing is about
// concurrency × maxPixels × 4 bytes.
package media

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime"

	"github.com/gabriel-vasile/mimetype"
	"github.com/novatalks/novatalks"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Probe is a novatalks.MediaProbe. It is safe for concurrent use.
type Probe struct {
	sem chan struct{}
}

var _ novatalks.MediaProbe = (*Probe)(nil)

// NewProbe returns a Probe that decodes at most concurrency images at a time
// (at least one).
func NewProbe(concurrency int) *Probe {
	return &Probe{sem: make(chan struct{}, max(concurrency, 1))}
}

// DetectType implements novatalks.MediaProbe.
func (p *Probe) DetectType(head []byte) string {
	mt, _, err := mime.ParseMediaType(mimetype.Detect(head).String())
	if err != nil {
		return "application/octet-stream"
	}
	return mt
}

// decoders are the image formats Thumbnail decodes, by the name
// image.DecodeConfig reports. Only these are registered with the image
// package by this package's imports.
var decoders = map[string]struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	"jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"png":  {png.DecodeConfig, png.Decode},
	"gif":  {gif.DecodeConfig, gif.Decode},
	"webp": {webp.DecodeConfig, webp.Decode},
}

// Thumbnail implements novatalks.MediaProbe. Images with transparency become
// PNG thumbnails, others JPEG. A JPEG's EXIF orientation is applied, so that
// a phone's photo is upright in its thumbnail as browsers show the photo.
func (p *Probe) Thumbnail(ctx context.Context, r io.ReadSeeker, maxSide int, maxPixels int64) (*novatalks.Thumbnail, error) {
	format, cfg, err := readConfig(r)
	if err != nil {
		return nil, err
	}
	if err := CheckPixels(cfg.Width, cfg.Height, maxPixels); err != nil {
		return nil, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.sem }()
	img, err := decoders[format].decode(r)
	if err != nil {
		return nil, novatalks.Errorf(novatalks.EUNSUPPORTED, "the image cannot be decoded: %v", err)
	}
	orientation := 1
	if format == "jpeg" {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		orientation = jpegOrientation(r)
	}
	return encode(orient(scale(img, maxSide), orientation))
}

// readConfig reads the format and dimensions of the image r without
// decoding it; EUNSUPPORTED when it is not an image this package decodes.
func readConfig(r io.Reader) (string, image.Config, error) {
	cfg, format, err := image.DecodeConfig(r)
	if _, ok := decoders[format]; err != nil || !ok {
		return "", cfg, novatalks.Errorf(novatalks.EUNSUPPORTED, "not an image the server can thumbnail")
	}
	return format, cfg, nil
}

// CheckPixels returns ETOOLARGE when an image of width × height has more
// than maxPixels pixels, and EUNSUPPORTED for dimensions that are not
// positive. It never overflows.
func CheckPixels(width, height int, maxPixels int64) error {
	if width <= 0 || height <= 0 {
		return novatalks.Errorf(novatalks.EUNSUPPORTED, "the image has no pixels")
	}
	if int64(width) > maxPixels/int64(height) {
		return novatalks.Errorf(novatalks.ETOOLARGE, "the image has more than %d pixels", maxPixels)
	}
	return nil
}

// Fit returns the size of a width × height image scaled down to fit in a
// square of maxSide pixels, keeping its proportions (never enlarged, never
// below one pixel).
func Fit(width, height, maxSide int) (int, int) {
	if width <= maxSide && height <= maxSide {
		return width, height
	}
	if width >= height {
		return maxSide, max(1, int(int64(height)*int64(maxSide)/int64(width)))
	}
	return max(1, int(int64(width)*int64(maxSide)/int64(height))), maxSide
}

// scale returns img scaled to fit in maxSide, as NRGBA.
func scale(img image.Image, maxSide int) *image.NRGBA {
	b := img.Bounds()
	w, h := Fit(b.Dx(), b.Dy(), maxSide)
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	} else {
		xdraw.BiLinear.Scale(dst, dst.Bounds(), img, b, xdraw.Src, nil)
	}
	return dst
}

// encode writes a thumbnail: PNG when it has transparent pixels, else JPEG.
func encode(img *image.NRGBA) (*novatalks.Thumbnail, error) {
	var buf bytes.Buffer
	th := &novatalks.Thumbnail{Width: img.Rect.Dx(), Height: img.Rect.Dy()}
	if img.Opaque() {
		th.MimeType = "image/jpeg"
		// An opaque NRGBA image has the same bytes as an RGBA one, which
		// the JPEG encoder has a fast path for.
		rgba := &image.RGBA{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect}
		if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: 82}); err != nil {
			return nil, err
		}
	} else {
		th.MimeType = "image/png"
		if err := png.Encode(&buf, img); err != nil {
			return nil, err
		}
	}
	th.Data = buf.Bytes()
	return th, nil
}
