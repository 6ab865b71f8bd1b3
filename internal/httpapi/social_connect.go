package httpapi

import (
	"io"
	"net/http"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/social"
)

// SocialReplyInput is a reply written in Gallra, posted to the platform.
type SocialReplyInput struct {
	Body string `json:"body"`
}

// SocialDeletionList lists deletions carried to the platform.
type SocialDeletionList struct {
	Items []gallra.SocialDeletionState `json:"items"`
}

// WebhookAck answers an accepted webhook delivery.
type WebhookAck struct {
	Received bool `json:"received"`
}

func (s *Server) socialConnectRoutes(r *Router) {
	tags := []string{"social"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/social-account", Summary: "A social channel's connection to its page (never the token)", Tags: tags,
		Auth: AuthStaff, Response: gallra.SocialAccount{}, Handler: byID(s.svc.SocialConnect.Account)})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/channels/{id}/social-account", Summary: "Connect a social channel to a Facebook page (and its Instagram account); an empty token keeps the stored one", Tags: tags,
		Auth: AuthAdmin, Permission: gallra.PermManageChannels, Request: gallra.SocialAccountSettings{}, Response: gallra.SocialAccount{},
		Errors: []string{gallra.EUNPROCESS, gallra.ECONFLICT}, Handler: bodyByID(http.StatusOK, s.svc.SocialConnect.Connect)})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/channels/{id}/social-account", Summary: "Disconnect a social channel and forget its token (mirrored items stay)", Tags: tags,
		Auth: AuthAdmin, Permission: gallra.PermManageChannels, Handler: s.disconnectSocial})
	r.Handle(Route{Method: "POST", Path: "/api/v1/channels/{id}/social-items/{item}/replies", Summary: "Post a reply to a mirrored item on the platform", Tags: tags,
		Auth: AuthStaff, Request: SocialReplyInput{}, Response: gallra.SocialItem{}, Status: http.StatusCreated,
		Errors: []string{gallra.EUNPROCESS, gallra.EUNAVAILABLE}, Handler: s.replySocial})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/channels/{id}/social-items/{item}/platform",
		Summary:     "Delete a mirrored item here and on the platform",
		Description: "The item and its replies go here at once; the deletion on the platform is queued and retried, its result listed under social-deletions.",
		Tags:        tags, Auth: AuthStaff, Response: SocialRemoved{}, Handler: s.deleteSocialItem})
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/social-deletions", Summary: "Deletions carried to the platform and their result, newest first", Tags: tags,
		Auth: AuthStaff, Response: SocialDeletionList{}, Handler: s.socialDeletions})

	// What Meta calls: the webhook (subscription check and deliveries) and
	// the Data Deletion Callback. Public, verified by Meta's signatures.
	r.Handle(Route{Method: "GET", Path: "/api/v1/social/meta/webhook", Summary: "Meta webhook subscription check (hub.mode, hub.verify_token, hub.challenge)", Tags: tags,
		Auth: AuthPublic, Response: RawBody{ContentType: "text/plain"},
		Query:  []Param{{Name: "hub.mode", Type: "string"}, {Name: "hub.verify_token", Type: "string"}, {Name: "hub.challenge", Type: "string"}},
		Errors: []string{gallra.EUNAUTHORIZED, gallra.ENOTFOUND}, Handler: s.metaSubscribe})
	r.Handle(Route{Method: "POST", Path: "/api/v1/social/meta/webhook",
		Summary:     "Meta webhook delivery, signed with X-Hub-Signature-256",
		Description: "Answered 200 once the signature is checked and the delivery stored; it is processed by the social.webhooks job.",
		Tags:        tags, Auth: AuthPublic, NoRateLimit: true, MaxBody: social.MaxDelivery, Response: WebhookAck{},
		Errors: []string{gallra.EUNAUTHORIZED, gallra.ENOTFOUND, gallra.ETOOLARGE}, Handler: s.metaWebhook})
	r.Handle(Route{Method: "POST", Path: "/api/v1/social/meta/data-deletion",
		Summary:     "Meta Data Deletion Callback (form field signed_request)",
		Description: "Removes the user's mirrored items and answers {url, confirmation_code}; url is the status page.",
		Tags:        tags, Auth: AuthPublic, NoRateLimit: true, MaxBody: 16 << 10, Response: gallra.SocialDeletionRequestState{},
		Errors: []string{gallra.EUNAUTHORIZED, gallra.ENOTFOUND}, Handler: s.metaDataDeletion})
	r.Handle(Route{Method: "GET", Path: "/api/v1/social/deletion/{code}", Summary: "State of a platform's data deletion request", Tags: tags,
		Auth: AuthPublic, PathParams: []Param{{Name: "code", Type: "string", Description: "confirmation code"}},
		Response: gallra.SocialDeletionRequestState{}, Handler: s.socialDeletionStatus})
}

func (s *Server) disconnectSocial(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.svc.SocialConnect.Disconnect(r.Context(), PrincipalFrom(r.Context()).Staff, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) replySocial(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	item, err := PathID(r, "item")
	if err != nil {
		return err
	}
	var in SocialReplyInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := s.svc.SocialConnect.Reply(r.Context(), PrincipalFrom(r.Context()).Staff, id, item, in.Body)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) deleteSocialItem(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	item, err := PathID(r, "item")
	if err != nil {
		return err
	}
	n, err := s.svc.SocialConnect.Delete(r.Context(), PrincipalFrom(r.Context()).Staff, id, item)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, SocialRemoved{Deleted: n})
	return nil
}

func (s *Server) socialDeletions(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.svc.SocialConnect.Deletions(r.Context(), PrincipalFrom(r.Context()).Staff, id, 200)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, SocialDeletionList{Items: list})
	return nil
}

func (s *Server) metaSubscribe(w http.ResponseWriter, r *http.Request) error {
	ch, err := s.svc.SocialPlatform.VerifySubscription(r.Context(), gallra.PlatformMeta, r.URL.Query())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, ch)
	return nil
}

func (s *Server) metaWebhook(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return gallra.Errorf(gallra.ETOOLARGE, "delivery is larger than %d bytes or was cut off", social.MaxDelivery)
	}
	if err := s.svc.SocialPlatform.ReceiveWebhook(r.Context(), gallra.PlatformMeta, r.Header, body); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, WebhookAck{Received: true})
	return nil
}

func (s *Server) metaDataDeletion(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "the body must be a form with signed_request")
	}
	st, err := s.svc.SocialPlatform.DataDeletion(r.Context(), gallra.PlatformMeta, r.PostForm)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) socialDeletionStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.svc.SocialPlatform.DataDeletionStatus(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, st)
	return nil
}
