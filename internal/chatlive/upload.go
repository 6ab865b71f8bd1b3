package chatlive

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/gallra/gallra"
)

// MaxUploadBody bounds an upload request: a file of the service's limit
// (5 MB) with room for the form around it; anything bigger is refused
// before it is read whole.
const MaxUploadBody = 5<<20 + 64<<10

// upload takes a multipart form with the token and one file.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return gallra.Errorf(gallra.EINVALID, "send the file as multipart/form-data with the fields token and file")
	}
	var token, name string
	var data []byte
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return gallra.Errorf(gallra.ETOOLARGE, "the file is larger than 5 MB")
			}
			return gallra.Errorf(gallra.EINVALID, "the upload form does not parse")
		}
		switch p.FormName() {
		case "token":
			b, err := io.ReadAll(io.LimitReader(p, 1024))
			if err != nil {
				return gallra.Errorf(gallra.EINVALID, "the upload form does not parse")
			}
			token = string(b)
		case "file":
			name = p.FileName()
			if data, err = io.ReadAll(p); err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return gallra.Errorf(gallra.ETOOLARGE, "the file is larger than 5 MB")
				}
				return gallra.Errorf(gallra.EINVALID, "the upload was cut short")
			}
		}
		p.Close()
	}
	if data == nil {
		return gallra.Errorf(gallra.EINVALID, "the form has no file")
	}
	ev, err := h.svc.VisitorUpload(r.Context(), gallra.ChatVisitorAccess{ChatID: id, Token: token}, name, data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ev)
	return nil
}

// download answers a file of the visitor's chat (token in the form).
func (h *Handler) download(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fid, err := pathID(r, "file")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "the form does not parse")
	}
	f, err := h.svc.VisitorFile(r.Context(), gallra.ChatVisitorAccess{ChatID: id, Token: r.PostForm.Get("token")}, fid)
	if err != nil {
		return err
	}
	ServeFile(w, f)
	return nil
}

// ServeFile writes a chat file as a download that the browser never
// renders in Gallra's origin.
func ServeFile(w http.ResponseWriter, f *gallra.ChatFile) {
	hd := w.Header()
	hd.Set("Content-Type", f.ContentType)
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Filename}))
	hd.Set("Content-Length", strconv.Itoa(len(f.Content)))
	hd.Set("Content-Security-Policy", "sandbox")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.Content)
}
