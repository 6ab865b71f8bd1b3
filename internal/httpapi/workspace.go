package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gallra/gallra"
)

// ConversationStatus is the body of PUT /conversations/{id}/status.
type ConversationStatus struct {
	Status gallra.ConversationStatus `json:"status"`
}

// ConversationAssignee is the body of PUT /conversations/{id}/assignee: a
// staff id, or 0 (or null) for nobody.
type ConversationAssignee struct {
	AssigneeID *int64 `json:"assignee_id"`
}

// NoteIn is the body of POST /conversations/{id}/notes.
type NoteIn struct {
	Body string `json:"body"`
}

// NoteList lists a conversation's internal notes, oldest first.
type NoteList struct {
	Items []gallra.Note `json:"items"`
}

// StaffRefList lists staff users by id and name.
type StaffRefList struct {
	Items []gallra.StaffRef `json:"items"`
}

// Signature is the staff user's own reply signature.
type Signature struct {
	Signature string `json:"signature"`
}

// workspaceRoutes are the staff workspace's (WorkspaceService): the same
// calls the web UI's workspace makes.
func (s *Server) workspaceRoutes(r *Router) {
	tags := []string{"workspace"}
	ws := s.svc.Workspace
	mail := gallra.SubjectMailConversation
	r.Handle(Route{Method: "GET", Path: "/api/v1/workspace/conversations", Summary: "List the conversations of every channel the caller may view, most recent activity first", Tags: tags, Auth: AuthStaff,
		Query: []Param{
			{Name: "channel_id", Type: "integer", Description: "one channel only"},
			{Name: "status", Type: "string", Enum: []string{"open", "waiting", "closed"}},
			{Name: "assignee", Type: "string", Description: "me, none, or a staff id"},
			{Name: "q", Type: "string", Description: "text in the subject, senders or messages"},
			{Name: "cursor", Type: "string", Description: "the next value of the previous page"},
			{Name: "limit", Type: "integer", Description: "1 to 100 (default 25)"},
		},
		Response: gallra.InboxPage{}, Errors: []string{gallra.ENOTFOUND}, Handler: s.listInbox})
	r.Handle(Route{Method: "GET", Path: "/api/v1/workspace/conversations/{id}", Summary: "Get a mail conversation with its notes and default recipient (the read is recorded in the access log)", Tags: tags, Auth: AuthStaff,
		Query: threadParams, Response: gallra.WorkspaceConversation{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			p, err := QueryThreadPage(r)
			if err != nil {
				return err
			}
			// One page of the thread (its byte budget bounds the answer).
			c, err := ws.Conversation(r.Context(), PrincipalFrom(r.Context()).Staff, id, p)
			if err != nil {
				return err
			}
			return WriteJSON(w, http.StatusOK, c)
		}})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/conversations/{id}/status", Summary: "Set a conversation's status", Tags: tags, Auth: AuthStaff,
		Request: ConversationStatus{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			return bodyNoContent(w, r, func(ctx context.Context, st *gallra.Staff, id int64, in ConversationStatus) error {
				return ws.SetStatus(ctx, st, mail, id, in.Status)
			})
		}})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/conversations/{id}/assignee", Summary: "Assign a conversation to a staff user who may work its channel, or to nobody", Tags: tags, Auth: AuthStaff,
		Request: ConversationAssignee{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			return bodyNoContent(w, r, func(ctx context.Context, st *gallra.Staff, id int64, in ConversationAssignee) error {
				var to int64
				if in.AssigneeID != nil {
					to = *in.AssigneeID
				}
				return ws.Assign(ctx, st, mail, id, to)
			})
		}})
	r.Handle(Route{Method: "GET", Path: "/api/v1/conversations/{id}/assignees", Summary: "List the staff users a conversation can be assigned to", Tags: tags, Auth: AuthStaff,
		Response: StaffRefList{}, Handler: byID(func(ctx context.Context, st *gallra.Staff, id int64) (StaffRefList, error) {
			l, err := ws.Assignees(ctx, st, mail, id)
			return StaffRefList{Items: l}, err
		})})
	r.Handle(Route{Method: "GET", Path: "/api/v1/conversations/{id}/notes", Summary: "List a conversation's internal notes, oldest first", Tags: tags, Auth: AuthStaff,
		Response: NoteList{}, Handler: byID(func(ctx context.Context, st *gallra.Staff, id int64) (NoteList, error) {
			l, err := ws.Notes(ctx, st, mail, id)
			return NoteList{Items: l}, err
		})})
	r.Handle(Route{Method: "POST", Path: "/api/v1/conversations/{id}/notes", Summary: "Write an internal note on a conversation (staff only, never sent)", Tags: tags, Auth: AuthStaff,
		Request: NoteIn{}, Response: gallra.Note{}, Status: http.StatusCreated, Handler: bodyByID(http.StatusCreated, func(ctx context.Context, st *gallra.Staff, id int64, in NoteIn) (*gallra.Note, error) {
			return ws.AddNote(ctx, st, mail, id, in.Body)
		})})
	r.Handle(Route{Method: "GET", Path: "/api/v1/me/signature", Summary: "Get your reply signature", Tags: tags, Auth: AuthStaff,
		Response: Signature{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			sig, err := ws.Signature(r.Context(), PrincipalFrom(r.Context()).Staff)
			if err != nil {
				return err
			}
			return WriteJSON(w, http.StatusOK, Signature{Signature: sig})
		}})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/me/signature", Summary: "Replace your reply signature (empty removes it)", Tags: tags, Auth: AuthStaff,
		Request: Signature{}, Response: Signature{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in Signature
			if err := DecodeJSON(r, &in); err != nil {
				return err
			}
			st := PrincipalFrom(r.Context()).Staff
			if err := ws.SetSignature(r.Context(), st, in.Signature); err != nil {
				return err
			}
			sig, err := ws.Signature(r.Context(), st)
			if err != nil {
				return err
			}
			return WriteJSON(w, http.StatusOK, Signature{Signature: sig})
		}})
}

// bodyNoContent decodes the JSON body, calls fn with the caller and the
// path's {id}, and answers 204.
func bodyNoContent[In any](w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, staff *gallra.Staff, id int64, in In) error) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in In
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := fn(r.Context(), PrincipalFrom(r.Context()).Staff, id, in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listInbox(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := gallra.InboxFilter{Status: gallra.ConversationStatus(q.Get("status")), Assignee: q.Get("assignee"), Q: q.Get("q"), Cursor: q.Get("cursor")}
	var err error
	if f.ChannelID, err = QueryID(r, "channel_id"); err != nil {
		return err
	}
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return gallra.Errorf(gallra.EINVALID, "limit must be between 1 and 100")
		}
		f.Limit = n
	}
	page, err := s.svc.Workspace.ListInbox(r.Context(), PrincipalFrom(r.Context()).Staff, f)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, page)
}
