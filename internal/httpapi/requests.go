package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/takeout"
)

// RequestList is the JSON shape of GET /api/v1/requests.
type RequestList = List[gallra.SubjectRequest]

// CloseRequest is the body of POST /api/v1/requests/{id}/cancel and
// …/refuse.
type CloseRequest struct {
	// Reason says why (required); it is recorded and told to the person.
	Reason string `json:"reason"`
}

// AssignRequest is the body of POST /api/v1/requests/{id}/assign.
type AssignRequest struct {
	// AssigneeID is the staff user to handle the request (0: nobody).
	AssigneeID int64 `json:"assignee_id"`
}

// NoteRequest is the body of POST /api/v1/requests/{id}/notes.
type NoteRequest struct {
	Body string `json:"body"`
}

// RequestNoteList is the JSON shape of GET /api/v1/requests/{id}/notes.
type RequestNoteList struct {
	Items []gallra.RequestNote `json:"items"`
}

// ExtendRequest is the body of POST /api/v1/requests/{id}/extend.
type ExtendRequest struct {
	// Months to add to the deadline: 1 or 2 (at most 2 in total, Art. 12(3)).
	Months int    `json:"months"`
	Reason string `json:"reason"`
}

// requestRoutes registers the data-subject request endpoints, served by the
// takeout service from Config.Takeout (the same one serve's job runner uses,
// so both find the same artefacts).
func (s *Server) requestRoutes(r *Router) {
	svc := s.takeout
	tags := []string{"requests"}
	s.requestPreviewRoutes(r)
	r.Handle(Route{Method: "POST", Path: "/api/v1/requests", Summary: "Make a data-subject request (export or erasure)", Tags: tags, Auth: AuthStaff,
		Description: "The caller must be an editor of every channel in scope (403 lists missing_channel_ids); a scope without channels reaches only " +
			"person-level data (the person record and its custom fields) and is for admins only (403), and only an admin's request covers that data " +
			"(person_data). The caller must also attest that the person's identity " +
			"was verified: attestation must be exactly \"We have verified the person's identity.\" or \"Vi har bekräftat personens identitet.\" and " +
			"verification_method one of phone_call, email_reply, in_person, e_id, other (other needs verification_note); otherwise 422 and nothing is stored. " +
			"Small requests are processed before the response within a short time budget (status completed; the search for mentions follows in the " +
			"requests.process job: mentions_status pending); large or unfinished ones continue in that job (status received, processing or failed with retry_at). " +
			"Once stored, the request is always the answer (201 with its id, reference and status, failed with error when processing failed): never retry a 201. " +
			"With an Idempotency-Key header, a repeated call of the same staff user with the same key answers the stored request as it is now (201 again, with Idempotent-Replayed: true) instead of making another. " +
			"Send preview_fingerprint (from POST /api/v1/requests/preview) to confirm a preview: when the numbers changed since, the answer is 409 with " +
			"reason_code preview_stale and the fresh preview in details.preview, and nothing is stored.",
		Request: takeout.NewRequest{}, Response: gallra.SubjectRequest{}, Status: http.StatusCreated, Errors: []string{gallra.EUNPROCESS, gallra.ECONFLICT},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in takeout.NewRequest
			if err := DecodeJSON(r, &in); err != nil {
				return err
			}
			in.IdempotencyKey = r.Header.Get("Idempotency-Key")
			req, replayed, err := svc.SubmitKeyed(r.Context(), PrincipalFrom(r.Context()).Staff, in)
			if err != nil {
				return err
			}
			w.Header().Set("Location", fmt.Sprintf("/api/v1/requests/%d", req.ID))
			if replayed {
				w.Header().Set("Idempotent-Replayed", "true")
			}
			WriteJSON(w, http.StatusCreated, req)
			return nil
		}})
	r.Handle(Route{Method: "GET", Path: "/api/v1/requests", Summary: "List data-subject requests, newest first", Tags: tags, Auth: AuthStaff,
		Description: "Editors see the requests whose every channel they may act on (never those without channels). Open requests past due_at have overdue: true.",
		Response:    RequestList{},
		Query: []Param{{Name: "status", Type: "string", Enum: []string{"received", "processing", "completed", "failed", "cancelled", "refused", "waiting_on_hold"}},
			{Name: "reference", Type: "string", Description: "requests whose reference contains this (e.g. 0042)"},
			{Name: "assignee", Type: "string", Description: "a staff user's id, or none for unassigned requests"},
			{Name: "kind", Type: "string", Enum: []string{"export", "erase"}}, {Name: "overdue", Type: "boolean", Description: "only open requests past their deadline"},
			{Name: "limit", Type: "integer"}, {Name: "before_id", Type: "integer"}},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			page, err := QueryPage(r)
			if err != nil {
				return err
			}
			status, err := QueryEnum(r, "status", "received", "processing", "completed", "failed", "cancelled", "refused", "waiting_on_hold")
			if err != nil {
				return err
			}
			kind, err := QueryEnum(r, "kind", "export", "erase")
			if err != nil {
				return err
			}
			overdue, err := QueryEnum(r, "overdue", "true", "false")
			if err != nil {
				return err
			}
			f := gallra.RequestFilter{Status: gallra.RequestStatus(status), Kind: gallra.RequestKind(kind), Overdue: overdue == "true", Page: page,
				Reference: r.URL.Query().Get("reference")}
			if len(f.Reference) > 100 {
				return gallra.Errorf(gallra.EINVALID, "reference: at most 100 characters")
			}
			switch a := r.URL.Query().Get("assignee"); a {
			case "":
			case "none":
				f.Unassigned = true
			default:
				if f.AssigneeID, err = strconv.ParseInt(a, 10, 64); err != nil || f.AssigneeID <= 0 {
					return gallra.Errorf(gallra.EINVALID, "assignee: give a staff user's id or none")
				}
			}
			list, err := svc.List(r.Context(), PrincipalFrom(r.Context()).Staff, f)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, newList(list, page, func(r gallra.SubjectRequest) int64 { return r.ID }))
			return nil
		}})
	r.Handle(Route{Method: "GET", Path: "/api/v1/requests/{id}", Summary: "Get a data-subject request with its counts and mentions to review", Tags: tags, Auth: AuthStaff,
		Description: "mentions lists items by others that contain the person's e-mail address or phone number, for an editor to review; they are not exported or erased.",
		Response:    gallra.SubjectRequest{},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			req, err := svc.Get(r.Context(), PrincipalFrom(r.Context()).Staff, id)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, req)
			return nil
		}})
	r.Handle(Route{Method: "POST", Path: "/api/v1/requests/{id}/extend", Summary: "Extend a request's deadline by up to two months, with a reason", Tags: tags, Auth: AuthStaff,
		Request: ExtendRequest{}, Response: gallra.SubjectRequest{}, Errors: []string{gallra.ECONFLICT, gallra.EUNPROCESS},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var in ExtendRequest
			if err := DecodeJSON(r, &in); err != nil {
				return err
			}
			req, err := svc.Extend(r.Context(), PrincipalFrom(r.Context()).Staff, id, in.Months, in.Reason)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, req)
			return nil
		}})
	for _, c := range []struct {
		path, summary string
		do            func(*http.Request, int64, string) (*gallra.SubjectRequest, error)
	}{
		{"/api/v1/requests/{id}/cancel", "Cancel a received or failed request, with a reason", func(r *http.Request, id int64, reason string) (*gallra.SubjectRequest, error) {
			return svc.Cancel(r.Context(), PrincipalFrom(r.Context()).Staff, id, reason)
		}},
		{"/api/v1/requests/{id}/refuse", "Refuse a received or failed request as manifestly unfounded or excessive (Art. 12(5)), with the reason told to the person", func(r *http.Request, id int64, reason string) (*gallra.SubjectRequest, error) {
			return svc.Refuse(r.Context(), PrincipalFrom(r.Context()).Staff, id, reason)
		}},
	} {
		r.Handle(Route{Method: "POST", Path: c.path, Summary: c.summary, Tags: tags, Auth: AuthStaff,
			Description: "reason is required (400 without it). The letter to send the person is GET /api/v1/requests/{id}/letter?kind=refusal.",
			Request:     CloseRequest{}, Response: gallra.SubjectRequest{}, Errors: []string{gallra.ECONFLICT},
			Handler: func(w http.ResponseWriter, r *http.Request) error {
				id, err := PathID(r, "id")
				if err != nil {
					return err
				}
				var in CloseRequest
				if err := DecodeJSON(r, &in); err != nil {
					return err
				}
				req, err := c.do(r, id, in.Reason)
				if err != nil {
					return err
				}
				WriteJSON(w, http.StatusOK, req)
				return nil
			}})
	}
	r.Handle(Route{Method: "POST", Path: "/api/v1/requests/{id}/assign", Summary: "Assign a request to a staff user (0: nobody)", Tags: tags, Auth: AuthStaff,
		Request: AssignRequest{}, Response: gallra.SubjectRequest{}, Errors: []string{gallra.EUNPROCESS},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var in AssignRequest
			if err := DecodeJSON(r, &in); err != nil {
				return err
			}
			req, err := svc.Assign(r.Context(), PrincipalFrom(r.Context()).Staff, id, in.AssigneeID)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, req)
			return nil
		}})
	r.Handle(Route{Method: "GET", Path: "/api/v1/requests/{id}/notes", Summary: "List a request's internal notes, oldest first", Tags: tags, Auth: AuthStaff,
		Response: RequestNoteList{},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			notes, err := svc.Notes(r.Context(), PrincipalFrom(r.Context()).Staff, id)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, RequestNoteList{Items: notes})
			return nil
		}})
	r.Handle(Route{Method: "POST", Path: "/api/v1/requests/{id}/notes", Summary: "Add an internal note to a request (never sent to the person)", Tags: tags, Auth: AuthStaff,
		Request: NoteRequest{}, Response: gallra.RequestNote{}, Status: http.StatusCreated,
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var in NoteRequest
			if err := DecodeJSON(r, &in); err != nil {
				return err
			}
			n, err := svc.AddNote(r.Context(), PrincipalFrom(r.Context()).Staff, id, in.Body)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusCreated, n)
			return nil
		}})
	r.Handle(Route{Method: "GET", Path: "/api/v1/requests/{id}/letter", Summary: "Letter to the person about an extension or a refusal", Tags: tags, Auth: AuthStaff,
		Description: "kind=extension (Art. 12(3): the new due date and the reason) or kind=refusal (Art. 12(4): the reason and the person's remedies); " +
			"409 when the request was not extended or refused.",
		Response: takeout.Letter{}, Errors: []string{gallra.ECONFLICT},
		Query: []Param{{Name: "kind", Type: "string", Enum: []string{"extension", "refusal"}},
			{Name: "lang", Type: "string", Enum: []string{"sv", "en"}, Description: "default: the organisation's language"}},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			kind, err := QueryEnum(r, "kind", "extension", "refusal")
			if err != nil {
				return err
			}
			lang, err := QueryEnum(r, "lang", "sv", "en")
			if err != nil {
				return err
			}
			l, err := svc.Letter(r.Context(), PrincipalFrom(r.Context()).Staff, id, kind, lang)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, l)
			return nil
		}})
	r.Handle(Route{Method: "GET", Path: "/api/v1/request-settings", Summary: "The organisation's request settings (time zone, Art. 15(1) information)", Tags: tags, Auth: AuthStaff,
		Response: gallra.RequestSettings{},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			st, err := svc.Settings(r.Context(), PrincipalFrom(r.Context()).Staff)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, st)
			return nil
		}})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/request-settings", Summary: "Replace the organisation's request settings (admins)", Tags: tags, Auth: AuthStaff,
		Description: "time_zone is an IANA name (Europe/Stockholm); info holds the Art. 15(1) texts every export shows (empty ones are left out).",
		Request:     gallra.RequestSettings{}, Response: gallra.RequestSettings{},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in gallra.RequestSettings
			if err := DecodeJSON(r, &in); err != nil {
				return err
			}
			st, err := svc.SaveSettings(r.Context(), PrincipalFrom(r.Context()).Staff, in)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, st)
			return nil
		}})
	r.Handle(Route{Method: "POST", Path: "/api/v1/requests/{id}/process", Summary: "Process a request again (resume a failed or interrupted one)", Tags: tags, Auth: AuthStaff,
		Description: "Same rights as reading the request. A failed, interrupted or abandoned request resumes where it stopped (erasure counts stay exact); " +
			"a completed or cancelled one is returned unchanged; 409 while another worker is processing it. Work beyond a short time budget " +
			"continues in the requests.process job.",
		Response: gallra.SubjectRequest{}, Errors: []string{gallra.ECONFLICT, gallra.EUNPROCESS},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			req, err := svc.Rerun(r.Context(), PrincipalFrom(r.Context()).Staff, id)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, req)
			return nil
		}})
	r.Handle(Route{Method: "GET", Path: "/api/v1/requests/{id}/artefact", Summary: "Download an export's ZIP (audited)", Tags: tags, Auth: AuthStaff,
		Description: "404 once the artefact has expired (GALLRA_ARTEFACT_TTL, default 7 days). An export with person-level data (person_data) is for admins only (403).",
		Response:    RawBody{ContentType: "application/zip"},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			f, req, err := svc.OpenArtefact(r.Context(), PrincipalFrom(r.Context()).Staff, id)
			if err != nil {
				return err
			}
			defer f.Close()
			h := w.Header()
			h.Set("Content-Type", "application/zip")
			h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="gallra-export-%d.zip"`, req.ID))
			h.Set("Content-Length", strconv.FormatInt(req.Artefact.Size, 10))
			w.WriteHeader(http.StatusOK)
			_, _ = io.Copy(w, f)
			return nil
		}})
	r.Handle(Route{Method: "GET", Path: "/api/v1/requests/{id}/receipt", Summary: "Receipt of a completed request, to send to the person", Tags: tags, Auth: AuthStaff,
		Description: "Dates, modules and counts; never the erased data or the e-mail address. 409 until the request is completed.",
		Response:    takeout.Receipt{}, Alternatives: []any{RawBody{ContentType: "text/plain"}},
		Query: []Param{{Name: "lang", Type: "string", Enum: []string{"sv", "en"}, Description: "default: the organisation's language"},
			{Name: "format", Type: "string", Enum: []string{"json", "text"}, Description: "text answers text/plain"}}, Errors: []string{gallra.ECONFLICT},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			lang, err := QueryEnum(r, "lang", "sv", "en")
			if err != nil {
				return err
			}
			format, err := QueryEnum(r, "format", "json", "text")
			if err != nil {
				return err
			}
			rc, err := svc.Receipt(r.Context(), PrincipalFrom(r.Context()).Staff, id, lang)
			if err != nil {
				return err
			}
			if format == "text" {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, rc.Text)
				return nil
			}
			WriteJSON(w, http.StatusOK, rc)
			return nil
		}})
}
