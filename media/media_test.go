package media_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/media"
)

func encoded(tb testing.TB, w, h int, format string, alpha bool) []byte {
	tb.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	a := uint8(255)
	if alpha {
		a = 0
	}
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 90, a})
		}
	}
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestDetectType(t *testing.T) {
	p := media.NewProbe(1)
	for _, tc := range []struct {
		name string
		head []byte
		want string
	}{
		{"PNG", encoded(t, 4, 4, "png", false), "image/png"},
		{"JPEG", encoded(t, 4, 4, "jpeg", false), "image/jpeg"},
		{"GIF", encoded(t, 4, 4, "gif", false), "image/gif"},
		{"PDF", []byte("%PDF-1.4\n1 0 obj\n"), "application/pdf"},
		{"MP3FrameSync", []byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0}, "audio/mpeg"},
		{"HTML", []byte("<!DOCTYPE html><html><script>x</script>"), "text/html"},
		{"SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), "image/svg+xml"},
		{"Text", []byte("hello\n"), "text/plain"},
		{"Binary", []byte{0, 1, 2, 3, 250, 251}, "application/octet-stream"},
	} {
		if got := p.DetectType(tc.head); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestThumbnail(t *testing.T) {
	p := media.NewProbe(2)
	ctx := context.Background()
	for _, tc := range []struct {
		name, format string
		w, h         int
		alpha        bool
		wantType     string
		wantW, wantH int
	}{
		{"WidePNG", "png", 1000, 500, false, "image/jpeg", 320, 160},
		{"TallJPEG", "jpeg", 200, 640, false, "image/jpeg", 100, 320},
		{"SmallIsKept", "png", 40, 30, false, "image/jpeg", 40, 30},
		{"TransparentPNG", "png", 640, 640, true, "image/png", 320, 320},
		{"GIF", "gif", 321, 10, false, "image/jpeg", 320, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th, err := p.Thumbnail(ctx, bytes.NewReader(encoded(t, tc.w, tc.h, tc.format, tc.alpha)), 320, 50_000_000)
			if err != nil {
				t.Fatal(err)
			}
			img, format, err := image.Decode(bytes.NewReader(th.Data))
			if err != nil {
				t.Fatal(err)
			}
			if "image/"+format != tc.wantType || th.MimeType != tc.wantType || img.Bounds().Dx() != tc.wantW ||
				img.Bounds().Dy() != tc.wantH || th.Width != tc.wantW || th.Height != tc.wantH {
				t.Errorf("thumbnail %s %dx%d (%s %dx%d), want %s %dx%d", format, img.Bounds().Dx(), img.Bounds().Dy(),
					th.MimeType, th.Width, th.Height, tc.wantType, tc.wantW, tc.wantH)
			}
		})
	}

	t.Run("ErrTooLarge", func(t *testing.T) {
		data := encoded(t, 200, 100, "png", false)
		if _, err := p.Thumbnail(ctx, bytes.NewReader(data), 320, 19_999); novatalks.ErrorCode(err) != novatalks.ETOOLARGE {
			t.Errorf("err = %v", err)
		}
		// A header that claims 100,000 × 100,000 pixels (40 GB decoded) is
		// refused before anything is allocated.
		binary.BigEndian.PutUint32(data[16:], 100_000)
		binary.BigEndian.PutUint32(data[20:], 100_000)
		binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
		if _, err := p.Thumbnail(ctx, bytes.NewReader(data), 320, 50_000_000); novatalks.ErrorCode(err) != novatalks.ETOOLARGE {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("ErrUnsupported", func(t *testing.T) {
		good := encoded(t, 50, 50, "png", false)
		for name, data := range map[string][]byte{
			"NotAnImage": []byte("%PDF-1.4"),
			"SVG":        []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`),
			"Truncated":  good[:len(good)/2],
		} {
			if _, err := p.Thumbnail(ctx, bytes.NewReader(data), 320, 50_000_000); novatalks.ErrorCode(err) != novatalks.EUNSUPPORTED {
				t.Errorf("%s: err = %v", name, err)
			}
		}
	})

	t.Run("CanceledWhileWaiting", func(t *testing.T) {
		busy := media.NewProbe(1)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		// The slot is free, but a canceled caller may still be refused;
		// it must never hang.
		_, _ = busy.Thumbnail(cctx, bytes.NewReader(encoded(t, 10, 10, "png", false)), 320, 100)
	})
}

func TestCheckPixels(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		max  int64
		want string
	}{
		{100, 100, 10_000, ""},
		{100, 101, 10_000, novatalks.ETOOLARGE},
		{1 << 30, 1 << 30, 50_000_000, novatalks.ETOOLARGE},
		{0, 10, 100, novatalks.EUNSUPPORTED},
		{10, -1, 100, novatalks.EUNSUPPORTED},
		{7071, 7071, 50_000_000, ""},
		{7072, 7071, 50_000_000, novatalks.ETOOLARGE},
	} {
		if got := novatalks.ErrorCode(media.CheckPixels(tc.w, tc.h, tc.max)); got != tc.want {
			t.Errorf("CheckPixels(%d, %d, %d) = %q, want %q", tc.w, tc.h, tc.max, got, tc.want)
		}
	}
}

func TestFit(t *testing.T) {
	for _, tc := range []struct{ w, h, side, wantW, wantH int }{
		{800, 600, 320, 320, 240},
		{600, 800, 320, 240, 320},
		{320, 320, 320, 320, 320},
		{100, 50, 320, 100, 50},
		{10000, 1, 320, 320, 1},
		{1, 10000, 320, 1, 320},
	} {
		if w, h := media.Fit(tc.w, tc.h, tc.side); w != tc.wantW || h != tc.wantH {
			t.Errorf("Fit(%d, %d, %d) = %d×%d, want %d×%d", tc.w, tc.h, tc.side, w, h, tc.wantW, tc.wantH)
		}
	}
}

// withOrientation inserts an EXIF APP1 segment with orientation o (big
// endian, as cameras write) after the SOI marker of a JPEG.
func withOrientation(jpg []byte, o byte) []byte {
	exif := []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")
	exif[6+8+2+8+1] = o
	seg := append([]byte{0xFF, 0xE1, 0, byte(len(exif) + 2)}, exif...)
	return append(append(append([]byte{}, jpg[:2]...), seg...), jpg[2:]...)
}

func TestThumbnailOrientation(t *testing.T) {
	// Stored 80 × 40: the left half red, the right half blue.
	img := image.NewNRGBA(image.Rect(0, 0, 80, 40))
	for y := range 40 {
		for x := range 80 {
			c := color.NRGBA{255, 0, 0, 255}
			if x >= 40 {
				c = color.NRGBA{0, 0, 255, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	red := func(c color.Color) bool { r, _, b, _ := c.RGBA(); return r > 0xC000 && b < 0x4000 }
	for _, tc := range []struct {
		o            byte
		w, h         int
		redAt, other image.Point // a pixel that must be red, one that must not
	}{
		{1, 80, 40, image.Pt(5, 20), image.Pt(75, 20)},
		{3, 80, 40, image.Pt(75, 20), image.Pt(5, 20)}, // turned 180°: red on the right
		{6, 40, 80, image.Pt(20, 5), image.Pt(20, 75)}, // turned clockwise: red on top
		{8, 40, 80, image.Pt(20, 75), image.Pt(20, 5)}, // turned counterclockwise: red at the bottom
	} {
		th, err := media.NewProbe(1).Thumbnail(context.Background(), bytes.NewReader(withOrientation(buf.Bytes(), tc.o)), 320, 1e6)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := image.Decode(bytes.NewReader(th.Data))
		if err != nil {
			t.Fatal(err)
		}
		if got.Bounds().Dx() != tc.w || got.Bounds().Dy() != tc.h || !red(got.At(tc.redAt.X, tc.redAt.Y)) || red(got.At(tc.other.X, tc.other.Y)) {
			t.Errorf("orientation %d: %v, red at %v: %v", tc.o, got.Bounds(), tc.redAt, got.At(tc.redAt.X, tc.redAt.Y))
		}
	}
}
