package httpapi

import (
	"net/http"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/takeout"
)

// RequestPreviewInput is the body of POST /api/v1/requests/preview: the
// scope of the request to preview (as in POST /api/v1/requests).
type RequestPreviewInput struct {
	Kind        gallra.RequestKind `json:"kind"`
	Email       string             `json:"email"`
	Modules     []gallra.Module    `json:"modules,omitempty"`
	ChannelIDs  []int64            `json:"channel_ids,omitempty"`
	ForumAction string             `json:"forum_action,omitempty"`
}

// requestPreviewRoutes registers POST /api/v1/requests/preview: the first
// of the two steps of a request (preview, then confirm with
// preview_fingerprint on POST /api/v1/requests).
func (s *Server) requestPreviewRoutes(r *Router) {
	svc := s.takeout
	r.Handle(Route{Method: "POST", Path: "/api/v1/requests/preview", Summary: "Preview a data-subject request: counts per channel and what stays, and why", Tags: []string{"requests"}, Auth: AuthStaff,
		Description: "Takes the scope of POST /api/v1/requests (kind, email, modules, channel_ids, forum_action) and answers, without storing anything, what the request " +
			"would reach per channel (items), and what an erasure would leave: items in topics or conversations under a legal hold (held, held_items — " +
			"the erasure waits on them: status waiting_on_hold), forum posts others replied to (placeholders), mail conversations shared with other " +
			"customers (only the person's messages go), others' replies under the person's social items (they go with them), and whether the person " +
			"record is covered (person_data: admins only). Send its fingerprint as preview_fingerprint when making the request: if the numbers changed " +
			"meanwhile the request is refused with 409, reason_code preview_stale and the fresh preview in details.preview. Same rights as making the request.",
		Request: RequestPreviewInput{}, Response: takeout.Preview{}, Errors: []string{gallra.EINVALID, gallra.EFORBIDDEN},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in RequestPreviewInput
			if err := DecodeJSON(r, &in); err != nil {
				return err
			}
			p, err := svc.Preview(r.Context(), PrincipalFrom(r.Context()).Staff, takeout.NewRequest{Kind: in.Kind, Email: in.Email,
				Modules: in.Modules, ChannelIDs: in.ChannelIDs, ForumAction: in.ForumAction})
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, p)
			return nil
		}})
}
