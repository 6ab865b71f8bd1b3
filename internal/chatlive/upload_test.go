package chatlive_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// jpegWithGPS is a small JPEG with an EXIF segment holding a GPS marker.
func jpegWithGPS(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for i := range 32 {
		img.Set(i, i, color.RGBA{200, 10, 10, 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	exif := append([]byte("Exif\x00\x00"), []byte("GPSLatitude 59.3293 N GPSLongitude 18.0686 E")...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(exif)+2))
	out := append([]byte{}, raw[:2]...) // SOI
	out = append(out, seg...)
	out = append(out, exif...)
	return append(out, raw[2:]...)
}

// pngClaiming is a valid PNG header that claims w×h pixels.
func pngClaiming(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	// IHDR data starts after the 8-byte signature, length (4) and type (4).
	binary.BigEndian.PutUint32(raw[16:], w)
	binary.BigEndian.PutUint32(raw[20:], h)
	binary.BigEndian.PutUint32(raw[29:], crc32.ChecksumIEEE(raw[12:29]))
	return raw
}

func (s *srv) upload(id int64, token, name string, data []byte) (int, map[string]any) {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("token", token)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	mw.Close()
	res, err := http.Post(s.http.URL+fmt.Sprintf("/chat/api/%d/files", id), mw.FormDataContentType(), &body)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

// TestUploads: a picture is re-encoded without its EXIF/GPS data and
// reaches the stream as a file; the type comes from the content; too
// large files and picture bombs are refused; only the chat's own token
// downloads it; deleting the chat deletes its files.
func TestUploads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		fx := storetest.MustFixture(t, db, "Kommunen")
		s := newSrv(t, db, service.ChatHubConfig{})
		ch := fx.Channels[gallra.ModuleChat].ID
		id, tok := s.start(ch, "Här är en bild")
		id2, tok2 := s.start(ch, "En annan chatt")
		cl := s.dial(id, tok, 0)
		cl.waitEvent(body("Här är en bild"), 5*time.Second)

		orig := jpegWithGPS(t)
		if !bytes.Contains(orig, []byte("GPSLatitude")) {
			t.Fatal("test picture has no GPS data")
		}
		code, out := s.upload(id, tok, `C:\Users\vera\bild från mobilen.jpeg`, orig)
		if code != 201 {
			t.Fatalf("upload: %d %v", code, out)
		}
		ev := cl.waitEvent(func(e gallra.ChatEvent) bool { return e.File != nil }, 5*time.Second)
		if ev.File.ContentType != "image/jpeg" || ev.File.Filename != "bild från mobilen.jpg" {
			t.Errorf("file event = %+v", ev.File)
		}
		res, err := http.PostForm(s.http.URL+fmt.Sprintf("/chat/api/%d/files/%d", id, ev.File.ID), url.Values{"token": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || bytes.Contains(got, []byte("GPSLatitude")) || bytes.Contains(got, []byte("Exif")) {
			t.Errorf("download: %d, %d bytes, GPS data left: %v", res.StatusCode, len(got), bytes.Contains(got, []byte("GPSLatitude")))
		}
		if _, err := jpeg.Decode(bytes.NewReader(got)); err != nil {
			t.Errorf("the stored picture does not decode: %v", err)
		}
		if res.Header.Get("Content-Security-Policy") != "sandbox" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("download headers: %v", res.Header)
		}
		// Another chat's token, or the file through another chat: 404.
		for _, tc := range []struct {
			chat  int64
			token string
		}{{id, tok2}, {id2, tok2}} {
			res, err := http.PostForm(s.http.URL+fmt.Sprintf("/chat/api/%d/files/%d", tc.chat, ev.File.ID), url.Values{"token": {tc.token}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 404 {
				t.Errorf("file %d through chat %d: %d, want 404", ev.File.ID, tc.chat, res.StatusCode)
			}
		}
		for _, tc := range []struct {
			name string
			file string
			data []byte
			want int
		}{
			{"html named .jpg", "bild.jpg", []byte("<html><script>alert(1)</script></html>"), 422},
			{"executable", "a.pdf", append([]byte("MZ\x90\x00"), make([]byte, 100)...), 422},
			{"picture bomb", "b.png", pngClaiming(t, 100000, 100000), 422},
			{"broken picture", "c.png", pngClaiming(t, 10, 10)[:40], 422},
			{"empty", "d.txt", nil, 400},
			{"too large", "e.txt", bytes.Repeat([]byte("a"), 6<<20), 413},
		} {
			if code, out := s.upload(id, tok, tc.file, tc.data); code != tc.want {
				t.Errorf("%s: %d %v, want %d", tc.name, code, out, tc.want)
			}
		}
		if code, out := s.upload(id, tok, "anteckning.txt", []byte("Mitt ärende gäller bygglov.\n")); code != 201 {
			t.Errorf("text file: %d %v", code, out)
		}
		if n := rowCount(t, db, `SELECT COUNT(*) FROM chat_attachments`); n != 2 {
			t.Errorf("attachments stored = %d, want 2", n)
		}
		if code, out := s.post(fmt.Sprintf("/chat/api/%d/delete", id), map[string]any{"token": tok}); code != 200 {
			t.Fatalf("delete: %d %v", code, out)
		}
		if n := rowCount(t, db, `SELECT COUNT(*) FROM chat_attachments`); n != 0 {
			t.Errorf("attachments left after delete-now = %d", n)
		}
	})
}
