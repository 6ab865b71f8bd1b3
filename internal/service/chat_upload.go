package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	_ "image/gif" // GIF decoder for image.Decode
	"image/jpeg"
	"image/png"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gallra/gallra"
)

// Limits of a file sent in a chat.
const (
	// MaxChatFile is the largest file accepted (5 MB).
	MaxChatFile = 5 << 20
	// MaxChatImagePixels bounds an image's width × height before it is
	// decoded (a small file can claim a huge picture).
	MaxChatImagePixels = 40_000_000
)

// chatFileTypes are the types accepted, as sniffed from the content (what
// the file name or the browser claim is not trusted).
var chatFileTypes = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".png", // GIFs are re-encoded as PNG (first frame)
	"application/pdf": ".pdf", "text/plain": ".txt",
}

// checkChatFile validates a file and returns it cleaned: the type sniffed
// from the content, images decoded and re-encoded (dropping EXIF, GPS and
// any other metadata or trailing data), a safe file name.
func checkChatFile(filename string, data []byte) (gallra.ChatFile, error) {
	var f gallra.ChatFile
	if len(data) == 0 {
		return f, gallra.Errorf(gallra.EINVALID, "the file is empty")
	}
	if len(data) > MaxChatFile {
		return f, gallra.Errorf(gallra.ETOOLARGE, "the file is larger than %d MB", MaxChatFile>>20)
	}
	ct := http.DetectContentType(data)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ext, ok := chatFileTypes[ct]
	if !ok {
		return f, gallra.Errorf(gallra.EUNPROCESS, "files of this type (%s) cannot be sent; send a picture (JPEG, PNG, GIF), a PDF or a text file", ct)
	}
	if ct == "text/plain" && !utf8.Valid(data) {
		return f, gallra.Errorf(gallra.EUNPROCESS, "the text file is not UTF-8")
	}
	if strings.HasPrefix(ct, "image/") {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return f, gallra.Errorf(gallra.EUNPROCESS, "the picture cannot be read")
		}
		if cfg.Width*cfg.Height > MaxChatImagePixels || cfg.Width <= 0 || cfg.Height <= 0 {
			return f, gallra.Errorf(gallra.EUNPROCESS, "the picture is %d×%d pixels; send one of at most %d megapixels", cfg.Width, cfg.Height, MaxChatImagePixels/1_000_000)
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return f, gallra.Errorf(gallra.EUNPROCESS, "the picture cannot be read")
		}
		var out bytes.Buffer
		if ct == "image/jpeg" {
			err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
		} else {
			err = png.Encode(&out, img)
			ct = "image/png"
		}
		if err != nil {
			return f, gallra.Errorf(gallra.EUNPROCESS, "the picture cannot be re-encoded")
		}
		data = out.Bytes()
	}
	sum := sha256.Sum256(data)
	return gallra.ChatFile{Filename: safeFilename(filename, ext), ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Content: data}, nil
}

// safeFilename keeps the base name's letters, digits and a few marks
// (at most 100 characters) and gives it the extension of the real type.
func safeFilename(name, ext string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.TrimSuffix(name, path.Ext(name))
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '-' || r == '_' || r == ' ' || r == '.':
			b.WriteRune(r)
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', strings.ContainsRune("åäöÅÄÖéü", r):
			b.WriteRune(r)
		}
		if b.Len() >= 100 {
			break
		}
	}
	base := strings.Trim(b.String(), " .")
	if base == "" {
		base = "fil"
	}
	return base + ext
}

// VisitorUpload implements gallra.ChatLiveService.
func (c *ChatLive) VisitorUpload(ctx context.Context, a gallra.ChatVisitorAccess, filename string, data []byte) (*gallra.ChatEvent, error) {
	chat, err := c.visitorChat(ctx, a)
	if err != nil {
		return nil, err
	}
	f, err := checkChatFile(filename, data)
	if err != nil {
		return nil, err
	}
	if !c.msgLimit.Allow("v"+strconv.FormatInt(chat.ID, 10), c.d.Clock.Now()) {
		return nil, gallra.Errorf(gallra.ERATELIMIT, "too many messages at once; wait a moment and send again")
	}
	ev, err := c.d.DB.AddChatFile(ctx, chat.OrgID, chat.ID, nil, f)
	if err != nil {
		return nil, err
	}
	c.d.ChatHub.publish(gallra.ChatSignal{ChatID: chat.ID})
	return ev, nil
}

// VisitorFile implements gallra.ChatLiveService.
func (c *ChatLive) VisitorFile(ctx context.Context, a gallra.ChatVisitorAccess, fileID int64) (*gallra.ChatFile, error) {
	chat, err := c.visitorChat(ctx, a)
	if err != nil {
		return nil, err
	}
	return c.d.DB.ChatFile(ctx, chat.OrgID, chat.ID, fileID)
}

// AgentFile implements gallra.ChatLiveService.
func (c *ChatLive) AgentFile(ctx context.Context, staff *gallra.Staff, chatID, fileID int64) (*gallra.ChatFile, error) {
	chat, err := c.chat.chat(ctx, staff, gallra.PermViewChannel, chatID)
	if err != nil {
		return nil, err
	}
	return c.d.DB.ChatFile(ctx, chat.OrgID, chat.ID, fileID)
}
